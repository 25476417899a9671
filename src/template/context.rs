//! What a render sees: the variables (`RenderContext`) and the outside world
//! (`TemplateServices`: secrets, KV store, files, clock), plus secret masking.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;

/// Access to the world outside the template; sync because minijinja functions are sync.
pub trait TemplateServices: Send + Sync {
    /// The clear value of secret `key` in `namespace`.
    fn secret(&self, namespace: &str, key: &str) -> Result<String, String>;
    /// The value stored under `key` in the namespace KV store, `None` when absent.
    fn kv(&self, namespace: &str, key: &str) -> Result<Option<serde_json::Value>, String>;
    /// The text content of an internal-storage file (`kestra://...`).
    fn read_file(&self, uri: &str) -> Result<String, String>;
    /// The current time (a seam so tests and replays can pin it).
    fn now(&self) -> chrono::DateTime<chrono::Utc>;
}

/// Standalone services backed by the process environment.
///
/// Secrets come from `SECRET_<KEY>` variables holding base64 (Kestra's convention for its
/// environment-variable secret backend); `kv` and `read_file` always fail with
/// "not available" because there is no store behind them.
#[derive(Debug, Default, Clone)]
pub struct EnvServices;

impl TemplateServices for EnvServices {
    fn secret(&self, _namespace: &str, key: &str) -> Result<String, String> {
        let var = format!("SECRET_{}", key.to_uppercase());
        let encoded =
            std::env::var(&var).map_err(|_| format!("secret `{key}` not found (no {var})"))?;
        decode_secret(&encoded).map_err(|e| format!("secret `{key}` in {var}: {e}"))
    }

    fn kv(&self, _namespace: &str, key: &str) -> Result<Option<serde_json::Value>, String> {
        Err(format!(
            "kv(`{key}`): the KV store is not available outside the server"
        ))
    }

    fn read_file(&self, uri: &str) -> Result<String, String> {
        Err(format!(
            "read(`{uri}`): internal storage is not available outside the server"
        ))
    }

    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}

/// Decodes a base64 secret value (trailing whitespace and newlines tolerated).
pub fn decode_secret(encoded: &str) -> Result<String, String> {
    let cleaned: String = encoded.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(cleaned.as_bytes())
        .map_err(|e| format!("not valid base64: {e}"))?;
    String::from_utf8(bytes).map_err(|_| "decoded value is not UTF-8".to_string())
}

/// `ENV_<NAME>` variables of the process as the `envs` object (keys lower-cased, like Kestra).
pub fn envs_from_process() -> serde_json::Value {
    let map = std::env::vars()
        .filter_map(|(k, v)| {
            k.strip_prefix("ENV_")
                .map(|name| (name.to_lowercase(), serde_json::Value::String(v)))
        })
        .collect::<serde_json::Map<_, _>>();
    serde_json::Value::Object(map)
}

/// Variables and services for one render (or a batch of renders of the same task run).
pub struct RenderContext {
    /// The root object: flow, execution, task, taskrun, inputs, vars, outputs, trigger, ...
    pub vars: serde_json::Value,
    /// Secrets, KV, files and clock.
    pub services: Arc<dyn TemplateServices>,
    secrets: Arc<Mutex<BTreeSet<String>>>,
    // The minijinja form of `vars`, converted once: a task renders many properties.
    converted: OnceLock<minijinja::Value>,
}

impl RenderContext {
    /// A context over `vars` (read once, at the first render) using `services`.
    pub fn new(vars: serde_json::Value, services: Arc<dyn TemplateServices>) -> Self {
        RenderContext {
            vars,
            services,
            secrets: Arc::default(),
            converted: OnceLock::new(),
        }
    }

    /// Every secret value returned by `secret()` during renders with this context.
    pub fn secrets_used(&self) -> BTreeSet<String> {
        self.secrets
            .lock()
            .map(|set| set.clone())
            .unwrap_or_default()
    }

    /// The namespace `secret()` and `kv()` default to: `flow.namespace`, else `namespace`.
    pub fn namespace(&self) -> String {
        self.vars
            .pointer("/flow/namespace")
            .or_else(|| self.vars.get("namespace"))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    }

    pub(crate) fn secret_sink(&self) -> Arc<Mutex<BTreeSet<String>>> {
        Arc::clone(&self.secrets)
    }

    pub(crate) fn minijinja_vars(&self) -> &minijinja::Value {
        self.converted
            .get_or_init(|| minijinja::Value::from_serialize(&self.vars))
    }
}

impl std::fmt::Debug for RenderContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RenderContext")
            .field("vars", &self.vars)
            .finish_non_exhaustive()
    }
}

/// Replaces every occurrence of each secret value in `text` with `******`.
///
/// Longer secrets are replaced first so a secret containing another is fully hidden; empty
/// values are ignored (they would match everywhere).
pub fn mask(text: &str, secrets: &BTreeSet<String>) -> String {
    let mut ordered: Vec<&String> = secrets.iter().filter(|s| !s.is_empty()).collect();
    ordered.sort_by_key(|s| std::cmp::Reverse(s.len()));
    ordered.into_iter().fold(text.to_string(), |acc, secret| {
        acc.replace(secret.as_str(), "******")
    })
}
