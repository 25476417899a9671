//! The typed properties of every task type baton implements, one file per family. Each struct
//! holds only the type's own properties; the common ones (`id`, `retry`, `timeout`, ...) live in
//! `TaskCommon`. Properties that Kestra lets users template are `String`, `Value` or `Templated`.

pub mod core;
pub mod flowable;
pub mod http;
pub mod jdbc;
pub mod script;
