//! Who may do what to whom in a channel (issue 9), on SQLite and PostgreSQL: moderators
//! cannot touch owners or other moderators, a channel always keeps an owner, and
//! moderation needs the `moderate` scope.

use matchraum_tests::ws::{channel, join, rt_config};
use matchraum_tests::{
    assert_problem, on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

async fn call(
    app: &TestApp,
    token: &str,
    m: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut rb = app.client.request(m, app.url(path)).bearer_auth(token);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

/// Makes `user` a member of `ch` with `role` (as its owner `by`).
async fn set_role(app: &TestApp, by: &TestUser, ch: i64, user: &TestUser, role: &str) {
    let res = call(
        app,
        &by.token,
        Method::POST,
        &format!("/api/v1/channels/{ch}/members"),
        Some(json!({"user_id": user.id, "role": role})),
    )
    .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

/// The four ways to act on a member, as `actor` against `target`; each answer's status.
async fn act_on(app: &TestApp, actor: &TestUser, ch: i64, target: &TestUser) -> Vec<u16> {
    let members = format!("/api/v1/channels/{ch}/members");
    let sanction = format!("{members}/{}/sanction", target.id);
    let attempts = [
        (
            Method::POST,
            members.clone(),
            Some(json!({"user_id": target.id, "role": "member"})),
        ),
        (Method::POST, sanction.clone(), Some(json!({"ban": true}))),
        (Method::POST, sanction, Some(json!({"mute_minutes": 60}))),
        (Method::DELETE, format!("{members}/{}", target.id), None),
    ];
    let mut out = Vec::new();
    for (m, path, body) in attempts {
        out.push(
            call(app, &actor.token, m, &path, body)
                .await
                .status()
                .as_u16(),
        );
    }
    out
}

async fn role_of(app: &TestApp, viewer: &TestUser, ch: i64, user: &TestUser) -> String {
    let res = call(
        app,
        &viewer.token,
        Method::GET,
        &format!("/api/v1/channels/{ch}/members"),
        None,
    )
    .await;
    let list: Value = res.json().await.unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|m| m["user_id"] == user.id)
        .map(|m| {
            format!(
                "{}{}",
                m["role"].as_str().unwrap(),
                if m["banned"] == true { "+banned" } else { "" }
            )
        })
        .unwrap_or_else(|| "gone".into())
}

async fn a_moderator_cannot_touch_owners_or_other_moderators(backend: Backend) {
    let app = spawn_app_with(backend, rt_config).await;
    let owner = app.user(Role::Seeker, None).await;
    let moderator = app.user(Role::Seeker, None).await;
    let other_moderator = app.user(Role::Seeker, None).await;
    let member = app.user(Role::Seeker, None).await;
    let ch = channel(&app, &owner, "community", "public").await;
    for u in [&moderator, &other_moderator, &member] {
        join(&app, u, ch).await;
    }
    set_role(&app, &owner, ch, &moderator, "moderator").await;
    set_role(&app, &owner, ch, &other_moderator, "moderator").await;

    // Re-"invite" as member, ban, mute, remove: all refused against the owner...
    assert_eq!(
        act_on(&app, &moderator, ch, &owner).await,
        [403, 403, 403, 403]
    );
    assert_eq!(role_of(&app, &owner, ch, &owner).await, "owner");
    // ... and against another moderator.
    assert_eq!(
        act_on(&app, &moderator, ch, &other_moderator).await,
        [403, 403, 403, 403]
    );
    assert_eq!(
        role_of(&app, &owner, ch, &other_moderator).await,
        "moderator"
    );
    // A moderator cannot name an owner, nor promote themselves.
    let res = call(
        &app,
        &moderator.token,
        Method::POST,
        &format!("/api/v1/channels/{ch}/members"),
        Some(json!({"user_id": moderator.id, "role": "owner"})),
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
    // Members remain theirs to moderate.
    let res = call(
        &app,
        &moderator.token,
        Method::POST,
        &format!("/api/v1/channels/{ch}/members/{}/sanction", member.id),
        Some(json!({"mute_minutes": 10})),
    )
    .await;
    assert_eq!(res.status(), 200);
    // The owner may act on a moderator.
    let res = call(
        &app,
        &owner.token,
        Method::POST,
        &format!("/api/v1/channels/{ch}/members/{}/sanction", moderator.id),
        Some(json!({"ban": true})),
    )
    .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(
        role_of(&app, &owner, ch, &moderator).await,
        "moderator+banned"
    );
}

async fn the_last_owner_is_never_removed_or_demoted(backend: Backend) {
    let app = spawn_app_with(backend, rt_config).await;
    let owner = app.user(Role::Seeker, None).await;
    let heir = app.user(Role::Seeker, None).await;
    let op = app.operator().await;
    let ch = channel(&app, &owner, "community", "public").await;
    join(&app, &heir, ch).await;

    let members = format!("/api/v1/channels/{ch}/members");
    let demote = || Some(json!({"user_id": owner.id, "role": "moderator"}));
    // Neither the owner nor an operator can demote or remove the only owner.
    for token in [&owner.token, &op.token] {
        let res = call(&app, token, Method::POST, &members, demote()).await;
        assert_problem(res, 409, "conflict").await;
    }
    let res = call(
        &app,
        &op.token,
        Method::DELETE,
        &format!("{members}/{}", owner.id),
        None,
    )
    .await;
    assert_problem(res, 409, "conflict").await;
    assert_eq!(role_of(&app, &owner, ch, &owner).await, "owner");

    // With a second owner, the first may step down.
    set_role(&app, &owner, ch, &heir, "owner").await;
    let res = call(&app, &owner.token, Method::POST, &members, demote()).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    // Now the heir is the last owner.
    let res = call(
        &app,
        &heir.token,
        Method::POST,
        &format!("/api/v1/channels/{ch}/leave"),
        None,
    )
    .await;
    assert_problem(res, 409, "conflict").await;
}

async fn a_write_token_cannot_moderate_even_the_owners_channel(backend: Backend) {
    let app = spawn_app_with(backend, rt_config).await;
    let owner = app.user(Role::Seeker, None).await;
    let member = app.user(Role::Seeker, None).await;
    let ch = channel(&app, &owner, "community", "public").await;
    join(&app, &member, ch).await;
    let res = member
        .with_token(
            app.client
                .post(app.url(&format!("/api/v1/channels/{ch}/messages"))),
        )
        .json(&json!({"body": "Bitte ausblenden"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let msg = res.json::<Value>().await.unwrap()["message"]["id"]
        .as_i64()
        .unwrap();
    let res = owner
        .with_cookie(app.client.post(app.url("/api/v1/me/tokens")))
        .json(&json!({"name": "bot", "scopes": ["read", "write"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let write_only = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();

    for action in ["hide", "pin", "lock"] {
        let res = call(
            &app,
            &write_only,
            Method::POST,
            &format!("/api/v1/messages/{msg}/moderation"),
            Some(json!({"action": action})),
        )
        .await;
        assert_problem(res, 403, "forbidden").await;
    }
    let res = call(
        &app,
        &write_only,
        Method::PATCH,
        &format!("/api/v1/channels/{ch}"),
        Some(json!({"locked": true})),
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
    let sanction = format!("/api/v1/channels/{ch}/members/{}/sanction", member.id);
    for body in [json!({"mute_minutes": 5}), json!({"ban": true})] {
        let res = call(&app, &write_only, Method::POST, &sanction, Some(body)).await;
        assert_problem(res, 403, "forbidden").await;
    }
    let res = call(
        &app,
        &write_only,
        Method::DELETE,
        &format!("/api/v1/channels/{ch}/members/{}", member.id),
        None,
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
    assert_eq!(role_of(&app, &owner, ch, &member).await, "member");
    // Managing the channel is not moderation: the write token may rename it.
    let res = call(
        &app,
        &write_only,
        Method::PATCH,
        &format!("/api/v1/channels/{ch}"),
        Some(json!({"name": "Neuer Name"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    // With the `moderate` scope the owner does moderate.
    let res = call(
        &app,
        &owner.token,
        Method::POST,
        &format!("/api/v1/messages/{msg}/moderation"),
        Some(json!({"action": "hide"})),
    )
    .await;
    assert_eq!(res.status(), 200);
}

on_both_backends!(
    a_moderator_cannot_touch_owners_or_other_moderators,
    the_last_owner_is_never_removed_or_demoted,
    a_write_token_cannot_moderate_even_the_owners_channel,
);
