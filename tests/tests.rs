mod load;
mod source;

mod store;
mod files;
mod runner;
mod worker;
