//! One websocket connection: reads client frames, writes the hub's frames, enforces the
//! limits, and leaves no frame without an answer (errors are `error` frames with a code).

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_ws::{AggregatedMessage, AggregatedMessageStream, CloseCode, CloseReason, ProtocolError};

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

mod bucket;
mod errors;
mod subscriptions;

use bucket::Bucket;
pub use errors::CLOSE_REVOKED;
use errors::*;

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

/// What the connection does after one event.
enum Next {
    Continue,
    /// End the connection, with this close frame (`None`: just close).
    Close(Option<CloseReason>),
}

/// Runs the connection until either side closes it.
async fn run(
    mut conv: Conversation,
    mut session: Outbox,
    mut stream: AggregatedMessageStream,
    ctl: Arc<ConnCtl>,
) {
    let rt = conv.state.realtime.clone();
    conv.register(&ctl);
    let ws = &conv.state.config.ws;
    let mut bucket = Bucket::new(ws.rate_per_sec, ws.rate_burst);
    let idle = Duration::from_secs(ws.idle_timeout_secs.max(5));
    let mut last_seen = Instant::now();
    let mut heartbeat = tokio::time::interval_at(
        tokio::time::Instant::now() + HEARTBEAT.min(idle),
        HEARTBEAT.min(idle),
    );
    if session.text(conv.hello()).await.is_err() {
        return;
    }
    let going_away = rt.going_away();
    tokio::pin!(going_away);

    let close = loop {
        let next = tokio::select! {
            biased;
            why = ctl.ending() => Next::Close(Some(match why {
                Ending::SlowConsumer => slow_consumer(),
                Ending::Revoked => revoked(),
            })),
            () = &mut going_away => Next::Close(Some(CloseReason {
                code: CloseCode::Away,
                description: Some("server shutting down: reconnect".into()),
            })),
            channel_id = session.next_gap() => conv.on_gap(channel_id, &mut session).await,
            channel_id = session.next_recheck() => conv.on_recheck(channel_id, &mut session).await,
            msg = stream.recv() => {
                last_seen = Instant::now();
                rt.hub.frame_in();
                conv.on_frame(msg, &mut bucket, &mut session).await
            }
            _ = heartbeat.tick() => on_heartbeat(last_seen, idle, &mut session).await,
        };
        if let Next::Close(why) = next {
            break why;
        }
    };
    conv.finish(session, &ctl, close).await;
}

/// Closes an idle connection; else pings the client.
async fn on_heartbeat(last_seen: Instant, idle: Duration, session: &mut Outbox) -> Next {
    if last_seen.elapsed() > idle {
        return Next::Close(Some(CloseReason {
            code: CloseCode::Away,
            description: Some("idle timeout".into()),
        }));
    }
    if session.ping(b"").await.is_err() {
        return Next::Close(None);
    }
    Next::Continue
}

/// Sends `replies` in order; false when the connection is gone.
async fn send_all(session: &mut Outbox, replies: Vec<String>) -> bool {
    for r in replies {
        if session.text(r).await.is_err() {
            return false;
        }
    }
    true
}

impl Conversation {
    /// A signed-in connection is reachable for the user's personal frames (and revocations).
    fn register(&self, ctl: &Arc<ConnCtl>) {
        if let Some(p) = &self.principal {
            self.state.realtime.hub.register_user(
                p.user_id,
                UserConn {
                    conn_id: self.conn_id,
                    credential: (&p.via).into(),
                    ctl: ctl.clone(),
                },
            );
        }
    }

    /// The first frame: the protocol, who is signed in, and the limits.
    fn hello(&self) -> String {
        let ws = &self.state.config.ws;
        ServerFrame::Hello {
            protocol: 1,
            user_id: self.principal.as_ref().map(|p| p.user_id),
            max_frame_bytes: ws.max_frame_bytes,
            rate_per_sec: ws.rate_per_sec,
        }
        .to_text()
    }

    /// Fills a subscription's gap from the database; hub frames wait meanwhile.
    async fn on_gap(&mut self, channel_id: i64, session: &mut Outbox) -> Next {
        session.set_busy(true);
        let filled = Box::pin(self.fill_gap(channel_id, session)).await;
        session.set_busy(false);
        if filled {
            Next::Continue
        } else {
            Next::Close(None)
        }
    }

    /// Checks a subscription again after its channel's access changed; hub frames already
    /// wait (see `outbox`) until the check is done.
    async fn on_recheck(&mut self, channel_id: i64, session: &mut Outbox) -> Next {
        session.set_busy(true);
        let reply = Box::pin(self.recheck(channel_id)).await;
        let sent = match reply {
            Some(r) => session.text(r).await.is_ok(),
            None => true,
        };
        session.set_busy(false);
        if sent {
            Next::Continue
        } else {
            Next::Close(None)
        }
    }

    /// One frame from the client; hub frames wait until its answers are queued (see
    /// `outbox`).
    async fn on_frame(
        &mut self,
        msg: Option<Result<AggregatedMessage, ProtocolError>>,
        bucket: &mut Bucket,
        session: &mut Outbox,
    ) -> Next {
        session.set_busy(true);
        let replies = match msg {
            None | Some(Ok(AggregatedMessage::Close(_))) => return Next::Close(None),
            Some(Ok(AggregatedMessage::Text(text))) => self.answer(&text, bucket, session).await,
            Some(Ok(AggregatedMessage::Binary(_))) => vec![protocol::error_text(
                code::UNSUPPORTED,
                "binary frames are not part of the protocol; send JSON text",
                None,
                None,
            )],
            Some(Ok(AggregatedMessage::Ping(b))) => {
                if session.pong(&b).await.is_err() {
                    return Next::Close(None);
                }
                Vec::new()
            }
            Some(Ok(AggregatedMessage::Pong(_))) => Vec::new(),
            Some(Err(e)) => return unreadable(e, session).await,
        };
        let sent = send_all(session, replies).await;
        session.set_busy(false);
        if sent {
            Next::Continue
        } else {
            Next::Close(None)
        }
    }

    /// A text frame within the size and rate limits is handled; else refused.
    async fn answer(
        &mut self,
        text: &str,
        bucket: &mut Bucket,
        session: &mut Outbox,
    ) -> Vec<String> {
        let (max_frame_bytes, rate_per_sec) = {
            let ws = &self.state.config.ws;
            (ws.max_frame_bytes, ws.rate_per_sec)
        };
        if text.len() > max_frame_bytes {
            vec![protocol::error_text(
                code::TOO_LARGE,
                &format!("frames are limited to {max_frame_bytes} bytes"),
                None,
                None,
            )]
        } else if !bucket.take() {
            vec![protocol::error_text(
                code::RATE_LIMITED,
                &format!("at most {rate_per_sec} frames per second"),
                None,
                client_msg_id_of(text).as_deref(),
            )]
        } else {
            // Boxed: the handlers' database futures are large, and an idle connection's
            // task should not carry their space.
            Box::pin(self.handle(text, session)).await
        }
    }

    /// Ends the connection: its subscriptions and presence, its personal registration,
    /// then the close frame.
    async fn finish(mut self, session: Outbox, ctl: &ConnCtl, close: Option<CloseReason>) {
        self.leave_all();
        if let Some(user_id) = self.conn.user_id {
            self.state
                .realtime
                .hub
                .unregister_user(user_id, self.conn_id);
        }
        // A slow consumer gets the close frame behind what is already buffered for it;
        // give it time to read that far, then drop the connection regardless.
        let wait = if ctl.is_slow() { 10 } else { 1 };
        let _ = tokio::time::timeout(Duration::from_secs(wait), session.close(close)).await;
    }
}

/// The frame cannot be read at all (too large for the codec, or broken): say so, then
/// close.
async fn unreadable(e: ProtocolError, session: &mut Outbox) -> Next {
    let _ = session
        .text(protocol::error_text(
            code::TOO_LARGE,
            &format!("unreadable frame: {e}"),
            None,
            None,
        ))
        .await;
    Next::Close(Some(CloseReason {
        code: CloseCode::Size,
        description: Some("frame too large or malformed".into()),
    }))
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
