
mod template;
