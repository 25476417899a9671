//! Date filters (`date`, `dateAdd`, `timestamp*`) with Java/Pebble patterns (`yyyy-MM-dd`,
//! `HH:mm:ss.SSSXXX`, `iso`, `sql` ...) translated to chrono.

use chrono::{
    DateTime, Datelike, Duration, FixedOffset, Months, NaiveDate, NaiveDateTime, SecondsFormat,
    TimeZone, Timelike, Utc,
};
use minijinja::value::Kwargs;
use minijinja::{Error, Value};

use super::functions::failure;

/// A parsed instant with the zone it is shown in.
struct Zoned {
    at: DateTime<FixedOffset>,
    zone_name: String,
}

/// Registers the date filters on `env`.
pub(crate) fn register(env: &mut minijinja::Environment<'static>) {
    env.add_filter("date", date);
    env.add_filter("dateAdd", date_add);
    env.add_filter("timestamp", |v: Value, k: Kwargs| timestamp(v, k, 0));
    env.add_filter("timestampMilli", |v: Value, k: Kwargs| timestamp(v, k, 3));
    env.add_filter("timestampMicro", |v: Value, k: Kwargs| timestamp(v, k, 6));
    env.add_filter("timestampNano", |v: Value, k: Kwargs| timestamp(v, k, 9));
}

/// ISO-8601 form of `now` in `zone` (UTC when absent), microsecond precision.
pub(crate) fn iso(now: DateTime<Utc>, zone: Option<&str>) -> Result<String, Error> {
    let zoned = in_zone(now.fixed_offset(), zone)?;
    Ok(zoned.at.to_rfc3339_opts(SecondsFormat::Micros, true))
}

/// `date(format, timeZone=?, existingFormat=?)`.
fn date(value: Value, format: Option<String>, kwargs: Kwargs) -> Result<String, Error> {
    let format = kwargs.get::<Option<String>>("format")?.or(format);
    let zoned = parse_with_kwargs(&value, &kwargs)?;
    kwargs.assert_all_used()?;
    format_java(&zoned, &named_format(format.as_deref().unwrap_or("iso")))
}

/// `dateAdd(amount, unit)`: the date moved by `amount` units, as ISO-8601.
fn date_add(value: Value, amount: i64, unit: String, kwargs: Kwargs) -> Result<String, Error> {
    let format: Option<String> = kwargs.get("format")?;
    let mut zoned = parse_with_kwargs(&value, &kwargs)?;
    kwargs.assert_all_used()?;
    zoned.at = shift(zoned.at, amount, &unit)?;
    match format {
        Some(f) => format_java(&zoned, &named_format(&f)),
        None => Ok(zoned.at.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
    }
}

/// `timestamp*`: seconds since the epoch times 10^`digits`.
fn timestamp(value: Value, kwargs: Kwargs, digits: u32) -> Result<i64, Error> {
    let zoned = parse_with_kwargs(&value, &kwargs)?;
    kwargs.assert_all_used()?;
    let at = zoned.at;
    let scale = 10_i64.pow(digits);
    let fraction = i64::from(at.timestamp_subsec_nanos()) / 10_i64.pow(9 - digits);
    Ok(at.timestamp() * scale + fraction)
}

fn parse_with_kwargs(value: &Value, kwargs: &Kwargs) -> Result<Zoned, Error> {
    let existing: Option<String> = kwargs.get("existingFormat")?;
    let zone: Option<String> = kwargs.get("timeZone")?;
    let _locale: Option<String> = kwargs.get("locale")?;
    let at = parse_instant(value, existing.as_deref())?;
    match zone {
        Some(z) => in_zone(at, Some(&z)),
        None => Ok(Zoned {
            zone_name: offset_name(at.offset()),
            at,
        }),
    }
}

fn offset_name(offset: &FixedOffset) -> String {
    if offset.local_minus_utc() == 0 {
        "UTC".into()
    } else {
        offset.to_string()
    }
}

/// `at` shown in `zone`: an IANA name (`Europe/Paris`), `UTC`, or an offset (`+02:00`).
fn in_zone(at: DateTime<FixedOffset>, zone: Option<&str>) -> Result<Zoned, Error> {
    let Some(zone) = zone else {
        return Ok(Zoned {
            at: at.with_timezone(&Utc).fixed_offset(),
            zone_name: "UTC".into(),
        });
    };
    if let Ok(tz) = zone.parse::<chrono_tz::Tz>() {
        let local = at.with_timezone(&tz);
        return Ok(Zoned {
            zone_name: local.format("%Z").to_string(),
            at: local.fixed_offset(),
        });
    }
    let offset = DateTime::parse_from_str(
        &format!("2000-01-01T00:00:00{zone}"),
        "%Y-%m-%dT%H:%M:%S%:z",
    )
    .map_err(|_| failure(format!("unknown time zone `{zone}`")))?;
    Ok(Zoned {
        at: at.with_timezone(offset.offset()),
        zone_name: zone.to_string(),
    })
}

/// Reads an instant from a string (ISO-8601, SQL, date only, or `existing` pattern) or a number
/// of epoch seconds.
fn parse_instant(value: &Value, existing: Option<&str>) -> Result<DateTime<FixedOffset>, Error> {
    if let Some(n) = value.as_i64() {
        return Utc
            .timestamp_opt(n, 0)
            .single()
            .map(|d| d.fixed_offset())
            .ok_or_else(|| failure(format!("invalid epoch seconds {n}")));
    }
    if let Ok(f) = f64::try_from(value.clone()) {
        let nanos = (f * 1e9) as i64;
        return Ok(Utc.timestamp_nanos(nanos).fixed_offset());
    }
    let text = value
        .as_str()
        .ok_or_else(|| failure(format!("cannot read a date from `{value}`")))?
        .trim();
    if let Some(pattern) = existing {
        return parse_pattern(text, &java_to_strftime(&named_format(pattern)))
            .ok_or_else(|| failure(format!("`{text}` does not match date format `{pattern}`")));
    }
    if let Ok(d) = DateTime::parse_from_rfc3339(text) {
        return Ok(d);
    }
    [
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%dT%H:%M:%S%.f%z",
    ]
    .iter()
    .find_map(|f| DateTime::parse_from_str(text, f).ok())
    .or_else(|| {
        [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d",
        ]
        .iter()
        .find_map(|f| parse_pattern(text, f))
    })
    .ok_or_else(|| failure(format!("cannot read a date from `{text}`")))
}

fn parse_pattern(text: &str, format: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_str(text, format)
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, format)
                .ok()
                .map(|n| n.and_utc().fixed_offset())
        })
        .or_else(|| {
            NaiveDate::parse_from_str(text, format)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|n| n.and_utc().fixed_offset())
        })
}

fn shift(
    at: DateTime<FixedOffset>,
    amount: i64,
    unit: &str,
) -> Result<DateTime<FixedOffset>, Error> {
    let months = |n: i64| -> Option<DateTime<FixedOffset>> {
        let m = Months::new(u32::try_from(n.unsigned_abs()).ok()?);
        if n >= 0 {
            at.checked_add_months(m)
        } else {
            at.checked_sub_months(m)
        }
    };
    let span = |d: Option<Duration>| d.and_then(|d| at.checked_add_signed(d));
    let shifted = match unit.to_uppercase().as_str() {
        "NANOS" => span(Some(Duration::nanoseconds(amount))),
        "MICROS" => span(Some(Duration::microseconds(amount))),
        "MILLIS" => span(Duration::try_milliseconds(amount)),
        "SECONDS" => span(Duration::try_seconds(amount)),
        "MINUTES" => span(Duration::try_minutes(amount)),
        "HOURS" => span(Duration::try_hours(amount)),
        "HALF_DAYS" => span(Duration::try_hours(amount.saturating_mul(12))),
        "DAYS" => span(Duration::try_days(amount)),
        "WEEKS" => span(Duration::try_weeks(amount)),
        "MONTHS" => months(amount),
        "YEARS" => months(amount.saturating_mul(12)),
        "DECADES" => months(amount.saturating_mul(120)),
        "CENTURIES" => months(amount.saturating_mul(1200)),
        other => return Err(failure(format!("dateAdd: unknown unit `{other}`"))),
    };
    shifted.ok_or_else(|| failure(format!("dateAdd: {amount} {unit} is out of range")))
}

/// Kestra's named formats, else the pattern itself.
fn named_format(format: &str) -> String {
    match format {
        "iso" | "ISO-8601" | "iso8601" | "ISO8601" => "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX",
        "iso_sec" => "yyyy-MM-dd'T'HH:mm:ssXXX",
        "iso_milli" => "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
        "iso_date_time" | "iso_zoned_date_time" | "iso_offset_date_time" => {
            "yyyy-MM-dd'T'HH:mm:ssXXX"
        }
        "iso_local_date_time" => "yyyy-MM-dd'T'HH:mm:ss",
        "iso_date" | "iso_local_date" => "yyyy-MM-dd",
        "iso_time" | "iso_local_time" => "HH:mm:ss",
        "sql" => "yyyy-MM-dd HH:mm:ss.SSSSSS",
        "sql_seconds" => "yyyy-MM-dd HH:mm:ss",
        "sql_milli" => "yyyy-MM-dd HH:mm:ss.SSS",
        other => other,
    }
    .to_string()
}

/// A piece of a Java date pattern.
enum Piece {
    Literal(String),
    Field(char, usize),
}

fn java_pieces(pattern: &str) -> Vec<Piece> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' {
            let mut lit = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' {
                    if chars.get(i + 1) == Some(&'\'') {
                        lit.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                lit.push(chars[i]);
                i += 1;
            }
            if lit.is_empty() {
                lit.push('\'');
            }
            out.push(Piece::Literal(lit));
            i += 1;
        } else if c.is_ascii_alphabetic() {
            let start = i;
            while i < chars.len() && chars[i] == c {
                i += 1;
            }
            out.push(Piece::Field(c, i - start));
        } else {
            out.push(Piece::Literal(c.to_string()));
            i += 1;
        }
    }
    out
}

/// Formats with a Java `DateTimeFormatter` pattern.
fn format_java(zoned: &Zoned, pattern: &str) -> Result<String, Error> {
    let at = &zoned.at;
    let mut out = String::new();
    for piece in java_pieces(pattern) {
        match piece {
            Piece::Literal(l) => out.push_str(&l),
            Piece::Field(c, n) => out.push_str(&field(zoned, at, c, n)?),
        }
    }
    Ok(out)
}

fn pad(v: impl std::fmt::Display, width: usize) -> String {
    format!("{v:0>width$}")
}

fn field(zoned: &Zoned, at: &DateTime<FixedOffset>, c: char, n: usize) -> Result<String, Error> {
    let offset = at.offset().local_minus_utc();
    Ok(match c {
        'y' | 'u' if n == 2 => pad(at.year().rem_euclid(100), 2),
        'y' | 'u' => pad(at.year(), n),
        'M' | 'L' => match n {
            1 | 2 => pad(at.month(), n),
            3 => at.format("%b").to_string(),
            _ => at.format("%B").to_string(),
        },
        'd' => pad(at.day(), n),
        'D' => pad(at.ordinal(), n),
        'H' => pad(at.hour(), n),
        'k' => pad(if at.hour() == 0 { 24 } else { at.hour() }, n),
        'h' => pad(at.hour12().1, n),
        'K' => pad(at.hour12().1 % 12, n),
        'm' => pad(at.minute(), n),
        's' => pad(at.second(), n),
        'S' => pad(at.nanosecond() % 1_000_000_000, 9)[..n.min(9)].to_string(),
        'n' => at.nanosecond().to_string(),
        'a' => at.format("%p").to_string(),
        'E' if n >= 4 => at.format("%A").to_string(),
        'E' => at.format("%a").to_string(),
        'X' if offset == 0 => "Z".into(),
        'X' | 'x' => offset_text(offset, n),
        'Z' if n == 5 && offset == 0 => "Z".into(),
        'Z' if n == 5 => offset_text(offset, 3),
        'Z' => offset_text(offset, 2),
        'z' => zoned.zone_name.clone(),
        'V' => zoned.zone_name.clone(),
        'G' => "AD".into(),
        'Q' | 'q' => pad(at.month0() / 3 + 1, n),
        'e' | 'c' => pad(at.weekday().number_from_monday(), n),
        'w' => pad(at.iso_week().week(), n),
        'Y' => pad(at.iso_week().year(), n),
        other => {
            return Err(failure(format!(
                "date pattern letter `{other}` is not supported"
            )));
        }
    })
}

/// `+HH` (1), `+HHMM` (2) or `+HH:MM` (3).
fn offset_text(seconds: i32, width: usize) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let (h, m) = (seconds.abs() / 3600, seconds.abs() % 3600 / 60);
    match width {
        1 if m == 0 => format!("{sign}{h:02}"),
        1 | 2 => format!("{sign}{h:02}{m:02}"),
        _ => format!("{sign}{h:02}:{m:02}"),
    }
}

/// A Java pattern as a chrono parse format (for `existingFormat`).
fn java_to_strftime(pattern: &str) -> String {
    java_pieces(pattern)
        .into_iter()
        .map(|piece| match piece {
            Piece::Literal(l) => l.replace('%', "%%"),
            Piece::Field(c, n) => match (c, n) {
                ('y' | 'u', 2) => "%y".into(),
                ('y' | 'u', _) => "%Y".into(),
                ('M' | 'L', 1 | 2) => "%m".into(),
                ('M' | 'L', 3) => "%b".into(),
                ('M' | 'L', _) => "%B".into(),
                ('d', _) => "%d".into(),
                ('D', _) => "%j".into(),
                ('H', _) => "%H".into(),
                ('h', _) => "%I".into(),
                ('m', _) => "%M".into(),
                ('s', _) => "%S".into(),
                ('S', n) => format!("%{}f", n.min(9)),
                ('a', _) => "%p".into(),
                ('E', 1..=3) => "%a".into(),
                ('E', _) => "%A".into(),
                ('X' | 'x', _) | ('Z', 5) => "%:z".into(),
                ('Z', _) => "%z".into(),
                (c, n) => c.to_string().repeat(n),
            },
        })
        .collect()
}
