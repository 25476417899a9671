//! Turns saphyr parser events into one JSON value and its positions, without recursion.
//!
//! The builder keeps an explicit stack of open sequences and mappings, so nesting depth costs
//! heap, not call stack, and is checked against `Limits::max_depth` before each push. Every node
//! produced (aliases count their whole expansion) is counted against `Limits::max_nodes` before
//! an alias is cloned, which stops alias bombs before they allocate.

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

use saphyr_parser::{Event, Marker, ScalarStyle, Tag};
use serde_json::{Map, Value};

use super::error::LoadError;
use super::limits::Limits;
use super::merge::{MERGE_KEY, drop_positions, merge_into};
use super::positions::{PointerList, Pos, Slot, escape_segment, push_segment};
use super::scalar::{CoreTag, core_tag, scalar_value};

/// Converts a saphyr marker (1-based line, 0-based column) to a 1-based [`Pos`].
pub(crate) fn pos_of(marker: Marker) -> Pos {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Pos::new(clamp(marker.line()), clamp(marker.col().saturating_add(1)))
}

/// Event sink building the document value.
pub(crate) struct Builder<'l> {
    limits: &'l Limits,
    stack: Vec<Frame>,
    /// Pointer of the node being built (or of the open container between children).
    pointer: String,
    positions: PointerList,
    anchors: HashMap<usize, Anchor>,
    nodes: usize,
    root: Option<Value>,
}

/// A completed anchored node, kept for its aliases.
struct Anchor {
    value: Value,
    nodes: usize,
    /// Levels of collections inside (0 for a scalar), so aliases respect `max_depth` too.
    height: usize,
    /// Positions inside the node, keyed by pointer suffix relative to the node.
    positions: PointerList,
}

/// Bookkeeping of a node from its start to its end.
#[derive(Clone, Copy)]
struct ChildStart {
    parent_len: usize,
    positions_start: usize,
    nodes_start: usize,
}

struct Frame {
    container: Container,
    start: ChildStart,
    anchor: usize,
    /// Greatest height among the children so far.
    height: usize,
}

enum Container {
    Seq(Vec<Value>),
    Map(MapState),
}

#[derive(Default)]
struct MapState {
    map: Map<String, Value>,
    key: Option<PendingKey>,
    /// Keys that came from `<<` and that an explicit key may still override.
    merged: HashSet<String>,
    merge_seen: Option<Pos>,
}

/// A key read, waiting for its value.
pub(crate) struct PendingKey {
    pub(crate) name: String,
    pub(crate) pos: Pos,
    merge: bool,
    /// First position entry that belongs to the value.
    pub(crate) positions_start: usize,
}

impl<'l> Builder<'l> {
    pub(crate) fn new(limits: &'l Limits) -> Self {
        Self {
            limits,
            stack: Vec::new(),
            pointer: String::new(),
            positions: PointerList::default(),
            anchors: HashMap::new(),
            nodes: 0,
            root: None,
        }
    }

    /// The finished value and its positions, or `None` when no node was seen.
    pub(crate) fn finish(self) -> Option<(Value, PointerList)> {
        self.root.map(|root| (root, self.positions))
    }

    /// True while the document root is still to come and nothing is open.
    pub(crate) fn at_root(&self) -> bool {
        self.stack.is_empty() && self.root.is_none()
    }

    /// Feeds one node event (stream and document events are handled by the caller).
    pub(crate) fn event(&mut self, event: Event<'_>, start: Marker) -> Result<(), LoadError> {
        let pos = pos_of(start);
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                self.scalar(&text, style, anchor, tag.as_deref(), pos)
            }
            Event::Alias(id) => self.alias(id, pos),
            Event::SequenceStart(anchor, tag) => {
                let seq = Container::Seq(Vec::new());
                self.open(seq, anchor, tag.as_deref(), CoreTag::Seq, pos)
            }
            Event::MappingStart(anchor, tag) => {
                let map = Container::Map(MapState::default());
                self.open(map, anchor, tag.as_deref(), CoreTag::Map, pos)
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            _ => Ok(()),
        }
    }

    fn awaiting_key(&self) -> bool {
        matches!(
            self.stack.last(),
            Some(Frame { container: Container::Map(state), .. }) if state.key.is_none()
        )
    }

    fn scalar(
        &mut self,
        text: &str,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        pos: Pos,
    ) -> Result<(), LoadError> {
        let tag = tag.map(|t| core_tag(t, pos)).transpose()?;
        if self.awaiting_key() {
            // Keys keep the text the user wrote: `1`, `true` and `0x10` are keys "1", "true", "0x10".
            if let Some(t @ (CoreTag::Map | CoreTag::Seq)) = tag {
                scalar_value(text, style, Some(t), pos)?;
            }
            if anchor != 0 {
                let value = Value::String(text.to_owned());
                let positions = PointerList::default();
                self.anchors.insert(
                    anchor,
                    Anchor {
                        value,
                        nodes: 1,
                        height: 0,
                        positions,
                    },
                );
            }
            let merge = style == ScalarStyle::Plain && tag.is_none() && text == MERGE_KEY;
            return self.set_key(text.to_owned(), pos, merge);
        }
        let value = scalar_value(text, style, tag, pos)?;
        let start = self.begin_child(pos, 1)?;
        self.finish_child(value, anchor, start, 0)
    }

    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), LoadError> {
        // The parser refuses unknown anchors, so a missing one is still open: it contains us.
        let Some(anchor) = self.anchors.get(&id) else {
            return Err(LoadError::RecursiveAlias { pos });
        };
        if self.awaiting_key() {
            let name = match &anchor.value {
                Value::String(s) => s.clone(),
                Value::Array(_) | Value::Object(_) => return Err(LoadError::ComplexKey { pos }),
                other => other.to_string(),
            };
            return self.set_key(name, pos, false);
        }
        let (nodes, height) = (anchor.nodes, anchor.height);
        // Nesting an alias must not get around the depth limit (deep values are dropped and
        // walked recursively later).
        if self.stack.len() + height > self.limits.max_depth {
            let max = self.limits.max_depth;
            return Err(LoadError::TooDeep { max, pos });
        }
        let start = self.begin_child(pos, nodes)?;
        let Some(anchor) = self.anchors.get(&id) else {
            return Err(LoadError::RecursiveAlias { pos });
        };
        let value = anchor.value.clone();
        for (suffix, slot) in anchor.positions.iter_from(0) {
            self.positions.push_joined(&self.pointer, suffix, slot);
            self.check_pointer_bytes(pos)?;
        }
        self.finish_child(value, 0, start, height)
    }

    fn open(
        &mut self,
        container: Container,
        anchor: usize,
        tag: Option<&Tag>,
        expected: CoreTag,
        pos: Pos,
    ) -> Result<(), LoadError> {
        if self.awaiting_key() {
            return Err(LoadError::ComplexKey { pos });
        }
        if let Some(tag) = tag {
            let tag = core_tag(tag, pos)?;
            if tag != expected && tag != CoreTag::NonSpecific {
                let what = if expected == CoreTag::Seq {
                    "a sequence"
                } else {
                    "a mapping"
                };
                return Err(LoadError::InvalidTaggedValue {
                    tag: tag.name().to_owned(),
                    value: what.to_owned(),
                    pos,
                });
            }
        }
        if self.stack.len() >= self.limits.max_depth {
            let max = self.limits.max_depth;
            return Err(LoadError::TooDeep { max, pos });
        }
        let start = self.begin_child(pos, 1)?;
        self.stack.push(Frame {
            container,
            start,
            anchor,
            height: 0,
        });
        Ok(())
    }

    fn close(&mut self) -> Result<(), LoadError> {
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let value = match frame.container {
            Container::Seq(items) => Value::Array(items),
            Container::Map(state) => Value::Object(state.map),
        };
        self.finish_child(value, frame.anchor, frame.start, frame.height + 1)
    }

    /// Counts `nodes`, extends the pointer to the new child and records its position.
    fn begin_child(&mut self, pos: Pos, nodes: usize) -> Result<ChildStart, LoadError> {
        let nodes_start = self.nodes;
        self.nodes = self.nodes.saturating_add(nodes);
        if self.nodes > self.limits.max_nodes {
            let max = self.limits.max_nodes;
            return Err(LoadError::AliasBomb { max, pos });
        }
        let parent_len = self.pointer.len();
        let key = match self.stack.last() {
            None => None,
            Some(Frame {
                container: Container::Seq(items),
                ..
            }) => {
                // Indexes need no escaping, nor a String of their own.
                let _ = write!(self.pointer, "/{}", items.len());
                None
            }
            Some(Frame {
                container: Container::Map(state),
                ..
            }) => {
                let key = state.key.as_ref();
                push_segment(&mut self.pointer, key.map_or("", |k| k.name.as_str()));
                key.map(|k| k.pos)
            }
        };
        let positions_start = self.positions.len();
        let slot = Slot { value: pos, key };
        self.positions.push(&self.pointer, slot);
        self.check_pointer_bytes(pos)?;
        Ok(ChildStart {
            parent_len,
            positions_start,
            nodes_start,
        })
    }

    /// Fails once the recorded pointers outgrow their limit (checked as they grow, so the
    /// text never gets much past it).
    fn check_pointer_bytes(&self, pos: Pos) -> Result<(), LoadError> {
        let max = self.limits.max_pointer_bytes;
        if self.positions.text_len() > max {
            return Err(LoadError::TooManyPathBytes { max, pos });
        }
        Ok(())
    }

    /// Remembers an anchored node, goes back to the parent pointer and attaches the value.
    fn finish_child(
        &mut self,
        value: Value,
        anchor: usize,
        start: ChildStart,
        height: usize,
    ) -> Result<(), LoadError> {
        if anchor != 0 {
            let own_len = self.pointer.len();
            let mut positions = PointerList::default();
            for (pointer, slot) in self.positions.iter_from(start.positions_start + 1) {
                positions.push(pointer.get(own_len..).unwrap_or(""), slot);
            }
            let nodes = self.nodes - start.nodes_start;
            let stored = Anchor {
                value: value.clone(),
                nodes,
                height,
                positions,
            };
            self.anchors.insert(anchor, stored);
        }
        self.pointer.truncate(start.parent_len);
        if let Some(parent) = self.stack.last_mut() {
            parent.height = parent.height.max(height);
        }
        self.attach(value)
    }

    fn attach(&mut self, value: Value) -> Result<(), LoadError> {
        let Some(frame) = self.stack.last_mut() else {
            self.root = Some(value);
            return Ok(());
        };
        let frame_start = frame.start.positions_start;
        match &mut frame.container {
            Container::Seq(items) => items.push(value),
            Container::Map(state) => {
                let Some(key) = state.key.take() else {
                    return Ok(());
                };
                if key.merge {
                    let merged = &mut state.merged;
                    merge_into(
                        &mut state.map,
                        merged,
                        &mut self.positions,
                        &self.pointer,
                        &key,
                        value,
                    )?;
                } else {
                    if state.merged.remove(&key.name) {
                        let stale = format!("{}/{}", self.pointer, escape_segment(&key.name));
                        drop_positions(
                            &mut self.positions,
                            frame_start..key.positions_start,
                            &stale,
                        );
                    }
                    state.map.insert(key.name, value);
                }
            }
        }
        Ok(())
    }

    fn set_key(&mut self, name: String, pos: Pos, merge: bool) -> Result<(), LoadError> {
        let positions_start = self.positions.len();
        let Some(Frame {
            container: Container::Map(state),
            start,
            ..
        }) = self.stack.last_mut()
        else {
            return Ok(());
        };
        if merge {
            if let Some(first) = state.merge_seen {
                let key = MERGE_KEY.to_owned();
                return Err(LoadError::DuplicateKey { key, pos, first });
            }
            state.merge_seen = Some(pos);
        } else if state.map.contains_key(&name) && !state.merged.contains(&name) {
            let pointer = format!("{}/{}", self.pointer, escape_segment(&name));
            let first = self
                .positions
                .iter_from(start.positions_start)
                .find(|(p, _)| *p == pointer)
                .and_then(|(_, slot)| slot.key)
                .unwrap_or(pos);
            return Err(LoadError::DuplicateKey {
                key: name,
                pos,
                first,
            });
        }
        state.key = Some(PendingKey {
            name,
            pos,
            merge,
            positions_start,
        });
        Ok(())
    }
}
