//! The bus between instances. In-process: a Tokio broadcast channel pumped into the hub.
//! Redis: each instance applies its own events at once (so local sockets never depend
//! on Redis) and publishes them to `<prefix>:events`; a subscriber task applies the other
//! instances' events. Both Redis tasks reconnect with backoff; after the subscriber
//! reconnects, the hub resyncs from the database, so an outage loses nothing. On a Redis
//! Cluster the bus uses sharded pub/sub instead (see [`cluster`]), with the same
//! publisher and the same resync after any interruption.
//!
//! Catalogue writes travel the same way to the other instances' search indexes; the
//! writer's own index is fed directly, and a missed event is caught by each instance's
//! periodic fingerprint check.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytestring::ByteString;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc};

mod cluster;
pub use cluster::{shard_channel, BUS_SHARDS};

use super::hub::{Credential, Hub};
use super::protocol::ServerFrame;
use matchraum_accounts::redis_link::RedisTarget;
use matchraum_catalog::store::Changed;
use matchraum_community::model::Message;

/// What travels between instances.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "ev", rename_all = "snake_case")]
pub enum BusEvent {
    /// A ready server frame for a channel's subscribers. A new message has its id and
    /// `seq`; a changed message its id and `seq` 0; typing and presence 0 and 0.
    Frame {
        channel_id: i64,
        message_id: i64,
        #[serde(default)]
        seq: i64,
        frame: String,
    },
    /// A frame for these users' sockets, whatever they subscribed (notifications).
    Personal { user_ids: Vec<i64>, frame: String },
    /// Drop one user's (or, with `None`, everyone's) subscriptions to a channel.
    Kick {
        channel_id: i64,
        user_id: Option<i64>,
    },
    /// Who may read the channel changed: its subscribers check their access again.
    Recheck { channel_id: i64 },
    /// A credential was revoked: close the user's sockets opened with it (with `None`:
    /// all of the user's sockets, as after an account deletion).
    Revoked {
        user_id: i64,
        credential: Option<Credential>,
    },
    /// A catalogue write through another instance: this one's search index follows it.
    Catalogue { change: Changed },
}

impl BusEvent {
    /// A message just stored: receivers deliver it once, in `seq` order.
    pub fn new_message(m: &Message) -> Self {
        BusEvent::Frame {
            channel_id: m.channel_id,
            message_id: m.id,
            seq: m.seq,
            frame: ServerFrame::Message(m).to_text(),
        }
    }

    /// A stored message changed (edit, deletion, moderation, accepted answer).
    pub fn changed_message(m: &Message) -> Self {
        BusEvent::Frame {
            channel_id: m.channel_id,
            message_id: m.id,
            seq: 0,
            frame: ServerFrame::Message(m).to_text(),
        }
    }

    /// A frame nobody replays (typing, presence).
    pub fn ephemeral(channel_id: i64, frame: String) -> Self {
        BusEvent::Frame {
            channel_id,
            message_id: 0,
            seq: 0,
            frame,
        }
    }

    /// What picks the event's shard channel on a cluster: a realtime channel's events
    /// (frames, kicks, rechecks) always travel on the same one, so their order holds.
    fn shard_key(&self) -> i64 {
        match self {
            BusEvent::Frame { channel_id, .. }
            | BusEvent::Kick { channel_id, .. }
            | BusEvent::Recheck { channel_id } => *channel_id,
            BusEvent::Personal { user_ids, .. } => user_ids.first().copied().unwrap_or(0),
            BusEvent::Revoked { user_id, .. } => *user_id,
            BusEvent::Catalogue { .. } => 0,
        }
    }

    /// Hands the event to this instance: frames to the hub, catalogue changes to the
    /// index queue (`catalogue`; none on the writer's instance, which fed it already).
    fn apply(self, hub: &Hub, catalogue: Option<&mpsc::Sender<Changed>>) {
        match self {
            BusEvent::Frame {
                channel_id,
                message_id,
                seq,
                frame,
            } => hub.deliver(channel_id, message_id, seq, ByteString::from(frame)),
            BusEvent::Personal { user_ids, frame } => {
                hub.deliver_personal(&user_ids, ByteString::from(frame))
            }
            BusEvent::Kick {
                channel_id,
                user_id,
            } => hub.kick(channel_id, user_id),
            BusEvent::Recheck { channel_id } => hub.recheck(channel_id),
            BusEvent::Revoked {
                user_id,
                credential,
            } => hub.revoke(user_id, credential),
            BusEvent::Catalogue { change } => {
                if let Some(Err(e)) = catalogue.map(|tx| tx.try_send(change)) {
                    tracing::warn!(?change, error = %e, "index queue full; the periodic check catches up");
                }
            }
        }
    }
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    origin: String,
    /// When it was published, in microseconds since the Unix epoch (0 from an instance
    /// that predates the field).
    #[serde(default)]
    sent_us: u64,
    #[serde(flatten)]
    ev: BusEvent,
}

/// Told how long each event from another instance took from its publish to its arrival
/// here. Two hosts' wall clocks: as exact as their time synchronisation.
pub type LagObserver = Arc<dyn Fn(Duration) + Send + Sync>;

fn unix_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

pub enum Bus {
    Local(broadcast::Sender<BusEvent>),
    Redis(RedisBus),
}

pub struct RedisBus {
    origin: String,
    publish_tx: mpsc::Sender<Outgoing>,
    healthy: Arc<AtomicBool>,
    topics: Topics,
}

/// Where an event is published.
enum Topics {
    /// One Redis: every event on `<prefix>:events`.
    One(String),
    /// A cluster: on the shard channel of the event (see [`cluster`]).
    Sharded { prefix: String },
}

impl Topics {
    fn of(&self, ev: &BusEvent) -> String {
        match self {
            Topics::One(topic) => topic.clone(),
            Topics::Sharded { prefix } => cluster::shard_channel(prefix, ev.shard_key()),
        }
    }
}

/// An event on its way to Redis.
struct Outgoing {
    topic: String,
    text: String,
}

const LOCAL_CAPACITY: usize = 8192;
const PUBLISH_QUEUE: usize = 65_536;

impl Bus {
    pub fn local(hub: Arc<Hub>) -> Self {
        let (tx, mut rx) = broadcast::channel::<BusEvent>(LOCAL_CAPACITY);
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(ev) => ev.apply(&hub, None),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(skipped = n, "in-process bus lagged; resyncing");
                        hub.resync().await;
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        Bus::Local(tx)
    }

    /// `origin`: this instance (see [`instance_id`]); `catalogue`: where other instances'
    /// catalogue writes go (this instance's index). `target` was validated at start-up.
    pub fn redis(
        target: &RedisTarget,
        prefix: &str,
        origin: String,
        hub: Arc<Hub>,
        catalogue: Option<mpsc::Sender<Changed>>,
        lag: LagObserver,
    ) -> Self {
        let healthy = Arc::new(AtomicBool::new(false));
        let (publish_tx, publish_rx) = mpsc::channel(PUBLISH_QUEUE);
        let to = Receivers {
            hub: hub.clone(),
            catalogue,
            lag,
        };
        let topics = match target {
            RedisTarget::Single(url) => match redis::Client::open(url.as_str()) {
                Ok(client) => {
                    let c = client.clone();
                    let connect = move || {
                        let c = c.clone();
                        async move { c.get_multiplexed_async_connection().await }
                    };
                    tokio::spawn(publisher(connect, "PUBLISH", publish_rx, hub));
                    let topic = format!("{prefix}:events");
                    let sub =
                        subscriber(client, topic.clone(), origin.clone(), to, healthy.clone());
                    tokio::spawn(sub);
                    Topics::One(topic)
                }
                Err(e) => {
                    tracing::error!(error = %e, "invalid MATCHRAUM_REDIS_URL; real-time stays local");
                    Topics::One(format!("{prefix}:events"))
                }
            },
            RedisTarget::Cluster(nodes) => {
                let seeds = nodes.clone();
                let connect = move || cluster::connect(seeds.clone());
                tokio::spawn(publisher(connect, "SPUBLISH", publish_rx, hub));
                let sub = cluster::subscriber(
                    nodes.clone(),
                    prefix.to_owned(),
                    origin.clone(),
                    to,
                    healthy.clone(),
                );
                tokio::spawn(sub);
                Topics::Sharded {
                    prefix: prefix.to_owned(),
                }
            }
        };
        Bus::Redis(RedisBus {
            origin,
            publish_tx,
            healthy,
            topics,
        })
    }

    pub fn publish(&self, hub: &Hub, ev: BusEvent) {
        match self {
            Bus::Local(tx) => {
                // No receiver only during shutdown.
                let _ = tx.send(ev);
            }
            Bus::Redis(r) => {
                r.send_to_others(hub, &ev);
                ev.apply(hub, None);
            }
        }
    }

    /// Tells the other instances only (none on the in-process bus): for what this
    /// instance has already applied itself, such as a catalogue write.
    pub fn publish_to_others(&self, hub: &Hub, ev: BusEvent) {
        if let Bus::Redis(r) = self {
            r.send_to_others(hub, &ev);
        }
    }

    pub fn healthy(&self) -> bool {
        match self {
            Bus::Local(_) => true,
            Bus::Redis(r) => r.healthy.load(Ordering::Relaxed),
        }
    }

    /// `local`, `redis` or `redis-cluster`.
    pub fn kind(&self) -> &'static str {
        match self {
            Bus::Local(_) => "local",
            Bus::Redis(RedisBus {
                topics: Topics::One(_),
                ..
            }) => "redis",
            Bus::Redis(_) => "redis-cluster",
        }
    }
}

impl RedisBus {
    fn send_to_others(&self, hub: &Hub, ev: &BusEvent) {
        let text = serde_json::to_string(&Envelope {
            origin: self.origin.clone(),
            sent_us: unix_micros(),
            ev: ev.clone(),
        })
        .expect("events serialise");
        let topic = self.topics.of(ev);
        if let Err(e) = self.publish_tx.try_send(Outgoing { topic, text }) {
            // Other instances catch up from the database when their link recovers.
            hub.bus_publish_failed();
            tracing::error!(error = %e, "bus publish queue full; event dropped");
        }
    }
}

/// Where the other instances' events go on this one.
struct Receivers {
    hub: Arc<Hub>,
    catalogue: Option<mpsc::Sender<Changed>>,
    lag: LagObserver,
}

impl Receivers {
    /// Applies one bus envelope unless this instance sent it.
    fn receive(&self, origin: &str, payload: &[u8]) {
        match serde_json::from_slice::<Envelope>(payload) {
            Ok(env) if env.origin == origin => {}
            Ok(env) => {
                if env.sent_us > 0 {
                    let us = unix_micros().saturating_sub(env.sent_us);
                    (self.lag)(Duration::from_micros(us));
                }
                env.ev.apply(&self.hub, self.catalogue.as_ref())
            }
            Err(e) => tracing::warn!(error = %e, "undecodable bus event"),
        }
    }
}

/// A random id of this instance, naming what it writes to Redis (bus envelopes, presence).
pub(crate) fn instance_id() -> String {
    format!("{:016x}", rand_u64())
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}

const IO_TIMEOUT: Duration = Duration::from_secs(2);

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis((100u64 << attempt.min(5)).min(3000))
}

/// Publishes queued events in order with `command` (`PUBLISH`, or `SPUBLISH` on a
/// cluster) over connections made by `connect`; an event that fails is retried (with
/// backoff, on a new connection) until Redis is back, so the order holds and nothing queued
/// is lost.
async fn publisher<C, F, Fut>(
    connect: F,
    command: &'static str,
    mut rx: mpsc::Receiver<Outgoing>,
    hub: Arc<Hub>,
) where
    C: redis::aio::ConnectionLike,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = redis::RedisResult<C>>,
{
    let mut conn: Option<C> = None;
    while let Some(out) = rx.recv().await {
        let mut attempt = 0u32;
        loop {
            if conn.is_none() {
                match tokio::time::timeout(IO_TIMEOUT, connect()).await {
                    Ok(Ok(c)) => conn = Some(c),
                    Ok(Err(e)) => tracing::debug!(error = %e, "redis publisher connect"),
                    Err(_) => tracing::debug!("redis publisher connect timed out"),
                }
            }
            if let Some(c) = conn.as_mut() {
                let cmd = redis::cmd(command)
                    .arg(&out.topic)
                    .arg(&out.text)
                    .to_owned();
                match tokio::time::timeout(IO_TIMEOUT, cmd.query_async::<i64>(c)).await {
                    Ok(Ok(_)) => break,
                    Ok(Err(e)) => {
                        hub.bus_publish_failed();
                        tracing::warn!(error = %e, "redis publish failed; retrying");
                        conn = None;
                    }
                    Err(_) => {
                        hub.bus_publish_failed();
                        tracing::warn!("redis publish timed out; retrying");
                        conn = None;
                    }
                }
            }
            tokio::time::sleep(backoff(attempt)).await;
            attempt += 1;
        }
    }
}

/// Receives the other instances' events; on any failure reconnects with backoff and, once
/// subscribed again, resyncs the hub from the database.
async fn subscriber(
    client: redis::Client,
    topic: String,
    origin: String,
    to: Receivers,
    healthy: Arc<AtomicBool>,
) {
    let hub = &to.hub;
    let mut attempt = 0u32;
    let mut interrupted = false;
    loop {
        let pubsub = match tokio::time::timeout(IO_TIMEOUT, client.get_async_pubsub()).await {
            Ok(Ok(p)) => Some(p),
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "redis subscriber connect");
                None
            }
            Err(_) => None,
        };
        if let Some(mut pubsub) = pubsub {
            match tokio::time::timeout(IO_TIMEOUT, pubsub.subscribe(&topic)).await {
                Ok(Ok(())) => {
                    healthy.store(true, Ordering::Relaxed);
                    attempt = 0;
                    if interrupted {
                        tracing::info!("redis bus back; resyncing from the database");
                        hub.resync().await;
                    }
                    let mut stream = pubsub.on_message();
                    while let Some(msg) = stream.next().await {
                        let payload: Vec<u8> = match msg.get_payload() {
                            Ok(p) => p,
                            Err(_) => continue,
                        };
                        to.receive(&origin, &payload);
                    }
                    tracing::warn!("redis bus connection lost; reconnecting");
                }
                _ => tracing::debug!("redis subscribe failed"),
            }
        }
        healthy.store(false, Ordering::Relaxed);
        interrupted = true;
        tokio::time::sleep(backoff(attempt)).await;
        attempt += 1;
    }
}
