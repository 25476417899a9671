//! The `Store` trait and its SQLite and Postgres implementations.
//!
//! `model` is the execution model (pure data). `Store` (in `interface`) is the one trait every
//! component reads and writes through; `open_store` picks a backend from a URL. Migrations live
//! in `migrations/<backend>/` and are embedded in the binary.

mod error;
mod filter;
mod interface;
pub mod model;
mod notify;
mod open;
pub mod postgres;
mod rows;
pub mod sqlite;
mod transition;

pub use error::{StoreError, StoreResult};
pub use filter::{ExecutionFilter, LogFilter, Page};
pub use interface::Store;
pub use notify::{ALL_CHANNELS, Channel, Hub, Subscription};
pub use open::open_store;
pub use transition::Transition;
