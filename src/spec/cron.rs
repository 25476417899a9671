//! Cron expressions as Kestra accepts them: 5 fields, 6 fields (with seconds) and the
//! `@daily`-style nicknames. Parsing is delegated to `croner`; this wrapper keeps the source
//! text and gives one error type.

use std::fmt;

use chrono::Datelike as _;

/// A parsed cron expression.
#[derive(Debug, Clone)]
pub struct Cron {
    text: String,
    inner: croner::Cron,
}

/// Why a cron expression was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid cron expression `{text}`: {reason}")]
pub struct CronError {
    pub text: String,
    pub reason: String,
}

impl Cron {
    /// Parses a 5- or 6-field expression or a nickname (`@hourly`, `@daily`, `@weekly`, ...).
    pub fn parse(text: &str) -> Result<Self, CronError> {
        let trimmed = text.trim();
        let expanded = match trimmed.to_ascii_lowercase().as_str() {
            "@yearly" | "@annually" => "0 0 1 1 *".to_string(),
            "@monthly" => "0 0 1 * *".to_string(),
            "@weekly" => "0 0 * * 0".to_string(),
            "@daily" | "@midnight" => "0 0 * * *".to_string(),
            "@hourly" => "0 * * * *".to_string(),
            _ => trimmed.to_string(),
        };
        let fields = expanded.split_whitespace().count();
        if !(5..=6).contains(&fields) {
            return Err(CronError {
                text: text.to_string(),
                reason: format!("expected 5 or 6 fields, found {fields}"),
            });
        }
        let inner = croner::Cron::new(&expanded)
            .with_seconds_optional()
            .with_dom_and_dow()
            .parse()
            .map_err(|e| CronError {
                text: text.to_string(),
                reason: e.to_string(),
            })?;
        if !fires_in_a_calendar_cycle(&inner) {
            return Err(CronError {
                text: text.to_string(),
                reason: "no date matches the day, month and weekday fields together".to_string(),
            });
        }
        Ok(Self {
            text: trimmed.to_string(),
            inner,
        })
    }

    /// The next fire time strictly after `after`, in the zone of `after`.
    pub fn next_after<Tz: chrono::TimeZone>(
        &self,
        after: &chrono::DateTime<Tz>,
    ) -> Option<chrono::DateTime<Tz>> {
        self.inner.find_next_occurrence(after, false).ok()
    }

    /// The source text.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// True when some hour, minute and second match, and some day of one 400-year Gregorian
/// cycle (after which the calendar repeats) matches. croner searches up to the year 5000 before giving up on a pattern that never fires
/// (`5 10 * 2 L`), which takes seconds per call: such patterns are refused here instead.
fn fires_in_a_calendar_cycle(cron: &croner::Cron) -> bool {
    let pattern = &cron.pattern;
    // A time field can also select nothing (`L` or `,` as the hour or the seconds): croner then
    // steps hour by hour (or second by second) up to the year 5000.
    let any = |count: u32, field: &dyn Fn(u32) -> Result<bool, croner::errors::CronError>| {
        (0..count).any(|value| field(value).unwrap_or(false))
    };
    let time_fires = any(24, &|h| pattern.hour_match(h))
        && any(60, &|m| pattern.minute_match(m))
        && any(60, &|s| pattern.second_match(s));
    if !time_fires {
        return false;
    }
    let Some(mut day) = chrono::NaiveDate::from_ymd_opt(2000, 1, 1) else {
        return false;
    };
    for _ in 0..146_097 {
        let (year, month, dom) = (day.year(), day.month(), day.day());
        let month_ok = pattern.month_match(month).unwrap_or(false);
        if month_ok && pattern.day_match(year, month, dom).unwrap_or(false) {
            return true;
        }
        let Some(next) = day.succ_opt() else {
            return false;
        };
        day = next;
    }
    false
}

impl fmt::Display for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn accepts_kestra_forms() {
        for ok in [
            "*/15 * * * *",
            "0 4 * * 1-5",
            "*/5 * * * * *",
            "@daily",
            "@hourly",
        ] {
            assert!(Cron::parse(ok).is_ok(), "{ok} rejected");
        }
    }

    #[test]
    fn rejects_bad_expressions() {
        for bad in ["", "* * *", "61 * * * *", "* * * * * * *", "@sometimes"] {
            assert!(Cron::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn rejects_patterns_that_never_fire_instead_of_searching_for_seconds() {
        // Found by the cron_duration fuzz target: `L` alone selects no weekday, so croner
        // scanned every day up to the year 5000 on each `next_after` (3 s).
        let started = std::time::Instant::now();
        for never in [
            "5 10 * 2 L",
            "0 0 30 2 *",
            "0 0 31 4 *",
            "0 0 L * L",
            "0 3 L * * ?",
            ", 8 2 6 8 6",
            " L *  L * ?",
        ] {
            let err = Cron::parse(never).expect_err(never);
            assert!(err.reason.contains("no date matches"), "{never}: {err}");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
        for rare in ["0 0 29 2 *", "0 0 29 2 1", "0 0 L 2 *", "0 0 * 2 5L"] {
            let cron = Cron::parse(rare).unwrap_or_else(|e| panic!("{rare}: {e}"));
            let t = chrono::Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap();
            assert!(cron.next_after(&t).is_some(), "{rare}");
        }
    }

    #[test]
    fn next_after_is_strictly_later() {
        let c = Cron::parse("0 * * * *").unwrap();
        let t = chrono::Utc.with_ymd_and_hms(2024, 1, 1, 10, 0, 0).unwrap();
        let next = c.next_after(&t).unwrap();
        assert_eq!(
            next,
            chrono::Utc.with_ymd_and_hms(2024, 1, 1, 11, 0, 0).unwrap()
        );
    }
}
