//! Where Redis is, and a command connection to it: one server (`[redis] url`) or a Redis
//! Cluster (`[redis] cluster`, its seed nodes). The state shared through Redis goes through
//! here: the rate-limit windows of this crate, presence and the bus in `realtime`.
//!
//! On a cluster a command or pipeline must stay in one hash slot (a cross-slot one fails).
//! Every unit of work here touches one key: a rate-limit window is one key (`INCRBY` and
//! `EXPIRE` in one `MULTI`), a channel's presence is one sorted set (its `ZADD`,
//! `ZREMRANGEBYSCORE` and `EXPIRE` in one pipeline, one pipeline per channel on a cluster),
//! and the bus publishes to one shard channel at a time. So no key needs a hash tag to
//! share a slot with another; a new multi-key command or script must add one (`{…}`).

use std::time::Duration;

use redis::aio::{ConnectionLike, ConnectionManager};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::{Cmd, IntoConnectionInfo, Pipeline, RedisFuture, RedisResult, Value};

/// The configured Redis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedisTarget {
    /// One Redis server (or a proxy in front of several).
    Single(String),
    /// Seed nodes of a Redis Cluster: any reachable one tells the client the others.
    Cluster(Vec<String>),
}

impl RedisTarget {
    /// The target of `[redis] url` or `[redis] cluster`, if either is set. Both at once,
    /// or a URL that does not parse, is an error naming the key (never the URL: it may
    /// carry a password).
    pub fn from_config(url: Option<&str>, cluster: &[String]) -> Result<Option<Self>, String> {
        match (url, cluster) {
            (Some(_), [_, ..]) => Err("[redis] url (one Redis) and [redis] cluster (seed nodes \
                 of a Redis Cluster) are both set; set one"
                .into()),
            (Some(url), []) => {
                check_url(url, "[redis] url")?;
                Ok(Some(RedisTarget::Single(url.to_owned())))
            }
            (None, []) => Ok(None),
            (None, nodes) => {
                for (i, node) in nodes.iter().enumerate() {
                    check_url(node, &format!("[redis] cluster entry {}", i + 1))?;
                }
                ClusterClient::new(nodes.to_vec()).map_err(|e| format!("[redis] cluster: {e}"))?;
                Ok(Some(RedisTarget::Cluster(nodes.to_vec())))
            }
        }
    }

    pub fn is_cluster(&self) -> bool {
        matches!(self, RedisTarget::Cluster(_))
    }
}

fn check_url(url: &str, what: &str) -> Result<(), String> {
    url.into_connection_info()
        .map(|_| ())
        .map_err(|e| format!("{what} is not a usable Redis URL ({e})"))
}

/// Reconnect attempts to a cluster node before the client drops it until the next topology
/// refresh (its slots are then served through its replicas); without a limit it would
/// retry a dead master every second for as long as the process runs.
const NODE_RECONNECTS: usize = 10;

/// A cluster client whose every node connection and response waits at most `timeout`.
pub fn cluster_builder(nodes: &[String], timeout: Duration) -> ClusterClientBuilder {
    ClusterClient::builder(nodes.to_vec())
        .connection_timeout(timeout)
        .response_timeout(timeout)
        .max_connection_attempts(std::num::NonZeroUsize::new(NODE_RECONNECTS).expect("not 0"))
}

/// A connection for commands (not for pub/sub) that repairs itself: a connection manager
/// on one Redis; on a cluster, the cluster connection, which follows failovers and slot
/// moves (`MOVED`) and reconnects to nodes that come back.
#[derive(Clone)]
pub enum SharedConn {
    Single(ConnectionManager),
    Cluster(ClusterConnection),
}

impl SharedConn {
    /// Connects to `target`; every connection attempt and response waits at most `timeout`.
    pub async fn connect(target: &RedisTarget, timeout: Duration) -> RedisResult<Self> {
        match target {
            RedisTarget::Single(url) => {
                let client = redis::Client::open(url.as_str())?;
                let config = redis::aio::ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout));
                let conn = ConnectionManager::new_with_config(client, config).await?;
                Ok(SharedConn::Single(conn))
            }
            RedisTarget::Cluster(nodes) => {
                let client = cluster_builder(nodes, timeout).build()?;
                Ok(SharedConn::Cluster(client.get_async_connection().await?))
            }
        }
    }

    /// Whether pipelines must stay in one hash slot.
    pub fn is_cluster(&self) -> bool {
        matches!(self, SharedConn::Cluster(_))
    }
}

impl ConnectionLike for SharedConn {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        match self {
            SharedConn::Single(c) => c.req_packed_command(cmd),
            SharedConn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        match self {
            SharedConn::Single(c) => c.req_packed_commands(pipeline, offset, count),
            SharedConn::Cluster(c) => c.req_packed_commands(pipeline, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            SharedConn::Single(c) => c.get_db(),
            SharedConn::Cluster(c) => c.get_db(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn one_redis_or_a_cluster_is_configured_never_both() {
        assert_eq!(RedisTarget::from_config(None, &[]), Ok(None));
        assert_eq!(
            RedisTarget::from_config(Some("redis://127.0.0.1:6379"), &[]),
            Ok(Some(RedisTarget::Single("redis://127.0.0.1:6379".into())))
        );
        let seeds = nodes(&["redis://10.0.0.1:7000", "redis://10.0.0.2:7000"]);
        assert_eq!(
            RedisTarget::from_config(None, &seeds),
            Ok(Some(RedisTarget::Cluster(seeds.clone())))
        );
        let err = RedisTarget::from_config(Some("redis://127.0.0.1:6379"), &seeds).unwrap_err();
        assert!(err.contains("both"), "{err}");
    }

    #[test]
    fn a_bad_url_names_its_key_but_not_the_url() {
        let err = RedisTarget::from_config(
            None,
            &nodes(&["redis://127.0.0.1:7000", "http://:secret@x:1"]),
        )
        .unwrap_err();
        assert!(err.contains("[redis] cluster entry 2"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        let err = RedisTarget::from_config(Some("redis//nohost"), &[]).unwrap_err();
        assert!(err.contains("[redis] url"), "{err}");
    }
}
