mod load;
mod source;

mod files;
mod hostile;
mod runner;
mod store;
mod template;
mod validate;
