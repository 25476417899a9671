//! YAML merge keys (`<<: *defaults`, `<<: [*a, *b]`): folding sources into a mapping.
//!
//! Keys written in the mapping win over merged ones whatever their order, and earlier sources win
//! over later ones. Merged keys keep the positions of their definition, so a diagnostic about a
//! merged value points where the user wrote it.

use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::builder::PendingKey;
use super::error::LoadError;
use super::positions::{PointerList, escape_segment};

/// The YAML merge key.
pub(crate) const MERGE_KEY: &str = "<<";

/// Applies `<<: value`: keys already present win, earlier sources win over later ones, and the
/// positions recorded under `<pointer>/<<` move to the keys they now describe.
pub(crate) fn merge_into(
    map: &mut Map<String, Value>,
    merged: &mut HashSet<String>,
    positions: &mut PointerList,
    pointer: &str,
    key: &PendingKey,
    value: Value,
) -> Result<(), LoadError> {
    let single = value.is_object();
    let sources = match value {
        Value::Object(map) => vec![map],
        Value::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Value::Object(map) => Ok(map),
                _ => Err(LoadError::BadMerge { pos: key.pos }),
            })
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(LoadError::BadMerge { pos: key.pos }),
    };
    let mut taken: HashMap<String, usize> = HashMap::new();
    for (index, source) in sources.into_iter().enumerate() {
        for (name, item) in source {
            if map.contains_key(&name) {
                continue;
            }
            taken.insert(escape_segment(&name).into_owned(), index);
            merged.insert(name.clone());
            map.insert(name, item);
        }
    }
    let base_len = pointer.len() + 1 + MERGE_KEY.len();
    let recorded = positions.split_off(key.positions_start);
    for (recorded_pointer, slot) in recorded.iter_from(0) {
        let rest = recorded_pointer.get(base_len..).unwrap_or("");
        let Some((index, rest)) = split_source(rest, single) else {
            continue;
        };
        let name = rest[1..].split('/').next().unwrap_or("");
        if taken.get(name) == Some(&index) {
            positions.push_joined(pointer, rest, slot);
        }
    }
    Ok(())
}

/// Splits `"/2/key/..."` (list of sources) or `"/key/..."` (single source) into the source
/// index and the `"/key/..."` rest; `None` for the entries of the `<<` value itself.
fn split_source(rest: &str, single: bool) -> Option<(usize, &str)> {
    if single {
        return (rest.len() > 1).then_some((0, rest));
    }
    let after = rest.strip_prefix('/')?;
    let cut = after.find('/')?;
    let index = after[..cut].parse().ok()?;
    Some((index, &after[cut..]))
}

/// Removes, within `range`, the entries for `pointer` and everything below it.
pub(crate) fn drop_positions(
    positions: &mut PointerList,
    range: std::ops::Range<usize>,
    pointer: &str,
) {
    positions.retain(|index, p| {
        let inside = range.contains(&index);
        let below = p == pointer || p.strip_prefix(pointer).is_some_and(|r| r.starts_with('/'));
        !(inside && below)
    });
}
