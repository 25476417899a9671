mod engine;
mod gitops;
mod load;
mod source;

mod files;
mod runner;
mod store;
mod triggers;
mod validate;
mod web;
