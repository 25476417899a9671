//! Why a PostgreSQL task failed: bad settings, an unreachable server, or the database's own error
//! (message, position in the user's SQL, detail, hint and CONTEXT, e.g. the COPY line at fault).

use std::fmt;
use std::path::PathBuf;

use crate::files::FileError;

/// A failure of a PostgreSQL task.
#[derive(Debug, thiserror::Error)]
pub enum JdbcError {
    /// The `url` (or the connection settings) cannot be turned into connect options.
    #[error("invalid PostgreSQL connection URL {url:?}: {reason}")]
    Url {
        /// The URL, with any password removed.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A task property has a value PostgreSQL or baton cannot use.
    #[error("invalid `{property}`: {reason}")]
    Property {
        /// The property name, as written in the flow.
        property: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The server could not be reached or refused the login.
    #[error("cannot connect to PostgreSQL at {target}: {reason}")]
    Connect {
        /// `host:port/database` (never the password).
        target: String,
        /// The driver's or the server's message.
        reason: String,
    },
    /// The database rejected a statement.
    #[error("{0}")]
    Database(Box<DatabaseError>),
    /// The driver failed outside of any SQL error (protocol, I/O on the socket).
    #[error("PostgreSQL driver error: {0}")]
    Driver(String),
    /// A file input or output could not be read or stored.
    #[error(transparent)]
    Files(#[from] FileError),
    /// A local file could not be read or written.
    #[error("I/O error on {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The task given is not a PostgreSQL task.
    #[error("not a PostgreSQL task")]
    NotPostgres,
    /// The task was cancelled (killed or timed out) while it ran.
    #[error("cancelled")]
    Cancelled,
}

impl JdbcError {
    /// Wraps an I/O error with the path it concerns.
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { path, source }
    }
}

/// An error reported by the server, located in the SQL the user wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseError {
    /// The primary message, e.g. `syntax error at or near "SELEC"`.
    pub message: String,
    /// SQLSTATE, e.g. `42601`.
    pub code: String,
    /// 1-based line in the task's `sql` where the error is.
    pub line: Option<usize>,
    /// 1-based character position in that line.
    pub position: Option<usize>,
    /// DETAIL field.
    pub detail: Option<String>,
    /// HINT field.
    pub hint: Option<String>,
    /// CONTEXT field (for COPY: the table, line and column at fault).
    pub context: Option<String>,
}

impl fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message)?;
        match (self.line, self.position) {
            (Some(line), Some(position)) => write!(f, " (line {line}, position {position})")?,
            (None, Some(position)) => write!(f, " (position {position})")?,
            _ => {}
        }
        write!(f, " [SQLSTATE {}]", self.code)?;
        if let Some(detail) = &self.detail {
            write!(f, "; DETAIL: {detail}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "; HINT: {hint}")?;
        }
        if let Some(context) = &self.context {
            write!(f, "; CONTEXT: {context}")?;
        }
        Ok(())
    }
}
