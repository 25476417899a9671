mod engine;
mod load;
mod store;
mod template;
