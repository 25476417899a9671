//! What each runnable task does (log, return, sleep, http, kv, jdbc, scripts -> command spec).
pub mod jdbc;
