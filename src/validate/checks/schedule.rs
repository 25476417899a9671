//! Schedules: the cron expression parses and the timezone is an IANA name.

use serde_json::Value;

use crate::spec::Cron;
use crate::spec::catalogue::{self, TRIGGER_TYPES};
use crate::spec::templated::is_template;
use crate::validate::diagnostic::Finding;

const SCHEDULE: &str = "io.kestra.plugin.core.trigger.Schedule";

/// Checks every Schedule trigger's `cron` and `timezone`.
pub fn check_schedules(flow: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(Value::Array(triggers)) = flow.get("triggers") else {
        return out;
    };
    for (i, trigger) in triggers.iter().enumerate() {
        let is_schedule = trigger
            .get("type")
            .and_then(Value::as_str)
            .and_then(|t| catalogue::plugin_type(TRIGGER_TYPES, t))
            .is_some_and(|t| t.name == SCHEDULE);
        if !is_schedule {
            continue;
        }
        for key in ["cron", "expression"] {
            if let Some(cron) = trigger.get(key).and_then(Value::as_str)
                && !is_template(cron)
                && let Err(e) = Cron::parse(cron)
            {
                out.push(Finding::error(
                    "invalid-cron",
                    format!("/triggers/{i}/{key}"),
                    format!("invalid cron expression `{cron}`: {}", e.reason),
                ));
            }
        }
        if let Some(tz) = trigger.get("timezone").and_then(Value::as_str)
            && tz.parse::<chrono_tz::Tz>().is_err()
        {
            out.push(Finding::error(
                "invalid-timezone",
                format!("/triggers/{i}/timezone"),
                format!("unknown timezone `{tz}` (expected an IANA name such as Europe/Paris)"),
            ));
        }
    }
    out
}
