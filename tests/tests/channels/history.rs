//! A channel's messages: paged history, search, mentions, unread counts, threads, edits,
//! reactions, idempotent retries and deletion.

use super::{call, create, get, id, json_of, len, post, spawn};
use matchraum_tests::ws::join;
use matchraum_tests::{assert_problem, on_both_backends, Backend, Role, TestApp, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

/// Anna's public channel "Runde", which Ben has joined.
struct Runde {
    app: TestApp,
    anna: TestUser,
    ben: TestUser,
    ch: i64,
}

impl Runde {
    async fn new(backend: Backend) -> Self {
        let app = spawn(backend).await;
        let anna = app.user(Role::Seeker, None).await;
        let ben = app.user(Role::Seeker, None).await;
        let ch = id(&create(
            &app,
            &anna,
            json!({"kind": "community", "visibility": "public", "name": "Runde"}),
        )
        .await);
        join(&app, &ben, ch).await;
        Runde { app, anna, ben, ch }
    }

    /// Anna's seven messages, oldest first; the fourth asks Ben in Markdown and carries a
    /// script tag.
    async fn history(&self) -> Vec<i64> {
        let mut ids = Vec::new();
        for i in 0..7 {
            let body = if i == 3 {
                format!(
                    "Frage zur **Wohnsitzanmeldung** an @user:{} <script>x</script>",
                    self.ben.id
                )
            } else {
                format!("Nachricht {i}")
            };
            ids.push(id(&post(
                &self.app,
                &self.anna,
                self.ch,
                json!({"body": body}),
            )
            .await));
        }
        ids
    }

    /// Anna asks, Ben replies; the id of Ben's reply.
    async fn reply(&self) -> i64 {
        let question = id(&post(&self.app, &self.anna, self.ch, json!({"body": "Frage"})).await);
        let body = json!({"body": "Antwort", "reply_to": question});
        id(&post(&self.app, &self.ben, self.ch, body).await)
    }

    /// `GET` on the channel's messages with `query`, anonymously.
    async fn messages(&self, query: &str) -> Value {
        let path = format!("/api/v1/channels/{}/messages{query}", self.ch);
        get(&self.app, &path, None).await
    }

    /// `m` on `/api/v1/messages/{message}{tail}` as `u`.
    async fn on(
        &self,
        m: Method,
        message: i64,
        tail: &str,
        u: Option<&TestUser>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let path = format!("/api/v1/messages/{message}{tail}");
        call(&self.app, m, &path, u, body).await
    }

    /// Ben's unread count in the channel.
    async fn unread(&self) -> Value {
        get(&self.app, "/api/v1/channels/unread", Some(&self.ben)).await[0]["unread"].clone()
    }
}

fn ids_of(page: &Value) -> Vec<i64> {
    page["items"].as_array().unwrap().iter().map(id).collect()
}

async fn history_pages_backwards_with_a_cursor(backend: Backend) {
    let r = Runde::new(backend).await;
    let ids = r.history().await;
    let p1 = r.messages("?limit=3").await;
    assert_eq!(ids_of(&p1), vec![ids[6], ids[5], ids[4]]);
    let before = p1["next_before"].as_i64().unwrap();
    let p2 = r.messages(&format!("?limit=3&before={before}")).await;
    assert_eq!(ids_of(&p2), vec![ids[3], ids[2], ids[1]]);
    let p3 = r
        .messages(&format!("?limit=3&before={}", p2["next_before"]))
        .await;
    assert_eq!(len(&p3["items"]), 1);
    assert!(p3["next_before"].is_null());
}

async fn a_page_of_zero_messages_is_rejected(backend: Backend) {
    let r = Runde::new(backend).await;
    let path = format!("/api/v1/channels/{}/messages?limit=0", r.ch);
    let res = call(&r.app, Method::GET, &path, None, None).await;
    assert_problem(res, 422, "validation-failed").await;
}

async fn search_finds_a_message_by_its_text_with_markdown_rendered_and_sanitised(backend: Backend) {
    let r = Runde::new(backend).await;
    r.history().await;
    let found = r.messages("?q=wohnsitz").await;
    let items = found["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    let html = items[0]["body_html"].as_str().unwrap();
    assert!(
        html.contains("<strong>Wohnsitzanmeldung</strong>") && !html.contains("<script"),
        "{html}"
    );
}

async fn a_mention_notifies_the_member_mentioned(backend: Backend) {
    let r = Runde::new(backend).await;
    let ids = r.history().await;
    let notes = get(&r.app, "/api/v1/notifications", Some(&r.ben)).await;
    assert_eq!(notes[0]["message_id"], ids[3]);
}

async fn unread_counts_follow_the_read_mark(backend: Backend) {
    let r = Runde::new(backend).await;
    let ids = r.history().await;
    assert_eq!(r.unread().await, 7);
    let path = format!("/api/v1/channels/{}/read", r.ch);
    let body = json!({"message_id": ids[4]});
    let res = call(&r.app, Method::POST, &path, Some(&r.ben), Some(body)).await;
    assert_eq!(res.status(), 204);
    assert_eq!(r.unread().await, 2);
}

async fn a_reply_joins_the_thread_of_the_message_it_answers(backend: Backend) {
    let r = Runde::new(backend).await;
    let ids = r.history().await;
    let body = json!({"body": "Antwort", "reply_to": ids[3]});
    post(&r.app, &r.ben, r.ch, body).await;
    let thread = r.messages(&format!("?thread={}", ids[3])).await;
    assert_eq!(len(&thread["items"]), 2);
}

async fn another_member_cannot_edit_a_message(backend: Backend) {
    let r = Runde::new(backend).await;
    let rid = r.reply().await;
    let dora = r.app.user(Role::Seeker, None).await;
    join(&r.app, &dora, r.ch).await;
    let body = json!({"body": "fremd"});
    let res = r.on(Method::PATCH, rid, "", Some(&dora), Some(body)).await;
    assert_problem(res, 403, "forbidden").await;
}

async fn an_edit_by_the_author_keeps_the_earlier_text_in_its_history(backend: Backend) {
    let r = Runde::new(backend).await;
    let rid = r.reply().await;
    let body = json!({"body": "Antwort, korrigiert"});
    let res = r.on(Method::PATCH, rid, "", Some(&r.ben), Some(body)).await;
    assert!(json_of(res, 200).await["edited_at"].is_string());
    let edits = json_of(r.on(Method::GET, rid, "/edits", None, None).await, 200).await;
    assert_eq!(edits[0]["body"], "Antwort");
}

async fn a_reaction_is_counted_on_the_message(backend: Backend) {
    let r = Runde::new(backend).await;
    let rid = r.reply().await;
    let thumbs = "/reactions/%F0%9F%91%8D";
    let res = r.on(Method::PUT, rid, thumbs, Some(&r.anna), None).await;
    assert_eq!(json_of(res, 200).await[0]["count"], 1);
}

async fn a_retried_post_with_the_same_client_msg_id_is_stored_once(backend: Backend) {
    let r = Runde::new(backend).await;
    let path = format!("/api/v1/channels/{}/messages", r.ch);
    let send = || {
        let body = json!({"body": "x", "client_msg_id": "k1"});
        call(&r.app, Method::POST, &path, Some(&r.ben), Some(body))
    };
    let a = json_of(send().await, 201).await;
    let b = json_of(send().await, 200).await;
    assert_eq!(a["message"]["id"], b["message"]["id"]);
    assert_eq!(b["created"], false);
}

async fn deleting_ones_own_message_blanks_it(backend: Backend) {
    let r = Runde::new(backend).await;
    let rid = r.reply().await;
    let res = r.on(Method::DELETE, rid, "", Some(&r.ben), None).await;
    let del = json_of(res, 200).await;
    assert_eq!(del["state"], "deleted");
    assert_eq!(del["body"], "");
}

on_both_backends!(
    history_pages_backwards_with_a_cursor,
    a_page_of_zero_messages_is_rejected,
    search_finds_a_message_by_its_text_with_markdown_rendered_and_sanitised,
    a_mention_notifies_the_member_mentioned,
    unread_counts_follow_the_read_mark,
    a_reply_joins_the_thread_of_the_message_it_answers,
    another_member_cannot_edit_a_message,
    an_edit_by_the_author_keeps_the_earlier_text_in_its_history,
    a_reaction_is_counted_on_the_message,
    a_retried_post_with_the_same_client_msg_id_is_stored_once,
    deleting_ones_own_message_blanks_it,
);
