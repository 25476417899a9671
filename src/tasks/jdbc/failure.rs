//! Turning a sqlx error into a [`JdbcError`], locating the server's error position in the SQL the
//! user wrote (which may differ from what was sent: substituted parameters, a `COPY (...)` wrapper).

use sqlx::postgres::{PgDatabaseError, PgErrorPosition};

use super::error::{DatabaseError, JdbcError};
use super::script::line_and_column;

/// The user's SQL and how a position in the sent text maps back into it.
pub struct Located<'a> {
    /// The SQL as written in the flow.
    pub written: &'a str,
    /// 1-based sent position -> 0-based character index in `written` (None: outside it).
    pub map: &'a dyn Fn(usize) -> Option<usize>,
}

/// The error for a failed statement or COPY.
pub fn from_sqlx(error: sqlx::Error, located: Option<&Located<'_>>) -> JdbcError {
    match error {
        sqlx::Error::Database(db) => match db.try_downcast::<PgDatabaseError>() {
            Ok(pg) => JdbcError::Database(Box::new(database_error(&pg, located))),
            Err(other) => JdbcError::Driver(other.to_string()),
        },
        other => JdbcError::Driver(other.to_string()),
    }
}

fn database_error(pg: &PgDatabaseError, located: Option<&Located<'_>>) -> DatabaseError {
    let (line, position) = match (pg.position(), located) {
        (Some(PgErrorPosition::Original(sent)), Some(located)) => match (located.map)(sent) {
            Some(index) => {
                let (line, column) = line_and_column(located.written, index);
                (Some(line), Some(column))
            }
            None => (None, None),
        },
        _ => (None, None),
    };
    DatabaseError {
        message: pg.message().to_owned(),
        code: pg.code().to_owned(),
        line,
        position,
        detail: pg.detail().map(str::to_owned),
        hint: pg.hint().map(str::to_owned),
        context: pg.r#where().map(str::to_owned),
    }
}
