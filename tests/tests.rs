mod load;
mod template;
mod validate;
