//! Retry policies (`retry:` on a task or a flow): constant, exponential and random delays,
//! bounded by attempts and/or total duration. `maxAttempts` counts the first run, as in Kestra.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::duration::Duration;

/// How the delay between attempts grows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RetryKind {
    Constant,
    Exponential,
    Random,
}

/// What a flow-level retry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RetryBehavior {
    RetryFailedTask,
    CreateNewExecution,
}

/// A retry policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Retry {
    #[serde(rename = "type")]
    pub kind: RetryKind,
    /// Delay between attempts (constant) or the first delay (exponential).
    #[serde(default)]
    pub interval: Option<Duration>,
    /// Upper bound of the delay (exponential, random).
    #[serde(default)]
    pub max_interval: Option<Duration>,
    /// Lower bound of the delay (random).
    #[serde(default)]
    pub min_interval: Option<Duration>,
    /// Growth factor of the delay (exponential; default 2).
    #[serde(default)]
    pub delay_factor: Option<f64>,
    /// Attempts including the first run.
    #[serde(default, alias = "maxAttempt")]
    pub max_attempts: Option<u32>,
    /// No new attempt starts later than this after the first one.
    #[serde(default)]
    pub max_duration: Option<Duration>,
    /// A task that succeeds after retries ends in WARNING.
    #[serde(default)]
    pub warning_on_retry: bool,
    /// `CREATE_NEW_EXECUTION`: a failure ends the execution RETRIED and a new execution runs.
    #[serde(default)]
    pub behavior: Option<RetryBehavior>,
}

impl Retry {
    /// The delay before attempt number `next_attempt` (2 = first retry); `random` draws
    /// uniformly from `[min_interval, max_interval]` using the caller's `unit` in [0, 1).
    pub fn delay_before(&self, next_attempt: u32, unit: f64) -> std::time::Duration {
        let secs = |d: &Option<Duration>| d.as_ref().map(|d| d.as_std().as_secs_f64());
        let base = secs(&self.interval).unwrap_or(0.0);
        let raw = match self.kind {
            RetryKind::Constant => base,
            RetryKind::Exponential => {
                let factor = self.delay_factor.unwrap_or(2.0);
                let exp = next_attempt.saturating_sub(2).min(60) as i32;
                base * factor.powi(exp)
            }
            RetryKind::Random => {
                let lo = secs(&self.min_interval).unwrap_or(0.0);
                let hi = secs(&self.max_interval).unwrap_or(lo.max(base));
                lo + (hi - lo).max(0.0) * unit
            }
        };
        let capped = match secs(&self.max_interval) {
            Some(max) if self.kind == RetryKind::Exponential => raw.min(max),
            _ => raw,
        };
        std::time::Duration::from_secs_f64(capped.clamp(0.0, 1e9))
    }

    /// True when another attempt is allowed after `attempts_done` attempts that began
    /// `elapsed` ago (first attempt start to now).
    pub fn allows_another(&self, attempts_done: u32, elapsed: std::time::Duration) -> bool {
        if let Some(max) = self.max_attempts
            && attempts_done >= max
        {
            return false;
        }
        if let Some(max) = &self.max_duration
            && elapsed >= max.as_std()
        {
            return false;
        }
        self.max_attempts.is_some() || self.max_duration.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn max_attempt_alias_and_counting() {
        let r: Retry = serde_json::from_value(
            json!({"type": "constant", "interval": "PT1S", "maxAttempt": 3}),
        )
        .unwrap();
        assert_eq!(r.max_attempts, Some(3));
        assert!(r.allows_another(2, std::time::Duration::ZERO));
        assert!(!r.allows_another(3, std::time::Duration::ZERO));
    }

    #[test]
    fn exponential_grows_and_caps() {
        let r: Retry = serde_json::from_value(json!({
            "type": "exponential", "interval": "PT1S", "maxInterval": "PT5S", "maxAttempts": 9
        }))
        .unwrap();
        let d: Vec<u64> = (2..7).map(|n| r.delay_before(n, 0.0).as_secs()).collect();
        assert_eq!(d, vec![1, 2, 4, 5, 5]);
    }
}
