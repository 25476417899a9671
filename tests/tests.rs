mod engine;
mod load;
mod source;

mod files;
mod runner;
mod store;
mod validate;
mod web;
