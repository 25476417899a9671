
mod store;
