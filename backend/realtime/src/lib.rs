//! Real time: the per-instance hub that fans frames out to local sockets (through each
//! socket's outbox), the socket caps, the wire protocol, and the bus between instances
//! (Redis pub/sub, sharded pub/sub on a Redis Cluster, or in-process). The websocket session that speaks to one client is
//! `http::ws::session`.
//!
//! Messages are persisted by `community::store` BEFORE they are published here; the
//! database, not the socket, is the record, so a client that missed frames (slow
//! consumer, reconnect, Redis outage) resumes with `since` and gets exactly the gap.
//!
//! May use: `matchraum-core`, `matchraum-accounts` (credentials, organisation notices and
//! the Redis link), `matchraum-catalog` (catalogue changes), `matchraum-community`,
//! `matchraum-matching` (the frames carry their types), Redis, and actix-web/actix-ws for
//! the socket's response body only. Knows nothing of routes or the server's state.

pub mod bus;
pub mod caps;
pub mod hub;
mod needs;
mod notices;
pub mod outbox;
pub mod presence;
pub mod protocol;

use std::sync::Arc;

use matchraum_accounts::redis_link::RedisTarget;
use matchraum_catalog::store::Changed;
use sea_orm::DatabaseConnection;
use tokio::sync::{mpsc, watch};

pub use bus::BusEvent;
pub use hub::{Credential, Hub};

/// What the real-time part needs of the configuration.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Redis (one server or a cluster) for the bus and presence; in-process when unset.
    pub redis: Option<RedisTarget>,
    /// The bus's pub/sub channel is `<redis_prefix>:events` (on a cluster, the shard
    /// channels `<redis_prefix>:events:<n>`).
    pub redis_prefix: String,
    /// Frames queued per socket before it counts as a slow consumer.
    pub queue_len: usize,
    /// Open sockets per account and per client address (0 = no cap).
    pub max_per_account: u32,
    pub max_per_ip: u32,
}

/// The real-time part of one instance: its hub and its link to the other instances.
pub struct Realtime {
    pub hub: Arc<Hub>,
    /// Open sockets per account and per address.
    pub caps: Arc<caps::SocketCaps>,
    bus: bus::Bus,
    /// True once the instance shuts down: every socket closes with 1001 "going away".
    going_away: watch::Sender<bool>,
    presence: Arc<presence::Presence>,
}

impl Realtime {
    /// Starts the hub and the bus (Redis when `redis` is set); other instances'
    /// catalogue writes go to `catalogue` (this instance's index queue, if it has one);
    /// `bus_lag` hears how late their events arrive. Spawns background tasks on the
    /// current Tokio runtime.
    pub fn start(
        settings: &Settings,
        db: DatabaseConnection,
        catalogue: Option<mpsc::Sender<Changed>>,
        bus_lag: bus::LagObserver,
    ) -> Arc<Self> {
        let hub = Arc::new(Hub::new(db, settings.queue_len));
        let (bus, presence) = match &settings.redis {
            Some(target) => {
                let origin = bus::instance_id();
                (
                    bus::Bus::redis(
                        target,
                        &settings.redis_prefix,
                        origin.clone(),
                        hub.clone(),
                        catalogue,
                        bus_lag,
                    ),
                    presence::Presence::redis(target, &settings.redis_prefix, origin, hub.clone()),
                )
            }
            None => (
                bus::Bus::local(hub.clone()),
                Arc::new(presence::Presence::local()),
            ),
        };
        let caps = Arc::new(caps::SocketCaps::new(
            settings.max_per_account,
            settings.max_per_ip,
        ));
        Arc::new(Realtime {
            hub,
            caps,
            bus,
            going_away: watch::channel(false).0,
            presence,
        })
    }

    /// Publishes an event to every instance's hub (this one included).
    pub fn publish(&self, ev: BusEvent) {
        self.bus.publish(&self.hub, ev);
    }

    /// A message just stored (a retry publishes nothing), and its mentions.
    pub fn posted(&self, posted: &matchraum_community::store::Posted) {
        if !posted.created {
            return;
        }
        let m = &posted.message;
        self.publish(BusEvent::new_message(m));
        let notice = protocol::Notice::Mention {
            channel_id: m.channel_id,
            message_id: m.id,
            author_id: m.author_id,
        };
        self.notify(posted.mentioned.clone(), &notice);
    }

    /// An invitation into a channel, to the invitee's sockets.
    pub fn invited(&self, inv: &matchraum_community::model::ChannelInvitation) {
        let notice = protocol::Notice::ChannelInvitation {
            invitation_id: inv.id,
            channel_id: inv.channel_id,
            invited_by: inv.invited_by,
        };
        self.notify(vec![inv.user_id], &notice);
    }

    /// A personal notification to these users' sockets on every instance.
    pub fn notify(&self, user_ids: Vec<i64>, notice: &protocol::Notice<'_>) {
        if user_ids.is_empty() {
            return;
        }
        let frame = protocol::ServerFrame::Notification(notice).to_text();
        self.publish(BusEvent::Personal { user_ids, frame });
    }

    /// A reaction added or removed, to the channel's subscribers (not replayed: history
    /// has the counts).
    pub fn reaction(
        &self,
        channel_id: i64,
        message_id: i64,
        user_id: i64,
        emoji: &str,
        added: bool,
    ) {
        let frame = protocol::ServerFrame::Reaction {
            channel_id,
            message_id,
            user_id,
            emoji,
            added,
        }
        .to_text();
        self.publish(BusEvent::ephemeral(channel_id, frame));
    }

    /// A stored message that changed, to its channel's subscribers: redacted, since they
    /// include anonymous readers (the caller may hold a moderator's full view).
    pub fn changed_message(&self, m: &matchraum_community::model::Message) {
        self.publish(BusEvent::changed_message(&m.clone().redacted()));
    }

    /// A member removed or banned: their sockets stop receiving the channel at once.
    pub fn kick(&self, channel_id: i64, user_id: Option<i64>) {
        self.publish(BusEvent::Kick {
            channel_id,
            user_id,
        });
    }

    /// Who may read the channel changed (visibility, membership, role): every instance's
    /// subscribers are checked again and those no longer allowed stop receiving it.
    pub fn access_changed(&self, channel_id: i64) {
        self.publish(BusEvent::Recheck { channel_id });
    }

    /// A credential ended (logout, token revocation; `None`: every credential of the
    /// account, as after its deletion): its sockets close on every instance.
    pub fn revoked(&self, user_id: i64, credential: Option<Credential>) {
        self.publish(BusEvent::Revoked {
            user_id,
            credential,
        });
    }

    /// A catalogue write that this instance's index already follows: the other instances'
    /// indexes follow it too.
    pub fn catalogue_changed(&self, change: Changed) {
        self.bus
            .publish_to_others(&self.hub, BusEvent::Catalogue { change });
    }

    /// The instance is shutting down: every socket (and any opened from now on) closes
    /// with 1001 "going away", so that its client resumes on another instance.
    pub fn shut_down(&self) {
        self.going_away.send_replace(true);
    }

    /// Completes once [`Realtime::shut_down`] was called (at once if it was).
    pub fn going_away(&self) -> impl std::future::Future<Output = ()> + 'static {
        let mut rx = self.going_away.subscribe();
        async move {
            // An error means the sender is gone, which is a shutdown too.
            let _ = rx.wait_for(|away| *away).await;
        }
    }

    /// A user's first socket on this instance subscribed to the channel (call after the
    /// hub has it): the other instances' snapshots include them from now on.
    pub async fn went_online(&self, channel_id: i64, user_id: i64) {
        self.presence.joined(channel_id, user_id).await;
    }

    /// A socket of the user left the channel (after the hub dropped it); once the user has
    /// none left on this instance, the others stop counting them here.
    pub fn went_offline(&self, channel_id: i64, user_id: i64) {
        if self.hub.online(channel_id).contains(&user_id) {
            return;
        }
        let presence = self.presence.clone();
        tokio::spawn(async move { presence.left(channel_id, user_id).await });
    }

    /// Who is online in the channel on every instance, for a new subscriber.
    pub async fn presence_snapshot(&self, channel_id: i64) -> String {
        let user_ids = self.presence.snapshot(&self.hub, channel_id).await;
        protocol::ServerFrame::PresenceSnapshot {
            channel_id,
            user_ids: &user_ids,
        }
        .to_text()
    }

    /// True while the link to the other instances works (always for in-process).
    pub fn bus_healthy(&self) -> bool {
        self.bus.healthy()
    }

    /// The kind of bus: `local`, `redis` or `redis-cluster`.
    pub fn bus_kind(&self) -> &'static str {
        self.bus.kind()
    }
}
