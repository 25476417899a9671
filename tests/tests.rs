mod engine;
mod load;
mod source;
mod store;
mod validate;
