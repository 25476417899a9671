//! The web side through a real HTTP server on 127.0.0.1:0 over a real SQLite store: the JSON API,
//! access control, problem+json errors, the status pages and their escaping, and (when chromium
//! is installed) the pages in a headless browser.

mod access;
mod api;
mod browser;
mod daemon;
mod harness;
mod pages;
mod readiness;
mod uploads;
