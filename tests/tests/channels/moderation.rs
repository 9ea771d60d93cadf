//! Moderation in a forum: a community manager pins and locks topics, works the report
//! queue, mutes and bans members; every step is audited.

use super::{call, create, get, id, json_of, len, post, spawn};
use matchraum_tests::ws::join;
use matchraum_tests::{assert_problem, on_both_backends, Backend, Role, TestApp, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

/// A community manager's public forum, which a seeker has joined.
struct Forum {
    app: TestApp,
    cm: TestUser,
    seeker: TestUser,
    ch: i64,
}

impl Forum {
    async fn new(backend: Backend) -> Self {
        let app = spawn(backend).await;
        let seeker = app.user(Role::Seeker, None).await;
        let cm = app.user(Role::CommunityManager, None).await;
        let body = json!({"kind": "forum", "visibility": "public", "name": "Austausch"});
        let ch = id(&create(&app, &cm, body).await);
        join(&app, &seeker, ch).await;
        Forum {
            app,
            cm,
            seeker,
            ch,
        }
    }

    /// The seeker's new topic (a post with a title).
    async fn topic(&self) -> Value {
        let body = json!({"title": "Erfahrungen", "body": "Wer nutzt das schon?"});
        post(&self.app, &self.seeker, self.ch, body).await
    }

    /// `u` takes the moderation `action` on `message`.
    async fn moderate(&self, u: &TestUser, message: i64, action: &str) -> reqwest::Response {
        let path = format!("/api/v1/messages/{message}/moderation");
        let body = json!({"action": action});
        call(&self.app, Method::POST, &path, Some(u), Some(body)).await
    }

    /// `u` posts `body` in the forum.
    async fn say(&self, u: &TestUser, body: Value) -> reqwest::Response {
        let path = format!("/api/v1/channels/{}/messages", self.ch);
        call(&self.app, Method::POST, &path, Some(u), Some(body)).await
    }

    /// The seeker posts spam and reports it; the spam's id and the report.
    async fn reported_spam(&self) -> (i64, Value) {
        let bad = id(&post(
            &self.app,
            &self.seeker,
            self.ch,
            json!({"body": "Werbung!"}),
        )
        .await);
        let path = format!("/api/v1/messages/{bad}/report");
        let body = json!({"reason": "Spam"});
        let res = call(
            &self.app,
            Method::POST,
            &path,
            Some(&self.seeker),
            Some(body),
        )
        .await;
        (bad, json_of(res, 201).await)
    }

    /// The community manager resolves `report` by hiding the message.
    async fn hide(&self, report: &Value) {
        let path = format!("/api/v1/reports/{}/resolve", report["id"]);
        let body = json!({"action": "hide"});
        json_of(
            call(&self.app, Method::POST, &path, Some(&self.cm), Some(body)).await,
            200,
        )
        .await;
    }

    /// The community manager sanctions the seeker with `body`.
    async fn sanction(&self, body: Value) {
        let path = format!(
            "/api/v1/channels/{}/members/{}/sanction",
            self.ch, self.seeker.id
        );
        json_of(
            call(&self.app, Method::POST, &path, Some(&self.cm), Some(body)).await,
            200,
        )
        .await;
    }
}

async fn a_post_with_a_title_in_a_forum_is_a_topic(backend: Backend) {
    let f = Forum::new(backend).await;
    assert_eq!(f.topic().await["kind"], "topic");
}

async fn a_member_cannot_pin_a_topic(backend: Backend) {
    let f = Forum::new(backend).await;
    let topic = id(&f.topic().await);
    assert_problem(f.moderate(&f.seeker, topic, "pin").await, 403, "forbidden").await;
}

async fn a_community_manager_pins_a_topic_and_it_is_listed_as_pinned(backend: Backend) {
    let f = Forum::new(backend).await;
    let topic = id(&f.topic().await);
    json_of(f.moderate(&f.cm, topic, "pin").await, 200).await;
    let pinned = format!("/api/v1/channels/{}/messages?pinned=true", f.ch);
    assert_eq!(len(&get(&f.app, &pinned, None).await["items"]), 1);
}

async fn a_locked_topic_takes_no_replies(backend: Backend) {
    let f = Forum::new(backend).await;
    let topic = id(&f.topic().await);
    json_of(f.moderate(&f.cm, topic, "lock").await, 200).await;
    let res = f
        .say(&f.seeker, json!({"body": "noch was", "reply_to": topic}))
        .await;
    assert_problem(res, 403, "forbidden").await;
}

async fn reports_are_queued_for_moderators_only(backend: Backend) {
    let f = Forum::new(backend).await;
    f.reported_spam().await;
    let path = format!("/api/v1/channels/{}/reports", f.ch);
    let res = call(&f.app, Method::GET, &path, Some(&f.seeker), None).await;
    assert_problem(res, 403, "forbidden").await;
    assert_eq!(len(&get(&f.app, "/api/v1/reports", Some(&f.cm)).await), 1);
}

async fn a_moderator_hides_a_reported_message_and_outsiders_see_it_redacted(backend: Backend) {
    let f = Forum::new(backend).await;
    let (bad, report) = f.reported_spam().await;
    f.hide(&report).await;
    let m = get(&f.app, &format!("/api/v1/messages/{bad}"), None).await;
    assert_eq!(m["state"], "hidden");
    assert_eq!(m["body"], "");
}

async fn a_muted_member_cannot_post(backend: Backend) {
    let f = Forum::new(backend).await;
    f.sanction(json!({"mute_minutes": 10})).await;
    let res = f.say(&f.seeker, json!({"body": "hallo?"})).await;
    assert_problem(res, 403, "forbidden").await;
}

async fn a_banned_member_cannot_read_the_forum(backend: Backend) {
    let f = Forum::new(backend).await;
    f.sanction(json!({"ban": true})).await;
    let path = format!("/api/v1/channels/{}/messages", f.ch);
    let res = call(&f.app, Method::GET, &path, Some(&f.seeker), None).await;
    assert_problem(res, 403, "forbidden").await;
}

async fn every_moderation_step_is_audited(backend: Backend) {
    let f = Forum::new(backend).await;
    let op = f.app.operator().await;
    let topic = id(&f.topic().await);
    for action in ["pin", "lock"] {
        json_of(f.moderate(&f.cm, topic, action).await, 200).await;
    }
    let (_, report) = f.reported_spam().await;
    f.hide(&report).await;
    f.sanction(json!({"mute_minutes": 10})).await;
    let audit = get(&f.app, "/api/v1/audit?limit=100", Some(&op)).await;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "message.pin",
        "message.lock",
        "report.resolve",
        "channel.sanction",
    ] {
        assert!(actions.contains(&a), "{a} missing from {actions:?}");
    }
}

on_both_backends!(
    a_post_with_a_title_in_a_forum_is_a_topic,
    a_member_cannot_pin_a_topic,
    a_community_manager_pins_a_topic_and_it_is_listed_as_pinned,
    a_locked_topic_takes_no_replies,
    reports_are_queued_for_moderators_only,
    a_moderator_hides_a_reported_message_and_outsiders_see_it_redacted,
    a_muted_member_cannot_post,
    a_banned_member_cannot_read_the_forum,
    every_moderation_step_is_audited,
);
