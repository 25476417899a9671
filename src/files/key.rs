//! Where a task run's files live: the key naming a task run, and the URI of each of its files.

use super::error::FileError;

/// Scheme and empty authority of every file URI.
pub const URI_SCHEME: &str = "kestra://";

/// The task run a file belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileKey {
    /// Dotted namespace, e.g. `company.team`.
    pub namespace: String,
    /// Flow id.
    pub flow_id: String,
    /// Execution id.
    pub execution_id: String,
    /// Task id.
    pub task_id: String,
    /// Task run id.
    pub task_run_id: String,
}

impl FileKey {
    /// Path segments of the task run's directory (namespace dots become directories).
    pub(crate) fn segments(&self) -> Result<Vec<String>, FileError> {
        let mut segments = execution_segments(&self.namespace, &self.flow_id, &self.execution_id)?;
        segments.push("tasks".to_owned());
        segments.push(segment(&self.task_id)?);
        segments.push(segment(&self.task_run_id)?);
        Ok(segments)
    }
}

/// Path segments of an execution's directory.
pub(crate) fn execution_segments(
    namespace: &str,
    flow_id: &str,
    execution_id: &str,
) -> Result<Vec<String>, FileError> {
    let mut segments = namespace
        .split('.')
        .map(segment)
        .collect::<Result<Vec<_>, _>>()?;
    segments.push(segment(flow_id)?);
    segments.push("executions".to_owned());
    segments.push(segment(execution_id)?);
    Ok(segments)
}

/// One path segment: not empty, not `.` or `..`, no separator, no NUL.
pub(crate) fn segment(value: &str) -> Result<String, FileError> {
    let reason = match value {
        "" => Some("empty path segment"),
        "." | ".." => Some("`.` or `..` path segment"),
        _ if value.contains(['/', '\\', '\0']) => Some("separator or NUL inside a path segment"),
        _ => None,
    };
    match reason {
        Some(reason) => Err(FileError::Escapes {
            value: value.to_owned(),
            reason,
        }),
        None => Ok(value.to_owned()),
    }
}

/// Splits a relative file name (`a/b.txt`) into checked segments.
pub(crate) fn name_segments(name: &str) -> Result<Vec<String>, FileError> {
    if name.starts_with('/') {
        return Err(FileError::Escapes {
            value: name.to_owned(),
            reason: "absolute file name",
        });
    }
    name.split('/').map(segment).collect()
}

/// Segments of a `kestra:///...` URI.
pub(crate) fn uri_segments(uri: &str) -> Result<Vec<String>, FileError> {
    let path = uri
        .strip_prefix(URI_SCHEME)
        .and_then(|rest| rest.strip_prefix('/'))
        .ok_or_else(|| FileError::NotAKestraUri {
            uri: uri.to_owned(),
        })?;
    if path.starts_with('/') {
        return Err(FileError::Escapes {
            value: uri.to_owned(),
            reason: "absolute path in URI",
        });
    }
    path.split('/')
        .map(|part| {
            segment(part).map_err(|error| match error {
                FileError::Escapes { reason, .. } => FileError::Escapes {
                    value: uri.to_owned(),
                    reason,
                },
                other => other,
            })
        })
        .collect()
}

/// The URI of a file given its segments.
pub(crate) fn uri_of(segments: &[String]) -> String {
    format!("{URI_SCHEME}/{}", segments.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_with_dot_dot_or_double_slash_are_rejected() {
        assert!(uri_segments("kestra:///a/b/c.txt").is_ok());
        assert!(uri_segments("kestra:///a/../b").is_err());
        assert!(uri_segments("kestra:////etc/passwd").is_err());
        assert!(uri_segments("file:///etc/passwd").is_err());
        assert!(uri_segments("kestra:///a//b").is_err());
    }
}
