//! `parse_document`: one YAML file's bytes -> [`Document`], refusing hostile input early.
//!
//! Checks run cheapest first: size, NUL bytes, UTF-8, then the event-driven parse, where the
//! builder enforces depth and node limits and the loop refuses a second document.

use saphyr_parser::{Event, Parser, ScalarStyle, ScanError};
use serde_json::Value;

use super::builder::{Builder, pos_of};
use super::error::LoadError;
use super::limits::Limits;
use super::positions::{Pos, Positions};

/// A parsed YAML file: its JSON value and where each node came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document as JSON.
    pub value: Value,
    /// JSON pointer -> line/column of values and keys.
    pub positions: Positions,
}

/// Parses the single YAML document in `bytes` under `limits`.
pub fn parse_document(bytes: &[u8], limits: &Limits) -> Result<Document, LoadError> {
    check_size(bytes.len(), limits)?;
    check_binary(bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|err| {
        let offset = err.valid_up_to();
        LoadError::NotUtf8 {
            offset,
            pos: text_pos(&bytes[..offset]),
        }
    })?;
    parse_text(text, limits)
}

/// Parses the single YAML document in already-decoded `text` under `limits`.
pub fn parse_str(text: &str, limits: &Limits) -> Result<Document, LoadError> {
    check_size(text.len(), limits)?;
    check_binary(text.as_bytes())?;
    parse_text(text, limits)
}

fn check_size(size: usize, limits: &Limits) -> Result<(), LoadError> {
    if size > limits.max_bytes {
        return Err(LoadError::TooLarge {
            size: u64::try_from(size).unwrap_or(u64::MAX),
            max: limits.max_bytes,
        });
    }
    Ok(())
}

fn check_binary(bytes: &[u8]) -> Result<(), LoadError> {
    match bytes.iter().position(|&b| b == 0) {
        Some(offset) => Err(LoadError::Binary {
            offset,
            pos: text_pos(&bytes[..offset]),
        }),
        None => Ok(()),
    }
}

/// Line and column just after `prefix`; columns count characters (invalid bytes count one each).
fn text_pos(prefix: &[u8]) -> Pos {
    let line_start = prefix
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let lines = prefix.iter().filter(|&&b| b == b'\n').count();
    let column = String::from_utf8_lossy(&prefix[line_start..])
        .chars()
        .count();
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Pos::new(clamp(lines + 1), clamp(column + 1))
}

/// The scanner's own flow-nesting limit (255) is reported like ours: as nesting too deep.
fn syntax_error(err: &ScanError, limits: &Limits) -> LoadError {
    let pos = pos_of(*err.marker());
    if err.info() == "recursion limit exceeded" {
        let max = limits.max_depth.min(usize::from(u8::MAX));
        return LoadError::TooDeep { max, pos };
    }
    LoadError::Syntax {
        message: err.info().to_owned(),
        pos,
    }
}

/// Moves a tag error from the node's content to the tag itself, which the parser gives no
/// position for: the tag is the nearest occurrence of its text before the node.
fn point_at_tag(err: LoadError, text: &str, node_char: usize) -> LoadError {
    let find = |tag: &str| {
        let end = text
            .char_indices()
            .nth(node_char)
            .map_or(text.len(), |(i, _)| i);
        let mut start = end.saturating_sub(256);
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        text[start..end]
            .rfind(tag)
            .map(|i| text_pos(&text.as_bytes()[..start + i]))
    };
    match err {
        LoadError::UnsupportedTag { tag, pos } => {
            let pos = find(&tag).unwrap_or(pos);
            LoadError::UnsupportedTag { tag, pos }
        }
        LoadError::InvalidTaggedValue { tag, value, pos } => {
            let pos = find(&tag).unwrap_or(pos);
            LoadError::InvalidTaggedValue { tag, value, pos }
        }
        other => other,
    }
}

fn parse_text(text: &str, limits: &Limits) -> Result<Document, LoadError> {
    // A byte-order mark is invisible to the user, so columns are counted without it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut parser = Parser::new_from_str(text);
    let mut builder = Builder::new(limits);
    let mut documents = 0;
    while let Some(next) = parser.next_event() {
        let (event, span) = next.map_err(|err| syntax_error(&err, limits))?;
        match event {
            Event::DocumentStart(_) => {
                documents += 1;
                if documents > 1 {
                    let pos = pos_of(span.start);
                    return Err(LoadError::MultiDocument { pos });
                }
            }
            Event::StreamEnd => break,
            Event::StreamStart | Event::DocumentEnd | Event::Nothing => {}
            Event::Scalar(ref text, ScalarStyle::Plain, 0, None)
                if builder.at_root() && span.start.index() == span.end.index() && text == "~" =>
            {
                // The implicit empty node of a document that is only `---` and comments: no root,
                // so the file is reported empty (unless a second document follows).
            }
            node => builder
                .event(node, span.start)
                .map_err(|err| point_at_tag(err, text, span.start.index()))?,
        }
    }
    let (value, positions) = builder.finish().ok_or(LoadError::Empty)?;
    Ok(Document {
        value,
        positions: Positions::from_list(positions),
    })
}
