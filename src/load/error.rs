//! `LoadError`: everything that can go wrong turning a file into a document, with where.

use super::positions::Pos;

/// Why a file could not be loaded; variants that have a place in the file expose it via
/// [`LoadError::position`], and every variant has a stable [`LoadError::code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file is larger than `Limits::max_bytes`.
    #[error("file is {size} bytes, more than the limit of {max} bytes")]
    TooLarge { size: u64, max: usize },
    /// The file contains a NUL byte.
    #[error("binary file: NUL byte at offset {offset} (line {})", pos.line)]
    Binary { offset: usize, pos: Pos },
    /// The file is not valid UTF-8.
    #[error("file is not UTF-8: invalid byte at offset {offset} (line {})", pos.line)]
    NotUtf8 { offset: usize, pos: Pos },
    /// The file holds no document (empty, or only comments).
    #[error("file is empty (no YAML document)")]
    Empty,
    /// The YAML scanner or parser rejected the text.
    #[error("YAML syntax error at line {}, column {}: {message}", pos.line, pos.column)]
    Syntax { message: String, pos: Pos },
    /// The file holds more than one YAML document.
    #[error("more than one YAML document in the file (second starts at line {})", pos.line)]
    MultiDocument { pos: Pos },
    /// A mapping has the same key twice.
    #[error("duplicate key `{key}` (first at line {})", first.line)]
    DuplicateKey { key: String, pos: Pos, first: Pos },
    /// Sequences and mappings are nested deeper than `Limits::max_depth`.
    #[error("nesting deeper than {max} levels")]
    TooDeep { max: usize, pos: Pos },
    /// Expanding aliases produces more than `Limits::max_nodes` nodes.
    #[error("document expands to more than {max} nodes (alias bomb?)")]
    AliasBomb { max: usize, pos: Pos },
    /// The document's pointers (one per node) exceed `Limits::max_pointer_bytes`.
    #[error(
        "the paths to this document's values total more than {max} bytes \
         (a very long key above many values?)"
    )]
    TooManyPathBytes { max: usize, pos: Pos },
    /// An alias refers to the node that contains it.
    #[error("alias refers to the node that contains it")]
    RecursiveAlias { pos: Pos },
    /// A tag other than the YAML core ones (`!!str`, `!!int`, ...).
    #[error("unsupported tag `{tag}`")]
    UnsupportedTag { tag: String, pos: Pos },
    /// A core tag applied to text it cannot describe (`!!int abc`).
    #[error("`{value}` is not a valid `{tag}`")]
    InvalidTaggedValue {
        tag: String,
        value: String,
        pos: Pos,
    },
    /// A mapping key that is a sequence or a mapping.
    #[error("mapping keys must be scalars")]
    ComplexKey { pos: Pos },
    /// A merge key `<<` whose value is not a mapping or a list of mappings.
    #[error("merge key `<<` needs a mapping or a list of mappings")]
    BadMerge { pos: Pos },
    /// A path that leaves the tree root (`..`, absolute, or a symlink pointing outside).
    #[error("`{path}` is outside the repository root")]
    OutsideRoot { path: String },
    /// Reading the tree failed.
    #[error("cannot read `{path}`: {message}")]
    Io {
        path: String,
        kind: std::io::ErrorKind,
        message: String,
    },
}

impl LoadError {
    /// Where in the file the problem is, when it has a place.
    pub fn position(&self) -> Option<Pos> {
        match self {
            Self::Binary { pos, .. }
            | Self::NotUtf8 { pos, .. }
            | Self::Syntax { pos, .. }
            | Self::MultiDocument { pos }
            | Self::DuplicateKey { pos, .. }
            | Self::TooDeep { pos, .. }
            | Self::AliasBomb { pos, .. }
            | Self::TooManyPathBytes { pos, .. }
            | Self::RecursiveAlias { pos }
            | Self::UnsupportedTag { pos, .. }
            | Self::InvalidTaggedValue { pos, .. }
            | Self::ComplexKey { pos }
            | Self::BadMerge { pos } => Some(*pos),
            Self::TooLarge { .. } | Self::Empty | Self::OutsideRoot { .. } | Self::Io { .. } => {
                None
            }
        }
    }

    /// Stable short code, used as the diagnostic code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too-large",
            Self::Binary { .. } => "binary",
            Self::NotUtf8 { .. } => "not-utf8",
            Self::Empty => "empty",
            Self::Syntax { .. } => "yaml-syntax",
            Self::MultiDocument { .. } => "multi-document",
            Self::DuplicateKey { .. } => "duplicate-key",
            Self::TooDeep { .. } => "too-deep",
            Self::AliasBomb { .. } => "alias-bomb",
            Self::TooManyPathBytes { .. } => "too-many-path-bytes",
            Self::RecursiveAlias { .. } => "recursive-alias",
            Self::UnsupportedTag { .. } => "unsupported-tag",
            Self::InvalidTaggedValue { .. } => "invalid-tagged-value",
            Self::ComplexKey { .. } => "complex-key",
            Self::BadMerge { .. } => "bad-merge",
            Self::OutsideRoot { .. } => "outside-root",
            Self::Io { .. } => "io",
        }
    }

    /// Builds an [`LoadError::Io`] for `path`.
    pub(crate) fn io(path: &str, err: &std::io::Error) -> Self {
        Self::Io {
            path: path.to_owned(),
            kind: err.kind(),
            message: err.to_string(),
        }
    }
}
