
mod load;
mod validate;
