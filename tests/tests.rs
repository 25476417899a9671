
mod files;
mod runner;
