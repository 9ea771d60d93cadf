//! The bus on a Redis Cluster: Redis 7 sharded pub/sub (`SPUBLISH`/`SSUBSCRIBE`), so that
//! a message travels only within the shard (master and replicas) that owns its channel's
//! hash slot instead of being broadcast over the whole cluster bus.
//!
//! The sharding unit is a fixed group of [`BUS_SHARDS`] shard channels,
//! `<prefix>:events:<n>`, and a realtime channel always uses group `channel_id mod
//! BUS_SHARDS` (personal events: the first user id). Why not one shard channel per
//! realtime channel: every instance needs every channel that any of its sockets may
//! subscribe to, so it would hold (and churn) one subscription per channel, 100k of them
//! on a national deployment. Why not one channel: one shard would carry all traffic. A
//! fixed group keeps each instance at `BUS_SHARDS` subscriptions, spreads the traffic over
//! up to that many shards, and keeps a channel's events (message, edit, kick, recheck) on
//! one shard channel, in the order they were published.
//!
//! The subscriber uses a RESP3 cluster connection that pushes the messages. The client
//! re-subscribes after node reconnects on its own, but it learns of a failover only when
//! a command runs into it; a subscriber sends none. So on any interruption (a node
//! connection drops, or the server ends a subscription because its slot moved) this
//! instance connects anew from the seed nodes (a fresh slot map), subscribes every shard
//! channel on its current owner, and then resyncs the hub from the database: what was
//! published while it was away is delivered from there, exactly as on one Redis.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use matchraum_accounts::redis_link::cluster_builder;
use redis::cluster_async::ClusterConnection;
use redis::{PushInfo, PushKind, RedisResult, Value};
use tokio::sync::mpsc;

use super::{backoff, Receivers, IO_TIMEOUT};

/// How long a subscription must have lasted for a new interruption to start the backoff
/// over.
const STABLE: std::time::Duration = std::time::Duration::from_secs(10);

/// Shard channels of the bus on a cluster (each instance subscribes to all of them).
pub const BUS_SHARDS: i64 = 16;

/// The shard channel that carries the events of realtime channel (or user) `key`.
pub fn shard_channel(prefix: &str, key: i64) -> String {
    format!("{prefix}:events:{}", key.rem_euclid(BUS_SHARDS))
}

/// A command connection to the cluster (for the publisher).
pub(super) async fn connect(nodes: Vec<String>) -> RedisResult<ClusterConnection> {
    cluster_builder(&nodes, IO_TIMEOUT)
        .build()?
        .get_async_connection()
        .await
}

/// Connects with a push channel and subscribes every shard channel (each waits for its
/// confirmation).
async fn subscribe_all(
    nodes: &[String],
    channels: &[String],
    pushes: mpsc::UnboundedSender<PushInfo>,
) -> RedisResult<ClusterConnection> {
    let mut conn = cluster_builder(nodes, IO_TIMEOUT)
        .use_protocol(redis::ProtocolVersion::RESP3)
        .push_sender(pushes)
        .build()?
        .get_async_connection()
        .await?;
    for channel in channels {
        conn.ssubscribe(channel).await?;
    }
    Ok(conn)
}

/// Receives the other instances' events; after any interruption subscribes anew and
/// resyncs the hub (see the module docs).
pub(super) async fn subscriber(
    nodes: Vec<String>,
    prefix: String,
    origin: String,
    to: Receivers,
    healthy: Arc<AtomicBool>,
) {
    let channels: Vec<String> = (0..BUS_SHARDS).map(|n| shard_channel(&prefix, n)).collect();
    let mut attempt = 0u32;
    let mut interrupted = false;
    loop {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let subscribed =
            tokio::time::timeout(IO_TIMEOUT * 2, subscribe_all(&nodes, &channels, tx)).await;
        match subscribed {
            Ok(Ok(conn)) => {
                healthy.store(true, Ordering::Relaxed);
                let subscribed_at = std::time::Instant::now();
                if interrupted {
                    tracing::info!("redis cluster bus back; resyncing from the database");
                    to.hub.resync().await;
                }
                while let Some(push) = rx.recv().await {
                    match push.kind {
                        PushKind::SMessage => {
                            if let Some(payload) = message_payload(&push.data) {
                                to.receive(&origin, payload);
                            }
                        }
                        // A node connection dropped, or a slot moved away from the node
                        // that held a subscription (failover, resharding).
                        PushKind::Disconnection | PushKind::SUnsubscribe => {
                            tracing::warn!(kind = %push.kind, "redis cluster bus interrupted; subscribing anew");
                            break;
                        }
                        _ => {}
                    }
                }
                drop(conn);
                // A node that keeps dropping out gets the backoff, not a resync per 100 ms.
                if subscribed_at.elapsed() >= STABLE {
                    attempt = 0;
                }
            }
            Ok(Err(e)) => tracing::debug!(error = %e, "redis cluster subscribe failed"),
            Err(_) => tracing::debug!("redis cluster subscribe timed out"),
        }
        healthy.store(false, Ordering::Relaxed);
        interrupted = true;
        tokio::time::sleep(backoff(attempt)).await;
        attempt += 1;
    }
}

/// The payload of an `smessage` push: `[channel, payload]`.
fn message_payload(data: &[Value]) -> Option<&[u8]> {
    match data {
        [_, Value::BulkString(payload)] => Some(payload.as_slice()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_keeps_its_shard_and_the_shards_are_bounded() {
        assert_eq!(shard_channel("mr", 5), shard_channel("mr", 5 + BUS_SHARDS));
        assert_ne!(shard_channel("mr", 5), shard_channel("mr", 6));
        let all: std::collections::BTreeSet<String> =
            (0..1000).map(|ch| shard_channel("mr", ch)).collect();
        assert_eq!(all.len(), BUS_SHARDS as usize);
        assert_eq!(shard_channel("mr", -1), "mr:events:15");
    }
}
