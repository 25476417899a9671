//! Limits that bound the time and memory one YAML file may cost.

/// Bounds applied to every parsed document; exceeding one is an error, never a truncation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes; checked before parsing.
    pub max_bytes: usize,
    /// Deepest accepted nesting of sequences and mappings.
    pub max_depth: usize,
    /// Most JSON nodes one document may produce once aliases are expanded.
    pub max_nodes: usize,
    /// Most bytes of JSON pointer text (one pointer per node, kept for diagnostics) one
    /// document may produce: each node's pointer repeats its ancestors' keys, so one long key
    /// above many small values would otherwise cost key length x nodes (a 1 MiB file, 12 GB).
    pub max_pointer_bytes: usize,
}

impl Default for Limits {
    /// 1 MiB, 64 levels, 200,000 nodes, 32 MiB of pointers: far above any real flow, far
    /// below what hurts.
    fn default() -> Self {
        Self {
            max_bytes: 1024 * 1024,
            max_depth: 64,
            max_nodes: 200_000,
            max_pointer_bytes: 32 * 1024 * 1024,
        }
    }
}
