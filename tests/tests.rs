mod load;
mod source;

mod files;
mod jdbc;
mod runner;
mod template;
mod store;
mod validate;
