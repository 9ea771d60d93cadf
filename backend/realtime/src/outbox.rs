//! The outgoing side of one websocket: the response body that writes its frames.
//!
//! Two sources, one writer. The session task queues its own frames (hello, answers,
//! replays, pings, the close frame) on the [`Outbox`]; the hub's frames are taken by the
//! body straight from the socket's hub queue while the dispatcher writes the socket, so a
//! fan-out wakes one task per socket (the connection's dispatcher), not two, and the
//! shared frame is encoded directly into the write buffer.
//!
//! Order is kept as before: while the session handles a client frame (a subscribe's replay,
//! a send's ack), hub frames wait in the hub queue and follow its answers; the filter
//! (replayed ids, subscriptions) sees them only then. Everything runs on the connection's
//! worker thread, so the state is an `Rc<RefCell<_>>`.
//!
//! New messages go out in `seq` order without gaps. Messages of one channel commit in
//! `seq` order, but their frames may arrive out of it (two senders on two instances):
//! a frame beyond the next `seq` marks a gap, is dropped, and the session fills the gap
//! from the database, where everything up to that frame is already committed. So a
//! client's newest message id is always a correct `since` to resume from.
//!
//! A change of who may read a channel reaches the queue as a recheck signal: the body
//! stops taking hub frames until the session has checked that subscription again, so
//! nothing queued behind the change goes out to a socket that lost access.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap, VecDeque};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use actix_web::body::{BodySize, MessageBody};
use actix_web::web::{Bytes, BytesMut};
use actix_ws::CloseReason;

use super::hub::{ConnCtl, OutFrame, Signal};

/// Frames the session may queue before `text` waits for the socket (as actix-ws did).
const CONTROL_QUEUE: usize = 32;
/// Hub frames taken per poll of the body, so that one busy socket does not hold the
/// worker.
const HUB_BATCH: usize = 64;

/// Where a subscription stands: the newest message sent on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    pub id: i64,
    pub seq: i64,
}

impl Position {
    /// Placeholder while a subscribe replays: nothing live passes.
    pub const REPLAYING: Position = Position {
        id: i64::MAX,
        seq: i64::MAX,
    };
}

/// Subscribed channels and where each one stands.
pub type Subs = Rc<RefCell<HashMap<i64, Position>>>;

struct State {
    /// Encoded frames from the session, in order.
    control: VecDeque<Bytes>,
    /// Subscribed channels and where each stands (shared with the session).
    subs: Subs,
    /// Channels whose live frames skipped a `seq`: the session fills them in.
    gaps: BTreeSet<i64>,
    /// Subscribed channels whose access the session must check again.
    rechecks: BTreeSet<i64>,
    /// The session is handling a client frame (or a recheck is pending): hub frames wait.
    busy: bool,
    /// No more frames after the queued ones (close frame sent, or session gone).
    closing: bool,
    /// The body was dropped: the connection is gone.
    gone: bool,
    body_waker: Option<Waker>,
    session_waker: Option<Waker>,
}

impl State {
    fn wake_body(&mut self) {
        if let Some(w) = self.body_waker.take() {
            w.wake();
        }
    }

    fn wake_session(&mut self) {
        if let Some(w) = self.session_waker.take() {
            w.wake();
        }
    }

    /// Whether a hub frame goes out: a new message only on a subscribed channel and as
    /// its next `seq` (older ones were sent, newer ones mark a gap); a changed message
    /// on a subscribed channel; a kick's `removed` also ends the subscription; a recheck
    /// holds the hub frames back for the session.
    fn accepts(&mut self, out: &OutFrame) -> bool {
        if out.signal == Signal::Recheck {
            if self.subs.borrow().contains_key(&out.channel_id) {
                self.rechecks.insert(out.channel_id);
                self.busy = true;
                self.wake_session();
            }
            return false;
        }
        if out.seq > 0 {
            let mut subs = self.subs.borrow_mut();
            let Some(pos) = subs.get_mut(&out.channel_id) else {
                return false;
            };
            if out.seq <= pos.seq {
                return false;
            }
            if out.seq > pos.seq + 1 || self.gaps.contains(&out.channel_id) {
                self.gaps.insert(out.channel_id);
                drop(subs);
                self.wake_session();
                return false;
            }
            *pos = Position {
                id: out.message_id,
                seq: out.seq,
            };
            true
        } else if out.message_id > 0 {
            self.subs.borrow().contains_key(&out.channel_id)
        } else {
            if out.signal == Signal::Removed {
                self.subs.borrow_mut().remove(&out.channel_id);
            }
            true
        }
    }
}

/// The connection is gone.
#[derive(Debug)]
pub struct Closed;

/// The session's handle on the outgoing side.
pub struct Outbox {
    state: Rc<RefCell<State>>,
}

/// The response body.
pub struct Outbound {
    state: Rc<RefCell<State>>,
    hub: Arc<ConnCtl>,
}

/// A connected pair: the session keeps the [`Outbox`], the response gets the [`Outbound`].
pub fn outbox(hub: Arc<ConnCtl>, subs: Subs) -> (Outbox, Outbound) {
    let state = Rc::new(RefCell::new(State {
        control: VecDeque::new(),
        subs,
        gaps: BTreeSet::new(),
        rechecks: BTreeSet::new(),
        busy: false,
        closing: false,
        gone: false,
        body_waker: None,
        session_waker: None,
    }));
    (
        Outbox {
            state: state.clone(),
        },
        Outbound { state, hub },
    )
}

/// Appends one unmasked server frame.
fn encode(opcode: u8, payload: &[u8], buf: &mut BytesMut) {
    let len = payload.len();
    buf.reserve(len + 10);
    buf.extend_from_slice(&[0x80 | opcode]);
    if len < 126 {
        buf.extend_from_slice(&[len as u8]);
    } else if len <= u16::MAX as usize {
        buf.extend_from_slice(&[126]);
        buf.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        buf.extend_from_slice(&[127]);
        buf.extend_from_slice(&(len as u64).to_be_bytes());
    }
    buf.extend_from_slice(payload);
}

const TEXT: u8 = 0x1;
const CLOSE: u8 = 0x8;
const PING: u8 = 0x9;
const PONG: u8 = 0xA;

fn frame(opcode: u8, payload: &[u8]) -> Bytes {
    let mut buf = BytesMut::with_capacity(payload.len() + 10);
    encode(opcode, payload, &mut buf);
    buf.freeze()
}

/// One encoded text frame (the hub encodes each fanned-out frame once).
pub fn text_frame(payload: &[u8]) -> Bytes {
    frame(TEXT, payload)
}

/// What one poll of the body writes: a single frame goes out as the shared bytes it
/// already is (no allocation, no copy: the common case of a fan-out); several are joined.
#[derive(Default)]
struct Batch {
    one: Option<Bytes>,
    many: Option<BytesMut>,
}

impl Batch {
    fn push(&mut self, frame: &Bytes) {
        if let Some(buf) = &mut self.many {
            buf.extend_from_slice(frame);
        } else if let Some(first) = self.one.take() {
            let mut buf = BytesMut::with_capacity(first.len() + frame.len());
            buf.extend_from_slice(&first);
            buf.extend_from_slice(frame);
            self.many = Some(buf);
        } else {
            self.one = Some(frame.clone());
        }
    }

    fn is_empty(&self) -> bool {
        self.one.is_none() && self.many.is_none()
    }

    fn finish(self) -> Option<Bytes> {
        self.many.map(BytesMut::freeze).or(self.one)
    }
}

impl Outbox {
    /// Queues a frame; waits while the session is `CONTROL_QUEUE` frames ahead of the
    /// socket.
    async fn push(&mut self, bytes: Bytes) -> Result<(), Closed> {
        std::future::poll_fn(|cx| {
            let mut st = self.state.borrow_mut();
            if st.gone || st.closing {
                return Poll::Ready(Err(Closed));
            }
            if st.control.len() >= CONTROL_QUEUE {
                st.session_waker = Some(cx.waker().clone());
                return Poll::Pending;
            }
            Poll::Ready(Ok(()))
        })
        .await?;
        let mut st = self.state.borrow_mut();
        st.control.push_back(bytes);
        st.wake_body();
        Ok(())
    }

    pub async fn text(&mut self, text: impl AsRef<str>) -> Result<(), Closed> {
        self.push(frame(TEXT, text.as_ref().as_bytes())).await
    }

    pub async fn ping(&mut self, payload: &[u8]) -> Result<(), Closed> {
        self.push(frame(PING, payload)).await
    }

    pub async fn pong(&mut self, payload: &[u8]) -> Result<(), Closed> {
        self.push(frame(PONG, payload)).await
    }

    /// Queues the close frame (after what is queued) and ends the outgoing side.
    pub async fn close(mut self, reason: Option<CloseReason>) -> Result<(), Closed> {
        let mut payload = Vec::new();
        if let Some(r) = reason {
            payload.extend_from_slice(&u16::from(r.code).to_be_bytes());
            if let Some(d) = r.description {
                // A control frame carries at most 125 bytes: the code and 123 of reason.
                let mut end = d.len().min(123);
                while !d.is_char_boundary(end) {
                    end -= 1;
                }
                payload.extend_from_slice(&d.as_bytes()[..end]);
            }
        }
        let res = self.push(frame(CLOSE, &payload)).await;
        let mut st = self.state.borrow_mut();
        st.closing = true;
        st.wake_body();
        res
    }

    /// Completes with a channel whose live frames skipped a `seq` (see the module docs).
    /// Owns its handle, so the session may use the outbox while it waits.
    pub fn next_gap(&self) -> impl std::future::Future<Output = i64> + 'static {
        self.next_of(|st| &mut st.gaps)
    }

    /// Completes with a subscribed channel whose access must be checked again; hub frames
    /// wait until the session calls `set_busy(false)` after the check.
    pub fn next_recheck(&self) -> impl std::future::Future<Output = i64> + 'static {
        self.next_of(|st| &mut st.rechecks)
    }

    /// Completes with the first channel of one of the session's to-do sets.
    fn next_of(
        &self,
        set: fn(&mut State) -> &mut BTreeSet<i64>,
    ) -> impl std::future::Future<Output = i64> + 'static {
        let state = self.state.clone();
        std::future::poll_fn(move |cx| {
            let mut st = state.borrow_mut();
            match set(&mut st).pop_first() {
                Some(channel_id) => Poll::Ready(channel_id),
                None => {
                    st.session_waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
    }

    /// Hub frames wait while the session handles a client frame (see the module docs),
    /// and while a recheck is pending.
    pub fn set_busy(&self, busy: bool) {
        let mut st = self.state.borrow_mut();
        st.busy = busy || !st.rechecks.is_empty();
        if !st.busy {
            st.wake_body();
        }
    }
}

impl Drop for Outbox {
    fn drop(&mut self) {
        let mut st = self.state.borrow_mut();
        st.closing = true;
        st.wake_body();
    }
}

impl Drop for Outbound {
    fn drop(&mut self) {
        self.hub.close_queue();
        let mut st = self.state.borrow_mut();
        st.gone = true;
        st.wake_session();
    }
}

impl MessageBody for Outbound {
    type Error = std::convert::Infallible;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        let this = self.get_mut();
        let mut st = this.state.borrow_mut();
        let mut buf = Batch::default();
        if !st.control.is_empty() {
            while let Some(f) = st.control.pop_front() {
                buf.push(&f);
            }
            st.wake_session();
        }
        if st.closing {
            // Nothing from the hub after the close frame (or once the session ended).
            return Poll::Ready(buf.finish().map(Ok));
        }
        if !st.busy {
            let mut taken = 0;
            // A recheck sets `busy`: what follows it waits for the session.
            while taken < HUB_BATCH && !st.busy {
                match this.hub.poll_pop(cx) {
                    Poll::Ready(out) => {
                        taken += 1;
                        if st.accepts(&out) {
                            buf.push(&out.wire);
                        }
                    }
                    Poll::Pending => break,
                }
            }
            if taken == HUB_BATCH && buf.is_empty() {
                // More may be queued, and the queue did not register us: come back.
                cx.waker().wake_by_ref();
            }
        }
        match buf.finish() {
            Some(bytes) => Poll::Ready(Some(Ok(bytes))),
            None => {
                if !st
                    .body_waker
                    .as_ref()
                    .is_some_and(|w| w.will_wake(cx.waker()))
                {
                    st.body_waker = Some(cx.waker().clone());
                }
                Poll::Pending
            }
        }
    }
}
