//! `WorkingDirectory` and `storage.LocalFiles`: the tasks under one WorkingDirectory task run
//! share the directory `<data dir>/work/<its task run id>`. The WorkingDirectory writes its
//! `inputFiles` there when it starts and stores its `outputFiles` (`outputs.outputFiles`) when
//! it ends, then removes the directory; LocalFiles writes `inputs` (text, or the content of a
//! `kestra://` file) and stores the files matching `outputs` (`outputs.uris`).

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::drive::Drive;
use crate::files::{FileKey, FileStore};
use crate::spec::kinds::core::LocalFiles;
use crate::spec::{Task, TaskKind};
use crate::store::model::TaskRun;
use crate::tasks::TaskOutcome;

type Failure = String;

/// The directory shared under a WorkingDirectory task run.
pub fn work_dir(data_dir: &Path, working_directory_run: &str) -> PathBuf {
    data_dir.join("work").join(working_directory_run)
}

/// Writes `files` (`{relative path: content}`) under `dir`; a `kestra://` content is copied from
/// the file store.
pub fn write_files(
    store: &FileStore,
    dir: &Path,
    files: &Map<String, Value>,
) -> Result<(), Failure> {
    for (name, content) in files {
        if name.starts_with('/') || name.split('/').any(|p| p == "..") {
            return Err(format!("file `{name}` would leave the working directory"));
        }
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        let text = match content {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let written = match text.strip_prefix(crate::files::URI_SCHEME) {
            Some(_) => {
                let from = store.root.join(text.trim_start_matches("kestra:///"));
                std::fs::copy(&from, &path).map(|_| ())
            }
            None => std::fs::write(&path, text),
        };
        written.map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// Stores the files of `dir` matching `patterns` for task run `tr`; `{relative path: uri}`.
pub async fn store_files(
    store: &FileStore,
    key: &FileKey,
    dir: &Path,
    patterns: &[String],
) -> Result<Map<String, Value>, Failure> {
    if patterns.is_empty() || !dir.is_dir() {
        return Ok(Map::new());
    }
    let files = crate::runner::collect_output_files(dir, patterns)
        .await
        .map_err(|e| e.to_string())?;
    let mut uris = Map::new();
    for (name, path) in files {
        let uri = store
            .put(key, &name, &path)
            .await
            .map_err(|e| e.to_string())?;
        uris.insert(name, Value::String(uri));
    }
    Ok(uris)
}

impl Drive {
    pub(super) fn file_key(&self, tr: &TaskRun) -> FileKey {
        let e = &self.view.execution;
        FileKey {
            namespace: e.namespace.clone(),
            flow_id: e.flow_id.clone(),
            execution_id: e.id.clone(),
            task_id: tr.task_id.clone(),
            task_run_id: tr.id.clone(),
        }
    }

    /// The working directory of task run `id`: its nearest WorkingDirectory ancestor's, else
    /// its own.
    fn shared_dir(&self, id: &str) -> PathBuf {
        let mut cursor = Some(id.to_string());
        while let Some(cid) = cursor {
            let Some(&i) = self.positions.get(&cid) else {
                break;
            };
            let tr = &self.view.task_runs[i];
            let is_wd = self
                .tasks
                .get(&tr.task_id)
                .is_some_and(|t| matches!(t.kind, TaskKind::WorkingDirectory(_)));
            if is_wd && cid != id {
                return work_dir(&self.inner.config.data_dir, &cid);
            }
            cursor = tr.parent_task_run_id.clone();
        }
        work_dir(&self.inner.config.data_dir, id)
    }

    /// Runs one LocalFiles attempt.
    pub(super) async fn local_files(
        &mut self,
        id: &str,
        task: &Task,
        l: &LocalFiles,
    ) -> Result<TaskOutcome, Failure> {
        let dir = self.shared_dir(id);
        let store = FileStore::new(&self.inner.config.data_dir);
        let inputs = match self.render_typed(id, task, "inputs", &l.inputs)? {
            Value::Object(m) => m,
            Value::String(s) => serde_json::from_str(&s).unwrap_or_default(),
            _ => Map::new(),
        };
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        write_files(&store, &dir, &inputs).map_err(|e| format!("task `{}`: {e}", task.id))?;
        let mut patterns = Vec::new();
        for p in &l.outputs {
            match self.render_typed(id, task, "outputs", &Value::String(p.clone()))? {
                Value::String(s) => patterns.push(s),
                other => patterns.push(other.to_string()),
            }
        }
        let Some(&i) = self.positions.get(id) else {
            return Err(format!("task run `{id}` vanished"));
        };
        let key = self.file_key(&self.view.task_runs[i]);
        let uris = store_files(&store, &key, &dir, &patterns)
            .await
            .map_err(|e| format!("task `{}`: {e}", task.id))?;
        let mut out = TaskOutcome::success();
        out.outputs.insert("uris".into(), Value::Object(uris));
        Ok(out)
    }
}

impl Drive {
    /// A WorkingDirectory starts: its directory gets the rendered `inputFiles`.
    pub(super) fn working_directory_starts(
        &mut self,
        id: &str,
        task: &Task,
    ) -> Result<(), Failure> {
        let TaskKind::WorkingDirectory(w) = &task.kind else {
            return Ok(());
        };
        let dir = work_dir(&self.inner.config.data_dir, id);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if w.input_files.is_null() {
            return Ok(());
        }
        let files = match self.render_typed(id, task, "inputFiles", &w.input_files)? {
            Value::Object(m) => m,
            Value::String(s) => serde_json::from_str(&s).unwrap_or_default(),
            _ => Map::new(),
        };
        let store = FileStore::new(&self.inner.config.data_dir);
        write_files(&store, &dir, &files).map_err(|e| format!("task `{}`: {e}", task.id))
    }

    /// A WorkingDirectory ends: its `outputFiles` are stored (`outputs.outputFiles`) and its
    /// directory removed. Returns an error when the files cannot be stored.
    pub(super) fn working_directory_ends(&mut self, id: &str) -> Option<String> {
        let &i = self.positions.get(id)?;
        let task = self.tasks.get(&self.view.task_runs[i].task_id)?;
        let TaskKind::WorkingDirectory(w) = &task.kind else {
            return None;
        };
        let patterns = w.output_files.clone();
        let dir = work_dir(&self.inner.config.data_dir, id);
        let store = FileStore::new(&self.inner.config.data_dir);
        let key = self.file_key(&self.view.task_runs[i]);
        let stored = if patterns.is_empty() {
            Ok(Map::new())
        } else {
            // `apply` is synchronous; storing is a short local copy.
            let handle = tokio::runtime::Handle::current();
            tokio::task::block_in_place(|| {
                handle.block_on(store_files(&store, &key, &dir, &patterns))
            })
        };
        let _ = std::fs::remove_dir_all(&dir);
        match stored {
            Ok(uris) => {
                if !patterns.is_empty()
                    && let Some(o) = self.view.task_runs[i].outputs.as_object_mut()
                {
                    o.insert("outputFiles".into(), Value::Object(uris));
                }
                None
            }
            Err(e) => Some(format!("task `{id}`: cannot store its output files: {e}")),
        }
    }
}

impl Drive {
    /// `logToFile`: as in Kestra, the task run's lines go to a file in the file store (one per
    /// attempt, `outputs.logFile`) instead of the log table. A line that cannot be written is
    /// stored as usual, with the reason.
    pub(super) fn log_to_file(
        &mut self,
        id: &str,
        level: crate::store::model::Level,
        message: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) {
        let Some(&i) = self.positions.get(id) else {
            return;
        };
        let tr = &self.view.task_runs[i];
        let line = crate::files::LogFileLine {
            timestamp: now,
            level,
            message,
        };
        let written = FileStore::new(&self.inner.config.data_dir)
            .log_file(&self.file_key(tr), tr.attempts.len().saturating_sub(1))
            .and_then(|file| file.append([line]).map(|()| file.uri));
        match written {
            Ok(uri) => {
                let tr = &mut self.view.task_runs[i];
                if let Some(o) = tr.outputs.as_object_mut() {
                    o.insert("logFile".into(), Value::String(uri));
                }
                self.dirty.insert(id.to_string());
            }
            Err(e) => {
                let tr = &self.view.task_runs[i];
                self.logs.push(crate::store::model::NewLog {
                    execution_id: tr.execution_id.clone(),
                    task_run_id: Some(tr.id.clone()),
                    task_id: Some(tr.task_id.clone()),
                    attempt: Some(tr.attempts.len().saturating_sub(1) as i32),
                    level,
                    message: format!("{message} (not written to the log file: {e})"),
                    timestamp: now,
                });
            }
        }
    }
}
