mod engine;
mod load;
mod source;

mod files;
mod jdbc;
mod runner;
mod engine;
mod load;
mod store;
mod template;
mod worker;
mod scripts;
mod http_tasks;
mod store;
mod template;
mod validate;
