mod load;
mod source;
mod store;
