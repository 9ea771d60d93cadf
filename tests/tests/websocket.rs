//! Websocket protocol v1 against the real server with real clients.

use std::time::Duration;

use matchraum_tests::ws::*;
use matchraum_tests::{metric_sample, Role};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_users_talk() {
    let app = rt_app(|_| {}).await;
    let (anna, ben, ch) = two_members(&app).await;

    let mut a = Ws::connect(&app, Some(&anna)).await;
    let mut b = Ws::connect(&app, Some(&ben)).await;
    assert_eq!(a.hello["user_id"], anna.id);
    a.subscribe(ch, None).await;
    b.subscribe(ch, None).await;

    let ack = a
        .say(ch, "a-1", "Hallo **Ben**, wie habt ihr das gelöst?")
        .await;
    let id = ack["message_id"].as_i64().unwrap();
    assert_eq!(ack["duplicate"], false);
    let m = b.expect("message").await;
    assert_eq!(m["id"], id);
    assert_eq!(m["author_id"], anna.id);
    assert_eq!(m["channel_id"], ch);
    assert!(m["body_html"]
        .as_str()
        .unwrap()
        .contains("<strong>Ben</strong>"));
    // The sender sees its own message too (after the ack).
    assert_eq!(a.expect("message").await["id"], id);

    b.send(
        json!({"type": "send", "channel_id": ch, "client_msg_id": "b-1",
        "body": "Mit dem Fachverfahren", "reply_to": id}),
    )
    .await;
    assert_eq!(b.expect("ack").await["client_msg_id"], "b-1");
    let reply = a.expect("message").await;
    assert_eq!(reply["reply_to"], id);
    assert_eq!(reply["author_id"], ben.id);

    // Typing reaches the other side; ping is answered.
    a.send(json!({"type": "typing", "channel_id": ch})).await;
    loop {
        let f = b.recv().await;
        if f["type"] == "typing" {
            assert_eq!(f["user_id"], anna.id);
            break;
        }
    }
    b.send(json!({"type": "ping", "nonce": 7})).await;
    let pong = b.next_relevant().await;
    assert!(
        pong["type"] == "pong" || pong["type"] == "message",
        "{pong}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_send_stores_one_message() {
    let app = rt_app(|_| {}).await;
    let anna = app.user(Role::Seeker, None).await;
    let ch = channel(&app, &anna, "community", "members").await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    let first = a.say(ch, "retry-me", "einmal").await;
    let second = a.say(ch, "retry-me", "einmal").await;
    assert_eq!(first["message_id"], second["message_id"]);
    assert_eq!(second["duplicate"], true);
    // Also across a reconnect (the client did not see the first ack).
    a.close().await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    let third = a.say(ch, "retry-me", "einmal").await;
    assert_eq!(third["message_id"], first["message_id"]);

    let page: serde_json::Value = app
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/channels/{ch}/messages"),
            Some(&anna),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_resumes_with_since_gets_exactly_the_gap() {
    let app = rt_app(|_| {}).await;
    let (anna, ben, ch) = two_members(&app).await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    let mut b = Ws::connect(&app, Some(&ben)).await;
    b.subscribe(ch, None).await;
    let first = a.say(ch, "m1", "eins").await["message_id"]
        .as_i64()
        .unwrap();
    assert_eq!(b.expect("message").await["id"], first);
    b.close().await;

    let mut gap = Vec::new();
    for i in 2..=5 {
        gap.push(
            a.say(ch, &format!("m{i}"), &format!("Nachricht {i}")).await["message_id"]
                .as_i64()
                .unwrap(),
        );
    }
    let mut b = Ws::connect(&app, Some(&ben)).await;
    let (replay, done) = b.subscribe(ch, Some(first)).await;
    let ids: Vec<i64> = replay.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, gap);
    assert_eq!(done["replayed"], 4);
    assert_eq!(done["last_id"], *gap.last().unwrap());
    assert_eq!(done["more"], false);
    // Live again after the replay, without duplicates.
    let live = a.say(ch, "m6", "sechs").await["message_id"]
        .as_i64()
        .unwrap();
    assert_eq!(b.expect("message").await["id"], live);
    b.expect_no_message(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribing_to_a_private_channel_without_membership_is_refused() {
    let app = rt_app(|_| {}).await;
    let anna = app.user(Role::Seeker, None).await;
    let carl = app.user(Role::Seeker, None).await;
    let ch = channel(&app, &anna, "community", "members").await;

    let mut c = Ws::connect(&app, Some(&carl)).await;
    c.send(json!({"type": "subscribe", "channel_id": ch})).await;
    let e = c.next_relevant().await;
    assert_eq!(e["type"], "error");
    assert_eq!(e["code"], "forbidden");
    assert_eq!(e["channel_id"], ch);
    // Nor may the non-member send into it.
    c.send(json!({"type": "send", "channel_id": ch, "client_msg_id": "x", "body": "hi"}))
        .await;
    let e = c.next_relevant().await;
    assert_eq!(e["code"], "forbidden", "{e}");
    assert_eq!(e["client_msg_id"], "x");

    // Anonymous sockets read public channels only, and cannot send.
    let mut anon = Ws::connect(&app, None).await;
    anon.send(json!({"type": "subscribe", "channel_id": ch}))
        .await;
    assert_eq!(anon.next_relevant().await["code"], "forbidden");
    let public = channel(&app, &anna, "community", "public").await;
    anon.subscribe(public, None).await;
    anon.send(json!({"type": "send", "channel_id": public, "client_msg_id": "y", "body": "hi"}))
        .await;
    assert_eq!(anon.next_relevant().await["code"], "unauthorized");

    // An invalid token is refused at the upgrade.
    let mut bad = carl.clone();
    bad.token = "mr_pat_nonsense".into();
    assert!(Ws::try_connect(&app, Some(&bad)).await.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_member_stops_receiving_at_once() {
    let app = rt_app(|_| {}).await;
    let anna = app.user(Role::Seeker, None).await;
    let ben = app.user(Role::Seeker, None).await;
    let ch = channel(&app, &anna, "community", "members").await;
    invite_and_accept(&app, &anna, ch, &ben, "member").await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    let mut b = Ws::connect(&app, Some(&ben)).await;
    b.subscribe(ch, None).await;
    a.say(ch, "1", "vorher").await;
    b.expect("message").await;

    let res = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/channels/{ch}/members/{}", ben.id),
            Some(&anna),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let e = b.next_relevant().await;
    assert_eq!(e["type"], "error");
    assert_eq!(e["code"], "removed");
    a.say(ch, "2", "nachher").await;
    b.expect_no_message(Duration::from_millis(500)).await;
    b.send(json!({"type": "subscribe", "channel_id": ch})).await;
    assert_eq!(b.next_relevant().await["code"], "forbidden");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_get_error_frames_and_the_socket_stays_usable() {
    let app = rt_app(|c| {
        c.ws.max_frame_bytes = 1024;
        c.ws.rate_per_sec = 1000;
        c.ws.rate_burst = 1000;
    })
    .await;
    let anna = app.user(Role::Seeker, None).await;
    let ch = channel(&app, &anna, "community", "members").await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    assert_eq!(a.hello["max_frame_bytes"], 1024);

    let cases = [
        ("not json at all".to_owned(), "malformed"),
        ("[1,2,3]".to_owned(), "malformed"),
        (json!({"type": "dance"}).to_string(), "unknown_type"),
        (json!({"type": "send", "channel_id": ch}).to_string(), "malformed"),
        (json!({"type": "subscribe", "channel_id": "eins"}).to_string(), "malformed"),
        (json!({"type": "ping", "extra": 1}).to_string(), "malformed"),
        (json!({"type": "send", "channel_id": ch, "client_msg_id": "big", "body": "x".repeat(2000)}).to_string(), "too_large"),
        (json!({"type": "send", "channel_id": ch, "client_msg_id": "empty", "body": "   "}).to_string(), "invalid"),
        (json!({"type": "send", "channel_id": 999999, "client_msg_id": "nope", "body": "hi"}).to_string(), "not_found"),
        (json!({"type": "unsubscribe", "channel_id": ch}).to_string(), "not_subscribed"),
    ];
    for (frame, code) in cases {
        a.send_raw(frame.clone()).await;
        let e = a.next_relevant().await;
        assert_eq!(e["type"], "error", "{frame}: {e}");
        assert_eq!(e["code"], code, "{frame}: {e}");
        assert!(e["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
    a.send_binary(vec![1, 2, 3]).await;
    assert_eq!(a.next_relevant().await["code"], "unsupported");
    // Still usable.
    a.send(json!({"type": "ping", "nonce": "n"})).await;
    let pong = a.next_relevant().await;
    assert_eq!(pong["type"], "pong");
    assert_eq!(pong["nonce"], "n");
    a.say(ch, "ok", "geht noch").await;

    // Far beyond the codec's limit: an error frame, then a close with a reason.
    a.send_raw("y".repeat(200_000)).await;
    let e = a.next_relevant().await;
    assert_eq!(e["code"], "too_large", "{e}");
    let closed = a.recv().await;
    assert_eq!(closed["type"], "__closed", "{closed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_over_the_rate_limit_are_refused_with_a_code() {
    let app = rt_app(|c| {
        c.ws.rate_per_sec = 2;
        c.ws.rate_burst = 5;
    })
    .await;
    let anna = app.user(Role::Seeker, None).await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    for i in 0..20 {
        a.send(json!({"type": "ping", "nonce": i})).await;
    }
    let (mut pongs, mut limited) = (0, 0);
    for _ in 0..20 {
        let f = a.next_relevant().await;
        match f["type"].as_str().unwrap() {
            "pong" => pongs += 1,
            "error" => {
                assert_eq!(f["code"], "rate_limited");
                limited += 1;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!((5..10).contains(&pongs), "pongs {pongs}");
    assert_eq!(pongs + limited, 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_consumer_is_disconnected_with_a_reason_and_resumes() {
    let app = rt_app(|c| {
        c.ws.queue_len = 4;
        c.ws.replay_limit = 1000;
        c.metrics.bind = "127.0.0.1:0".into();
    })
    .await;
    let anna = app.user(Role::Seeker, None).await;
    let ch = channel(&app, &anna, "community", "public").await;
    let mut slow = Ws::connect(&app, None).await;
    slow.subscribe(ch, None).await;
    // The slow client reads nothing while large messages pile up.
    let body = "z".repeat(15_000);
    let mut last = 0;
    for i in 0..800 {
        let send = || {
            app.request(
                reqwest::Method::POST,
                &format!("/api/v1/channels/{ch}/messages"),
                Some(&anna),
            )
            .json(&json!({"body": body, "client_msg_id": format!("s{i}")}))
            .send()
        };
        // On a loaded machine a pooled connection can be closed under the client once
        // (IncompleteMessage); the client_msg_id makes the retry store the message once.
        let res = match send().await {
            Ok(res) => res,
            Err(_) => send().await.unwrap(),
        };
        assert!(
            [200, 201].contains(&res.status().as_u16()),
            "{}",
            res.status()
        );
        last = res.json::<serde_json::Value>().await.unwrap()["message"]["id"]
            .as_i64()
            .unwrap();
    }
    let mut got = 0;
    let mut closed = None;
    while let Some(f) = slow.try_recv(Duration::from_secs(10)).await {
        if f["type"] == "__closed" {
            closed = Some(f);
            break;
        }
        got += 1;
    }
    let closed = closed.expect("the slow consumer is closed");
    assert!(
        closed["reason"].as_str().unwrap().contains("slow consumer"),
        "{closed}"
    );
    assert!(got < 800);
    let text = app.scrape_metrics().await;
    let counted = |name| metric_sample(&text, name, &[]).unwrap();
    assert_eq!(counted("matchraum_ws_slow_consumer_closes_total"), 1.0);
    assert!(counted("matchraum_ws_queue_drops_total") >= 1.0);
    // Resuming from the start gets everything.
    let mut again = Ws::connect(&app, None).await;
    let (replay, done) = again.subscribe(ch, Some(0)).await;
    assert_eq!(done["last_id"], last);
    assert_eq!(replay.len(), 800);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_deletions_reach_subscribers_live() {
    let app = rt_app(|_| {}).await;
    let (anna, ben, ch) = two_members(&app).await;
    let mut b = Ws::connect(&app, Some(&ben)).await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    b.subscribe(ch, None).await;
    let id = a.say(ch, "e-1", "Erste Fassung").await["message_id"]
        .as_i64()
        .unwrap();
    let first = b.expect("message").await;
    assert_eq!(
        (first["id"].as_i64(), first["seq"].as_i64()),
        (Some(id), Some(1))
    );

    // A resubscribe replays the message; a later edit must still come through.
    let (replay, _) = b.subscribe(ch, Some(0)).await;
    assert_eq!(replay.len(), 1);
    let res = app
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/messages/{id}"),
            Some(&anna),
        )
        .json(&json!({"body": "Zweite *Fassung*"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let edited = b.expect("message").await;
    assert_eq!(edited["id"], id);
    assert_eq!(edited["seq"], 1);
    assert!(edited["body_html"]
        .as_str()
        .unwrap()
        .contains("<em>Fassung</em>"));
    assert!(edited["edited_at"].is_string());

    let res = app
        .request(
            reqwest::Method::DELETE,
            &format!("/api/v1/messages/{id}"),
            Some(&anna),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let deleted = b.expect("message").await;
    assert_eq!(deleted["id"], id);
    assert_eq!(deleted["state"], "deleted");
    assert_eq!(deleted["body"], "");
    b.expect_no_message(Duration::from_millis(300)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mention_notifies_the_member_on_every_socket_at_once() {
    let app = rt_app(|_| {}).await;
    let anna = app.user(Role::Seeker, None).await;
    let ben = app.user(Role::Seeker, None).await;
    let outsider = app.user(Role::Seeker, None).await;
    let ch = channel(&app, &anna, "community", "public").await;
    join(&app, &ben, ch).await;

    // Ben has two sockets and subscribed to nothing; the outsider is no member.
    let mut ben_1 = Ws::connect(&app, Some(&ben)).await;
    let mut ben_2 = Ws::connect(&app, Some(&ben)).await;
    let mut out = Ws::connect(&app, Some(&outsider)).await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    let body = format!(
        "@user:{} kannst du helfen? @user:{} auch?",
        ben.id, outsider.id
    );
    let id = a.say(ch, "m-1", &body).await["message_id"]
        .as_i64()
        .unwrap();
    for ws in [&mut ben_1, &mut ben_2] {
        let n = ws.expect("notification").await;
        assert_eq!(n["kind"], "mention");
        assert_eq!(n["channel_id"], ch);
        assert_eq!(n["message_id"], id);
        assert_eq!(n["author_id"], anna.id);
    }
    let quiet = out.try_recv(Duration::from_millis(300)).await;
    assert!(quiet.is_none(), "a non-member learns nothing: {quiet:?}");
    // A retried send notifies nobody twice.
    a.say(ch, "m-1", &body).await;
    let again = ben_1.try_recv(Duration::from_millis(300)).await;
    assert!(again.is_none(), "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reactions_reach_subscribers_once() {
    let app = rt_app(|_| {}).await;
    let (anna, ben, ch) = two_members(&app).await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    a.subscribe(ch, None).await;
    let id = a.say(ch, "r-1", "Gute Idee?").await["message_id"]
        .as_i64()
        .unwrap();
    assert_eq!(a.expect("message").await["id"], id);

    let path = format!("/api/v1/messages/{id}/reactions/%F0%9F%91%8D");
    for (method, added) in [
        (reqwest::Method::PUT, true),
        (reqwest::Method::PUT, true),
        (reqwest::Method::DELETE, false),
    ] {
        let res = app.request(method, &path, Some(&ben)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        let counts: serde_json::Value = res.json().await.unwrap();
        assert_eq!(
            counts.as_array().unwrap().len(),
            usize::from(added),
            "{counts}"
        );
    }
    let add = a.expect("reaction").await;
    assert_eq!(
        (
            add["message_id"].as_i64(),
            add["user_id"].as_i64(),
            add["emoji"].as_str(),
            add["added"].as_bool()
        ),
        (Some(id), Some(ben.id), Some("👍"), Some(true))
    );
    let remove = a.expect("reaction").await;
    assert_eq!(remove["added"], false);
    let more = a.try_recv(Duration::from_millis(300)).await;
    assert!(more.is_none(), "the repeated PUT changed nothing: {more:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscriber_learns_who_is_already_online() {
    let app = rt_app(|_| {}).await;
    let (anna, ben, ch) = two_members(&app).await;
    let carl = app.user(Role::Seeker, None).await;
    join(&app, &carl, ch).await;

    let mut a = Ws::connect(&app, Some(&anna)).await;
    assert_eq!(a.online(ch).await, [anna.id]);
    let mut b = Ws::connect(&app, Some(&ben)).await;
    assert_eq!(b.online(ch).await, [anna.id, ben.id]);
    // Anonymous readers are nobody's presence, but they see who is there.
    let mut anon = Ws::connect(&app, None).await;
    assert_eq!(anon.online(ch).await, [anna.id, ben.id]);
    // A second socket of the same user counts once, and closing one keeps them online.
    let mut b2 = Ws::connect(&app, Some(&ben)).await;
    assert_eq!(b2.online(ch).await, [anna.id, ben.id]);
    b2.close().await;
    let mut c = Ws::connect(&app, Some(&carl)).await;
    assert_eq!(c.online(ch).await, [anna.id, ben.id, carl.id]);
    // Gone when their last socket closes or unsubscribes.
    b.close().await;
    a.send(json!({"type": "unsubscribe", "channel_id": ch}))
        .await;
    assert_eq!(c.online_becomes(ch, &[carl.id]).await, [carl.id]);
    // Another channel's subscribers are not in this one's snapshot.
    let other = channel(&app, &anna, "community", "public").await;
    assert_eq!(c.online(other).await, [carl.id]);
    anon.close().await;
}
