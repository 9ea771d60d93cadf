//! The hub of one instance: which local socket is subscribed to which channel, and the
//! fan-out to them through a bounded queue per socket. A socket whose queue is full is a
//! slow consumer: it is disconnected with a reason and recovers by resuming (`since`).

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::task::{Context, Poll};

use actix_web::web::Bytes;
use bytestring::ByteString;
use futures_util::task::AtomicWaker;
use sea_orm::DatabaseConnection;

use super::protocol::{self, ServerFrame};
use matchraum_accounts::AuthMethod;

/// One frame on its way to the sockets. A new message carries its id and `seq` (0 for
/// anything else), so that the session drops what a replay already sent and notices a
/// missed message. Serialised once per publish, as the websocket frame itself (header and
/// text), and shared by every socket it goes to: a queue slot is one pointer, the fan-out
/// clones a reference count, and a socket writes the shared bytes without copying them.
#[derive(Debug)]
pub struct OutFrame {
    pub channel_id: i64,
    pub message_id: i64,
    pub seq: i64,
    pub signal: Signal,
    /// The encoded websocket text frame.
    pub wire: Bytes,
}

impl OutFrame {
    fn new(channel_id: i64, message_id: i64, seq: i64, signal: Signal, text: &str) -> Out {
        Arc::new(OutFrame {
            channel_id,
            message_id,
            seq,
            signal,
            wire: super::outbox::text_frame(text.as_bytes()),
        })
    }

    /// A frame that is not a message (personal frames, kicks, rechecks).
    fn other(channel_id: i64, signal: Signal, frame: ByteString) -> Out {
        Self::new(channel_id, 0, 0, signal, &frame)
    }
}

/// What a queued frame tells the connection besides its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Signal {
    None,
    /// The `removed` error of a kick: the session forgets the subscription.
    Removed,
    /// Who may read the channel changed: the session checks its subscription again before
    /// anything behind this goes out (the frame itself is not sent).
    Recheck,
}

/// The credential a signed-in socket was opened with, as revocations name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Credential {
    Session(i64),
    Token(i64),
}

impl From<&AuthMethod> for Credential {
    fn from(via: &AuthMethod) -> Self {
        match via {
            AuthMethod::Session { session_id } => Credential::Session(*session_id),
            AuthMethod::Token { token_id, .. } => Credential::Token(*token_id),
        }
    }
}

/// Why the hub wants a connection closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Its queue overflowed.
    SlowConsumer,
    /// Its credential was revoked (logout, token revocation, account deletion).
    Revoked,
}

/// What a socket's queue holds.
pub type Out = Arc<OutFrame>;

/// What the hub keeps of a socket.
#[derive(Clone)]
pub struct Conn {
    pub user_id: Option<i64>,
    pub ctl: Arc<ConnCtl>,
}

/// A socket as the hub sees it: its bounded frame queue (filled by the hub, emptied by the
/// connection's response body) and why it must end, if it must. The queue is a plain deque
/// behind an uncontended lock: nothing is allocated for an idle socket, and a push is a
/// lock, a pointer and (when the queue was empty) a wake.
pub struct ConnCtl {
    queue: Mutex<Queue>,
    capacity: usize,
    /// The response body, waiting for frames.
    reader: AtomicWaker,
    /// 0 while open, else an [`Ending`] (see `ENDING_*`).
    ending: AtomicU8,
    /// The session, waiting for `ending`.
    waker: AtomicWaker,
}

const OPEN: u8 = 0;
const ENDING_SLOW: u8 = 1;
const ENDING_REVOKED: u8 = 2;

#[derive(Default)]
struct Queue {
    frames: VecDeque<Out>,
    /// The reader is gone (the connection ended).
    closed: bool,
}

/// Why a frame was not queued.
#[derive(Debug, PartialEq, Eq)]
pub enum PushError {
    /// The socket is `capacity` frames behind: a slow consumer.
    Full,
    /// The connection ended.
    Closed,
}

impl ConnCtl {
    pub fn new(capacity: usize) -> Self {
        ConnCtl {
            queue: Mutex::new(Queue::default()),
            capacity: capacity.max(1),
            reader: AtomicWaker::new(),
            ending: AtomicU8::new(OPEN),
            waker: AtomicWaker::new(),
        }
    }

    /// Queues a frame for the socket.
    pub fn push(&self, out: Out) -> Result<(), PushError> {
        let was_empty = {
            let mut q = self.queue.lock().expect("socket queue");
            if q.closed {
                return Err(PushError::Closed);
            }
            if q.frames.len() >= self.capacity {
                return Err(PushError::Full);
            }
            q.frames.push_back(out);
            q.frames.len() == 1
        };
        if was_empty {
            self.reader.wake();
        }
        Ok(())
    }

    /// The next queued frame, or `Pending` (and a wake when one is queued).
    pub fn poll_pop(&self, cx: &mut Context<'_>) -> Poll<Out> {
        if let Some(out) = self.pop() {
            return Poll::Ready(out);
        }
        self.reader.register(cx.waker());
        match self.pop() {
            Some(out) => Poll::Ready(out),
            None => Poll::Pending,
        }
    }

    fn pop(&self) -> Option<Out> {
        self.queue.lock().expect("socket queue").frames.pop_front()
    }

    /// The reader is gone: later pushes fail with `Closed`, queued frames are dropped.
    pub fn close_queue(&self) {
        let mut q = self.queue.lock().expect("socket queue");
        q.closed = true;
        q.frames = VecDeque::new();
    }

    /// Marks the socket as a slow consumer and wakes its session, which closes it;
    /// `closes` counts it, once, before the session can see it (a socket ends once, for
    /// the first reason).
    pub fn mark_slow(&self, closes: &AtomicU64) {
        if self.claim_end(ENDING_SLOW) {
            closes.fetch_add(1, Ordering::Relaxed);
        }
        self.waker.wake();
    }

    /// Its credential no longer holds: wakes its session, which closes it.
    pub fn revoke(&self) {
        self.claim_end(ENDING_REVOKED);
        self.waker.wake();
    }

    /// The first reason wins; true for the call that gave it.
    fn claim_end(&self, why: u8) -> bool {
        self.ending
            .compare_exchange(OPEN, why, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn ending_now(&self) -> Option<Ending> {
        match self.ending.load(Ordering::Acquire) {
            ENDING_SLOW => Some(Ending::SlowConsumer),
            ENDING_REVOKED => Some(Ending::Revoked),
            _ => None,
        }
    }

    pub fn is_slow(&self) -> bool {
        self.ending_now() == Some(Ending::SlowConsumer)
    }

    /// Completes once the socket must end, with the reason.
    pub fn ending(&self) -> impl std::future::Future<Output = Ending> + '_ {
        std::future::poll_fn(move |cx| {
            if let Some(e) = self.ending_now() {
                return Poll::Ready(e);
            }
            self.waker.register(cx.waker());
            match self.ending_now() {
                Some(e) => Poll::Ready(e),
                None => Poll::Pending,
            }
        })
    }
}

/// How many delivered message ids a channel remembers, to drop duplicates (a frame that
/// came both from the bus and from a resync).
const RECENT: usize = 1024;

#[derive(Default)]
struct ChannelSubs {
    conns: HashMap<u64, Conn>,
    /// Ids of messages delivered recently, and the newest id known at subscribe time.
    recent: BTreeSet<i64>,
    floor: i64,
}

/// A signed-in socket as the hub knows it for personal frames and revocations.
pub struct UserConn {
    pub conn_id: u64,
    pub credential: Credential,
    pub ctl: Arc<ConnCtl>,
}

/// One user's sockets on this instance.
type UserConns = Vec<UserConn>;

pub struct Hub {
    channels: RwLock<HashMap<i64, ChannelSubs>>,
    /// Signed-in sockets by user, for personal frames (notifications).
    users: RwLock<HashMap<i64, UserConns>>,
    next_conn: AtomicU64,
    pub db: DatabaseConnection,
    pub queue_len: usize,
    delivered: AtomicU64,
    slow_disconnects: AtomicU64,
    frames_in: AtomicU64,
    queue_drops: AtomicU64,
    bus_publish_errors: AtomicU64,
}

/// The hub's running totals, for the metrics.
#[derive(Debug, Clone, Copy)]
pub struct HubCounters {
    pub delivered: u64,
    pub slow_disconnects: u64,
    pub frames_in: u64,
    pub queue_drops: u64,
    pub bus_publish_errors: u64,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct HubStats {
    pub channels: usize,
    pub subscriptions: usize,
    pub delivered: u64,
    pub slow_disconnects: u64,
}

impl Hub {
    pub fn new(db: DatabaseConnection, queue_len: usize) -> Self {
        Hub {
            channels: RwLock::new(HashMap::new()),
            users: RwLock::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            db,
            queue_len: queue_len.max(4),
            delivered: AtomicU64::new(0),
            slow_disconnects: AtomicU64::new(0),
            frames_in: AtomicU64::new(0),
            queue_drops: AtomicU64::new(0),
            bus_publish_errors: AtomicU64::new(0),
        }
    }

    pub fn next_conn_id(&self) -> u64 {
        self.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    pub fn counters(&self) -> HubCounters {
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        HubCounters {
            delivered: get(&self.delivered),
            slow_disconnects: get(&self.slow_disconnects),
            frames_in: get(&self.frames_in),
            queue_drops: get(&self.queue_drops),
            bus_publish_errors: get(&self.bus_publish_errors),
        }
    }

    /// A frame came in from a client.
    pub fn frame_in(&self) {
        self.frames_in.fetch_add(1, Ordering::Relaxed);
    }

    /// A publish to the other instances failed or was dropped.
    pub fn bus_publish_failed(&self) {
        self.bus_publish_errors.fetch_add(1, Ordering::Relaxed);
    }

    /// Counted here, once per socket, not when the fan-out drops the subscription: by then
    /// the session may have closed and unsubscribed already.
    fn queue_full(&self, ctl: &ConnCtl) {
        self.queue_drops.fetch_add(1, Ordering::Relaxed);
        ctl.mark_slow(&self.slow_disconnects);
    }

    pub fn stats(&self) -> HubStats {
        let ch = self.channels.read().expect("hub lock");
        HubStats {
            channels: ch.len(),
            subscriptions: ch.values().map(|c| c.conns.len()).sum(),
            delivered: self.delivered.load(Ordering::Relaxed),
            slow_disconnects: self.slow_disconnects.load(Ordering::Relaxed),
        }
    }

    /// Registers a socket on a channel; `floor` is the newest message id the socket is
    /// known to have (after its replay).
    pub fn subscribe(&self, channel_id: i64, conn_id: u64, conn: Conn, floor: i64) {
        let mut ch = self.channels.write().expect("hub lock");
        let subs = ch.entry(channel_id).or_default();
        if subs.conns.is_empty() {
            subs.floor = floor;
        }
        subs.floor = subs.floor.max(0);
        subs.conns.insert(conn_id, conn);
    }

    pub fn unsubscribe(&self, channel_id: i64, conn_id: u64) {
        let mut ch = self.channels.write().expect("hub lock");
        if let Some(subs) = ch.get_mut(&channel_id) {
            subs.conns.remove(&conn_id);
            if subs.conns.is_empty() {
                ch.remove(&channel_id);
            }
        }
    }

    /// The signed-in users with a socket subscribed to the channel on this instance.
    pub fn online(&self, channel_id: i64) -> BTreeSet<i64> {
        let ch = self.channels.read().expect("hub lock");
        ch.get(&channel_id)
            .map(|s| s.conns.values().filter_map(|c| c.user_id).collect())
            .unwrap_or_default()
    }

    /// Every channel with signed-in local subscribers, and who they are.
    pub fn presence(&self) -> Vec<(i64, BTreeSet<i64>)> {
        let ch = self.channels.read().expect("hub lock");
        ch.iter()
            .map(|(id, s)| (*id, s.conns.values().filter_map(|c| c.user_id).collect()))
            .filter(|(_, users): &(i64, BTreeSet<i64>)| !users.is_empty())
            .collect()
    }

    /// Fans a frame out to the channel's local sockets. A new message (`seq > 0`) is
    /// delivered once per instance, however often it arrives.
    pub fn deliver(&self, channel_id: i64, message_id: i64, seq: i64, frame: ByteString) {
        let new_message = seq > 0;
        let mut slow: Vec<u64> = Vec::new();
        {
            let ch = self.channels.read().expect("hub lock");
            let Some(subs) = ch.get(&channel_id) else {
                return;
            };
            if new_message && subs.recent.contains(&message_id) {
                return;
            }
            let out = OutFrame::new(channel_id, message_id, seq, Signal::None, &frame);
            let mut n = 0u64;
            for (id, c) in &subs.conns {
                match c.ctl.push(out.clone()) {
                    Ok(()) => n += 1,
                    Err(PushError::Full) => {
                        self.queue_full(&c.ctl);
                        slow.push(*id);
                    }
                    Err(PushError::Closed) => slow.push(*id),
                }
            }
            self.delivered.fetch_add(n, Ordering::Relaxed);
        }
        if new_message || !slow.is_empty() {
            let mut ch = self.channels.write().expect("hub lock");
            if let Some(subs) = ch.get_mut(&channel_id) {
                if new_message {
                    subs.recent.insert(message_id);
                    if subs.recent.len() > RECENT {
                        subs.recent.pop_first();
                    }
                }
                for id in &slow {
                    subs.conns.remove(id);
                }
                if subs.conns.is_empty() {
                    ch.remove(&channel_id);
                }
            }
        }
    }

    /// Registers a signed-in socket for its user's personal frames and revocations.
    pub fn register_user(&self, user_id: i64, conn: UserConn) {
        let mut users = self.users.write().expect("hub lock");
        users.entry(user_id).or_default().push(conn);
    }

    pub fn unregister_user(&self, user_id: i64, conn_id: u64) {
        let mut users = self.users.write().expect("hub lock");
        if let Some(conns) = users.get_mut(&user_id) {
            conns.retain(|c| c.conn_id != conn_id);
            if conns.is_empty() {
                users.remove(&user_id);
            }
        }
    }

    /// Queues a personal frame on every socket of these users (on this instance). A
    /// socket too far behind is a slow consumer, as on a channel.
    pub fn deliver_personal(&self, user_ids: &[i64], frame: ByteString) {
        let out = OutFrame::other(0, Signal::None, frame);
        let users = self.users.read().expect("hub lock");
        let mut n = 0u64;
        for ctl in user_ids
            .iter()
            .filter_map(|u| users.get(u))
            .flatten()
            .map(|c| &c.ctl)
        {
            match ctl.push(out.clone()) {
                Ok(()) => n += 1,
                Err(PushError::Full) => self.queue_full(ctl),
                Err(PushError::Closed) => {}
            }
        }
        self.delivered.fetch_add(n, Ordering::Relaxed);
    }

    /// Ends the user's sockets opened with `credential` (with `None`: all of them).
    pub fn revoke(&self, user_id: i64, credential: Option<Credential>) {
        let users = self.users.read().expect("hub lock");
        for c in users.get(&user_id).into_iter().flatten() {
            if credential.is_none_or(|cred| cred == c.credential) {
                c.ctl.revoke();
            }
        }
    }

    /// Tells every local subscriber of the channel to check its access again (after a
    /// change of visibility, membership or role).
    pub fn recheck(&self, channel_id: i64) {
        let ch = self.channels.read().expect("hub lock");
        let Some(subs) = ch.get(&channel_id) else {
            return;
        };
        let out = OutFrame::other(channel_id, Signal::Recheck, ByteString::new());
        for c in subs.conns.values() {
            // A full queue is already a slow consumer on its way out.
            if c.ctl.push(out.clone()) == Err(PushError::Full) {
                self.queue_full(&c.ctl);
            }
        }
    }

    /// Drops the subscriptions of one user (or of everyone) on a channel and tells them.
    pub fn kick(&self, channel_id: i64, user_id: Option<i64>) {
        let removed: Vec<Conn> = {
            let mut ch = self.channels.write().expect("hub lock");
            let Some(subs) = ch.get_mut(&channel_id) else {
                return;
            };
            let ids: Vec<u64> = subs
                .conns
                .iter()
                .filter(|(_, c)| user_id.is_none() || c.user_id == user_id)
                .map(|(id, _)| *id)
                .collect();
            let removed = ids.iter().filter_map(|id| subs.conns.remove(id)).collect();
            if subs.conns.is_empty() {
                ch.remove(&channel_id);
            }
            removed
        };
        if removed.is_empty() {
            return;
        }
        let out = OutFrame::other(
            channel_id,
            Signal::Removed,
            protocol::error_text(
                protocol::code::REMOVED,
                "you no longer have access to this channel",
                Some(channel_id),
                None,
            )
            .into(),
        );
        for c in removed {
            let _ = c.ctl.push(out.clone());
        }
    }

    /// After the bus was interrupted: delivers from the database what the channels with
    /// local subscribers may have missed (ids not delivered yet, above each channel's
    /// oldest remembered id).
    pub async fn resync(&self) {
        let plan: Vec<(i64, i64)> = {
            let ch = self.channels.read().expect("hub lock");
            ch.iter()
                .map(|(id, s)| (*id, s.recent.first().copied().unwrap_or(s.floor)))
                .collect()
        };
        let mut n = 0usize;
        for (channel_id, from) in plan {
            match matchraum_community::store::messages_since(&self.db, channel_id, from, 5000).await
            {
                Ok(msgs) => {
                    for m in msgs {
                        let text: ByteString = ServerFrame::Message(&m).to_text().into();
                        let before = self.delivered.load(Ordering::Relaxed);
                        self.deliver(channel_id, m.id, m.seq, text);
                        if self.delivered.load(Ordering::Relaxed) != before {
                            n += 1;
                        }
                    }
                }
                Err(e) => tracing::warn!(channel_id, error = %e, "resync failed"),
            }
        }
        if n > 0 {
            tracing::info!(frames = n, "resync delivered missed messages");
        }
    }
}
