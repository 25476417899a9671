//! Quoting what users give us into SQL text: parameter values as literals, and table and column
//! names as identifiers. Nothing from a flow reaches the SQL of a COPY unquoted, so `table` and
//! `columns` cannot inject SQL.

use serde_json::Value;

use super::error::JdbcError;

/// A string literal that means the same whatever `standard_conforming_strings` is: `E'..'` with
/// backslashes and quotes escaped.
pub fn quote_literal(value: &str) -> Option<String> {
    if value.contains('\0') {
        return None;
    }
    let mut out = String::with_capacity(value.len() + 3);
    out.push_str("E'");
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("''"),
            c => out.push(c),
        }
    }
    out.push('\'');
    Some(out)
}

/// The SQL literal for a `parameters` value: strings are untyped literals (the server infers
/// their type from context, as for a bind parameter), numbers and booleans typed, arrays and
/// objects their JSON text.
pub fn quote_parameter(name: &str, value: &Value) -> Result<String, JdbcError> {
    let literal = match value {
        Value::Null => Some("NULL".to_owned()),
        Value::Bool(true) => Some("TRUE".to_owned()),
        Value::Bool(false) => Some("FALSE".to_owned()),
        // serde_json prints a Number as digits, '-', '.', 'e' and '+' only.
        Value::Number(n) if n.as_f64().is_some_and(|f| f < 0.0) => Some(format!("({n})")),
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => quote_literal(s),
        Value::Array(_) | Value::Object(_) => quote_literal(&value.to_string()),
    };
    literal.ok_or_else(|| JdbcError::Property {
        property: "parameters",
        reason: format!("`{name}` contains a NUL character, which PostgreSQL cannot store"),
    })
}

/// A quoted identifier: `"name"` with inner quotes doubled.
fn quote_identifier(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a table name: one to three dot-separated parts (`table`, `schema.table`,
/// `database.schema.table`), each a plain identifier (folded to lower case, as PostgreSQL does
/// for unquoted names) or a double-quoted one (kept exactly).
pub fn quote_table(property: &'static str, value: &str) -> Result<String, JdbcError> {
    let parts = identifier_parts(value).map_err(|reason| JdbcError::Property {
        property,
        reason: format!("{value:?} is not a table name: {reason}"),
    })?;
    if parts.len() > 3 {
        return Err(JdbcError::Property {
            property,
            reason: format!("{value:?} is not a table name: more than three dotted parts"),
        });
    }
    Ok(parts
        .iter()
        .map(|p| quote_identifier(p))
        .collect::<Vec<_>>()
        .join("."))
}

/// Quotes a column name: one plain or double-quoted identifier.
pub fn quote_column(property: &'static str, value: &str) -> Result<String, JdbcError> {
    let parts = identifier_parts(value).map_err(|reason| JdbcError::Property {
        property,
        reason: format!("{value:?} is not a column name: {reason}"),
    })?;
    match parts.as_slice() {
        [one] => Ok(quote_identifier(one)),
        _ => Err(JdbcError::Property {
            property,
            reason: format!("{value:?} is not a column name: a column name has no dot"),
        }),
    }
}

/// Splits `a.b."C d"` into its parts, checking each; returns the names as PostgreSQL sees them.
fn identifier_parts(value: &str) -> Result<Vec<String>, &'static str> {
    let chars: Vec<char> = value.trim().chars().collect();
    let mut parts = Vec::new();
    let mut i = 0;
    loop {
        let (part, next) = if chars.get(i) == Some(&'"') {
            quoted_part(&chars, i)?
        } else {
            plain_part(&chars, i)?
        };
        parts.push(part);
        match chars.get(next) {
            None => return Ok(parts),
            Some('.') => i = next + 1,
            Some(_) => {
                return Err(
                    "only letters, digits, `_` and `$`, or a \"quoted\" name, between dots",
                );
            }
        }
    }
}

fn plain_part(chars: &[char], start: usize) -> Result<(String, usize), &'static str> {
    let first = chars.get(start).ok_or("empty name")?;
    if !(first.is_alphabetic() || *first == '_') {
        return Err("a name starts with a letter or `_`");
    }
    let mut end = start;
    while end < chars.len()
        && (chars[end].is_alphanumeric() || chars[end] == '_' || chars[end] == '$')
    {
        end += 1;
    }
    Ok((
        chars[start..end].iter().collect::<String>().to_lowercase(),
        end,
    ))
}

fn quoted_part(chars: &[char], start: usize) -> Result<(String, usize), &'static str> {
    let mut name = String::new();
    let mut i = start + 1;
    loop {
        match chars.get(i) {
            None => return Err("unterminated quoted name"),
            Some('\0') => return Err("NUL character in a name"),
            Some('"') if chars.get(i + 1) == Some(&'"') => {
                name.push('"');
                i += 2;
            }
            Some('"') if name.is_empty() => return Err("empty quoted name"),
            Some('"') => return Ok((name, i + 1)),
            Some(c) => {
                name.push(*c);
                i += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_quotes_and_backslashes() {
        assert_eq!(quote_literal(r"a'b\c").as_deref(), Some(r"E'a''b\\c'"));
        assert_eq!(quote_literal("nul\0"), None);
    }

    #[test]
    fn table_names_are_quoted_and_folded() {
        let quoted = |v| quote_table("table", v).ok();
        assert_eq!(quoted("Taxi").as_deref(), Some("\"taxi\""));
        assert_eq!(
            quoted("public.yellow_tripdata").as_deref(),
            Some("\"public\".\"yellow_tripdata\"")
        );
        assert_eq!(
            quoted("s.\"My \"\"T\"").as_deref(),
            Some("\"s\".\"My \"\"T\"")
        );
    }

    #[test]
    fn injections_and_oddities_are_rejected() {
        for bad in [
            "t; drop table x",
            "t(a)",
            "a..b",
            "",
            "1abc",
            "\"open",
            "a.b.c.d",
            "t --",
            "\"\"",
        ] {
            assert!(quote_table("table", bad).is_err(), "{bad:?} accepted");
        }
        assert!(quote_column("columns", "a.b").is_err());
        assert!(quote_column("columns", "a, b").is_err());
    }
}
