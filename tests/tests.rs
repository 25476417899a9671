mod engine;
mod gitops;
mod load;
mod source;
mod store;
mod triggers;
mod validate;
