//! `Templated<T>`: a property that is either a literal `T` or a template expression rendered at
//! run time. Validation checks the literal form now; the engine renders the expression, then
//! parses the rendered text as `T` (so `"{{ inputs.n }}"` may become the number 5).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// A literal value or a template expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Templated<T> {
    Lit(T),
    Expr(String),
}

/// True when a string holds a template tag that must be rendered.
pub fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

impl<T: DeserializeOwned> Templated<T> {
    /// Parses a JSON value: a string with a template tag stays an expression; otherwise it must be a
    /// `T`, trying the string's JSON reading (`"5"` -> 5) when `T` is not a string type.
    pub fn from_value(value: Value) -> Result<Self, serde_json::Error> {
        let value = match value {
            Value::String(s) if is_template(&s) => return Ok(Templated::Expr(s)),
            other => other,
        };
        // Read from a borrow: the value is kept for the string fallback, without a copy.
        match T::deserialize(&value) {
            Ok(v) => Ok(Templated::Lit(v)),
            Err(first) => match &value {
                Value::String(s) => serde_json::from_str::<T>(s.trim())
                    .map(Templated::Lit)
                    .map_err(|_| first),
                _ => Err(first),
            },
        }
    }

    /// The literal value, if this is not an expression.
    pub fn literal(&self) -> Option<&T> {
        match self {
            Templated::Lit(v) => Some(v),
            Templated::Expr(_) => None,
        }
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Templated<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Templated::from_value(value).map_err(serde::de::Error::custom)
    }
}

impl<T: Serialize> Serialize for Templated<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Templated::Lit(v) => v.serialize(s),
            Templated::Expr(e) => s.serialize_str(e),
        }
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for Templated<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("Templated_{}", T::schema_name()).into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let inner = generator.subschema_for::<T>();
        schemars::json_schema!({
            "anyOf": [inner, {"type": "string", "pattern": "\\{[{%]"}]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn expressions_stay_unparsed_and_literals_coerce() {
        let t: Templated<u32> = Templated::from_value(json!("{{ inputs.n }}")).unwrap();
        assert_eq!(t, Templated::Expr("{{ inputs.n }}".into()));
        let t: Templated<u32> = Templated::from_value(json!("5")).unwrap();
        assert_eq!(t, Templated::Lit(5));
        assert!(Templated::<u32>::from_value(json!("five")).is_err());
    }
}
