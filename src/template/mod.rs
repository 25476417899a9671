//! The minijinja environment: Kestra variables, functions, filters and sandbox limits.
//!
//! Templates enter as strings or JSON values from task properties (`Renderer::render_*`) and
//! from the validator (`check_syntax`); Pebble-only syntax (`??`, `? :`, `contains`, `null`) is
//! rewritten to Jinja first (`pebble`), then minijinja renders with strict undefined, fuel and
//! an output bound. The outside world (secrets, KV, files, clock) comes through
//! `TemplateServices`; secrets returned are recorded so the caller can `mask` them.

mod collections;
mod context;
mod dates;
mod encoding;
mod error;
mod functions;
mod handle;
mod jq;
mod json;
mod lexer;
mod limits;
mod pebble;
mod references;
mod renderer;
mod segments;
mod syntax;
mod text;

pub use context::{
    EnvServices, RenderContext, TemplateServices, decode_secret, envs_from_process, mask,
};
pub use error::TemplateError;
pub use functions::EACH_PATH_VAR;
pub use limits::Limits;
pub use renderer::Renderer;
pub use syntax::check_syntax;
