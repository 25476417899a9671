//! YAML bytes -> JSON value + JSON-Pointer -> line/column map; walking a repo tree (`flows/`,
//! `namespaces/`) from a directory or, through the [`Tree`] trait, a Git tree.
//!
//! Data enters as bytes (from a [`Tree`] or a path given on the command line) and leaves as a
//! [`Document`]: a `serde_json::Value` that `spec` turns into a typed flow, plus the
//! [`Positions`] that `validate` uses to put a line and column on every diagnostic. Hostile input
//! (alias bombs, deep nesting, huge or binary files) is refused with a [`LoadError`] before it can
//! cost much time or memory.

mod builder;
mod error;
mod limits;
mod merge;
mod positions;
pub mod repo;
mod scalar;
pub mod tree;
pub mod yaml;

pub use error::LoadError;
pub use limits::Limits;
pub use positions::{Pos, Positions, escape_segment};
pub use repo::{
    FlowFile, NamespaceAsset, NamespaceFile, PathError, RepoFiles, load_paths, load_repo,
    namespace_of_path,
};
pub use tree::{DirTree, Tree};
pub use yaml::{Document, parse_document, parse_str};
