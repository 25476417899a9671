//! Wake-ups on Postgres: `NOTIFY` in the writing transaction, one `LISTEN`ing connection per
//! store that republishes into the in-process `Hub`.
//!
//! Channel names carry the schema (outside `public`), so stores on different schemas of one
//! database do not wake each other. The listener reconnects with backoff; notifications sent
//! while it is disconnected are lost, so on every reconnect it wakes every subscriber once
//! (they poll and find whatever was missed).

use std::time::Duration;

use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use tokio::task::JoinHandle;

use crate::store::error::StoreResult;
use crate::store::notify::{ALL_CHANNELS, Channel, Hub};

/// The longest wait between two reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// The first wait after a lost connection.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);

/// Postgres's longest identifier, in bytes.
const MAX_NAME: usize = 63;

/// The Postgres channel names of a store, one per `Channel`.
#[derive(Debug, Clone)]
pub(super) struct ChannelNames {
    task_runs_ready: String,
    executions_changed: String,
}

impl ChannelNames {
    /// The names for a store whose tables live in `schema`.
    pub(super) fn new(schema: &str) -> Self {
        let name = |channel: Channel| {
            let mut name = format!("baton_{}", channel.as_str());
            if schema != "public" {
                name.push('_');
                name.push_str(schema);
            }
            truncate(name)
        };
        ChannelNames {
            task_runs_ready: name(Channel::TaskRunsReady),
            executions_changed: name(Channel::ExecutionsChanged),
        }
    }

    /// The Postgres channel of `channel`.
    pub(super) fn name(&self, channel: Channel) -> &str {
        match channel {
            Channel::TaskRunsReady => &self.task_runs_ready,
            Channel::ExecutionsChanged => &self.executions_changed,
        }
    }

    fn channel(&self, name: &str) -> Option<Channel> {
        ALL_CHANNELS.into_iter().find(|c| self.name(*c) == name)
    }
}

fn truncate(mut name: String) -> String {
    if name.len() > MAX_NAME {
        let mut end = MAX_NAME;
        while !name.is_char_boundary(end) {
            end -= 1;
        }
        name.truncate(end);
    }
    name
}

/// Sends `channel`'s notification; delivered when (and only if) the transaction commits.
pub(super) async fn notify(
    conn: &mut PgConnection,
    names: &ChannelNames,
    channel: Channel,
) -> StoreResult<()> {
    sqlx::query("SELECT pg_notify($1, '')")
        .bind(names.name(channel))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The running listener; stops when dropped.
#[derive(Debug)]
pub(super) struct Listener {
    task: JoinHandle<()>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts listening; returns once `LISTEN` is in place, so a notification committed after this
/// returns is delivered.
pub(super) async fn start(pool: &PgPool, names: ChannelNames, hub: Hub) -> StoreResult<Listener> {
    let listener = listen(pool, &names).await?;
    let pool = pool.clone();
    let task = tokio::spawn(run(listener, pool, names, hub));
    Ok(Listener { task })
}

async fn listen(pool: &PgPool, names: &ChannelNames) -> Result<PgListener, sqlx::Error> {
    let mut listener = PgListener::connect_with(pool).await?;
    let channels: Vec<&str> = ALL_CHANNELS.iter().map(|c| names.name(*c)).collect();
    listener.listen_all(channels).await?;
    Ok(listener)
}

async fn run(mut listener: PgListener, pool: PgPool, names: ChannelNames, hub: Hub) {
    loop {
        match listener.try_recv().await {
            Ok(Some(notification)) => {
                if let Some(channel) = names.channel(notification.channel()) {
                    hub.publish(channel);
                }
            }
            // The connection dropped and sqlx re-established it: wake everyone to poll.
            Ok(None) => publish_all(&hub),
            Err(sqlx::Error::PoolClosed) => return,
            Err(error) => {
                tracing::warn!(%error, "store listener lost its connection; reconnecting");
                match reconnect(&pool, &names).await {
                    Some(fresh) => listener = fresh,
                    None => return,
                }
                publish_all(&hub);
            }
        }
    }
}

/// A new listener, retrying with exponential backoff; `None` once the pool is closed.
async fn reconnect(pool: &PgPool, names: &ChannelNames) -> Option<PgListener> {
    let mut backoff = FIRST_BACKOFF;
    loop {
        if pool.is_closed() {
            return None;
        }
        tokio::time::sleep(backoff).await;
        match listen(pool, names).await {
            Ok(listener) => return Some(listener),
            Err(error) => {
                tracing::debug!(%error, ?backoff, "store listener reconnect failed");
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn publish_all(hub: &Hub) {
    for channel in ALL_CHANNELS {
        hub.publish(channel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_names_carry_the_schema_within_the_identifier_limit() {
        let public = ChannelNames::new("public");
        assert_eq!(public.name(Channel::TaskRunsReady), "baton_task_runs_ready");
        let other = ChannelNames::new("t_1");
        assert_eq!(
            other.name(Channel::ExecutionsChanged),
            "baton_executions_changed_t_1"
        );
        assert_eq!(
            other.channel("baton_executions_changed_t_1"),
            Some(Channel::ExecutionsChanged)
        );
        let long = ChannelNames::new(&"é".repeat(40));
        assert!(long.name(Channel::TaskRunsReady).len() <= MAX_NAME);
    }
}
