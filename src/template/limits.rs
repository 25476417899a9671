//! Sandbox limits applied to every render.

/// Bounds on what one render may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest rendered output, in bytes.
    pub max_output_bytes: usize,
    /// minijinja fuel (instructions) per render; stops runaway loops.
    pub fuel: u64,
    /// How deep `render()` may nest.
    pub max_render_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_output_bytes: 10 * 1024 * 1024,
            fuel: 5_000_000,
            max_render_depth: 10,
        }
    }
}
