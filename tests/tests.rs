mod load;
mod store;
