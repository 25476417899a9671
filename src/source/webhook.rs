//! Checking that a push webhook really comes from the Git host, and reading which branch moved.
//! A verified push only wakes the poller, which does the one real fetch: the payload's sha is a
//! hint, never trusted as content.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

/// Why a webhook request is rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// GitHub: no `X-Hub-Signature-256` header.
    #[error("missing X-Hub-Signature-256 header")]
    MissingSignature,
    /// GitHub: the header is not `sha256=<64 hex>`.
    #[error("malformed X-Hub-Signature-256 header (expected sha256=<hex>)")]
    MalformedSignature,
    /// GitHub: the HMAC does not match the body.
    #[error("signature does not match the request body")]
    InvalidSignature,
    /// GitLab: no `X-Gitlab-Token` header.
    #[error("missing X-Gitlab-Token header")]
    MissingToken,
    /// GitLab: the token is wrong.
    #[error("X-Gitlab-Token does not match")]
    InvalidToken,
}

/// A push to a branch, from either provider's payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushEvent {
    /// The branch name (from `ref: refs/heads/<branch>`).
    pub branch: String,
    /// The new head; all zeros when the branch was deleted.
    pub after_sha: String,
}

/// Verifies GitHub's `X-Hub-Signature-256: sha256=<hex>` HMAC-SHA256 of `body` under `secret`,
/// in constant time.
pub fn verify_github(
    secret: &[u8],
    body: &[u8],
    signature_header: Option<&str>,
) -> Result<(), WebhookError> {
    let header = signature_header.ok_or(WebhookError::MissingSignature)?;
    let hex_sig = header
        .trim()
        .strip_prefix("sha256=")
        .ok_or(WebhookError::MalformedSignature)?;
    let signature = hex::decode(hex_sig).map_err(|_| WebhookError::MalformedSignature)?;
    // HMAC accepts keys of any length, so this cannot fail; map it anyway rather than panic.
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret).map_err(|_| WebhookError::InvalidSignature)?;
    mac.update(body);
    mac.verify_slice(&signature)
        .map_err(|_| WebhookError::InvalidSignature)
}

/// Verifies GitLab's `X-Gitlab-Token` header against the configured secret, in constant time.
pub fn verify_gitlab(secret: &[u8], token_header: Option<&str>) -> Result<(), WebhookError> {
    let token = token_header.ok_or(WebhookError::MissingToken)?;
    if bool::from(token.as_bytes().ct_eq(secret)) {
        Ok(())
    } else {
        Err(WebhookError::InvalidToken)
    }
}

/// Reads `ref` and `after` from a GitHub or GitLab push payload. `None` for other events (ping,
/// tag pushes) and for bodies that are not push JSON.
pub fn parse_push(body: &[u8]) -> Option<PushEvent> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    let branch = json.get("ref")?.as_str()?.strip_prefix("refs/heads/")?;
    let after_sha = json.get("after")?.as_str()?;
    Some(PushEvent {
        branch: branch.to_string(),
        after_sha: after_sha.to_string(),
    })
}
