//! How model values map to SQLite columns: times as INTEGER microseconds, JSON as TEXT,
//! enums as their upper-case names.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use crate::store::error::{StoreError, StoreResult};
use crate::store::model::State;
use crate::store::rows::Columns;

/// The current time at the precision it is stored with (microseconds), so that what the
/// store returns equals what it later reads back.
pub(super) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// A time as stored: microseconds since the Unix epoch.
pub(super) fn micros(time: DateTime<Utc>) -> i64 {
    time.timestamp_micros()
}

/// An optional time as stored.
pub(super) fn micros_opt(time: Option<DateTime<Utc>>) -> Option<i64> {
    time.map(micros)
}

/// `now + duration`, as stored; saturates instead of overflowing on absurd durations.
pub(super) fn micros_after(now: DateTime<Utc>, duration: Duration) -> i64 {
    let delta = i64::try_from(duration.as_micros()).unwrap_or(i64::MAX);
    micros(now).saturating_add(delta)
}

/// A stored time back as a `DateTime`.
pub(super) fn time(
    table: &'static str,
    column: &'static str,
    value: i64,
) -> StoreResult<DateTime<Utc>> {
    DateTime::from_timestamp_micros(value).ok_or_else(|| StoreError::Corrupt {
        table,
        column,
        detail: format!("{value} is not a valid time in microseconds"),
    })
}

/// A stored optional time back as a `DateTime`.
pub(super) fn time_opt(
    table: &'static str,
    column: &'static str,
    value: Option<i64>,
) -> StoreResult<Option<DateTime<Utc>>> {
    value.map(|v| time(table, column, v)).transpose()
}

/// A value as a JSON TEXT column.
pub(super) fn to_json<T: Serialize + ?Sized>(value: &T) -> StoreResult<String> {
    Ok(serde_json::to_string(value)?)
}

/// A JSON TEXT column back as a value.
pub(super) fn from_json<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    text: &str,
) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        table,
        column,
        detail: e.to_string(),
    })
}

/// An optional JSON TEXT column back as a value.
pub(super) fn from_json_opt<T: DeserializeOwned>(
    table: &'static str,
    column: &'static str,
    text: Option<String>,
) -> StoreResult<Option<T>> {
    text.map(|t| from_json(table, column, &t)).transpose()
}

impl Columns for SqliteRow {
    fn text(&self, column: &'static str) -> StoreResult<String> {
        Ok(self.try_get(column)?)
    }

    fn text_opt(&self, column: &'static str) -> StoreResult<Option<String>> {
        Ok(self.try_get(column)?)
    }

    fn int(&self, column: &'static str) -> StoreResult<i64> {
        Ok(self.try_get(column)?)
    }

    fn int_opt(&self, column: &'static str) -> StoreResult<Option<i64>> {
        Ok(self.try_get(column)?)
    }

    fn int32_opt(&self, column: &'static str) -> StoreResult<Option<i32>> {
        Ok(self.try_get(column)?)
    }

    fn small_int(&self, column: &'static str) -> StoreResult<i64> {
        Ok(self.try_get(column)?)
    }

    fn flag(&self, column: &'static str) -> StoreResult<bool> {
        Ok(self.try_get(column)?)
    }

    fn json<T: DeserializeOwned>(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> StoreResult<T> {
        from_json(table, column, self.try_get(column)?)
    }

    fn json_opt<T: DeserializeOwned>(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> StoreResult<Option<T>> {
        from_json_opt(table, column, self.try_get(column)?)
    }

    fn time(&self, table: &'static str, column: &'static str) -> StoreResult<DateTime<Utc>> {
        time(table, column, self.try_get(column)?)
    }

    fn time_opt(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        time_opt(table, column, self.try_get(column)?)
    }
}

/// `'A', 'B', ...`: a SQL list of state names, for `IN (...)` over constant sets.
pub(super) fn state_list(states: impl IntoIterator<Item = State>) -> String {
    states
        .into_iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_at_microsecond_precision() {
        let t = DateTime::parse_from_rfc3339("2026-11-23T18:00:00.123456789Z")
            .expect("valid time")
            .with_timezone(&Utc);
        let back = time("t", "c", micros(t)).expect("in range");
        assert_eq!(back.to_rfc3339(), "2026-11-23T18:00:00.123456+00:00");
        assert_eq!(time_opt("t", "c", None).expect("none"), None);
        assert!(matches!(
            time("executions", "created", i64::MAX),
            Err(StoreError::Corrupt {
                table: "executions",
                column: "created",
                ..
            })
        ));
    }

    #[test]
    fn lease_expiry_saturates_instead_of_overflowing() {
        let t = now();
        assert_eq!(
            micros_after(t, Duration::from_millis(1500)),
            micros(t) + 1_500_000
        );
        assert_eq!(micros_after(t, Duration::MAX), i64::MAX);
    }

    #[test]
    fn state_lists_quote_each_name() {
        assert_eq!(
            state_list([State::Running, State::Killing]),
            "'RUNNING', 'KILLING'"
        );
    }
}
