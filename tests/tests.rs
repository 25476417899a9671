mod engine;
mod load;
mod source;

mod store;
mod files;
mod runner;
mod worker;
mod scripts;
mod http_tasks;
