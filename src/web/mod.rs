//! The axum router: status pages, JSON API, webhooks, health and metrics.

pub mod api;
pub mod status;
