//! Subscribing, replaying what a client missed, filling gaps, and re-checking access.

use super::*;

impl Conversation {
    pub(super) async fn recheck(&mut self, channel_id: i64) -> Option<String> {
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

    pub(super) async fn subscribe(
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
            let limit = self.state.config.ws.replay_limit.max(1);
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
    pub(super) async fn fill_gap(&mut self, channel_id: i64, session: &mut Outbox) -> bool {
        let limit = self.state.config.ws.replay_limit.max(1);
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
}
