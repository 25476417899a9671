//! `Renderer`: the configured minijinja environment and the three ways the engine renders
//! (`render_str`, `render_value`, `render_typed`), with the sandbox applied to each render.

use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};

use minijinja::value::ValueKind;
use minijinja::{Environment, ErrorKind, UndefinedBehavior, Value};

use super::handle::{HANDLE_KEY, RenderHandle};
use super::segments::{Segment, split};
use super::{
    Limits, RenderContext, TemplateError, collections, dates, encoding, functions, json, pebble,
    references, text,
};

/// Most distinct templates whose Pebble rewrite is kept; the cache is emptied past it.
const REWRITE_CACHE_SIZE: usize = 4096;

/// Renders Kestra expressions; build once, share in an `Arc`.
#[derive(Debug, Clone)]
pub struct Renderer {
    shared: Arc<Shared>,
}

/// What every render of one `Renderer` shares.
pub(crate) struct Shared {
    env: Environment<'static>,
    limits: Limits,
    rewrites: Mutex<HashMap<String, Arc<str>>>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Default for Renderer {
    fn default() -> Self {
        Renderer::new()
    }
}

/// True when the string may contain template code.
fn has_code(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

impl Renderer {
    /// A renderer with the default sandbox limits.
    pub fn new() -> Renderer {
        Renderer::with_limits(Limits::default())
    }

    /// A renderer with the given sandbox limits.
    pub fn with_limits(limits: Limits) -> Renderer {
        Renderer {
            shared: Arc::new(Shared {
                env: environment(&limits),
                limits,
                rewrites: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The sandbox limits in force.
    pub fn limits(&self) -> Limits {
        self.shared.limits
    }

    /// Renders a template to a string; a string without `{{`/`{%` is returned unchanged.
    pub fn render_str(&self, template: &str, ctx: &RenderContext) -> Result<String, TemplateError> {
        if !has_code(template) {
            return Ok(template.to_string());
        }
        self.shared.render(template, self.handle(ctx))
    }

    /// Renders every string (object keys included) of a JSON value; other types are kept.
    pub fn render_value(
        &self,
        value: &serde_json::Value,
        ctx: &RenderContext,
    ) -> Result<serde_json::Value, TemplateError> {
        Ok(match value {
            serde_json::Value::String(s) => serde_json::Value::String(self.render_str(s, ctx)?),
            serde_json::Value::Array(items) => serde_json::Value::Array(
                items
                    .iter()
                    .map(|v| self.render_value(v, ctx))
                    .collect::<Result<_, _>>()?,
            ),
            serde_json::Value::Object(map) => serde_json::Value::Object(
                map.iter()
                    .map(|(k, v)| Ok((self.render_str(k, ctx)?, self.render_value(v, ctx)?)))
                    .collect::<Result<_, TemplateError>>()?,
            ),
            other => other.clone(),
        })
    }

    /// Renders a template; when it is exactly one `{{ expr }}`, returns the expression's JSON
    /// value (list, map, number, bool, null) instead of its text.
    pub fn render_typed(
        &self,
        template: &str,
        ctx: &RenderContext,
    ) -> Result<serde_json::Value, TemplateError> {
        match single_expression(template) {
            Some(code) => self.shared.evaluate(template, code, self.handle(ctx)),
            None => self
                .render_str(template, ctx)
                .map(serde_json::Value::String),
        }
    }

    fn handle(&self, ctx: &RenderContext) -> Arc<RenderHandle> {
        Arc::new(RenderHandle {
            services: Arc::clone(&ctx.services),
            secrets: ctx.secret_sink(),
            namespace: ctx.namespace(),
            vars: ctx.minijinja_vars().clone(),
            depth: 0,
            shared: Arc::clone(&self.shared),
        })
    }
}

/// The code of a template made of exactly one `{{ ... }}` (surrounding spaces allowed).
fn single_expression(template: &str) -> Option<&str> {
    let trimmed = template.trim();
    if !trimmed.starts_with("{{") {
        return None;
    }
    match split(trimmed).as_slice() {
        [
            Segment::Code {
                code,
                statement: false,
                ..
            },
        ] => Some(code),
        _ => None,
    }
}

/// The environment: strict undefined, no loader, fuel, Kestra functions and filters.
fn environment(limits: &Limits) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_fuel(Some(limits.fuel));
    env.set_recursion_limit(100);
    env.set_keep_trailing_newline(true);
    env.set_formatter(kestra_formatter);
    // No loader is ever set: `include`/`import`/`extends` cannot reach files or the network.
    functions::register(&mut env);
    dates::register(&mut env);
    text::register(&mut env);
    collections::register(&mut env);
    encoding::register(&mut env);
    env
}

/// The root value of a render: the variables plus the private handle.
fn render_root(handle: &Arc<RenderHandle>) -> Value {
    let handle_value = Value::from_dyn_object(Arc::clone(handle));
    minijinja::context! { ..Value::from_iter([(HANDLE_KEY, handle_value)]), ..handle.vars.clone() }
}

/// Prints like Kestra: `true`/`false` in lower case, null as an empty string, lists and maps
/// as compact JSON.
fn kestra_formatter(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &Value,
) -> Result<(), minijinja::Error> {
    if value.is_undefined() {
        return Err(minijinja::Error::from(ErrorKind::UndefinedError));
    }
    if value.is_none() {
        return Ok(());
    }
    if let Some(text) = text::pebble_scalar(value) {
        return out.write_str(&text).map_err(minijinja::Error::from);
    }
    if matches!(value.kind(), ValueKind::Seq | ValueKind::Map) {
        let text = serde_json::to_string(value).map_err(|e| functions::failure(e.to_string()))?;
        return out.write_str(&text).map_err(minijinja::Error::from);
    }
    minijinja::escape_formatter(out, state, value)
}

/// A template whose Pebble operators cannot be rewritten within their limit, as a syntax error.
fn too_complex(source: &str, error: pebble::TooComplex) -> TemplateError {
    TemplateError::Syntax {
        template: source.to_string(),
        line: None,
        message: error.to_string(),
    }
}

/// A writer that refuses to grow past `limit` bytes.
struct BoundedOutput {
    buf: Vec<u8>,
    limit: usize,
    exceeded: bool,
}

impl io::Write for BoundedOutput {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > self.limit {
            self.exceeded = true;
            return Err(io::Error::other("template output limit reached"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Shared {
    /// The Pebble-to-Jinja rewrite of `source`, cached.
    fn rewritten(&self, source: &str) -> Result<Arc<str>, TemplateError> {
        if let Some(hit) = self
            .rewrites
            .lock()
            .ok()
            .and_then(|c| c.get(source).cloned())
        {
            return Ok(hit);
        }
        let rewritten: Arc<str> =
            Arc::from(pebble::rewrite(source).map_err(|e| too_complex(source, e))?);
        if let Ok(mut cache) = self.rewrites.lock() {
            if cache.len() >= REWRITE_CACHE_SIZE {
                cache.clear();
            }
            cache.insert(source.to_string(), Arc::clone(&rewritten));
        }
        Ok(rewritten)
    }

    /// Renders `source` for a nested `render()` call, enforcing the depth limit.
    pub(crate) fn render_nested(
        &self,
        source: &str,
        handle: Arc<RenderHandle>,
    ) -> Result<String, TemplateError> {
        if handle.depth > self.limits.max_render_depth {
            return Err(TemplateError::RecursionLimit {
                template: source.to_string(),
                limit: self.limits.max_render_depth,
            });
        }
        if !has_code(source) {
            return Ok(source.to_string());
        }
        self.render(source, handle)
    }

    fn render(&self, source: &str, handle: Arc<RenderHandle>) -> Result<String, TemplateError> {
        let rewritten = self.rewritten(source)?;
        let template = self
            .env
            .template_from_str(&rewritten)
            .map_err(|e| self.error(source, &handle, e))?;
        let mut out = BoundedOutput {
            buf: Vec::new(),
            limit: self.limits.max_output_bytes,
            exceeded: false,
        };
        let ctx = render_root(&handle);
        let result = template.render_captured_to(ctx, &mut out).map(|_| ());
        if out.exceeded {
            return Err(TemplateError::OutputTooLarge {
                template: source.to_string(),
                limit: self.limits.max_output_bytes,
            });
        }
        result.map_err(|e| self.error(source, &handle, e))?;
        String::from_utf8(out.buf).map_err(|_| TemplateError::Render {
            template: source.to_string(),
            line: None,
            message: "output is not UTF-8".into(),
        })
    }

    fn evaluate(
        &self,
        source: &str,
        code: &str,
        handle: Arc<RenderHandle>,
    ) -> Result<serde_json::Value, TemplateError> {
        let rewritten = pebble::rewrite_code(code, false).map_err(|e| too_complex(source, e))?;
        let expr = self
            .env
            .compile_expression_owned(rewritten)
            .map_err(|e| self.error(source, &handle, e))?;
        let ctx = render_root(&handle);
        let value = expr.eval(ctx).map_err(|e| self.error(source, &handle, e))?;
        if value.is_undefined() {
            return Err(self.undefined(source, &handle.vars, None));
        }
        json::to_serde(&value).map_err(|message| TemplateError::Render {
            template: source.to_string(),
            line: None,
            message,
        })
    }

    /// Maps a minijinja error to a `TemplateError` about `source`.
    fn error(&self, source: &str, handle: &RenderHandle, err: minijinja::Error) -> TemplateError {
        let vars = &handle.vars;
        let template = source.to_string();
        if let Some(inner) =
            std::error::Error::source(&err).and_then(|s| s.downcast_ref::<TemplateError>())
        {
            return inner.clone();
        }
        let line = err.line();
        match err.kind() {
            ErrorKind::SyntaxError | ErrorKind::BadEscape => TemplateError::Syntax {
                template,
                line,
                message: err.detail().unwrap_or("invalid syntax").to_string(),
            },
            ErrorKind::UndefinedError => self.undefined(source, vars, line),
            ErrorKind::OutOfFuel => TemplateError::OutOfFuel {
                template,
                fuel: self.limits.fuel,
            },
            ErrorKind::TemplateNotFound => TemplateError::Render {
                template,
                line,
                message: "templates cannot include or import other templates".into(),
            },
            _ => {
                let message = match err.detail() {
                    Some(detail) => format!("{}: {detail}", err.kind()),
                    None => err.kind().to_string(),
                };
                // A filter may echo its input: never let a secret value reach an error message.
                let secrets = handle.secrets.lock().map(|s| s.clone()).unwrap_or_default();
                TemplateError::Render {
                    template,
                    line,
                    message: super::mask(&message, &secrets),
                }
            }
        }
    }

    /// The strict-variables error, naming the first referenced variable that is missing.
    fn undefined(&self, source: &str, vars: &Value, line: Option<usize>) -> TemplateError {
        let name = references::scan(source)
            .into_iter()
            .find(|path| !resolves(vars, path))
            .unwrap_or_else(|| "a variable".to_string());
        TemplateError::Undefined {
            template: source.to_string(),
            name,
            line,
        }
    }
}

/// Whether a dotted path resolves to a defined value in `vars`.
fn resolves(vars: &Value, path: &str) -> bool {
    let mut current = vars.clone();
    for key in path.split('.') {
        current = match current.get_attr(key) {
            Ok(v) if !v.is_undefined() => v,
            _ => match key.parse::<i64>() {
                Ok(i) => match current.get_item(&Value::from(i)) {
                    Ok(v) if !v.is_undefined() => v,
                    _ => return false,
                },
                Err(_) => return false,
            },
        };
    }
    true
}
