mod load;
mod validate;
