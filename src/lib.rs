//! baton: a Git-backed, declarative workflow orchestrator speaking Kestra's flow syntax.
//!
//! Data flows through the modules in this order (see ARCHITECTURE in the repository):
//! `source -> load -> validate -> deploy -> trigger -> engine -> worker -> runner`, with `store`
//! underneath and `web` on top.

pub mod cli;
pub mod deploy;
pub mod engine;
pub mod files;
pub mod load;
pub mod runner;
pub mod source;
pub mod spec;
pub mod store;
pub mod tasks;
pub mod template;
pub mod trigger;
pub mod validate;
pub mod web;
pub mod worker;
