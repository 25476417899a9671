//! Who may read and who may write: the read side is public, or behind HTTP basic auth or a
//! bearer token (`--auth basic:user:pass` / `--auth bearer:TOKEN`); the write side (execution
//! actions) always needs the API token (`--api-token` / `BATON_API_TOKEN`). Secrets are compared
//! through their SHA-256 digests in constant time, so neither content nor length leaks.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::context::WebContext;
use super::problem::Problem;

/// How the read side (pages and read API) is protected.
#[derive(Clone, PartialEq, Eq)]
pub enum ReadAccess {
    /// Anyone may read.
    Public,
    /// HTTP basic auth with one user.
    Basic { user: String, password: String },
    /// `Authorization: Bearer TOKEN`.
    Bearer(String),
}

impl std::fmt::Debug for ReadAccess {
    // Never print the credentials themselves.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadAccess::Public => f.write_str("Public"),
            ReadAccess::Basic { user, .. } => write!(f, "Basic({user}:***)"),
            ReadAccess::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

/// Why an `--auth` value was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessError {
    #[error("--auth must be `none`, `basic:USER:PASSWORD` or `bearer:TOKEN`")]
    Malformed,
    #[error("--auth {0}: the secret part is empty")]
    EmptySecret(&'static str),
}

impl ReadAccess {
    /// Parses `none`, `basic:user:pass` or `bearer:TOKEN`.
    pub fn parse(spec: &str) -> Result<Self, AccessError> {
        if spec == "none" || spec.is_empty() {
            return Ok(ReadAccess::Public);
        }
        if let Some(rest) = spec.strip_prefix("basic:") {
            let (user, password) = rest.split_once(':').ok_or(AccessError::Malformed)?;
            if user.is_empty() || password.is_empty() {
                return Err(AccessError::EmptySecret("basic"));
            }
            return Ok(ReadAccess::Basic {
                user: user.to_string(),
                password: password.to_string(),
            });
        }
        if let Some(token) = spec.strip_prefix("bearer:") {
            if token.is_empty() {
                return Err(AccessError::EmptySecret("bearer"));
            }
            return Ok(ReadAccess::Bearer(token.to_string()));
        }
        Err(AccessError::Malformed)
    }
}

/// The access policy of the web server.
#[derive(Debug, Clone)]
pub struct Access {
    /// Read side.
    pub read: ReadAccess,
    /// The token write endpoints require; `None`: writes are refused (403).
    pub api_token: Option<String>,
}

impl Default for Access {
    fn default() -> Self {
        Access {
            read: ReadAccess::Public,
            api_token: None,
        }
    }
}

/// Constant-time equality of two secrets (through fixed-length digests).
pub fn secret_eq(given: &str, expected: &str) -> bool {
    let a = Sha256::digest(given.as_bytes());
    let b = Sha256::digest(expected.as_bytes());
    a.ct_eq(&b).into()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
}

fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

impl Access {
    /// True if the request may read (the API token also grants reading).
    pub fn may_read(&self, headers: &HeaderMap) -> bool {
        if self.may_write(headers) {
            return true;
        }
        match &self.read {
            ReadAccess::Public => true,
            ReadAccess::Bearer(token) => bearer(headers).is_some_and(|t| secret_eq(t, token)),
            ReadAccess::Basic { user, password } => basic(headers).is_some_and(|(u, p)| {
                // Evaluate both comparisons so timing does not tell which part was wrong.
                let user_ok = secret_eq(&u, user);
                let password_ok = secret_eq(&p, password);
                user_ok & password_ok
            }),
        }
    }

    /// True if the request carries the configured API token.
    pub fn may_write(&self, headers: &HeaderMap) -> bool {
        match (&self.api_token, bearer(headers)) {
            (Some(expected), Some(given)) => secret_eq(given, expected),
            _ => false,
        }
    }
}

fn unauthorized(access: &Access, detail: &str) -> Response {
    let mut response =
        Problem::new(StatusCode::UNAUTHORIZED, "unauthorized", detail).into_response();
    let challenge = match access.read {
        ReadAccess::Basic { .. } => "Basic realm=\"baton\"",
        _ => "Bearer realm=\"baton\"",
    };
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static(challenge),
    );
    response
}

/// Middleware of the read side: pages, read API, metrics.
pub async fn require_read(State(ctx): State<WebContext>, request: Request, next: Next) -> Response {
    if ctx.access.may_read(request.headers()) {
        return next.run(request).await;
    }
    unauthorized(&ctx.access, "missing or wrong credentials for reading")
}

/// Middleware of the write side: execution actions.
pub async fn require_write(
    State(ctx): State<WebContext>,
    request: Request,
    next: Next,
) -> Response {
    if ctx.access.api_token.is_none() {
        return Problem::new(
            StatusCode::FORBIDDEN,
            "writes-disabled",
            "write endpoints are disabled: start the server with --api-token or BATON_API_TOKEN",
        )
        .into_response();
    }
    if ctx.access.may_write(request.headers()) {
        return next.run(request).await;
    }
    unauthorized(
        &ctx.access,
        "write endpoints need `Authorization: Bearer <api token>`",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_specs_parse_and_refuse_empty_secrets() {
        assert_eq!(ReadAccess::parse("none"), Ok(ReadAccess::Public));
        assert_eq!(
            ReadAccess::parse("basic:ann:pw:with:colons"),
            Ok(ReadAccess::Basic {
                user: "ann".into(),
                password: "pw:with:colons".into()
            })
        );
        assert_eq!(
            ReadAccess::parse("bearer:t0k"),
            Ok(ReadAccess::Bearer("t0k".into()))
        );
        assert_eq!(
            ReadAccess::parse("bearer:"),
            Err(AccessError::EmptySecret("bearer"))
        );
        assert_eq!(ReadAccess::parse("digest:x"), Err(AccessError::Malformed));
        assert!(!format!("{:?}", ReadAccess::Bearer("s3cret".into())).contains("s3cret"));
    }
}
