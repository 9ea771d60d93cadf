//! Websocket hardening (issue 9): a socket's authority ends with its credential, access
//! changes reach existing subscriptions, hidden text never goes out live, and sockets
//! count against the write limit and the socket caps.

use std::time::Duration;

use matchraum_tests::ws::*;
use matchraum_tests::{assert_problem, Role, TestApp, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

/// How many messages the channel holds, as its owner reads them.
async fn stored(app: &TestApp, owner: &TestUser, ch: i64) -> usize {
    let res = owner
        .with_cookie(
            app.client
                .get(app.url(&format!("/api/v1/channels/{ch}/messages"))),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["items"]
        .as_array()
        .unwrap()
        .len()
}

fn send_frame(ch: i64, id: &str, body: &str) -> Value {
    json!({"type": "send", "channel_id": ch, "client_msg_id": id, "body": body})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoking_a_token_closes_its_socket() {
    let app = rt_app(|_| {}).await;
    let (anna, _ben, ch) = two_members(&app).await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    a.subscribe(ch, None).await;
    a.say(ch, "before", "vorher").await;

    assert_eq!(app.revoke_token(&anna).await, 204);
    let reason = a.expect_closed().await;
    assert!(reason.contains("4001"), "{reason}");
    assert_eq!(stored(&app, &anna, ch).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_closes_the_sessions_socket_but_not_the_tokens() {
    let app = rt_app(|_| {}).await;
    let (anna, _ben, ch) = two_members(&app).await;
    let mut by_cookie = Ws::connect_cookie(&app, &anna).await;
    let mut by_token = Ws::connect(&app, Some(&anna)).await;
    by_cookie.subscribe(ch, None).await;
    by_token.subscribe(ch, None).await;

    let res = anna
        .with_cookie(app.client.post(app.url("/api/v1/auth/logout")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let reason = by_cookie.expect_closed().await;
    assert!(reason.contains("4001"), "{reason}");
    // Another credential of the same account keeps its socket.
    by_token.say(ch, "still", "noch da").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleting_the_account_closes_every_socket_of_it() {
    let app = rt_app(|_| {}).await;
    let (anna, ben, ch) = two_members(&app).await;
    let mut a1 = Ws::connect(&app, Some(&anna)).await;
    let mut a2 = Ws::connect_cookie(&app, &anna).await;
    let mut b = Ws::connect(&app, Some(&ben)).await;
    b.subscribe(ch, None).await;

    let res = anna
        .with_cookie(app.client.delete(app.url("/api/v1/me")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert!(a1.expect_closed().await.contains("4001"));
    assert!(a2.expect_closed().await.contains("4001"));
    b.say(ch, "ben", "Ben bleibt").await;
}

/// A revocation whose event never reached the socket's instance: the check before every
/// write still refuses it, and nothing is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missed_revocation_still_cannot_write() {
    let app = rt_app(|_| {}).await;
    let (anna, ben, ch) = two_members(&app).await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    a.subscribe(ch, None).await;
    let tid = app.token_id(&anna).await;
    // Straight in the database: no bus event.
    matchraum::auth::store::revoke_token(&app.db.conn, anna.id, tid)
        .await
        .unwrap();
    a.send(send_frame(ch, "after", "nach dem Widerruf")).await;
    let e = a.next_relevant().await;
    assert_eq!(e["type"], "error", "{e}");
    assert_eq!(e["code"], "unauthorized");
    assert_eq!(e["client_msg_id"], "after");
    assert!(a.expect_closed().await.contains("4001"));

    // Typing and read marks of a deleted account are refused the same way.
    let mut b = Ws::connect(&app, Some(&ben)).await;
    b.subscribe(ch, None).await;
    matchraum::auth::store::delete_account(&app.db.conn, ben.id)
        .await
        .unwrap();
    b.send(json!({"type": "typing", "channel_id": ch})).await;
    assert_eq!(b.next_relevant().await["code"], "unauthorized");
    assert!(b.expect_closed().await.contains("4001"));
    assert_eq!(stored(&app, &anna, ch).await, 0);
}

async fn patch_visibility(app: &TestApp, owner: &TestUser, ch: i64, visibility: &str) {
    let res = app
        .request(
            Method::PATCH,
            &format!("/api/v1/channels/{ch}"),
            Some(owner),
        )
        .json(&json!({"visibility": visibility}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

/// The next frame about `ch` that is an error, skipping presence and typing.
async fn expect_error(ws: &mut Ws, ch: i64) -> Value {
    let e = ws.next_relevant().await;
    assert_eq!(e["type"], "error", "{e}");
    assert_eq!(e["channel_id"], ch, "{e}");
    e
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn making_a_public_channel_private_ends_the_outsiders_subscriptions() {
    let app = rt_app(|_| {}).await;
    let (anna, ben, ch) = two_members(&app).await;
    let carl = app.user(Role::Seeker, None).await;
    let mut anon = Ws::connect(&app, None).await;
    let mut outsider = Ws::connect(&app, Some(&carl)).await;
    let mut member = Ws::connect(&app, Some(&ben)).await;
    for ws in [&mut anon, &mut outsider, &mut member] {
        ws.subscribe(ch, None).await;
    }
    let mut a = Ws::connect(&app, Some(&anna)).await;
    a.say(ch, "open", "noch öffentlich").await;
    for ws in [&mut anon, &mut outsider, &mut member] {
        ws.expect("message").await;
    }

    patch_visibility(&app, &anna, ch, "members").await;
    assert_eq!(expect_error(&mut anon, ch).await["code"], "forbidden");
    assert_eq!(expect_error(&mut outsider, ch).await["code"], "forbidden");
    let id = a.say(ch, "closed", "nur noch für Mitglieder").await["message_id"].clone();
    assert_eq!(member.expect("message").await["id"], id);
    anon.expect_no_message(Duration::from_millis(500)).await;
    outsider.expect_no_message(Duration::from_millis(200)).await;
    // And they cannot come back.
    anon.send(json!({"type": "subscribe", "channel_id": ch}))
        .await;
    assert_eq!(expect_error(&mut anon, ch).await["code"], "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organisation_only_channel_keeps_only_the_organisations_subscribers() {
    let app = rt_app(|_| {}).await;
    let op = app.operator().await;
    let res = app
        .request(Method::POST, "/api/v1/organisations", Some(&op))
        .json(&json!({"name": "Stadt Musterhausen", "kind": "kommune"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let org = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let anna = app.user(Role::Seeker, Some(org)).await;
    let colleague = app.user(Role::Seeker, Some(org)).await;
    let carl = app.user(Role::Seeker, None).await;
    let res = app
        .request(Method::POST, "/api/v1/channels", Some(&anna))
        .json(
            &json!({"kind": "community", "visibility": "public", "name": "Meldewesen",
            "organisation_id": org}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let ch = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let mut anon = Ws::connect(&app, None).await;
    let mut outsider = Ws::connect(&app, Some(&carl)).await;
    let mut inside = Ws::connect(&app, Some(&colleague)).await;
    for ws in [&mut anon, &mut outsider, &mut inside] {
        ws.subscribe(ch, None).await;
    }

    patch_visibility(&app, &anna, ch, "organisation").await;
    assert_eq!(expect_error(&mut anon, ch).await["code"], "forbidden");
    assert_eq!(expect_error(&mut outsider, ch).await["code"], "forbidden");
    let mut a = Ws::connect(&app, Some(&anna)).await;
    let id = a.say(ch, "org", "nur für die Stadt").await["message_id"].clone();
    assert_eq!(inside.expect("message").await["id"], id);
    anon.expect_no_message(Duration::from_millis(500)).await;
    outsider.expect_no_message(Duration::from_millis(200)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_a_hidden_message_does_not_broadcast_its_text() {
    let app = rt_app(|_| {}).await;
    let (anna, ben, ch) = two_members(&app).await;
    let mut anon = Ws::connect(&app, None).await;
    anon.subscribe(ch, None).await;
    let mut b = Ws::connect(&app, Some(&ben)).await;
    let id = b.say(ch, "secret", "zuerst sichtbar").await["message_id"]
        .as_i64()
        .unwrap();
    anon.expect("message").await;

    // Anna (owner, in her browser session) hides it; Ben, its author, edits it.
    let res = anna
        .with_cookie(
            app.client
                .post(app.url(&format!("/api/v1/messages/{id}/moderation"))),
        )
        .json(&json!({"action": "hide"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let hidden = anon.expect("message").await;
    assert_eq!(hidden["state"], "hidden");
    assert_eq!(hidden["body"], "");
    let res = app
        .request(Method::PATCH, &format!("/api/v1/messages/{id}"), Some(&ben))
        .json(&json!({"body": "Die geheime Antwort lautet 42", "title": "Geheim"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let edited = anon.expect("message").await;
    assert_eq!(edited["id"], id);
    assert_eq!(edited["state"], "hidden");
    assert_eq!(edited["body"], "", "{edited}");
    assert_eq!(edited["body_html"], "", "{edited}");
    assert!(edited.get("title").is_none(), "{edited}");
    // Look for the secret words, not for "42": timestamps and ids may contain that.
    let frame = edited.to_string();
    assert!(
        !frame.contains("geheime") && !frame.contains("Geheim"),
        "{edited}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn socket_sends_count_in_the_accounts_write_limit() {
    let app = rt_app(|c| {
        c.rate.write_per_account = 6;
        c.rate.window_secs = 3600;
    })
    .await;
    let anna = app.user(Role::Seeker, None).await;
    // The harness's token creation was write 1; the channel is write 2.
    let ch = channel(&app, &anna, "community", "public").await;
    for i in 0..2 {
        let res = app
            .request(
                Method::POST,
                &format!("/api/v1/channels/{ch}/messages"),
                Some(&anna),
            )
            .json(&json!({"body": format!("REST {i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    let mut a = Ws::connect(&app, Some(&anna)).await;
    a.say(ch, "ws-1", "Socket 1").await;
    a.say(ch, "ws-2", "Socket 2").await;
    a.send(send_frame(ch, "ws-3", "Socket 3")).await;
    let e = a.next_relevant().await;
    assert_eq!(e["type"], "error", "{e}");
    assert_eq!(e["code"], "rate_limited");
    assert_eq!(e["client_msg_id"], "ws-3");
    // And the socket's sends count for REST too.
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/channels/{ch}/messages"),
            Some(&anna),
        )
        .json(&json!({"body": "REST 3"}))
        .send()
        .await
        .unwrap();
    assert_problem(res, 429, "rate-limited").await;
    assert_eq!(stored(&app, &anna, ch).await, 4);
}

/// The status and body of a refused upgrade.
async fn refused_upgrade(app: &TestApp, user: Option<&TestUser>) -> (u16, Value) {
    match Ws::try_connect(app, user).await {
        Ok(_) => panic!("the upgrade was accepted"),
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
            let status = res.status().as_u16();
            let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
            assert_eq!(ct, "application/problem+json");
            let body = res.into_body().unwrap_or_default();
            (status, serde_json::from_slice(&body).unwrap())
        }
        Err(e) => panic!("unexpected error: {e}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_are_capped_per_account_and_per_address() {
    let app = rt_app(|c| {
        c.ws.max_per_account = 2;
        c.ws.max_per_ip = 4;
    })
    .await;
    let anna = app.user(Role::Seeker, None).await;
    let first = Ws::connect(&app, Some(&anna)).await;
    let _second = Ws::connect(&app, Some(&anna)).await;
    let (status, body) = refused_upgrade(&app, Some(&anna)).await;
    assert_eq!(status, 429);
    assert_eq!(body["type"], "/problems/rate-limited");
    assert!(body["detail"].as_str().unwrap().contains("per account"));

    let _anon1 = Ws::connect(&app, None).await;
    let _anon2 = Ws::connect(&app, None).await;
    let (status, body) = refused_upgrade(&app, None).await;
    assert_eq!(status, 429);
    assert!(
        body["detail"].as_str().unwrap().contains("address"),
        "{body}"
    );

    // A closed socket frees its place.
    first.close().await;
    assert!(
        matchraum_tests::eventually(|| async { Ws::try_connect(&app, Some(&anna)).await.is_ok() })
            .await
    );
}
