//! One websocket connection: reads client frames, writes the hub's frames, enforces the
//! limits, and leaves no frame without an answer (errors are `error` frames with a code).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason};

use crate::auth::Principal;
use crate::community::model::MessageInput;
use crate::community::{store, CommunityError};
use crate::realtime::caps::Permit;
use crate::realtime::hub::{Conn, ConnCtl, Ending, UserConn};
use crate::realtime::outbox::{self, Outbound, Outbox, Position, Subs};
use crate::realtime::protocol::{self, code, ClientFrame, ServerFrame};
use crate::realtime::BusEvent;
use crate::services::community as services;
use crate::state::AppState;

/// A token bucket over the frames a client sends.
struct Bucket {
    tokens: f64,
    rate: f64,
    burst: f64,
    last: Instant,
}

impl Bucket {
    fn new(rate: u32, burst: u32) -> Self {
        Bucket {
            tokens: burst.max(1) as f64,
            rate: rate as f64,
            burst: burst.max(1) as f64,
            last: Instant::now(),
        }
    }

    fn take(&mut self) -> bool {
        if self.rate <= 0.0 {
            return true;
        }
        let now = Instant::now();
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

struct Conversation {
    state: Arc<AppState>,
    /// Refreshed from the database before every frame that acts as the user, so a
    /// revoked credential (or a changed role) holds at once even if an event was missed.
    principal: Option<Principal>,
    /// The client's address, for the write rate limit.
    ip: String,
    conn_id: u64,
    conn: Conn,
    /// Subscribed channels and where each stands (the outgoing side filters the hub's
    /// frames by it).
    subs: Subs,
}

const HEARTBEAT: Duration = Duration::from_secs(30);

/// Starts the connection's session task and returns the response body that writes its
/// frames (the hub's frames go from the socket's queue straight into that body).
/// The connection's place under the socket caps is held until it ends.
pub fn start(
    state: Arc<AppState>,
    principal: Option<Principal>,
    ip: String,
    permit: Permit,
    stream: AggregatedMessageStream,
) -> Outbound {
    let ctl = Arc::new(ConnCtl::new(state.realtime.hub.queue_len));
    let subs: Subs = Rc::new(RefCell::new(Default::default()));
    let (session, body) = outbox::outbox(ctl.clone(), subs.clone());
    let conv = Conversation {
        conn_id: state.realtime.hub.next_conn_id(),
        conn: Conn {
            user_id: principal.as_ref().map(|p| p.user_id),
            ctl: ctl.clone(),
        },
        principal,
        ip,
        state,
        subs,
    };
    actix_web::rt::spawn(async move {
        run(conv, session, stream, ctl).await;
        drop(permit);
    });
    body
}

/// Runs the connection until either side closes it.
async fn run(
    mut conv: Conversation,
    mut session: Outbox,
    mut stream: AggregatedMessageStream,
    ctl: Arc<ConnCtl>,
) {
    let cfg = conv.state.config.clone();
    let rt = conv.state.realtime.clone();
    if let Some(p) = &conv.principal {
        rt.hub.register_user(
            p.user_id,
            UserConn {
                conn_id: conv.conn_id,
                credential: (&p.via).into(),
                ctl: ctl.clone(),
            },
        );
    }
    let mut bucket = Bucket::new(cfg.ws_rate_per_sec, cfg.ws_rate_burst);
    let idle = Duration::from_secs(cfg.ws_idle_timeout_secs.max(5));
    let mut last_seen = Instant::now();
    let mut heartbeat = tokio::time::interval_at(
        tokio::time::Instant::now() + HEARTBEAT.min(idle),
        HEARTBEAT.min(idle),
    );

    let hello = ServerFrame::Hello {
        protocol: 1,
        user_id: conv.principal.as_ref().map(|p| p.user_id),
        max_frame_bytes: cfg.ws_max_frame_bytes,
        rate_per_sec: cfg.ws_rate_per_sec,
    }
    .to_text();
    let mut close: Option<CloseReason> = None;
    if session.text(hello).await.is_err() {
        return;
    }
    let going_away = rt.going_away();
    tokio::pin!(going_away);

    loop {
        tokio::select! {
            biased;
            why = ctl.ending() => {
                close = Some(match why {
                    Ending::SlowConsumer => slow_consumer(),
                    Ending::Revoked => revoked(),
                });
                break;
            }
            () = &mut going_away => {
                close = Some(CloseReason {
                    code: CloseCode::Away,
                    description: Some("server shutting down: reconnect".into()),
                });
                break;
            }
            channel_id = session.next_gap() => {
                // Hub frames wait while the gap is filled from the database.
                session.set_busy(true);
                let filled = Box::pin(conv.fill_gap(channel_id, &mut session)).await;
                session.set_busy(false);
                if !filled {
                    break;
                }
            }
            channel_id = session.next_recheck() => {
                // Hub frames already wait (see `outbox`) until the check is done.
                session.set_busy(true);
                let reply = Box::pin(conv.recheck(channel_id)).await;
                let sent = match reply {
                    Some(r) => session.text(r).await.is_ok(),
                    None => true,
                };
                session.set_busy(false);
                if !sent {
                    break;
                }
            }
            msg = stream.recv() => {
                last_seen = Instant::now();
                rt.hub.frame_in();
                // Hub frames wait until this frame's answers are queued (see `outbox`).
                session.set_busy(true);
                let replies = match msg {
                    None => break,
                    Some(Ok(AggregatedMessage::Text(text))) => {
                        if text.len() > cfg.ws_max_frame_bytes {
                            vec![protocol::error_text(
                                code::TOO_LARGE,
                                &format!("frames are limited to {} bytes", cfg.ws_max_frame_bytes),
                                None,
                                None,
                            )]
                        } else if !bucket.take() {
                            vec![protocol::error_text(
                                code::RATE_LIMITED,
                                &format!("at most {} frames per second", cfg.ws_rate_per_sec),
                                None,
                                client_msg_id_of(&text).as_deref(),
                            )]
                        } else {
                            // Boxed: the handlers' database futures are large, and an idle
                            // connection's task should not carry their space.
                            Box::pin(conv.handle(&text, &mut session)).await
                        }
                    }
                    Some(Ok(AggregatedMessage::Binary(_))) => vec![protocol::error_text(
                        code::UNSUPPORTED,
                        "binary frames are not part of the protocol; send JSON text",
                        None,
                        None,
                    )],
                    Some(Ok(AggregatedMessage::Ping(b))) => {
                        if session.pong(&b).await.is_err() {
                            break;
                        }
                        Vec::new()
                    }
                    Some(Ok(AggregatedMessage::Pong(_))) => Vec::new(),
                    Some(Ok(AggregatedMessage::Close(_))) => break,
                    Some(Err(e)) => {
                        // The frame cannot be read at all (too large for the codec, or
                        // broken): say so, then close.
                        let _ = session
                            .text(protocol::error_text(
                                code::TOO_LARGE,
                                &format!("unreadable frame: {e}"),
                                None,
                                None,
                            ))
                            .await;
                        close = Some(CloseReason {
                            code: CloseCode::Size,
                            description: Some("frame too large or malformed".into()),
                        });
                        break;
                    }
                };
                let mut ok = true;
                for r in replies {
                    if session.text(r).await.is_err() {
                        ok = false;
                        break;
                    }
                }
                session.set_busy(false);
                if !ok {
                    break;
                }
            }
            _ = heartbeat.tick() => {
                if last_seen.elapsed() > idle {
                    close = Some(CloseReason {
                        code: CloseCode::Away,
                        description: Some("idle timeout".into()),
                    });
                    break;
                }
                if session.ping(b"").await.is_err() {
                    break;
                }
            }
        }
    }
    conv.leave_all();
    if let Some(user_id) = conv.conn.user_id {
        rt.hub.unregister_user(user_id, conv.conn_id);
    }
    // A slow consumer gets the close frame behind what is already buffered for it; give
    // it time to read that far, then drop the connection regardless.
    let wait = if ctl.is_slow() { 10 } else { 1 };
    let _ = tokio::time::timeout(Duration::from_secs(wait), session.close(close)).await;
}

/// Close code of a socket whose credential was revoked (4000-4999: the application's).
pub const CLOSE_REVOKED: u16 = 4001;

fn revoked() -> CloseReason {
    CloseReason {
        code: CloseCode::Other(CLOSE_REVOKED),
        description: Some("credential revoked: sign in again".into()),
    }
}

fn slow_consumer() -> CloseReason {
    CloseReason {
        code: CloseCode::Again,
        description: Some("slow consumer: reconnect and subscribe with since".into()),
    }
}

fn client_msg_id_of(text: &str) -> Option<String> {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()?
        .get("client_msg_id")?
        .as_str()
        .map(|s| s.chars().take(64).collect())
}

fn error_code(e: &CommunityError) -> &'static str {
    match e {
        CommunityError::NotFound { .. } | CommunityError::Missing(_) => code::NOT_FOUND,
        CommunityError::Forbidden(_) => code::FORBIDDEN,
        CommunityError::Invalid { .. } => code::INVALID,
        CommunityError::Conflict(_) => code::CONFLICT,
        CommunityError::RateLimited { .. } => code::RATE_LIMITED,
        CommunityError::Unavailable(_) | CommunityError::Db(_) | CommunityError::Corrupt(_) => {
            code::INTERNAL
        }
    }
}

fn error_detail(e: &CommunityError) -> String {
    match e {
        CommunityError::Db(err) => {
            tracing::error!(error = %err, "database error in websocket");
            "the request could not be completed; retry".into()
        }
        CommunityError::Corrupt(detail) => {
            tracing::error!(%detail, "corrupt stored data in websocket");
            "the request could not be completed".into()
        }
        other => other.to_string(),
    }
}

impl Conversation {
    async fn handle(&mut self, text: &str, session: &mut Outbox) -> Vec<String> {
        let frame = match protocol::decode(text) {
            Ok(f) => f,
            Err((c, detail)) => {
                return vec![protocol::error_text(
                    c,
                    &detail,
                    None,
                    client_msg_id_of(text).as_deref(),
                )];
            }
        };
        if !matches!(
            frame,
            ClientFrame::Ping { .. } | ClientFrame::Unsubscribe { .. }
        ) {
            if let Err(refused) = self.refresh_authority(&frame).await {
                return vec![refused];
            }
        }
        match frame {
            ClientFrame::Ping { nonce } => vec![ServerFrame::Pong {
                nonce: nonce.as_ref(),
            }
            .to_text()],
            ClientFrame::Subscribe { channel_id, since } => {
                self.subscribe(channel_id, since, session).await
            }
            ClientFrame::Unsubscribe { channel_id } => {
                if self.subs.borrow_mut().remove(&channel_id).is_some() {
                    self.state
                        .realtime
                        .hub
                        .unsubscribe(channel_id, self.conn_id);
                    self.presence(channel_id, false);
                    Vec::new()
                } else {
                    vec![protocol::error_text(
                        code::NOT_SUBSCRIBED,
                        "not subscribed to this channel",
                        Some(channel_id),
                        None,
                    )]
                }
            }
            ClientFrame::Send {
                channel_id,
                client_msg_id,
                body,
                reply_to,
                title,
            } => {
                self.send(channel_id, client_msg_id, body, reply_to, title)
                    .await
            }
            ClientFrame::Typing { channel_id } => {
                let Some(p) = &self.principal else {
                    return vec![unauthorized(Some(channel_id), None)];
                };
                if !self.subs.borrow().contains_key(&channel_id) {
                    return vec![protocol::error_text(
                        code::NOT_SUBSCRIBED,
                        "subscribe before typing",
                        Some(channel_id),
                        None,
                    )];
                }
                let frame = ServerFrame::Typing {
                    channel_id,
                    user_id: p.user_id,
                }
                .to_text();
                self.state
                    .realtime
                    .publish(BusEvent::ephemeral(channel_id, frame));
                Vec::new()
            }
            ClientFrame::Read {
                channel_id,
                message_id,
            } => {
                let Some(p) = &self.principal else {
                    return vec![unauthorized(Some(channel_id), None)];
                };
                match store::mark_read(&self.state.db, p, channel_id, message_id).await {
                    Ok(()) => Vec::new(),
                    Err(e) => vec![protocol::error_text(
                        error_code(&e),
                        &error_detail(&e),
                        Some(channel_id),
                        None,
                    )],
                }
            }
        }
    }

    /// Loads the signed-in user's principal again. A credential that no longer holds ends
    /// the socket (after this frame's refusal); anonymous sockets have nothing to check.
    async fn refresh_authority(&mut self, frame: &ClientFrame) -> Result<(), String> {
        let Some(p) = &self.principal else {
            return Ok(());
        };
        let (channel_id, client_msg_id) = frame.target();
        match crate::auth::store::principal_for_credential(&self.state.db, &p.via).await {
            Ok(Some(fresh)) if fresh.user_id == p.user_id => {
                self.principal = Some(fresh);
                Ok(())
            }
            Ok(_) => {
                self.conn.ctl.revoke();
                Err(protocol::error_text(
                    code::UNAUTHORIZED,
                    "the credential of this socket was revoked or expired; sign in again",
                    channel_id,
                    client_msg_id,
                ))
            }
            Err(e) => {
                tracing::error!(error = %e, "websocket credential check failed");
                Err(protocol::error_text(
                    code::INTERNAL,
                    "the request could not be completed; retry",
                    channel_id,
                    client_msg_id,
                ))
            }
        }
    }

    /// Who may read the channel changed: keeps the subscription if the caller still may,
    /// else ends it and says why (`None`: still allowed, or no longer subscribed).
    async fn recheck(&mut self, channel_id: i64) -> Option<String> {
        if !self.subs.borrow().contains_key(&channel_id) {
            return None;
        }
        let refused =
            match store::readable(&self.state.db, channel_id, self.principal.as_ref()).await {
                Ok(_) => return None,
                Err(CommunityError::NotFound { .. }) => code::REMOVED,
                Err(CommunityError::Forbidden(_)) => code::FORBIDDEN,
                Err(e) => {
                    // Fail closed: the client may subscribe again once the database answers.
                    tracing::warn!(channel_id, error = %e, "access recheck failed");
                    code::INTERNAL
                }
            };
        self.subs.borrow_mut().remove(&channel_id);
        self.state
            .realtime
            .hub
            .unsubscribe(channel_id, self.conn_id);
        self.presence(channel_id, false);
        Some(protocol::error_text(
            refused,
            "you may no longer read this channel; the subscription ended",
            Some(channel_id),
            None,
        ))
    }

    async fn subscribe(
        &mut self,
        channel_id: i64,
        since: Option<i64>,
        session: &mut Outbox,
    ) -> Vec<String> {
        let db = &self.state.db;
        if let Err(e) = store::readable(db, channel_id, self.principal.as_ref()).await {
            // A channel one may not read looks like one that does not exist.
            let (c, d) = match e {
                CommunityError::Forbidden(_) | CommunityError::NotFound { .. } => (
                    code::FORBIDDEN,
                    "you may not read this channel, or it does not exist".to_owned(),
                ),
                other => (error_code(&other), error_detail(&other)),
            };
            return vec![protocol::error_text(c, &d, Some(channel_id), None)];
        }
        let hub = &self.state.realtime.hub;
        let first = !self.subs.borrow().contains_key(&channel_id);
        // Register first, then replay: nothing committed in between can fall through.
        self.subs
            .borrow_mut()
            .insert(channel_id, Position::REPLAYING);
        let upto = since.map(|s| s.max(0));
        let start = match store::position(db, channel_id, upto).await {
            Ok((id, seq)) => Position {
                id: upto.unwrap_or(id),
                seq,
            },
            Err(e) => return self.subscribe_failed(channel_id, e),
        };
        hub.subscribe(channel_id, self.conn_id, self.conn.clone(), start.id);
        let (end, replayed, more) = if since.is_some() {
            let limit = self.state.config.ws_replay_limit.max(1);
            match self.replay(channel_id, start, limit, session).await {
                Ok(r) => r,
                Err(Some(e)) => return self.subscribe_failed(channel_id, e),
                Err(None) => return Vec::new(),
            }
        } else {
            (start, 0, false)
        };
        self.subs.borrow_mut().insert(channel_id, end);
        let realtime = &self.state.realtime;
        if first {
            self.presence(channel_id, true);
            if let Some(p) = &self.principal {
                realtime.went_online(channel_id, p.user_id).await;
            }
        }
        vec![
            realtime.presence_snapshot(channel_id).await,
            ServerFrame::ReplayDone {
                channel_id,
                last_id: end.id,
                replayed,
                more,
            }
            .to_text(),
        ]
    }

    /// Sends the channel's stored messages after `from`, at most `limit`: where it ended,
    /// how many it sent, and whether it hit the limit. `Err(None)`: the connection is gone.
    async fn replay(
        &self,
        channel_id: i64,
        from: Position,
        limit: u64,
        session: &mut Outbox,
    ) -> Result<(Position, usize, bool), Option<CommunityError>> {
        let msgs = store::messages_since(&self.state.db, channel_id, from.id, limit).await?;
        let mut at = from;
        let mut sent = 0;
        for m in &msgs {
            if m.seq <= at.seq {
                continue;
            }
            session
                .text(ServerFrame::Message(m).to_text())
                .await
                .map_err(|_| None)?;
            at = Position {
                id: m.id,
                seq: m.seq,
            };
            sent += 1;
        }
        Ok((at, sent, msgs.len() as u64 == limit))
    }

    /// Live frames of a channel skipped a `seq`: sends the missing messages (and any
    /// after them) from the database. False when the connection is gone.
    async fn fill_gap(&mut self, channel_id: i64, session: &mut Outbox) -> bool {
        let limit = self.state.config.ws_replay_limit.max(1);
        loop {
            let Some(from) = self.subs.borrow().get(&channel_id).copied() else {
                return true;
            };
            match self.replay(channel_id, from, limit, session).await {
                Ok((at, _, more)) => {
                    if let Some(pos) = self.subs.borrow_mut().get_mut(&channel_id) {
                        *pos = at;
                    }
                    if !more {
                        return true;
                    }
                }
                Err(None) => return false,
                Err(Some(e)) => {
                    // The next live frame marks the gap again; the client may also resume.
                    tracing::warn!(channel_id, error = %e, "filling a message gap failed");
                    return true;
                }
            }
        }
    }

    fn subscribe_failed(&mut self, channel_id: i64, e: CommunityError) -> Vec<String> {
        self.subs.borrow_mut().remove(&channel_id);
        self.state
            .realtime
            .hub
            .unsubscribe(channel_id, self.conn_id);
        vec![protocol::error_text(
            error_code(&e),
            &error_detail(&e),
            Some(channel_id),
            None,
        )]
    }

    async fn send(
        &mut self,
        channel_id: i64,
        client_msg_id: String,
        body: String,
        reply_to: Option<i64>,
        title: Option<String>,
    ) -> Vec<String> {
        let Some(p) = &self.principal else {
            return vec![unauthorized(Some(channel_id), Some(&client_msg_id))];
        };
        // The same per-account (and per-address) write limit as REST writes.
        if let Err(e) = self
            .state
            .auth
            .limiter
            .check_write(&self.ip, p.user_id)
            .await
        {
            return vec![protocol::error_text(
                code::RATE_LIMITED,
                &e.to_string(),
                Some(channel_id),
                Some(&client_msg_id),
            )];
        }
        let input = MessageInput {
            client_msg_id: Some(client_msg_id.clone()),
            body,
            reply_to,
            title,
        };
        match services::post_message(&self.state, p, channel_id, input).await {
            Ok(posted) => {
                // Persisted: acknowledge, then publish.
                let ack = ServerFrame::Ack {
                    client_msg_id: &client_msg_id,
                    message_id: posted.message.id,
                    channel_id,
                    duplicate: !posted.created,
                }
                .to_text();
                vec![ack]
            }
            Err(e) => vec![protocol::error_text(
                error_code(&e),
                &error_detail(&e),
                Some(channel_id),
                Some(&client_msg_id),
            )],
        }
    }

    fn presence(&self, channel_id: i64, online: bool) {
        if let Some(p) = &self.principal {
            let frame = ServerFrame::Presence {
                channel_id,
                user_id: p.user_id,
                online,
            }
            .to_text();
            let realtime = &self.state.realtime;
            realtime.publish(BusEvent::ephemeral(channel_id, frame));
            if !online {
                realtime.went_offline(channel_id, p.user_id);
            }
        }
    }

    fn leave_all(&mut self) {
        let hub = &self.state.realtime.hub;
        let subs = std::mem::take(&mut *self.subs.borrow_mut());
        for (channel_id, _) in subs {
            hub.unsubscribe(channel_id, self.conn_id);
            self.presence(channel_id, false);
        }
    }
}

fn unauthorized(channel_id: Option<i64>, client_msg_id: Option<&str>) -> String {
    protocol::error_text(
        code::UNAUTHORIZED,
        "sign in (session cookie or bearer token on the upgrade request) to do this",
        channel_id,
        client_msg_id,
    )
}
