//! Fetched values to JSON. Rows arrive in PostgreSQL's text form (the simple query protocol),
//! so every type, including ones baton has never heard of, has a faithful rendering; known types
//! are turned into their natural JSON (see the table in `docs/jdbc.md`).

use base64::Engine as _;
use chrono::{DateTime, FixedOffset, NaiveDateTime};
use chrono_tz::Tz;
use serde_json::{Map, Number, Value};
use sqlx::postgres::{PgRow, PgValueRef};
use sqlx::{Column as _, Row as _, ValueRef as _};

use super::array::parse_array;

/// How to render values of one session.
#[derive(Debug, Clone, Copy)]
pub struct Rendering {
    /// Zone of `timestamptz` values.
    pub zone: Tz,
}

impl Rendering {
    /// A row as a JSON object, columns in order.
    pub fn row(&self, row: &PgRow) -> Map<String, Value> {
        let mut object = Map::new();
        for (index, column) in row.columns().iter().enumerate() {
            let value = match row.try_get_raw(index) {
                Ok(raw) => self.raw(&raw),
                Err(_) => Value::Null,
            };
            object.insert(column.name().to_owned(), value);
        }
        object
    }

    fn raw(&self, raw: &PgValueRef<'_>) -> Value {
        if raw.is_null() {
            return Value::Null;
        }
        let oid = raw.type_info().oid().map_or(0, |o| o.0);
        match raw.as_str() {
            Ok(text) => self.text(oid, text),
            // Only binary results lack a text form; rows here are always text, but be total.
            Err(_) => raw.as_bytes().map_or(Value::Null, |bytes| {
                Value::String(base64::engine::general_purpose::STANDARD.encode(bytes))
            }),
        }
    }

    /// The JSON for the text form of a value of the type with this OID. Types are told apart by
    /// OID only: sqlx cannot describe a type it has not resolved (enums, extensions).
    pub fn text(&self, oid: u32, text: &str) -> Value {
        if let Some(element) = array_element(oid) {
            return match parse_array(text) {
                Some(array) => array.into_json(&|item| self.text(element, item)),
                None => Value::String(text.to_owned()),
            };
        }
        match oid {
            16 => Value::Bool(text == "t"),
            20 | 21 | 23 | 26 => text
                .parse::<i64>()
                .map_or_else(|_| string(text), Value::from),
            700 | 701 => float(text),
            1700 => numeric(text),
            114 | 3802 => serde_json::from_str(text).unwrap_or_else(|_| string(text)),
            17 => bytea(text),
            1114 => timestamp(text),
            1184 => self.timestamptz(text),
            _ => string(text),
        }
    }

    fn timestamptz(&self, text: &str) -> Value {
        match DateTime::<FixedOffset>::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f%#z") {
            Ok(at) => Value::String(
                at.with_timezone(&self.zone)
                    .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false),
            ),
            // `infinity`, `-infinity`, BC dates: their text.
            Err(_) => string(text),
        }
    }
}

/// The element type of the built-in array types whose elements get a mapping of their own.
fn array_element(oid: u32) -> Option<u32> {
    Some(match oid {
        1000 => 16,
        1001 => 17,
        1002 => 18,
        1003 => 19,
        1005 => 21,
        1007 => 23,
        1009 => 25,
        1014 => 1042,
        1015 => 1043,
        1016 => 20,
        1021 => 700,
        1022 => 701,
        1028 => 26,
        1115 => 1114,
        1182 => 1082,
        1183 => 1083,
        1185 => 1184,
        1187 => 1186,
        1231 => 1700,
        1270 => 1266,
        2951 => 2950,
        199 => 114,
        3807 => 3802,
        _ => return None,
    })
}

fn string(text: &str) -> Value {
    Value::String(text.to_owned())
}

/// Floats: a JSON number, or the text for `NaN` and `±Infinity`, which JSON cannot hold.
fn float(text: &str) -> Value {
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or_else(|| string(text), Value::Number)
}

/// NUMERIC: a JSON number when it converts losslessly (an integer within 64 bits, or at most 15
/// significant digits, which a double holds exactly), else the decimal text.
pub fn numeric(text: &str) -> Value {
    if let Ok(int) = text.parse::<i64>() {
        return Value::from(int);
    }
    if let Ok(int) = text.parse::<u64>() {
        return Value::from(int);
    }
    let digits = text
        .trim_start_matches('-')
        .chars()
        .filter(char::is_ascii_digit)
        .collect::<String>();
    let significant = digits.trim_start_matches('0').trim_end_matches('0').len();
    let plain = text
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-');
    if plain
        && significant <= 15
        && let Some(number) = text.parse::<f64>().ok().and_then(Number::from_f64)
    {
        return Value::Number(number);
    }
    string(text)
}

/// BYTEA arrives as `\x` + hex; JSON gets standard base64.
fn bytea(text: &str) -> Value {
    match text.strip_prefix("\\x").map(hex::decode) {
        Some(Ok(bytes)) => Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
        _ => string(text),
    }
}

/// TIMESTAMP (no zone): ISO-8601 local date-time, `2024-01-31T13:45:00`.
fn timestamp(text: &str) -> Value {
    match NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f") {
        Ok(at) => Value::String(at.format("%Y-%m-%dT%H:%M:%S%.f").to_string()),
        Err(_) => string(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numerics_are_numbers_only_when_lossless() {
        assert_eq!(numeric("42"), json!(42));
        assert_eq!(numeric("-9223372036854775808"), json!(i64::MIN));
        assert_eq!(numeric("12.50"), json!(12.5));
        assert_eq!(numeric("0.000123"), json!(0.000123));
        assert_eq!(numeric("123456789012.345678"), json!("123456789012.345678"));
        assert_eq!(
            numeric("99999999999999999999"),
            json!("99999999999999999999")
        );
        assert_eq!(numeric("NaN"), json!("NaN"));
    }

    #[test]
    fn floats_keep_non_finite_values_as_text() {
        assert_eq!(float("1.5"), json!(1.5));
        assert_eq!(float("Infinity"), json!("Infinity"));
    }

    #[test]
    fn bytea_is_base64() {
        assert_eq!(bytea("\\x68656c6c6f"), json!("aGVsbG8="));
    }
}
