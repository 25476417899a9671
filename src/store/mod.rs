//! The `Store` trait and its SQLite and Postgres implementations.
