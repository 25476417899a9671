//! Where each value of a document came from: RFC 6901 JSON pointer -> line and column.
//!
//! Positions are what lets a diagnostic about `/tasks/3/retry/maxAttempts` say "line 41". Each
//! entry keeps the position of the value node and, for mapping entries, of the key, so "unknown
//! property" can point at the key the user typed.

use std::borrow::Cow;
use std::sync::OnceLock;

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

/// Pointers with their slots, in the order recorded, all pointer text in one string: a
/// document has a pointer per node, and one allocation each was most of the cost of loading.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct PointerList {
    text: String,
    /// (start, end) of the pointer in `text`, and its slot.
    entries: Vec<(usize, usize, Slot)>,
}

impl PointerList {
    /// Records `pointer` (prefix + suffix, so callers need not build it).
    pub(crate) fn push_joined(&mut self, prefix: &str, suffix: &str, slot: Slot) {
        let start = self.text.len();
        self.text.push_str(prefix);
        self.text.push_str(suffix);
        self.entries.push((start, self.text.len(), slot));
    }

    /// Records `pointer`.
    pub(crate) fn push(&mut self, pointer: &str, slot: Slot) {
        self.push_joined(pointer, "", slot);
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Bytes of pointer text held.
    pub(crate) fn text_len(&self) -> usize {
        self.text.len()
    }

    /// The entries from index `start` on, in order.
    pub(crate) fn iter_from(&self, start: usize) -> impl Iterator<Item = (&str, Slot)> {
        let entries = self.entries.get(start..).unwrap_or_default();
        entries.iter().map(|&(a, b, slot)| (&self.text[a..b], slot))
    }

    /// Removes the entries from index `at` on and returns them.
    pub(crate) fn split_off(&mut self, at: usize) -> PointerList {
        let mut tail = PointerList::default();
        for (pointer, slot) in self.iter_from(at) {
            tail.push(pointer, slot);
        }
        if let Some(&(start, _, _)) = self.entries.get(at) {
            self.text.truncate(start);
            self.entries.truncate(at);
        }
        tail
    }

    /// Keeps the entries for which `keep(index, pointer)` holds.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(usize, &str) -> bool) {
        let old = std::mem::take(self);
        for (i, (pointer, slot)) in old.iter_from(0).enumerate() {
            if keep(i, pointer) {
                self.push(pointer, slot);
            }
        }
    }
}

/// JSON pointer -> position map of one document.
#[derive(Debug, Clone, Default)]
pub struct Positions {
    list: PointerList,
    /// (hash of the pointer, entry index), sorted: built on the first look-up, since most
    /// documents are valid and never asked where a node is.
    index: OnceLock<Vec<(u64, usize)>>,
}

impl PartialEq for Positions {
    fn eq(&self, other: &Self) -> bool {
        self.list == other.list
    }
}

impl Eq for Positions {}

/// FNV-1a: short keys, no need for DoS resistance (the index lives for one document).
fn hash(pointer: &str) -> u64 {
    pointer.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl Positions {
    /// Builds the map; a later entry for the same pointer replaces an earlier one.
    pub(crate) fn from_list(list: PointerList) -> Self {
        Self {
            list,
            index: OnceLock::new(),
        }
    }

    /// Builds the map from owned pointers (tests).
    #[cfg(test)]
    pub(crate) fn from_entries(entries: Vec<(String, Slot)>) -> Self {
        let mut list = PointerList::default();
        for (pointer, slot) in entries {
            list.push(&pointer, slot);
        }
        Self::from_list(list)
    }

    fn index(&self) -> &[(u64, usize)] {
        self.index.get_or_init(|| {
            let mut index: Vec<(u64, usize)> = self
                .list
                .iter_from(0)
                .enumerate()
                .map(|(i, (pointer, _))| (hash(pointer), i))
                .collect();
            index.sort_unstable();
            index
        })
    }

    fn slot(&self, pointer: &str) -> Option<Slot> {
        let index = self.index();
        let h = hash(pointer);
        let first = index.partition_point(|&(x, _)| x < h);
        // Equal hashes sort by entry index: the last matching entry is the latest.
        index[first..]
            .iter()
            .take_while(|&&(x, _)| x == h)
            .filter_map(|&(_, i)| {
                let (start, end, slot) = self.list.entries[i];
                (&self.list.text[start..end] == pointer).then_some(slot)
            })
            .last()
    }

    /// Position of the value at `pointer` ("" is the root), if that node exists.
    pub fn value(&self, pointer: &str) -> Option<Pos> {
        self.slot(pointer).map(|slot| slot.value)
    }

    /// Position of the key of the mapping entry at `pointer`, if it is a mapping entry.
    pub fn key(&self, pointer: &str) -> Option<Pos> {
        self.slot(pointer).and_then(|slot| slot.key)
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
        let mut seen = std::collections::HashSet::new();
        self.list
            .iter_from(0)
            .filter(|(p, _)| seen.insert(*p))
            .count()
    }

    /// True when no position is known (never the case for a parsed document).
    pub fn is_empty(&self) -> bool {
        self.list.len() == 0
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
