//! A small websocket client for the real-time suites (tokio-tungstenite), and setup
//! shared by them.

use std::time::Duration;

use crate::{TestApp, TestUser};
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Inner =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Presence and typing frames, which come whenever others (dis)connect or type.
pub fn background(f: &Value) -> bool {
    matches!(
        f["type"].as_str(),
        Some("presence" | "presence_snapshot" | "typing")
    )
}

pub struct Ws {
    inner: Inner,
    pub hello: Value,
}

pub const WAIT: Duration = Duration::from_secs(15);

/// Config for real-time tests: no model, no rate limits of the REST API.
pub fn rt_config(c: &mut matchraum::config::Config) {
    c.matching.enabled = false;
    c.rate.register_per_ip = 0;
    c.rate.login_per_ip = 0;
    c.rate.login_per_account = 0;
    c.rate.write_per_ip = 0;
    c.rate.write_per_account = 0;
}

/// The real server on PostgreSQL with [`rt_config`] and then `tweak`.
pub async fn rt_app(tweak: impl FnOnce(&mut matchraum::config::Config)) -> TestApp {
    crate::spawn_app_with(crate::Backend::Postgres, |c| {
        rt_config(c);
        tweak(c);
    })
    .await
}

impl Ws {
    pub async fn connect(app: &TestApp, user: Option<&TestUser>) -> Ws {
        Self::try_connect(app, user)
            .await
            .expect("websocket connects")
    }

    pub async fn try_connect(
        app: &TestApp,
        user: Option<&TestUser>,
    ) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        let header = user.map(|u| ("authorization", format!("Bearer {}", u.token)));
        Self::connect_with(app, header).await
    }

    /// Signed in by the session cookie (as a browser, without a foreign `Origin`).
    pub async fn connect_cookie(app: &TestApp, user: &TestUser) -> Ws {
        Self::connect_with(app, Some(("cookie", user.cookie.clone())))
            .await
            .expect("websocket connects")
    }

    async fn connect_with(
        app: &TestApp,
        header: Option<(&'static str, String)>,
    ) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
        let url = app.url("/api/v1/ws").replacen("http://", "ws://", 1);
        let mut req = url.into_client_request().unwrap();
        if let Some((name, value)) = header {
            req.headers_mut().insert(name, value.parse().unwrap());
        }
        let (inner, _) = tokio_tungstenite::connect_async(req).await?;
        let mut ws = Ws {
            inner,
            hello: Value::Null,
        };
        let hello = ws.recv().await;
        assert_eq!(hello["type"], "hello", "{hello}");
        ws.hello = hello;
        Ok(ws)
    }

    pub async fn send(&mut self, v: Value) {
        self.send_raw(v.to_string()).await
    }

    pub async fn send_raw(&mut self, text: String) {
        self.inner
            .send(Message::text(text))
            .await
            .expect("send frame")
    }

    pub async fn send_binary(&mut self, b: Vec<u8>) {
        self.inner
            .send(Message::binary(b))
            .await
            .expect("send frame")
    }

    /// The next JSON frame (pings answered by the library are skipped).
    pub async fn recv(&mut self) -> Value {
        self.try_recv(WAIT)
            .await
            .expect("a frame within the timeout")
    }

    pub async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let msg = tokio::time::timeout_at(deadline, self.inner.next())
                .await
                .ok()??;
            let msg = match msg {
                Ok(m) => m,
                Err(e) => {
                    return Some(json!({"type": "__closed", "reason": format!("error: {e}")}))
                }
            };
            match msg {
                Message::Text(t) => return Some(serde_json::from_str(t.as_str()).unwrap()),
                Message::Close(c) => {
                    return Some(json!({"type": "__closed", "reason": format!("{c:?}")}))
                }
                _ => continue,
            }
        }
    }

    /// The next frame of `type_`, skipping presence and typing frames.
    pub async fn expect(&mut self, type_: &str) -> Value {
        loop {
            let f = self.recv().await;
            if f["type"] == type_ {
                return f;
            }
            if background(&f) {
                continue;
            }
            panic!("expected a `{type_}` frame, got {f}");
        }
    }

    /// The next frame that is neither presence nor typing.
    pub async fn next_relevant(&mut self) -> Value {
        loop {
            let f = self.recv().await;
            if !background(&f) {
                return f;
            }
        }
    }

    /// Asserts that no message frame arrives within `wait`.
    pub async fn expect_no_message(&mut self, wait: Duration) {
        let deadline = tokio::time::Instant::now() + wait;
        while let Some(f) = self
            .try_recv(deadline.saturating_duration_since(tokio::time::Instant::now()))
            .await
        {
            assert_ne!(f["type"], "message", "unexpected message: {f}");
        }
    }

    pub async fn subscribe(&mut self, channel_id: i64, since: Option<i64>) -> (Vec<Value>, Value) {
        let mut frame = json!({"type": "subscribe", "channel_id": channel_id});
        if let Some(s) = since {
            frame["since"] = json!(s);
        }
        self.send(frame).await;
        let mut replay = Vec::new();
        loop {
            let f = self.next_relevant().await;
            match f["type"].as_str() {
                Some("message") => replay.push(f),
                Some("replay_done") => return (replay, f),
                _ => panic!("unexpected frame while subscribing: {f}"),
            }
        }
    }

    /// Subscribes and returns the `presence_snapshot`'s user ids (which come before
    /// `replay_done`).
    pub async fn online(&mut self, channel_id: i64) -> Vec<i64> {
        self.send(json!({"type": "subscribe", "channel_id": channel_id}))
            .await;
        let mut snapshot = None;
        loop {
            let f = self.recv().await;
            match f["type"].as_str() {
                Some("presence_snapshot") => {
                    assert_eq!(f["channel_id"], channel_id, "{f}");
                    snapshot = Some(
                        f["user_ids"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|u| u.as_i64().unwrap())
                            .collect(),
                    );
                }
                Some("replay_done") => return snapshot.expect("a snapshot before replay_done"),
                Some("presence" | "typing" | "message") => {}
                _ => panic!("unexpected frame while subscribing: {f}"),
            }
        }
    }

    /// Subscribes again until the snapshot is `want` (presence changes take effect a
    /// little after a socket closes); the last snapshot.
    pub async fn online_becomes(&mut self, channel_id: i64, want: &[i64]) -> Vec<i64> {
        let mut last = Vec::new();
        for _ in 0..50 {
            last = self.online(channel_id).await;
            if last == want {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        last
    }

    /// Sends a message and returns its ack.
    pub async fn say(&mut self, channel_id: i64, client_msg_id: &str, body: &str) -> Value {
        self.send(json!({"type": "send", "channel_id": channel_id,
            "client_msg_id": client_msg_id, "body": body}))
            .await;
        loop {
            let f = self.next_relevant().await;
            if f["type"] == "ack" && f["client_msg_id"] == client_msg_id {
                return f;
            }
            if f["type"] == "error" {
                panic!("send refused: {f}");
            }
        }
    }

    /// Message frames until `n` were received (other frames skipped).
    pub async fn messages(&mut self, n: usize) -> Vec<Value> {
        let mut out = Vec::new();
        while out.len() < n {
            let f = self.recv().await;
            if f["type"] == "message" {
                out.push(f);
            }
        }
        out
    }

    /// Waits for the server to close the socket and returns the close frame's text
    /// (`code` and `reason`), skipping any frames before it.
    pub async fn expect_closed(&mut self) -> String {
        loop {
            let f = self.recv().await;
            if f["type"] == "__closed" {
                return f["reason"].as_str().unwrap_or_default().to_owned();
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.inner.close(None).await;
    }
}

/// Creates a channel as `owner` and returns its id.
pub async fn channel(app: &TestApp, owner: &TestUser, kind: &str, visibility: &str) -> i64 {
    let res = app
        .request(reqwest::Method::POST, "/api/v1/channels", Some(owner))
        .json(&json!({"kind": kind, "visibility": visibility, "name": "Wohnsitzanmeldung"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// Two seekers, Anna and Ben, in a public community channel that Anna created.
pub async fn two_members(app: &TestApp) -> (TestUser, TestUser, i64) {
    let anna = app.user(crate::Role::Seeker, None).await;
    let ben = app.user(crate::Role::Seeker, None).await;
    let ch = channel(app, &anna, "community", "public").await;
    join(app, &ben, ch).await;
    (anna, ben, ch)
}

/// `n` messages from `a` and one from `b` in channel `ch`: each reaches both sockets
/// exactly once (the socket that sent it too), and nothing else arrives.
pub async fn exchange_both_ways(a: &mut Ws, b: &mut Ws, ch: i64, n: usize) {
    for i in 0..n {
        let id = a.say(ch, &format!("a{i}"), &format!("von eins {i}")).await["message_id"].clone();
        assert_eq!(b.expect("message").await["id"], id);
        assert_eq!(a.expect("message").await["id"], id);
    }
    let id = b.say(ch, "b0", "von zwei").await["message_id"].clone();
    assert_eq!(a.expect("message").await["id"], id);
    assert_eq!(b.expect("message").await["id"], id);
    a.expect_no_message(Duration::from_millis(300)).await;
    b.expect_no_message(Duration::from_millis(300)).await;
}

/// The start of every cross-instance outage test: [`two_members`] on `one`, Anna's socket on
/// `one` and Ben's on `two`, both subscribed, and Anna's first message already at Ben.
pub struct Across {
    /// Ben, for later sockets of his.
    pub ben: TestUser,
    pub a: Ws,
    pub b: Ws,
    pub ch: i64,
    /// The id of Anna's first message ("vor dem Ausfall").
    pub first: i64,
}

pub async fn conversation_across(one: &TestApp, two: &TestApp) -> Across {
    let (anna, ben, ch) = two_members(one).await;
    let mut a = Ws::connect(one, Some(&anna)).await;
    let mut b = Ws::connect(two, Some(&ben)).await;
    a.subscribe(ch, None).await;
    b.subscribe(ch, None).await;
    let first = a.say(ch, "m0", "vor dem Ausfall").await["message_id"]
        .as_i64()
        .unwrap();
    assert_eq!(b.expect("message").await["id"], first);
    Across {
        ben,
        a,
        b,
        ch,
        first,
    }
}

pub async fn join(app: &TestApp, user: &TestUser, channel_id: i64) {
    let res = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/channels/{channel_id}/join"),
            Some(user),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

/// `by` invites `user` into the channel with `role` and `user` accepts.
pub async fn invite_and_accept(
    app: &TestApp,
    by: &TestUser,
    channel_id: i64,
    user: &TestUser,
    role: &str,
) {
    let res = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/channels/{channel_id}/invitations"),
            Some(by),
        )
        .json(&json!({"user_id": user.id, "role": role}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let res = app
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/channel-invitations/{id}/accept"),
            Some(user),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}
