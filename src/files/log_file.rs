//! `logToFile`: as in Kestra, a task run attempt's log lines go to a file of the store
//! (`attempt-<n>.log`, the task's `outputs.logFile`) instead of the log table. One place names
//! the file, formats its lines and appends them, for the engine's tasks and the worker's alike;
//! every write resolves the path again, refusing symlinks, as [`FileStore`] does.

use std::io::Write as _;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

use super::error::FileError;
use super::key::FileKey;
use super::store::{FileStore, checked_path};
use crate::store::model::Level;

/// The log file of one attempt of a task run.
#[derive(Debug, Clone)]
pub struct LogFile {
    /// Its `kestra:///` URI.
    pub uri: String,
    root: PathBuf,
}

/// One line of a log file.
#[derive(Debug, Clone, Copy)]
pub struct LogFileLine<'a> {
    /// When it was logged.
    pub timestamp: DateTime<Utc>,
    /// Its level.
    pub level: Level,
    /// Its text.
    pub message: &'a str,
}

impl FileStore {
    /// The log file of attempt `attempt` (0-based) of `key`'s task run; nothing is written.
    pub fn log_file(&self, key: &FileKey, attempt: usize) -> Result<LogFile, FileError> {
        Ok(LogFile {
            uri: self.uri(key, &format!("attempt-{attempt}.log"))?,
            root: self.root.clone(),
        })
    }
}

impl LogFile {
    /// Appends `lines`, one `<RFC 3339 time> <LEVEL> <message>` line each, creating the file
    /// and its directories. Blocking.
    pub fn append<'a>(
        &self,
        lines: impl IntoIterator<Item = LogFileLine<'a>>,
    ) -> Result<(), FileError> {
        let mut text = String::new();
        for line in lines {
            text.push_str(&format!(
                "{} {} {}\n",
                line.timestamp.to_rfc3339(),
                line.level.as_str(),
                line.message
            ));
        }
        let path = checked_path(&self.root, &self.uri, false)?;
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(FileError::io(parent))?;
        }
        // The directories now exist: check again that none of them is a symlink.
        let path = checked_path(&self.root, &self.uri, false)?;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .map_err(FileError::io(path))
    }

    /// Whether a line was written to it (the file exists, as a regular file). Blocking.
    pub fn written(&self) -> bool {
        checked_path(&self.root, &self.uri, true).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::FileError;

    fn key() -> FileKey {
        FileKey {
            namespace: "ns".into(),
            flow_id: "flow".into(),
            execution_id: "e1".into(),
            task_id: "t".into(),
            task_run_id: "tr1".into(),
        }
    }

    fn line(message: &str) -> LogFileLine<'_> {
        LogFileLine {
            timestamp: "2026-01-01T00:00:00Z".parse().expect("time"),
            level: Level::Warn,
            message,
        }
    }

    #[test]
    fn lines_are_appended_to_the_attempts_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = FileStore::new(dir.path())
            .log_file(&key(), 2)
            .expect("named");
        assert!(file.uri.ends_with("/attempt-2.log"), "{}", file.uri);
        assert!(!file.written());
        file.append([line("one")]).expect("appended");
        file.append([line("two"), line("three")]).expect("appended");
        assert!(file.written());
        let path = checked_path(dir.path(), &file.uri, true).expect("path");
        let text = std::fs::read_to_string(path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], "2026-01-01T00:00:00+00:00 WARN one");
        assert!(lines[2].ends_with(" WARN three"));
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_in_the_path_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("root");
        std::fs::create_dir_all(&root).expect("root");
        std::os::unix::fs::symlink(outside.path(), root.join("ns")).expect("symlink");
        let file = FileStore::new(&root).log_file(&key(), 0).expect("named");
        let refused = file.append([line("leak")]);
        assert!(
            matches!(refused, Err(FileError::Escapes { .. })),
            "{refused:?}"
        );
        let leaked = std::fs::read_dir(outside.path()).expect("list").count();
        assert_eq!(leaked, 0, "nothing written outside the root");
        assert!(!file.written());
    }
}
