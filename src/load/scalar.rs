//! YAML 1.2 core schema: what a scalar's text means as JSON, and what core tags allow.
//!
//! Plain scalars resolve to null, bool, integer, float or string; quoted and block scalars are
//! always strings. `.inf`, `-.inf` and `.nan` stay strings because JSON has no such numbers, and
//! an integer too large for 64 bits stays a string rather than silently losing digits.

use saphyr_parser::{ScalarStyle, Tag};
use serde_json::{Number, Value};

use super::error::LoadError;
use super::positions::Pos;

const CORE_PREFIX: &str = "tag:yaml.org,2002:";

/// A tag as far as baton cares: a core type, the non-specific `!`, or something unsupported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CoreTag {
    Str,
    Int,
    Float,
    Bool,
    Null,
    Map,
    Seq,
    /// `! value`: "not resolved", i.e. a string.
    NonSpecific,
}

impl CoreTag {
    /// The tag as written in YAML (`!!int`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Str => "!!str",
            Self::Int => "!!int",
            Self::Float => "!!float",
            Self::Bool => "!!bool",
            Self::Null => "!!null",
            Self::Map => "!!map",
            Self::Seq => "!!seq",
            Self::NonSpecific => "!",
        }
    }
}

/// Classifies a parser tag; anything outside the core schema is an `unsupported-tag` error.
pub(crate) fn core_tag(tag: &Tag, pos: Pos) -> Result<CoreTag, LoadError> {
    if tag.handle.is_empty() && tag.suffix == "!" {
        return Ok(CoreTag::NonSpecific);
    }
    let suffix = if tag.handle == CORE_PREFIX {
        Some(tag.suffix.as_str())
    } else if tag.handle.is_empty() {
        tag.suffix.strip_prefix(CORE_PREFIX)
    } else {
        None
    };
    match suffix {
        Some("str") => Ok(CoreTag::Str),
        Some("int") => Ok(CoreTag::Int),
        Some("float") => Ok(CoreTag::Float),
        Some("bool") => Ok(CoreTag::Bool),
        Some("null") => Ok(CoreTag::Null),
        Some("map") => Ok(CoreTag::Map),
        Some("seq") => Ok(CoreTag::Seq),
        Some(other) => Err(unsupported(&format!("!!{other}"), pos)),
        None => Err(unsupported(&tag.to_string(), pos)),
    }
}

fn unsupported(tag: &str, pos: Pos) -> LoadError {
    LoadError::UnsupportedTag {
        tag: tag.to_owned(),
        pos,
    }
}

/// The JSON value of a scalar node, given its style and optional (already classified) tag.
pub(crate) fn scalar_value(
    text: &str,
    style: ScalarStyle,
    tag: Option<CoreTag>,
    pos: Pos,
) -> Result<Value, LoadError> {
    let Some(tag) = tag else {
        return Ok(match style {
            ScalarStyle::Plain => resolve_plain(text),
            _ => Value::String(text.to_owned()),
        });
    };
    let resolved = match tag {
        CoreTag::Str | CoreTag::NonSpecific => Some(Value::String(text.to_owned())),
        CoreTag::Null => is_null(text).then_some(Value::Null),
        CoreTag::Bool => parse_bool(text).map(Value::Bool),
        CoreTag::Int => parse_int(text),
        CoreTag::Float => parse_int(text)
            .and_then(|v| v.as_f64())
            .and_then(Number::from_f64)
            .map(Value::Number)
            .or_else(|| parse_float(text)),
        CoreTag::Map | CoreTag::Seq => None,
    };
    resolved.ok_or_else(|| LoadError::InvalidTaggedValue {
        tag: tag.name().to_owned(),
        value: text.to_owned(),
        pos,
    })
}

/// Core schema resolution of a plain (unquoted) scalar.
pub(crate) fn resolve_plain(text: &str) -> Value {
    if is_null(text) {
        return Value::Null;
    }
    if let Some(b) = parse_bool(text) {
        return Value::Bool(b);
    }
    let number = if is_decimal_int(text) {
        // Integer-shaped text beyond 64 bits stays a string rather than becoming a rounded float.
        parse_int(text)
    } else {
        parse_int(text).or_else(|| parse_float(text))
    };
    number.unwrap_or_else(|| Value::String(text.to_owned()))
}

fn is_decimal_int(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

fn is_null(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// `[-+]?[0-9]+`, `0o[0-7]+`, `0x[0-9a-fA-F]+`; out-of-range values are not integers.
fn parse_int(text: &str) -> Option<Value> {
    if let Some(hex) = text.strip_prefix("0x") {
        return radix_int(hex, 16);
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return radix_int(octal, 8);
    }
    if !is_decimal_int(text) {
        return None;
    }
    // `str::parse::<i64>` accepts the leading sign forms the core schema allows.
    if let Ok(n) = text.parse::<i64>() {
        return Some(Value::from(n));
    }
    text.strip_prefix('+')
        .unwrap_or(text)
        .parse::<u64>()
        .ok()
        .map(Value::from)
}

fn radix_int(digits: &str, radix: u32) -> Option<Value> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok().map(Value::from)
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`; non-finite results stay strings.
fn parse_float(text: &str) -> Option<Value> {
    if !is_core_float(text) {
        return None;
    }
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map(Value::Number)
}

fn is_core_float(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = usize::from(matches!(bytes.first(), Some(b'-' | b'+')));
    let int_start = i;
    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    let int_digits = i - int_start;
    let mut frac_digits = 0;
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let frac_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        frac_digits = i - frac_start;
    }
    if int_digits == 0 && frac_digits == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == exp_start {
            return false;
        }
    }
    i == bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn core_schema_resolution_table() {
        let table = [
            ("", json!(null)),
            ("~", json!(null)),
            ("NULL", json!(null)),
            ("nul", json!("nul")),
            ("True", json!(true)),
            ("FALSE", json!(false)),
            ("yes", json!("yes")),
            ("on", json!("on")),
            ("42", json!(42)),
            ("-17", json!(-17)),
            ("+5", json!(5)),
            ("007", json!(7)),
            ("0x1F", json!(31)),
            ("0o17", json!(15)),
            ("0x", json!("0x")),
            ("0o8", json!("0o8")),
            (
                "18446744073709551615",
                json!(18_446_744_073_709_551_615_u64),
            ),
            ("99999999999999999999", json!("99999999999999999999")),
            ("1.5", json!(1.5)),
            ("-.5", json!(-0.5)),
            ("1.", json!(1.0)),
            ("1e3", json!(1000.0)),
            ("2.5E-1", json!(0.25)),
            ("1e999", json!("1e999")),
            (".inf", json!(".inf")),
            ("-.inf", json!("-.inf")),
            (".nan", json!(".nan")),
            ("inf", json!("inf")),
            ("1_000", json!("1_000")),
            ("1.2.3", json!("1.2.3")),
            ("e3", json!("e3")),
            (".", json!(".")),
            ("PT5M", json!("PT5M")),
        ];
        for (text, expected) in table {
            assert_eq!(resolve_plain(text), expected, "plain scalar {text:?}");
        }
    }

    #[test]
    fn quoted_scalars_stay_strings() {
        let pos = Pos::new(1, 1);
        let v = scalar_value("42", ScalarStyle::DoubleQuoted, None, pos);
        assert_eq!(v, Ok(json!("42")));
    }

    #[test]
    fn core_tags_convert_or_refuse() {
        let pos = Pos::new(2, 3);
        let plain = ScalarStyle::Plain;
        assert_eq!(
            scalar_value("12", plain, Some(CoreTag::Str), pos),
            Ok(json!("12"))
        );
        assert_eq!(
            scalar_value("12", ScalarStyle::SingleQuoted, Some(CoreTag::Int), pos),
            Ok(json!(12))
        );
        assert_eq!(
            scalar_value("3", plain, Some(CoreTag::Float), pos),
            Ok(json!(3.0))
        );
        let err = scalar_value("abc", plain, Some(CoreTag::Int), pos).unwrap_err();
        assert_eq!(err.code(), "invalid-tagged-value");
        assert_eq!(err.position(), Some(pos));
    }
}
