//! From a task's connection properties to an open session: JDBC URLs
//! (`jdbc:postgresql://host:5432/db?...`) become sqlx connect options, `username`/`password`
//! override the URL's, and the session is set up so every value arrives in one predictable text
//! form (UTC timestamps, ISO dates, ISO-8601 intervals).

use std::str::FromStr;

use chrono_tz::Tz;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{ConnectOptions, Connection as _};
use tokio_util::sync::CancellationToken;

use super::error::JdbcError;
use crate::spec::kinds::jdbc::Connection;

/// An open session and what we need to cancel its running statement.
pub struct Session {
    /// The connection.
    pub conn: PgConnection,
    /// Asks the server to stop what the connection runs.
    pub canceller: Canceller,
}

/// Cancels a session's running statement from the outside.
#[derive(Debug, Clone)]
pub struct Canceller {
    options: PgConnectOptions,
    backend_pid: i32,
}

/// The zone timestamps with time zone are shown in (`timeZoneId`, UTC by default).
pub fn time_zone(connection: &Connection) -> Result<Tz, JdbcError> {
    match connection.time_zone_id.as_deref() {
        None | Some("") => Ok(Tz::UTC),
        Some(id) => Tz::from_str(id).map_err(|_| JdbcError::Property {
            property: "timeZoneId",
            reason: format!("{id:?} is not an IANA time zone (e.g. Europe/Paris)"),
        }),
    }
}

/// sqlx connect options for the task's connection properties.
pub fn connect_options(connection: &Connection) -> Result<PgConnectOptions, JdbcError> {
    let url = connection.url.trim();
    let bad = |reason: String| JdbcError::Url {
        url: redact(url),
        reason,
    };
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let base = native_base(base).ok_or_else(|| {
        bad("expected jdbc:postgresql://host:port/database, postgres:// or postgresql://".into())
    })?;
    if authority(&base).contains(',') {
        return Err(bad("several hosts are not supported; give one host".into()));
    }
    let (query, search_path) = native_query(query).map_err(bad)?;
    let native = if query.is_empty() {
        base
    } else {
        format!("{base}?{query}")
    };
    let mut options = PgConnectOptions::from_str(&native).map_err(|e| bad(e.to_string()))?;
    if let Some(user) = connection.username.as_deref().filter(|u| !u.is_empty()) {
        options = options.username(user);
    }
    if let Some(password) = connection.password.as_deref() {
        options = options.password(password);
    }
    if connection.ssl == Some(true) && matches!(options.get_ssl_mode(), PgSslMode::Prefer) {
        options = options.ssl_mode(PgSslMode::Require);
    }
    if let Some(path) = search_path {
        options = options.options([("search_path", path)]);
    }
    // Intervals as ISO-8601 durations (`P1DT2H`), the form the type mapping promises.
    options = options.options([("IntervalStyle", "iso_8601")]);
    Ok(options.disable_statement_logging())
}

/// Opens a session, giving up when `cancel` fires.
pub async fn open(
    connection: &Connection,
    cancel: &CancellationToken,
) -> Result<Session, JdbcError> {
    let options = connect_options(connection)?;
    let target = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or(options.get_username())
    );
    let connect = PgConnection::connect_with(&options);
    let mut conn = tokio::select! {
        result = connect => result.map_err(|e| connect_error(&target, e))?,
        () = cancel.cancelled() => return Err(JdbcError::Cancelled),
    };
    let backend_pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| connect_error(&target, e))?;
    Ok(Session {
        conn,
        canceller: Canceller {
            options,
            backend_pid,
        },
    })
}

impl Canceller {
    /// Asks the server, over a second connection, to cancel what this session is running; the
    /// session itself is then dropped by the caller, which rolls back any open transaction.
    pub async fn cancel_running(&self) {
        let cancel = async {
            let mut other = PgConnection::connect_with(&self.options).await?;
            sqlx::query("SELECT pg_cancel_backend($1)")
                .bind(self.backend_pid)
                .execute(&mut other)
                .await?;
            other.close().await
        };
        // Best effort: dropping the session closes its socket anyway.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), cancel).await;
    }
}

fn connect_error(target: &str, error: sqlx::Error) -> JdbcError {
    let reason = match &error {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => other.to_string(),
    };
    JdbcError::Connect {
        target: target.to_owned(),
        reason,
    }
}

/// `postgresql://...` for the accepted URL forms (without the query string).
fn native_base(base: &str) -> Option<String> {
    if base.starts_with("postgres://") || base.starts_with("postgresql://") {
        return Some(base.to_owned());
    }
    let rest = base.strip_prefix("jdbc:postgresql:")?;
    if rest.starts_with("//") {
        Some(format!("postgresql:{rest}"))
    } else {
        // `jdbc:postgresql:database` and `jdbc:postgresql:/`: the local server.
        Some(format!(
            "postgresql://localhost/{}",
            rest.trim_start_matches('/')
        ))
    }
}

fn authority(base: &str) -> &str {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest)
}

/// Keeps the query parameters sqlx understands, translates pgJDBC's, drops the rest; returns the
/// `currentSchema` as a search path.
fn native_query(query: &str) -> Result<(String, Option<String>), String> {
    let mut kept = Vec::new();
    let mut search_path = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" | "sslrootcert" | "sslcert" | "sslkey" | "user" | "password"
            | "application_name" | "options" | "host" | "port" | "dbname" => {
                kept.push(pair.to_owned())
            }
            "ApplicationName" => kept.push(format!("application_name={value}")),
            "ssl" if value == "true" => kept.push("sslmode=require".to_owned()),
            "ssl" => kept.push("sslmode=disable".to_owned()),
            "currentSchema" => {
                if !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '$' | ','))
                {
                    return Err(format!(
                        "currentSchema {value:?} must be plain schema names"
                    ));
                }
                search_path = Some(value.to_owned());
            }
            // pgJDBC-only settings (loginTimeout, prepareThreshold, ...) mean nothing here.
            _ => {}
        }
    }
    Ok((kept.join("&"), search_path))
}

/// The URL without its password, for messages.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(authority_end);
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{user}:***@{host}")
        }
        None => authority.to_owned(),
    };
    let path = path
        .split('&')
        .map(|p| {
            if p.starts_with("password=") || p.contains("?password=") {
                p.split("password=")
                    .next()
                    .map_or(String::new(), |k| format!("{k}password=***"))
            } else {
                p.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("&");
    format!("{scheme}://{authority}{path}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(url: &str, user: Option<&str>, password: Option<&str>) -> Option<PgConnectOptions> {
        connect_options(&Connection {
            url: url.to_owned(),
            username: user.map(str::to_owned),
            password: password.map(str::to_owned),
            ..Connection::default()
        })
        .ok()
    }

    #[test]
    fn jdbc_urls_become_native_options() {
        let o = options(
            "jdbc:postgresql://db.example:6543/sales?ssl=false&loginTimeout=3",
            Some("bob"),
            Some("p@ss:w/rd"),
        );
        let o = o.as_ref();
        assert_eq!(o.map(PgConnectOptions::get_host), Some("db.example"));
        assert_eq!(o.map(PgConnectOptions::get_port), Some(6543));
        assert_eq!(o.and_then(PgConnectOptions::get_database), Some("sales"));
        assert_eq!(o.map(PgConnectOptions::get_username), Some("bob"));
        assert!(o.is_some_and(|o| matches!(o.get_ssl_mode(), PgSslMode::Disable)));
    }

    #[test]
    fn native_urls_and_local_forms_are_accepted() {
        assert!(options("postgres://u:p@127.0.0.1:5432/x", None, None).is_some());
        assert!(options("postgresql://127.0.0.1/x", None, None).is_some());
        let local = options("jdbc:postgresql:warehouse", Some("u"), None);
        assert_eq!(
            local.as_ref().and_then(PgConnectOptions::get_database),
            Some("warehouse")
        );
    }

    #[test]
    fn other_schemes_and_several_hosts_are_rejected() {
        assert!(options("jdbc:mysql://h/db", None, None).is_none());
        assert!(options("jdbc:postgresql://h1:5432,h2:5432/db", None, None).is_none());
        assert!(options("jdbc:postgresql://h/db?currentSchema=a;drop", None, None).is_none());
    }

    #[test]
    fn redaction_hides_passwords() {
        assert_eq!(
            redact("postgres://u:secret@h:1/db"),
            "postgres://u:***@h:1/db"
        );
        assert!(!redact("jdbc:postgresql://h/db?user=u&password=secret").contains("secret"));
    }
}
