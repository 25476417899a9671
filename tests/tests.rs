mod load;
mod source;

mod store;
mod files;
mod runner;
mod store;
mod validate;
