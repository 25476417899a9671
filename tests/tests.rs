mod load;
mod source;

mod files;
mod jdbc;
mod runner;
mod engine;
mod load;
mod store;
mod template;
mod store;
mod validate;
