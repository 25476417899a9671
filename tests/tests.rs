mod load;
mod source;

mod store;
mod files;
mod runner;
mod template;
mod validate;
