//! Who is online in a channel, for the `presence_snapshot` a subscriber gets. On one
//! instance the hub knows. With Redis, every instance also keeps its subscribers in a
//! sorted set per channel, `<prefix>:presence:<channel>`, member `<instance>:<user>`,
//! scored by when the entry expires: an instance refreshes its entries every few seconds
//! and removes them when a user leaves, so one that dies drops out within `TTL_SECS`.
//! Redis trouble only narrows the snapshot to this instance; nothing waits long on it.
//! On a Redis Cluster each channel's set is one key, written by a pipeline of its own (a
//! pipeline must stay in one hash slot there).

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use matchraum_accounts::redis_link::{RedisTarget, SharedConn};
use tokio::sync::OnceCell;

use super::hub::Hub;

/// The most user ids one snapshot carries.
pub const MAX_SNAPSHOT: usize = 200;
/// How long an instance's entry counts without a refresh.
const TTL_SECS: u64 = 30;
const REFRESH: Duration = Duration::from_secs(10);
const IO_TIMEOUT: Duration = Duration::from_secs(1);
/// Per-channel pipelines in flight at once when the refresher writes to a cluster.
const CLUSTER_WRITES: usize = 16;

pub struct Presence {
    shared: Option<Shared>,
}

struct Shared {
    target: RedisTarget,
    conn: OnceCell<SharedConn>,
    prefix: String,
    /// This instance, in the members it writes.
    origin: String,
}

impl Presence {
    pub fn local() -> Self {
        Presence { shared: None }
    }

    /// Shared through Redis under this instance's `origin`; spawns the refresher on the
    /// current runtime.
    pub fn redis(target: &RedisTarget, prefix: &str, origin: String, hub: Arc<Hub>) -> Arc<Self> {
        let me = Arc::new(Presence {
            shared: Some(Shared {
                target: target.clone(),
                conn: OnceCell::new(),
                prefix: prefix.to_owned(),
                origin,
            }),
        });
        tokio::spawn(refresher(Arc::downgrade(&me), hub));
        me
    }

    /// `user_id` subscribed on this instance: visible to the others at once.
    pub async fn joined(&self, channel_id: i64, user_id: i64) {
        if let Some(s) = &self.shared {
            s.write(&[(channel_id, BTreeSet::from([user_id]))]).await;
        }
    }

    /// `user_id` has no subscription left to the channel on this instance.
    pub async fn left(&self, channel_id: i64, user_id: i64) {
        if let Some(s) = &self.shared {
            let cmd = redis::cmd("ZREM")
                .arg(s.key(channel_id))
                .arg(s.member(user_id))
                .to_owned();
            s.run::<i64>(cmd).await;
        }
    }

    /// Who is online in the channel on every instance (at most [`MAX_SNAPSHOT`], ascending).
    pub async fn snapshot(&self, hub: &Hub, channel_id: i64) -> Vec<i64> {
        let mut users = hub.online(channel_id);
        if let Some(s) = &self.shared {
            let cmd = redis::cmd("ZRANGEBYSCORE")
                .arg(s.key(channel_id))
                .arg(now_secs())
                .arg("+inf")
                .arg("LIMIT")
                .arg(0)
                .arg(MAX_SNAPSHOT * 4)
                .to_owned();
            let members: Vec<String> = s.run(cmd).await.unwrap_or_default();
            users.extend(
                members
                    .iter()
                    .filter_map(|m| m.rsplit_once(':'))
                    .filter_map(|(_, u)| u.parse::<i64>().ok()),
            );
        }
        users.into_iter().take(MAX_SNAPSHOT).collect()
    }
}

impl Shared {
    fn key(&self, channel_id: i64) -> String {
        format!("{}:presence:{channel_id}", self.prefix)
    }

    fn member(&self, user_id: i64) -> String {
        format!("{}:{user_id}", self.origin)
    }

    /// Adds (or renews) this instance's entries, drops expired ones, and lets the key
    /// expire when nobody renews it: one pipeline on one Redis, one per channel (one hash
    /// slot each) on a cluster.
    async fn write(&self, entries: &[(i64, BTreeSet<i64>)]) {
        if entries.is_empty() {
            return;
        }
        let Some(conn) = self.connection().await else {
            return;
        };
        let now = now_secs();
        if conn.is_cluster() {
            futures_util::stream::iter(entries)
                .for_each_concurrent(CLUSTER_WRITES, |entry| {
                    let mut pipe = redis::pipe();
                    self.add_entry(&mut pipe, entry, now);
                    run_write(conn.clone(), pipe)
                })
                .await;
        } else {
            let mut pipe = redis::pipe();
            for entry in entries {
                self.add_entry(&mut pipe, entry, now);
            }
            run_write(conn, pipe).await;
        }
    }

    fn add_entry(
        &self,
        pipe: &mut redis::Pipeline,
        (channel_id, users): &(i64, BTreeSet<i64>),
        now: u64,
    ) {
        let key = self.key(*channel_id);
        let mut add = redis::cmd("ZADD");
        add.arg(&key);
        for u in users {
            add.arg(now + TTL_SECS).arg(self.member(*u));
        }
        pipe.add_command(add).ignore();
        pipe.cmd("ZREMRANGEBYSCORE")
            .arg(&key)
            .arg("-inf")
            .arg(now)
            .ignore();
        pipe.cmd("EXPIRE").arg(&key).arg(TTL_SECS * 2).ignore();
    }

    async fn run<T: redis::FromRedisValue>(&self, cmd: redis::Cmd) -> Option<T> {
        let mut conn = self.connection().await?;
        match tokio::time::timeout(IO_TIMEOUT, cmd.query_async::<T>(&mut conn)).await {
            Ok(Ok(v)) => Some(v),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "presence query failed");
                None
            }
            Err(_) => {
                tracing::debug!("presence query timed out");
                None
            }
        }
    }

    async fn connection(&self) -> Option<SharedConn> {
        let init = || SharedConn::connect(&self.target, IO_TIMEOUT);
        match self.conn.get_or_try_init(init).await {
            Ok(c) => Some(c.clone()),
            Err(e) => {
                tracing::debug!(error = %e, "presence: Redis unreachable");
                None
            }
        }
    }
}

async fn run_write(mut conn: SharedConn, pipe: redis::Pipeline) {
    match tokio::time::timeout(IO_TIMEOUT, pipe.query_async::<()>(&mut conn)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => tracing::debug!(error = %e, "presence write failed"),
        Err(_) => tracing::debug!("presence write timed out"),
    }
}

/// Renews this instance's entries until the instance is gone.
async fn refresher(presence: std::sync::Weak<Presence>, hub: Arc<Hub>) {
    let mut tick = tokio::time::interval(REFRESH);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(p) = presence.upgrade() else { return };
        if let Some(s) = &p.shared {
            s.write(&hub.presence()).await;
        }
    }
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}
