//! The files a script task starts with: namespace files (`namespaceFiles`), then `inputFiles`
//! (inline content, or a `kestra://` URI of an earlier task's output file, read from the file
//! store), then the generated script file; a later source wins on the same name.

use std::collections::BTreeMap;

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde_json::Value;

use crate::files::{FileStore, URI_SCHEME};
use crate::tasks::error::WorkerTaskError;
use crate::tasks::namespace_files::NamespaceFiles;

/// Everything needed to resolve a task's input files.
pub(crate) struct InputSources<'a> {
    /// The file store holding earlier outputs.
    pub files: &'a FileStore,
    /// Where namespace files come from.
    pub namespace_files: &'a dyn NamespaceFiles,
    /// The flow's namespace.
    pub namespace: &'a str,
    /// The task's id (for errors).
    pub task_id: &'a str,
}

/// Name -> content of every input file of the task.
pub(crate) async fn resolve(
    sources: &InputSources<'_>,
    namespace_files: &Value,
    input_files: &Value,
) -> Result<BTreeMap<String, Vec<u8>>, WorkerTaskError> {
    let mut resolved = namespace_inputs(sources, namespace_files).await?;
    for (name, content) in input_entries(input_files, sources.task_id)? {
        let bytes = match content.strip_prefix(URI_SCHEME) {
            Some(_) => read_stored(sources, &content).await?,
            None => content.into_bytes(),
        };
        resolved.insert(name, bytes);
    }
    Ok(resolved)
}

/// `inputFiles` as name -> text: a map, or (after rendering an expression) its JSON text.
fn input_entries(value: &Value, task_id: &str) -> Result<Vec<(String, String)>, WorkerTaskError> {
    let invalid = |reason: String| WorkerTaskError::Property {
        task_id: task_id.to_owned(),
        property: "inputFiles".to_owned(),
        reason,
    };
    let parsed;
    let map = match value {
        Value::Null => return Ok(Vec::new()),
        Value::Object(map) => map,
        Value::String(text) => {
            parsed = serde_json::from_str::<Value>(text)
                .map_err(|e| invalid(format!("not a map of file name to content: {e}")))?;
            parsed
                .as_object()
                .ok_or_else(|| invalid("not a map of file name to content".to_owned()))?
        }
        other => return Err(invalid(format!("expected a map, got {other}"))),
    };
    Ok(map
        .iter()
        .map(|(name, content)| {
            let text = match content {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (name.clone(), text)
        })
        .collect())
}

async fn read_stored(sources: &InputSources<'_>, uri: &str) -> Result<Vec<u8>, WorkerTaskError> {
    let files_error = |source| WorkerTaskError::Files {
        task_id: sources.task_id.to_owned(),
        source,
    };
    let path = sources.files.path_of(uri).await.map_err(files_error)?;
    tokio::fs::read(&path)
        .await
        .map_err(|source| WorkerTaskError::Io {
            task_id: sources.task_id.to_owned(),
            path,
            source,
        })
}

/// Files of `namespaceFiles: {enabled, include, exclude, namespaces}`.
async fn namespace_inputs(
    sources: &InputSources<'_>,
    config: &Value,
) -> Result<BTreeMap<String, Vec<u8>>, WorkerTaskError> {
    let mut resolved = BTreeMap::new();
    let Some(config) = config.as_object() else {
        return Ok(resolved);
    };
    if config.get("enabled").and_then(Value::as_bool) == Some(false) {
        return Ok(resolved);
    }
    let include = globs(config.get("include"), sources.task_id)?;
    let exclude = globs(config.get("exclude"), sources.task_id)?;
    let namespaces: Vec<String> = match config.get("namespaces").and_then(Value::as_array) {
        Some(list) => list
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        None => vec![sources.namespace.to_owned()],
    };
    for namespace in &namespaces {
        for path in sources.namespace_files.list(namespace).await? {
            let included = include.as_ref().is_none_or(|set| set.is_match(&path));
            let excluded = exclude.as_ref().is_some_and(|set| set.is_match(&path));
            if included && !excluded {
                let content = sources.namespace_files.read(namespace, &path).await?;
                resolved.insert(path, content);
            }
        }
    }
    Ok(resolved)
}

/// A glob list (`None` when absent or empty).
fn globs(value: Option<&Value>, task_id: &str) -> Result<Option<GlobSet>, WorkerTaskError> {
    let Some(list) = value.and_then(Value::as_array).filter(|l| !l.is_empty()) else {
        return Ok(None);
    };
    let invalid = |reason: String| WorkerTaskError::Property {
        task_id: task_id.to_owned(),
        property: "namespaceFiles".to_owned(),
        reason,
    };
    let mut set = GlobSetBuilder::new();
    for pattern in list.iter().filter_map(Value::as_str) {
        // Kestra's patterns are often written as `/dir/**`; paths here have no leading slash.
        let glob = Glob::new(pattern.trim_start_matches('/'))
            .map_err(|e| invalid(format!("{pattern:?}: {e}")))?;
        set.add(glob);
    }
    set.build().map(Some).map_err(|e| invalid(e.to_string()))
}
