//! PostgreSQL's text form of arrays (`{1,2}`, `{{a,"b c"},{NULL,d}}`, `[0:1]={x,y}`) parsed
//! into nested items, so each element can be mapped with its element type.

use serde_json::Value;

/// A parsed array: nested lists of elements, each the element's text or NULL.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrayItem {
    /// A NULL element.
    Null,
    /// An element's text form.
    Text(String),
    /// A sub-array (or the whole array).
    List(Vec<ArrayItem>),
}

impl ArrayItem {
    /// JSON arrays, elements mapped by `element`.
    pub fn into_json(self, element: &dyn Fn(&str) -> Value) -> Value {
        match self {
            Self::Null => Value::Null,
            Self::Text(text) => element(&text),
            Self::List(items) => {
                Value::Array(items.into_iter().map(|i| i.into_json(element)).collect())
            }
        }
    }
}

/// Parses an array literal; `None` when the text is not one (the caller keeps the text).
pub fn parse_array(text: &str) -> Option<ArrayItem> {
    // Non-default lower bounds are written as a `[lo:hi]=` prefix; JSON arrays start at 0 anyway.
    let body = if text.starts_with('[') {
        text.split_once('=')?.1
    } else {
        text
    };
    let chars: Vec<char> = body.chars().collect();
    let (item, end) = parse_list(&chars, 0)?;
    (end == chars.len()).then_some(item)
}

/// Parses `{...}` at `i`; returns it and the index after `}`.
fn parse_list(chars: &[char], i: usize) -> Option<(ArrayItem, usize)> {
    if chars.get(i) != Some(&'{') {
        return None;
    }
    let mut items = Vec::new();
    let mut j = i + 1;
    if chars.get(j) == Some(&'}') {
        return Some((ArrayItem::List(items), j + 1));
    }
    loop {
        while chars.get(j).is_some_and(|c| c.is_whitespace()) {
            j += 1;
        }
        let (item, next) = match chars.get(j)? {
            '{' => parse_list(chars, j)?,
            '"' => parse_quoted(chars, j)?,
            _ => parse_unquoted(chars, j)?,
        };
        items.push(item);
        j = next;
        while chars.get(j).is_some_and(|c| c.is_whitespace()) {
            j += 1;
        }
        match chars.get(j)? {
            ',' => j += 1,
            '}' => return Some((ArrayItem::List(items), j + 1)),
            _ => return None,
        }
    }
}

fn parse_quoted(chars: &[char], i: usize) -> Option<(ArrayItem, usize)> {
    let mut text = String::new();
    let mut j = i + 1;
    loop {
        match chars.get(j)? {
            '\\' => {
                text.push(*chars.get(j + 1)?);
                j += 2;
            }
            '"' => return Some((ArrayItem::Text(text), j + 1)),
            c => {
                text.push(*c);
                j += 1;
            }
        }
    }
}

fn parse_unquoted(chars: &[char], i: usize) -> Option<(ArrayItem, usize)> {
    let mut text = String::new();
    let mut j = i;
    while let Some(c) = chars.get(j) {
        match c {
            ',' | '}' => break,
            '\\' => {
                text.push(*chars.get(j + 1)?);
                j += 2;
            }
            c => {
                text.push(*c);
                j += 1;
            }
        }
    }
    let text = text.trim_end().to_owned();
    if text.eq_ignore_ascii_case("NULL") {
        Some((ArrayItem::Null, j))
    } else {
        Some((ArrayItem::Text(text), j))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn json_of(text: &str) -> Option<Value> {
        parse_array(text).map(|a| a.into_json(&|t| Value::String(t.to_owned())))
    }

    #[test]
    fn nested_quoted_and_null_elements() {
        assert_eq!(json_of("{}"), Some(json!([])));
        assert_eq!(json_of("{1,2,3}"), Some(json!(["1", "2", "3"])));
        assert_eq!(
            json_of(r#"{{a,"b c"},{NULL,"x\"y\\z"}}"#),
            Some(json!([["a", "b c"], [null, "x\"y\\z"]]))
        );
        assert_eq!(json_of(r#"{"NULL"}"#), Some(json!(["NULL"])));
        assert_eq!(json_of("[0:1]={x,y}"), Some(json!(["x", "y"])));
    }

    #[test]
    fn malformed_text_is_not_an_array() {
        assert_eq!(json_of("{1,2"), None);
        assert_eq!(json_of("1,2"), None);
    }
}
