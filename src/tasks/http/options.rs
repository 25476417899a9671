//! Kestra's HTTP `options` (timeouts, redirects, authentication, `allowFailed`) as a reqwest
//! client and the settings applied to each request.

use std::time::Duration;

use serde_json::Value;

/// The options of an HTTP task that matter to baton.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct HttpOptions {
    /// Whole-request timeout (`options.timeout` as a duration).
    pub timeout: Option<Duration>,
    /// Connection timeout (`options.timeout.connectTimeout` or `options.connectTimeout`).
    pub connect_timeout: Option<Duration>,
    /// Idle read timeout (`readIdleTimeout` or `readTimeout`).
    pub read_timeout: Option<Duration>,
    /// Follow redirects (default true).
    pub follow_redirects: bool,
    /// A response code >= 400 does not fail the task.
    pub allow_failed: bool,
    /// Basic or bearer authentication.
    pub auth: Option<Auth>,
}

/// Request authentication.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Auth {
    /// User and password.
    Basic {
        /// User name.
        username: String,
        /// Password.
        password: Option<String>,
    },
    /// A bearer token.
    Bearer(String),
}

impl HttpOptions {
    /// Reads `options` (may be absent) and the task-level `allowFailed`.
    pub(crate) fn parse(
        options: Option<&Value>,
        allow_failed: Option<bool>,
    ) -> Result<Self, String> {
        let empty = serde_json::Map::new();
        let map = options.and_then(Value::as_object).unwrap_or(&empty);
        let duration = |value: Option<&Value>| -> Result<Option<Duration>, String> {
            match value {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => crate::spec::Duration::parse(text)
                    .map(|d| Some(d.as_std()))
                    .map_err(|e| e.to_string()),
                Some(Value::Number(n)) => Ok(n.as_f64().map(Duration::from_secs_f64)),
                Some(other) => Err(format!("{other} is not a duration")),
            }
        };
        let mut parsed = HttpOptions {
            follow_redirects: map
                .get("followRedirects")
                .and_then(Value::as_bool)
                .unwrap_or(true),
            allow_failed: allow_failed
                .or_else(|| map.get("allowFailed").and_then(Value::as_bool))
                .unwrap_or(false),
            connect_timeout: duration(map.get("connectTimeout"))?,
            read_timeout: duration(map.get("readIdleTimeout").or(map.get("readTimeout")))?,
            ..HttpOptions::default()
        };
        match map.get("timeout") {
            Some(Value::Object(timeouts)) => {
                parsed.connect_timeout =
                    duration(timeouts.get("connectTimeout"))?.or(parsed.connect_timeout);
                parsed.read_timeout =
                    duration(timeouts.get("readIdleTimeout"))?.or(parsed.read_timeout);
            }
            other => parsed.timeout = duration(other)?,
        }
        parsed.auth = auth(map);
        Ok(parsed)
    }

    /// A client applying these options.
    pub(crate) fn client(&self) -> Result<reqwest::Client, reqwest::Error> {
        let mut builder = reqwest::Client::builder().redirect(if self.follow_redirects {
            reqwest::redirect::Policy::limited(10)
        } else {
            reqwest::redirect::Policy::none()
        });
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(timeout) = self.read_timeout {
            builder = builder.read_timeout(timeout);
        }
        builder.build()
    }

    /// `request` with authentication added.
    pub(crate) fn authenticate(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.auth {
            Some(Auth::Basic { username, password }) => {
                request.basic_auth(username, password.as_ref())
            }
            Some(Auth::Bearer(token)) => request.bearer_auth(token),
            None => request,
        }
    }
}

/// `auth: {type: BASIC, username, password}`, `auth: {type: BEARER, token}`, or the older
/// `basicAuthUser` / `basicAuthPassword`.
fn auth(map: &serde_json::Map<String, Value>) -> Option<Auth> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    if let Some(auth) = map.get("auth").and_then(Value::as_object) {
        let kind = text(auth.get("type"))
            .unwrap_or_default()
            .to_ascii_uppercase();
        if kind == "BEARER" {
            return text(auth.get("token")).map(Auth::Bearer);
        }
        return text(auth.get("username")).map(|username| Auth::Basic {
            username,
            password: text(auth.get("password")),
        });
    }
    text(map.get("basicAuthUser")).map(|username| Auth::Basic {
        username,
        password: text(map.get("basicAuthPassword")),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn timeouts_are_read_from_both_shapes() {
        let nested = HttpOptions::parse(
            Some(&json!({"timeout": {"connectTimeout": "PT2S", "readIdleTimeout": "PT5S"}})),
            None,
        );
        let nested = nested.unwrap_or_default();
        assert_eq!(nested.connect_timeout, Some(Duration::from_secs(2)));
        assert_eq!(nested.read_timeout, Some(Duration::from_secs(5)));
        let flat = HttpOptions::parse(Some(&json!({"timeout": "PT3S"})), Some(true));
        let flat = flat.unwrap_or_default();
        assert_eq!(flat.timeout, Some(Duration::from_secs(3)));
        assert!(flat.allow_failed);
        assert!(flat.follow_redirects);
    }
}
