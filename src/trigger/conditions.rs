//! Trigger conditions: on dates (`DayWeek`, `DayWeekInMonth`, `Weekend`, `DateTimeBetween`,
//! `TimeBetween`), on an upstream execution (`ExecutionStatus`, `ExecutionFlow`,
//! `ExecutionNamespace`, `ExecutionLabels`), `Expression`, and the combinators `Not` and `Or`.
//! `MultipleCondition` keeps state across executions and lives in `flow_trigger`.

use chrono::{DateTime, Datelike, NaiveTime, Weekday};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use crate::spec::Condition;
use crate::store::model::Execution;
use crate::template::{EnvServices, RenderContext, Renderer};

/// What a condition is evaluated against.
pub(crate) struct Facts<'a> {
    /// The date in question (a schedule tick, or now), in the trigger's zone.
    pub date: DateTime<Tz>,
    /// The upstream execution, for flow triggers.
    pub execution: Option<&'a Execution>,
    /// Template variables for `Expression` (`trigger.*`...).
    pub vars: &'a Value,
}

const NS: &str = "io.kestra.plugin.core.condition.";

/// True when the condition holds. Conditions baton does not evaluate (`PublicHoliday`...)
/// hold, with a warning, rather than silently stopping a trigger.
pub(crate) fn holds(condition: &Condition, facts: &Facts<'_>) -> bool {
    let p = &condition.props;
    let short = condition
        .type_name
        .strip_prefix(NS)
        .unwrap_or(condition.type_name);
    match short {
        "DayWeek" => day_of_week(p).is_none_or(|d| facts.date.weekday() == d),
        "DayWeekInMonth" => day_week_in_month(p, facts.date),
        "Weekend" => matches!(facts.date.weekday(), Weekday::Sat | Weekday::Sun),
        "DateTimeBetween" => date_between(p, facts.date),
        "TimeBetween" => time_between(p, facts.date),
        "ExecutionStatus" => facts.execution.is_some_and(|e| status_matches(p, e)),
        "ExecutionFlow" => facts.execution.is_some_and(|e| {
            str_prop(p, "namespace").is_none_or(|ns| ns == e.namespace)
                && str_prop(p, "flowId").is_none_or(|id| id == e.flow_id)
        }),
        "ExecutionNamespace" => facts
            .execution
            .is_some_and(|e| namespace_matches(p, &e.namespace)),
        "ExecutionLabels" => facts.execution.is_some_and(|e| labels_match(p, e)),
        "Expression" => expression_holds(p, facts.vars),
        "Not" => !sub_conditions(p).iter().any(|c| holds(c, facts)),
        "Or" => sub_conditions(p).iter().any(|c| holds(c, facts)),
        other => {
            tracing::warn!(
                condition = other,
                "condition not evaluated by baton; treated as met"
            );
            true
        }
    }
}

fn str_prop<'a>(p: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    p.get(key).and_then(Value::as_str)
}

fn str_list(p: &Map<String, Value>, key: &str) -> Vec<String> {
    match p.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        Some(Value::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

fn day_of_week(p: &Map<String, Value>) -> Option<Weekday> {
    str_prop(p, "dayOfWeek")?.parse::<Weekday>().ok()
}

fn day_week_in_month(p: &Map<String, Value>, date: DateTime<Tz>) -> bool {
    if day_of_week(p).is_some_and(|d| date.weekday() != d) {
        return false;
    }
    let nth = (date.day() - 1) / 7;
    let last = date.day() + 7 > days_in_month(date);
    match str_prop(p, "dayInMonth").unwrap_or("FIRST") {
        "FIRST" => nth == 0,
        "SECOND" => nth == 1,
        "THIRD" => nth == 2,
        "FOURTH" => nth == 3,
        "LAST" => last,
        _ => false,
    }
}

fn days_in_month(date: DateTime<Tz>) -> u32 {
    let (y, m) = (date.year(), date.month());
    let next = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    chrono::NaiveDate::from_ymd_opt(next.0, next.1, 1)
        .and_then(|d| d.pred_opt())
        .map_or(31, |d| d.day())
}

fn date_between(p: &Map<String, Value>, date: DateTime<Tz>) -> bool {
    let parse = |k| str_prop(p, k).and_then(|s| DateTime::parse_from_rfc3339(s).ok());
    parse("after").is_none_or(|a| date >= a) && parse("before").is_none_or(|b| date <= b)
}

fn time_between(p: &Map<String, Value>, date: DateTime<Tz>) -> bool {
    let parse = |k| {
        str_prop(p, k).and_then(|s| {
            let s = s.split(['+', 'Z']).next().unwrap_or(s);
            NaiveTime::parse_from_str(s, "%H:%M:%S")
                .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
                .ok()
        })
    };
    let t = date.time();
    parse("after").is_none_or(|a| t >= a) && parse("before").is_none_or(|b| t <= b)
}

fn status_matches(p: &Map<String, Value>, e: &Execution) -> bool {
    let state = e.state.as_str();
    let inside = str_list(p, "in");
    let outside = str_list(p, "notIn");
    (inside.is_empty() || inside.iter().any(|s| s == state)) && !outside.iter().any(|s| s == state)
}

fn namespace_matches(p: &Map<String, Value>, namespace: &str) -> bool {
    let Some(wanted) = str_prop(p, "namespace") else {
        return true;
    };
    let prefix = p.get("prefix").and_then(Value::as_bool).unwrap_or(false);
    match str_prop(p, "comparison") {
        Some("PREFIX") => namespace.starts_with(wanted),
        Some("SUFFIX") => namespace.ends_with(wanted),
        _ if prefix => namespace.starts_with(wanted),
        _ => namespace == wanted,
    }
}

fn labels_match(p: &Map<String, Value>, e: &Execution) -> bool {
    let Some(Value::Object(wanted)) = p.get("labels") else {
        return true;
    };
    wanted.iter().all(|(k, v)| {
        e.labels
            .iter()
            .any(|l| &l.key == k && v.as_str().is_some_and(|v| v == l.value))
    })
}

fn sub_conditions(p: &Map<String, Value>) -> Vec<Condition> {
    let items = match p.get("conditions") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(Value::Object(map)) => map.values().collect(),
        _ => Vec::new(),
    };
    items
        .into_iter()
        .filter_map(|v| v.as_object().and_then(|m| Condition::from_map(m).ok()))
        .collect()
}

/// `expression` rendered with the trigger variables; holds when it renders to `true`.
fn expression_holds(p: &Map<String, Value>, vars: &Value) -> bool {
    let Some(expression) = str_prop(p, "expression") else {
        return true;
    };
    render_str(expression, vars).is_ok_and(|s| s.trim().eq_ignore_ascii_case("true"))
}

/// Renders a template with `vars` (no secrets, KV or files are needed by trigger properties).
pub(crate) fn render_str(template: &str, vars: &Value) -> Result<String, String> {
    let ctx = RenderContext::new(vars.clone(), std::sync::Arc::new(EnvServices));
    Renderer::new()
        .render_str(template, &ctx)
        .map_err(|e| e.to_string())
}

/// Renders every string of `value` with `vars`.
pub(crate) fn render_value(value: &Value, vars: &Value) -> Result<Value, String> {
    let ctx = RenderContext::new(vars.clone(), std::sync::Arc::new(EnvServices));
    Renderer::new()
        .render_value(value, &ctx)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn cond(v: Value) -> Condition {
        Condition::from_map(v.as_object().expect("object")).expect("condition")
    }

    #[test]
    fn date_conditions_use_the_local_date() {
        // 2024-03-04 is a Monday, the first of March 2024.
        let date = chrono_tz::Europe::Paris
            .with_ymd_and_hms(2024, 3, 4, 8, 0, 0)
            .unwrap();
        let vars = json!({});
        let facts = Facts {
            date,
            execution: None,
            vars: &vars,
        };
        let monday =
            cond(json!({"type": "io.kestra.plugin.core.condition.DayWeek", "dayOfWeek": "MONDAY"}));
        let friday =
            cond(json!({"type": "io.kestra.plugin.core.condition.DayWeek", "dayOfWeek": "FRIDAY"}));
        let first = cond(
            json!({"type": "io.kestra.plugin.core.condition.DayWeekInMonth", "dayOfWeek": "MONDAY", "dayInMonth": "FIRST"}),
        );
        let weekend = cond(json!({"type": "io.kestra.plugin.core.condition.Weekend"}));
        let morning = cond(
            json!({"type": "io.kestra.plugin.core.condition.TimeBetween", "after": "07:00:00", "before": "09:00:00"}),
        );
        assert!(holds(&monday, &facts));
        assert!(!holds(&friday, &facts));
        assert!(holds(&first, &facts));
        assert!(!holds(&weekend, &facts));
        assert!(holds(&morning, &facts));
    }

    #[test]
    fn expression_condition_reads_trigger_variables() {
        let date = chrono_tz::UTC
            .with_ymd_and_hms(2024, 3, 4, 8, 0, 0)
            .unwrap();
        let c = cond(
            json!({"type": "io.kestra.plugin.core.condition.ExpressionCondition", "expression": "{{trigger.body.hello == 'world'}}"}),
        );
        let yes = json!({"trigger": {"body": {"hello": "world"}}});
        let no = json!({"trigger": {"body": {"hello": "webhook"}}});
        assert!(holds(
            &c,
            &Facts {
                date,
                execution: None,
                vars: &yes
            }
        ));
        assert!(!holds(
            &c,
            &Facts {
                date,
                execution: None,
                vars: &no
            }
        ));
    }
}
