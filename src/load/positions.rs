//! Where each value of a document came from: RFC 6901 JSON pointer -> line and column.
//!
//! Positions are what lets a diagnostic about `/tasks/3/retry/maxAttempts` say "line 41". Each
//! entry keeps the position of the value node and, for mapping entries, of the key, so "unknown
//! property" can point at the key the user typed.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::Serialize;

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Pos {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub column: u32,
}

impl Pos {
    /// Builds a position from 1-based line and column.
    pub fn new(line: u32, column: u32) -> Self {
        Self { line, column }
    }
}

impl std::fmt::Display for Pos {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// Position of one node: the value, and the key when the node is a mapping entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    pub(crate) value: Pos,
    pub(crate) key: Option<Pos>,
}

/// JSON pointer -> position map of one document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Positions {
    entries: HashMap<String, Slot>,
}

impl Positions {
    /// Builds the map; a later entry for the same pointer replaces an earlier one.
    pub(crate) fn from_entries(entries: Vec<(String, Slot)>) -> Self {
        Self {
            entries: entries.into_iter().collect(),
        }
    }

    /// Position of the value at `pointer` ("" is the root), if that node exists.
    pub fn value(&self, pointer: &str) -> Option<Pos> {
        self.entries.get(pointer).map(|slot| slot.value)
    }

    /// Position of the key of the mapping entry at `pointer`, if it is a mapping entry.
    pub fn key(&self, pointer: &str) -> Option<Pos> {
        self.entries.get(pointer).and_then(|slot| slot.key)
    }

    /// Position of the value at `pointer`, else of its nearest ancestor that has one, else 1:1.
    pub fn locate(&self, pointer: &str) -> Pos {
        let mut current = pointer;
        loop {
            if let Some(pos) = self.value(current) {
                return pos;
            }
            match current.rfind('/') {
                Some(cut) => current = &current[..cut],
                None if !current.is_empty() => current = "",
                None => return Pos::new(1, 1),
            }
        }
    }

    /// Position of the key at `pointer` when it has one, else what [`Positions::locate`] gives.
    pub fn locate_key(&self, pointer: &str) -> Pos {
        self.key(pointer).unwrap_or_else(|| self.locate(pointer))
    }

    /// Number of pointers with a position.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no position is known (never the case for a parsed document).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Escapes one reference token per RFC 6901: `~` -> `~0`, `/` -> `~1`.
pub fn escape_segment(segment: &str) -> Cow<'_, str> {
    if segment.contains(['~', '/']) {
        Cow::Owned(segment.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(segment)
    }
}

/// Appends `/segment` (escaped) to a pointer.
pub(crate) fn push_segment(pointer: &mut String, segment: &str) {
    pointer.push('/');
    pointer.push_str(&escape_segment(segment));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_tilde_before_slash() {
        assert_eq!(escape_segment("a/b~c"), "a~1b~0c");
        assert_eq!(escape_segment("~1"), "~01");
    }

    #[test]
    fn locate_falls_back_to_ancestors_then_root() {
        let at = |l| Slot {
            value: Pos::new(l, 1),
            key: None,
        };
        let positions = Positions::from_entries(vec![("".into(), at(1)), ("/tasks".into(), at(4))]);
        assert_eq!(positions.locate("/tasks/0/id"), Pos::new(4, 1));
        assert_eq!(positions.locate("/other"), Pos::new(1, 1));
        assert_eq!(positions.locate_key("/tasks"), Pos::new(4, 1));
    }
}
