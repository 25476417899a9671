//! Webhook triggers: `/api/v1/executions/webhook/{namespace}/{flowId}/{key}` starts the live
//! flow whose enabled `Webhook` trigger has this key (compared in constant time); enabled is
//! the trigger's `disabled` property unless a `trigger.Toggle` task has set it since. The request's
//! `body` (JSON when it parses, else text), `headers` and query `parameters` become the
//! execution's `trigger` variables; `wait` holds the response until the execution ends and
//! `returnOutputs` answers with its outputs.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use crate::deploy::LiveRegistry;
use crate::spec::TriggerKind;
use crate::spec::trigger::Webhook;
use crate::store::Store;
use crate::store::model::Execution;

use super::conditions::{Facts, holds, render_value};
use super::toggle;
use super::{Inputs, Launcher, TriggerError, trigger_record};

/// A webhook call as the HTTP layer received it.
#[derive(Debug, Clone, Default)]
pub struct WebhookCall {
    pub method: String,
    /// Header name (lower case) -> values.
    pub headers: BTreeMap<String, Vec<String>>,
    /// Query parameter -> values.
    pub parameters: BTreeMap<String, Vec<String>>,
    pub body: bytes::Bytes,
}

/// What the call did.
#[derive(Debug)]
pub enum WebhookOutcome {
    /// No live flow, or no enabled webhook trigger with this key (also for a wrong key, so a
    /// caller cannot probe which flows exist).
    NotFound,
    /// The trigger's conditions do not hold: nothing started.
    ConditionsNotMet,
    /// An execution started (and, with `wait`, ended).
    Started {
        execution: Box<Execution>,
        /// With `returnOutputs`: answer with the outputs rather than the execution.
        return_outputs: bool,
    },
}

/// Handles one webhook call.
pub async fn handle(
    registry: &LiveRegistry,
    store: &dyn Store,
    launcher: &Arc<dyn Launcher>,
    namespace: &str,
    flow_id: &str,
    key: &str,
    call: WebhookCall,
) -> Result<WebhookOutcome, TriggerError> {
    let Some(live) = registry
        .get(namespace, flow_id)
        .filter(|lf| !lf.flow.disabled)
    else {
        return Ok(WebhookOutcome::NotFound);
    };
    let matching = live.flow.triggers.iter().filter_map(|t| match &t.kind {
        TriggerKind::Webhook(w) if bool::from(w.key.as_bytes().ct_eq(key.as_bytes())) => {
            Some((t, w))
        }
        _ => None,
    });
    // Several triggers may share a key: the first one enabled (in YAML or by a toggle) answers.
    let mut found = None;
    for (trigger, webhook) in matching {
        if toggle::is_enabled(store, namespace, flow_id, trigger).await? {
            found = Some((trigger, webhook));
            break;
        }
    }
    let Some((trigger, webhook)) = found else {
        return Ok(WebhookOutcome::NotFound);
    };
    let variables = trigger_variables(&call);
    let vars = json!({ "trigger": variables });
    let facts = Facts {
        date: chrono::Utc::now().with_timezone(&chrono_tz::UTC),
        execution: None,
        vars: &vars,
    };
    if !trigger.conditions.iter().all(|c| holds(c, &facts)) {
        return Ok(WebhookOutcome::ConditionsNotMet);
    }
    let inputs =
        render_value(&Value::Object(webhook.inputs.clone()), &vars).map_err(|message| {
            TriggerError::Render {
                trigger: format!("{namespace}.{flow_id}.{}", trigger.id),
                message,
            }
        })?;
    let record = trigger_record(trigger, &variables);
    let execution = launcher
        .start(
            namespace,
            flow_id,
            Inputs::Checked(inputs.as_object().cloned().unwrap_or_default()),
            Vec::new(),
            Some(record),
        )
        .await?;
    finish(launcher, webhook, execution).await
}

async fn finish(
    launcher: &Arc<dyn Launcher>,
    webhook: &Webhook,
    execution: Execution,
) -> Result<WebhookOutcome, TriggerError> {
    let execution = if webhook.wait {
        launcher.wait_for(&execution.id).await?
    } else {
        execution
    };
    Ok(WebhookOutcome::Started {
        execution: Box::new(execution),
        return_outputs: webhook.wait && webhook.return_outputs,
    })
}

/// `trigger.body`, `trigger.headers`, `trigger.parameters`.
fn trigger_variables(call: &WebhookCall) -> Value {
    let body = match serde_json::from_slice::<Value>(&call.body) {
        Ok(v) => v,
        Err(_) if call.body.is_empty() => Value::Null,
        Err(_) => Value::String(String::from_utf8_lossy(&call.body).into_owned()),
    };
    json!({
        "body": body,
        "headers": call.headers,
        "parameters": call.parameters,
        "method": call.method,
    })
}

/// `trigger.parameters`: the query string's `key=value` pairs, percent-decoded, a key repeated
/// as often as it is given.
pub fn query_parameters(query: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.entry(decode(k)).or_default().push(decode(v));
    }
    out
}

/// Percent-decoding of a query component (`+` is a space).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            // Two hex digits exactly: `u8::from_str_radix` would also take a sign (`%+1`).
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                let digit = |c: u8| (c as char).to_digit(16).unwrap_or(0) as u8;
                out.push(digit(bytes[i + 1]) * 16 + digit(bytes[i + 2]));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_parameters_are_decoded_and_repeated() {
        let q = query_parameters("a=1&a=2&name=hello+world%21&flag");
        assert_eq!(q["a"], vec!["1", "2"]);
        assert_eq!(q["name"], vec!["hello world!"]);
        assert_eq!(q["flag"], vec![""]);
    }

    /// The WHATWG form-urlencoded decoding, written independently (as in
    /// `fuzz/fuzz_targets/webhook_query.rs`): `%` takes the next two bytes only when both are
    /// hex digits.
    fn reference_decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            match (
                b[i],
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            ) {
                (b'+', _, _) => out.push(b' '),
                (b'%', Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                (c, _, _) => out.push(c),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn a_percent_before_a_sign_is_kept() {
        // `u8::from_str_radix("+1", 16)` is 1: `%+1` used to decode to the byte 0x01.
        let q = query_parameters("k=%+1&%+f=v");
        assert_eq!(q["k"], vec!["% 1"]);
        assert_eq!(q["% f"], vec!["v"]);
    }

    proptest::proptest! {
        #[test]
        fn query_parameters_decode_like_form_urlencoded(query in "[%+=&0-9a-fA-Fg -]{0,24}") {
            for (key, values) in query_parameters(&query) {
                let expected: Vec<String> = query
                    .split('&')
                    .filter(|p| !p.is_empty())
                    .map(|p| p.split_once('=').unwrap_or((p, "")))
                    .filter(|(k, _)| reference_decode(k) == key)
                    .map(|(_, v)| reference_decode(v))
                    .collect();
                proptest::prop_assert_eq!(values, expected, "query {:?}", query);
            }
        }
    }
}
