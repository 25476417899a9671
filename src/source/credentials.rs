//! Credentials for fetching a remote repository: a token for HTTPS or a key file for SSH.
//! Secrets are wrapped in [`Secret`], whose `Debug` and `Display` never show the value, and are
//! handed to libgit2 only inside the credential callback.

use std::fmt;
use std::path::{Path, PathBuf};

use git2::{Cred, CredentialType};

/// A secret string (a token or password). Printing it shows `***`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// Reads a secret from an environment variable; `None` when unset or empty.
    pub fn from_env(var: &str) -> Option<Secret> {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .map(Secret)
    }

    /// Reads a secret from a file (e.g. a mounted Kubernetes secret), trimming the trailing
    /// newline. The error names the file, never its content.
    pub fn from_file(path: &Path) -> Result<Secret, std::io::Error> {
        let raw = std::fs::read_to_string(path)?;
        Ok(Secret(raw.trim_end_matches(['\n', '\r']).to_string()))
    }

    /// The secret value, for handing to the transport only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// How to authenticate to a remote: HTTPS user + token, or an SSH private key file.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// User name; defaults to `x-access-token` for HTTPS tokens and `git` for SSH.
    pub username: Option<String>,
    /// HTTPS token or password.
    pub token: Option<Secret>,
    /// Path of an SSH private key file.
    pub ssh_key_path: Option<PathBuf>,
}

/// libgit2 calls the credential callback again after each rejection; stop after this many so a
/// wrong token fails instead of looping.
const MAX_ATTEMPTS: u32 = 3;

impl Credentials {
    /// The secret values to scrub from messages.
    pub(crate) fn secret_values(&self) -> Vec<&str> {
        self.token.iter().map(Secret::expose).collect()
    }

    /// A git2 credential callback answering with these credentials.
    pub(crate) fn callback(
        &self,
    ) -> impl FnMut(&str, Option<&str>, CredentialType) -> Result<Cred, git2::Error> + '_ {
        let mut attempts = 0;
        move |_url, username_from_url, allowed| {
            attempts += 1;
            if attempts > MAX_ATTEMPTS {
                return Err(git2::Error::from_str("authentication failed"));
            }
            self.credential(username_from_url, allowed)
        }
    }

    fn credential(
        &self,
        username_from_url: Option<&str>,
        allowed: CredentialType,
    ) -> Result<Cred, git2::Error> {
        if allowed.contains(CredentialType::SSH_KEY)
            && let Some(key) = &self.ssh_key_path
        {
            let user = self
                .username
                .as_deref()
                .or(username_from_url)
                .unwrap_or("git");
            return Cred::ssh_key(user, None, key, None);
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT)
            && let Some(token) = &self.token
        {
            let user = self
                .username
                .as_deref()
                .or(username_from_url)
                .unwrap_or("x-access-token");
            return Cred::userpass_plaintext(user, token.expose());
        }
        if allowed.contains(CredentialType::USERNAME) {
            let user = self
                .username
                .as_deref()
                .or(username_from_url)
                .unwrap_or("git");
            return Cred::username(user);
        }
        Err(git2::Error::from_str(
            "the remote asks for credentials and none are configured for this kind",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_prints_its_value() {
        let creds = Credentials {
            username: Some("bob".into()),
            token: Some(Secret::new("hunter2")),
            ssh_key_path: None,
        };
        assert!(!format!("{creds:?}").contains("hunter2"));
        assert_eq!(Secret::new("hunter2").to_string(), "***");
    }
}
