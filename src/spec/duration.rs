//! ISO-8601 durations (`PT15S`, `P1DT2H`, `PT0.5S`), the form Kestra uses for every timeout,
//! interval and sleep. Parsed once into `std::time::Duration`.

use std::fmt;
use std::time::Duration as StdDuration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A parsed ISO-8601 duration that remembers its source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duration {
    text: String,
    value: StdDuration,
}

/// Why a duration string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ISO-8601 duration `{text}`: {reason} (expected e.g. PT15S, PT1H30M, P1D)")]
pub struct DurationError {
    pub text: String,
    pub reason: &'static str,
}

impl Duration {
    /// Parses `P[nD][T[nH][nM][n[.f]S]]`, also accepting weeks (`P2W`) and a leading sign-less form.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let err = |reason| DurationError {
            text: text.to_string(),
            reason,
        };
        let upper = text.trim().to_ascii_uppercase();
        let rest = upper
            .strip_prefix('P')
            .ok_or_else(|| err("must start with P"))?;
        if rest.is_empty() {
            return Err(err("no components"));
        }
        let (date, time) = match rest.split_once('T') {
            Some((_, "")) => return Err(err("empty time part after T")),
            Some((d, t)) => (d, Some(t)),
            None => (rest, None),
        };
        let mut secs = 0f64;
        secs += components(date, &[('W', 604_800.0), ('D', 86_400.0)]).map_err(err)?;
        if let Some(t) = time {
            secs += components(t, &[('H', 3_600.0), ('M', 60.0), ('S', 1.0)]).map_err(err)?;
        }
        if !secs.is_finite() || secs > 1e12 {
            return Err(err("too large"));
        }
        Ok(Self {
            text: text.trim().to_string(),
            value: StdDuration::from_secs_f64(secs),
        })
    }

    /// Builds a duration from a std value (rendered back as `PT<n>S`).
    pub fn from_std(value: StdDuration) -> Self {
        let text = format!("PT{}S", trim_float(value.as_secs_f64()));
        Self { text, value }
    }

    /// The duration as a std value.
    pub fn as_std(&self) -> StdDuration {
        self.value
    }

    /// The text as written in the flow.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn trim_float(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Sums `<number><unit>` pairs in order; units must appear in the given order, at most once.
fn components(mut s: &str, units: &[(char, f64)]) -> Result<f64, &'static str> {
    let mut total = 0.0;
    let mut next_unit = 0;
    while !s.is_empty() {
        let end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
            .ok_or("number without unit")?;
        if end == 0 {
            return Err("unit without number");
        }
        let number: f64 = s[..end]
            .replace(',', ".")
            .parse()
            .map_err(|_| "bad number")?;
        let unit = s[end..].chars().next().ok_or("number without unit")?;
        let pos = units[next_unit..]
            .iter()
            .position(|(u, _)| *u == unit)
            .ok_or("unknown or misplaced unit")?;
        total += number * units[next_unit + pos].1;
        next_unit += pos + 1;
        s = &s[end + unit.len_utf8()..];
    }
    Ok(total)
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Duration::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "ISO-8601 duration, e.g. PT15S, PT1H30M, P1D",
            "pattern": "^[Pp]([0-9.,]+[WwDd])*([Tt]([0-9.,]+[HhMmSs])+)?$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_kestra_durations() {
        let s = |t: &str| Duration::parse(t).unwrap().as_std().as_secs_f64();
        assert_eq!(s("PT15S"), 15.0);
        assert_eq!(s("PT1H30M"), 5400.0);
        assert_eq!(s("P1D"), 86400.0);
        assert_eq!(s("P1DT1S"), 86401.0);
        assert_eq!(s("PT0.5S"), 0.5);
        assert_eq!(s("P2W"), 1_209_600.0);
        assert_eq!(s("pt1m"), 60.0);
    }

    #[test]
    fn rejects_malformed_durations() {
        for bad in [
            "", "15S", "P", "PT", "PT1X", "PTS", "PT1S1M", "P1H", "1 hour",
        ] {
            assert!(Duration::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
