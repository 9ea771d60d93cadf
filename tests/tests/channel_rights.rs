//! Who may do what to whom in a channel (issue 9), on SQLite and PostgreSQL: moderators
//! cannot touch owners or other moderators, a channel always keeps an owner, and
//! moderation needs the `moderate` scope.

use matchraum_tests::ws::{channel, join, rt_config, Ws};
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

async fn status(app: &TestApp, u: &TestUser, m: Method, path: &str, body: Option<Value>) -> u16 {
    call(app, &u.token, m, path, body).await.status().as_u16()
}

async fn member_ids(app: &TestApp, viewer: &TestUser, ch: i64) -> Vec<i64> {
    let res = call(
        app,
        &viewer.token,
        Method::GET,
        &format!("/api/v1/channels/{ch}/members"),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let mut ids: Vec<i64> = res
        .json::<Value>()
        .await
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["user_id"].as_i64().unwrap())
        .collect();
    ids.sort();
    ids
}

async fn a_direct_channel_has_two_sides_and_nobody_is_added(backend: Backend) {
    let app = spawn_app_with(backend, rt_config).await;
    let op = app.operator().await;
    let res = call(
        &app,
        &op.token,
        Method::POST,
        "/api/v1/organisations",
        Some(json!({"name": "Dataport", "kind": "it_dienstleister"})),
    )
    .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let org = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let writer = app.user(Role::Provider, Some(org)).await;
    let silent = app.user(Role::Provider, Some(org)).await;
    let seeker = app.user(Role::Seeker, None).await;
    let outsider = app.user(Role::Seeker, None).await;
    let res = call(
        &app,
        &seeker.token,
        Method::POST,
        "/api/v1/matches/channel",
        Some(json!({"organisation_id": org})),
    )
    .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let d = res.json::<Value>().await.unwrap();
    let ch = d["channel"]["id"].as_i64().unwrap();
    // The opener is a plain member, not a co-owner of the organisation's side.
    assert_eq!(d["channel"]["my_role"], "member");

    let members = format!("/api/v1/channels/{ch}/members");
    let invitations = format!("/api/v1/channels/{ch}/invitations");
    // Neither side adds, removes, re-roles, sanctions or re-scopes.
    for actor in [&seeker, &writer] {
        let other = if actor.id == seeker.id {
            &silent
        } else {
            &seeker
        };
        let attempts = [
            (
                Method::POST,
                invitations.clone(),
                Some(json!({"user_id": outsider.id})),
            ),
            (
                Method::POST,
                members.clone(),
                Some(json!({"user_id": other.id, "role": "member"})),
            ),
            (Method::DELETE, format!("{members}/{}", other.id), None),
            (
                Method::POST,
                format!("{members}/{}/sanction", other.id),
                Some(json!({"ban": true})),
            ),
            (
                Method::PATCH,
                format!("/api/v1/channels/{ch}"),
                Some(json!({"visibility": "public"})),
            ),
            (Method::DELETE, format!("/api/v1/channels/{ch}"), None),
        ];
        for (m, path, body) in attempts {
            let got = status(&app, actor, m.clone(), &path, body).await;
            assert!(
                got == 403 || got == 422,
                "{m} {path} as {}: {got}",
                actor.id
            );
        }
    }
    // The opener sees of the organisation only who wrote; the organisation sees everyone.
    assert_eq!(member_ids(&app, &seeker, ch).await, [seeker.id]);
    let res = call(
        &app,
        &writer.token,
        Method::POST,
        &format!("/api/v1/channels/{ch}/messages"),
        Some(json!({"body": "Guten Tag, wie können wir helfen?"})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let mut seen = vec![seeker.id, writer.id];
    seen.sort();
    assert_eq!(member_ids(&app, &seeker, ch).await, seen);
    let mut all = vec![seeker.id, writer.id, silent.id];
    all.sort();
    assert_eq!(member_ids(&app, &silent, ch).await, all);
    // Outsiders read nothing of it.
    let got = status(&app, &outsider, Method::GET, &members, None).await;
    assert_eq!(got, 403);
}

async fn an_invitation_needs_consent_and_is_announced_live(backend: Backend) {
    let app = spawn_app_with(backend, rt_config).await;
    let owner = app.user(Role::Seeker, None).await;
    let guest = app.user(Role::Seeker, None).await;
    let mut live = Ws::connect(&app, Some(&guest)).await;
    let ch = channel(&app, &owner, "community", "members").await;
    let res = call(
        &app,
        &owner.token,
        Method::POST,
        &format!("/api/v1/channels/{ch}/invitations"),
        Some(json!({"user_id": guest.id, "role": "moderator"})),
    )
    .await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let inv = res.json::<Value>().await.unwrap();
    assert_eq!(inv["role"], "moderator");
    let n = live.expect("notification").await;
    assert_eq!(n["kind"], "channel_invitation");
    assert_eq!(n["channel_id"], ch);
    assert_eq!(n["invitation_id"], inv["id"]);
    assert_eq!(n["invited_by"], owner.id);

    // Invited is not a member: no reading until accepted; declining ends it.
    let read = format!("/api/v1/channels/{ch}/messages");
    assert_eq!(status(&app, &guest, Method::GET, &read, None).await, 403);
    let id = inv["id"].as_i64().unwrap();
    let decline = format!("/api/v1/channel-invitations/{id}/decline");
    assert_eq!(
        status(&app, &guest, Method::POST, &decline, None).await,
        204
    );
    let accept = format!("/api/v1/channel-invitations/{id}/accept");
    assert_eq!(status(&app, &guest, Method::POST, &accept, None).await, 404);
    let mine = call(
        &app,
        &guest.token,
        Method::GET,
        "/api/v1/me/channel-invitations",
        None,
    )
    .await;
    assert_eq!(mine.json::<Value>().await.unwrap(), json!([]));
    assert_eq!(status(&app, &guest, Method::GET, &read, None).await, 403);
    // A member cannot be invited again, only re-roled.
    let res = call(
        &app,
        &owner.token,
        Method::POST,
        &format!("/api/v1/channels/{ch}/invitations"),
        Some(json!({"user_id": owner.id})),
    )
    .await;
    assert_problem(res, 409, "conflict").await;
}

on_both_backends!(
    a_moderator_cannot_touch_owners_or_other_moderators,
    the_last_owner_is_never_removed_or_demoted,
    a_write_token_cannot_moderate_even_the_owners_channel,
    a_direct_channel_has_two_sides_and_nobody_is_added,
    an_invitation_needs_consent_and_is_announced_live,
);
