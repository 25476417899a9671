//! Kestra's output protocol: a stdout or stderr line that is exactly `::{json}::` carries
//! outputs, metrics or log lines instead of text. Anything else is an ordinary log line.

use serde_json::{Map, Value};

use super::outcome::{Level, Metric};

/// What one protocol line carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ProtocolMessage {
    /// `outputs`: merged into the run's variables.
    pub outputs: Option<Map<String, Value>>,
    /// `metrics`: appended to the run's metrics.
    pub metrics: Vec<Metric>,
    /// `logs`: emitted as log lines.
    pub logs: Vec<(Level, String)>,
}

/// Parses a line; `None` when it is not a protocol line (it is then logged as is).
pub fn parse_line(line: &str) -> Option<ProtocolMessage> {
    let json = line.trim().strip_prefix("::")?.strip_suffix("::")?;
    if !json.starts_with('{') {
        return None;
    }
    let Ok(Value::Object(body)) = serde_json::from_str::<Value>(json) else {
        return None;
    };
    let mut message = ProtocolMessage::default();
    for (key, value) in body {
        match (key.as_str(), value) {
            ("outputs", Value::Object(outputs)) => message.outputs = Some(outputs),
            ("metrics", Value::Array(metrics)) => {
                message.metrics = metrics.iter().filter_map(parse_metric).collect();
            }
            ("logs", Value::Array(logs)) => {
                message.logs = logs.iter().filter_map(parse_log).collect();
            }
            // Kestra also knows `assets` and other keys; baton has no use for them yet.
            _ => {}
        }
    }
    Some(message)
}

fn parse_metric(value: &Value) -> Option<Metric> {
    let name = value.get("name")?.as_str()?.to_owned();
    let kind = value.get("type")?.as_str()?.to_owned();
    let value_number = value.get("value")?.as_f64()?;
    let tags = value
        .get("tags")
        .and_then(Value::as_object)
        .map(|tags| {
            tags.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Some(Metric {
        name,
        kind,
        value: value_number,
        tags,
    })
}

fn parse_log(value: &Value) -> Option<(Level, String)> {
    let message = value.get("message")?;
    let message = message
        .as_str()
        .map_or_else(|| message.to_string(), str::to_owned);
    let level = value
        .get("level")
        .and_then(Value::as_str)
        .and_then(Level::parse)
        .unwrap_or(Level::Info);
    Some((level, message))
}

/// Deep-merges `from` into `into`: maps merge key by key, anything else replaces.
pub fn merge_outputs(into: &mut Map<String, Value>, from: Map<String, Value>) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                merge_outputs(existing, incoming);
            }
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outputs_line_is_parsed_and_plain_lines_are_not() {
        let message = parse_line(r#"  ::{"outputs": {"a": 1}}::  "#).expect("protocol line");
        assert_eq!(message.outputs, json!({"a": 1}).as_object().cloned());
        assert_eq!(parse_line("hello"), None);
        assert_eq!(parse_line("::not json::"), None);
        assert_eq!(parse_line(r#"x ::{"outputs": {}}::"#), None);
    }

    #[test]
    fn metrics_and_logs_are_parsed() {
        let line = r#"::{"metrics":[{"name":"rows","type":"counter","value":3,"tags":{"t":"x"}}],"logs":[{"level":"WARNING","message":"careful"}]}::"#;
        let message = parse_line(line).expect("protocol line");
        assert_eq!(message.metrics.len(), 1);
        assert_eq!(message.metrics[0].value, 3.0);
        assert_eq!(
            message.metrics[0].tags.get("t").map(String::as_str),
            Some("x")
        );
        assert_eq!(message.logs, vec![(Level::Warn, "careful".to_owned())]);
    }

    #[test]
    fn outputs_merge_deeply() {
        let mut vars = json!({"a": {"x": 1, "y": 2}, "b": 1})
            .as_object()
            .cloned()
            .unwrap_or_default();
        let incoming = json!({"a": {"y": 3, "z": 4}, "b": [1]})
            .as_object()
            .cloned()
            .unwrap_or_default();
        merge_outputs(&mut vars, incoming);
        assert_eq!(
            Value::Object(vars),
            json!({"a": {"x": 1, "y": 3, "z": 4}, "b": [1]})
        );
    }
}
