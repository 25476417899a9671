//! How model values map to Postgres columns: times as TIMESTAMPTZ, JSON as JSONB, enums as
//! their upper-case names.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::de::DeserializeOwned;
use serde_json::Value;
use sqlx::Row;
use sqlx::postgres::PgRow;

use crate::store::error::{StoreError, StoreResult};
use crate::store::model::State;
use crate::store::rows::Columns;

/// The current time at the precision it is stored with (microseconds).
pub(super) fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_micros(now.timestamp_micros()).unwrap_or(now)
}

/// `time + duration`; saturates instead of overflowing on absurd durations.
pub(super) fn after(time: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    let delta = i64::try_from(duration.as_micros()).unwrap_or(i64::MAX);
    time.checked_add_signed(TimeDelta::microseconds(delta))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// A duration in microseconds, as bound for `$n * interval '1 microsecond'`.
pub(super) fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

/// A value as a JSONB parameter.
pub(super) fn to_json<T: serde::Serialize + ?Sized>(value: &T) -> StoreResult<Value> {
    Ok(serde_json::to_value(value)?)
}

/// A JSONB column back as a value.
pub(super) fn json<T: DeserializeOwned>(
    row: &PgRow,
    table: &'static str,
    column: &'static str,
) -> StoreResult<T> {
    let value: Value = row.try_get(column)?;
    serde_json::from_value(value).map_err(|e| corrupt(table, column, e))
}

/// An optional JSONB column back as a value.
pub(super) fn json_opt<T: DeserializeOwned>(
    row: &PgRow,
    table: &'static str,
    column: &'static str,
) -> StoreResult<Option<T>> {
    let value: Option<Value> = row.try_get(column)?;
    value
        .map(|v| serde_json::from_value(v).map_err(|e| corrupt(table, column, e)))
        .transpose()
}

/// Plain columns and times decode natively (a bad TIMESTAMPTZ is a database error that names
/// the column, so times do not need the table); JSONB goes through `json`.
impl Columns for PgRow {
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
        let value: i16 = self.try_get(column)?;
        Ok(value.into())
    }

    fn flag(&self, column: &'static str) -> StoreResult<bool> {
        Ok(self.try_get(column)?)
    }

    fn json<T: DeserializeOwned>(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> StoreResult<T> {
        json(self, table, column)
    }

    fn json_opt<T: DeserializeOwned>(
        &self,
        table: &'static str,
        column: &'static str,
    ) -> StoreResult<Option<T>> {
        json_opt(self, table, column)
    }

    fn time(&self, _table: &'static str, column: &'static str) -> StoreResult<DateTime<Utc>> {
        Ok(self.try_get(column)?)
    }

    fn time_opt(
        &self,
        _table: &'static str,
        column: &'static str,
    ) -> StoreResult<Option<DateTime<Utc>>> {
        Ok(self.try_get(column)?)
    }
}

fn corrupt(table: &'static str, column: &'static str, e: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table,
        column,
        detail: e.to_string(),
    }
}

/// State names as a text array parameter (`= ANY($n)`).
pub(super) fn state_names(states: impl IntoIterator<Item = State>) -> Vec<String> {
    states.into_iter().map(|s| s.as_str().to_string()).collect()
}

/// Text without NUL characters, which Postgres TEXT cannot hold (a process may print them).
pub(super) fn without_nul(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\0') {
        std::borrow::Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_replaced_and_other_text_is_kept() {
        assert_eq!(without_nul("a\0b"), "a\u{FFFD}b");
        assert!(matches!(
            without_nul("ab"),
            std::borrow::Cow::Borrowed("ab")
        ));
    }

    #[test]
    fn durations_saturate() {
        let t = now();
        assert_eq!(after(t, Duration::from_secs(1)) - t, TimeDelta::seconds(1));
        assert_eq!(after(t, Duration::MAX), DateTime::<Utc>::MAX_UTC);
        assert_eq!(micros(Duration::MAX), i64::MAX);
    }
}
