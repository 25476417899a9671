mod load;
mod source;
