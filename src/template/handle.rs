//! The per-render handle: a minijinja object placed in the context under a private name so the
//! Kestra functions (`secret`, `kv`, `render` ...) reach the services, the secret sink and the
//! renderer of the render that called them.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use minijinja::value::Object;
use minijinja::{Error, ErrorKind, State, Value};

use super::TemplateServices;
use super::renderer::Shared;

/// Context key holding the handle; not a valid Kestra variable name on purpose.
pub(crate) const HANDLE_KEY: &str = "__kestra_handle";

/// What Kestra functions need from the render that runs them.
#[derive(Debug)]
pub(crate) struct RenderHandle {
    pub(crate) services: Arc<dyn TemplateServices>,
    pub(crate) secrets: Arc<Mutex<BTreeSet<String>>>,
    pub(crate) namespace: String,
    pub(crate) vars: Value,
    pub(crate) depth: usize,
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for dyn TemplateServices {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TemplateServices")
    }
}

impl Object for RenderHandle {}

impl RenderHandle {
    /// The handle of the render `state` belongs to.
    pub(crate) fn of(state: &State) -> Result<Arc<RenderHandle>, Error> {
        state
            .lookup(HANDLE_KEY)
            .and_then(|v| v.downcast_object::<RenderHandle>())
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    "this function needs a render context",
                )
            })
    }

    /// A handle for a nested `render()`, one level deeper.
    pub(crate) fn child(&self) -> RenderHandle {
        RenderHandle {
            services: Arc::clone(&self.services),
            secrets: Arc::clone(&self.secrets),
            namespace: self.namespace.clone(),
            vars: self.vars.clone(),
            depth: self.depth + 1,
            shared: Arc::clone(&self.shared),
        }
    }

    /// Remembers a secret value so the caller can mask it in logs and outputs.
    pub(crate) fn record_secret(&self, value: &str) {
        if let Ok(mut set) = self.secrets.lock() {
            set.insert(value.to_string());
        }
    }
}
