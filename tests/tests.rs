mod engine;
mod load;
mod store;
