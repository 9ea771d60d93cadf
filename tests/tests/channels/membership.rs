//! Creating channels, who may read them, and how people join, are invited, change role,
//! leave, and how a channel is renamed and deleted.

use super::{call, create, get, id, json_of, len, spawn};
use matchraum_tests::ws::{invite_and_accept, join};
use matchraum_tests::{assert_problem, on_both_backends, Backend, Role, TestApp, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

/// Anna owns a public channel and a private one, "Kernteam", to which she has invited
/// (not yet added) Ben; Carl is a stranger to both.
struct Circle {
    app: TestApp,
    anna: TestUser,
    ben: TestUser,
    carl: TestUser,
    public: i64,
    private: i64,
}

impl Circle {
    async fn new(backend: Backend) -> Self {
        let app = spawn(backend).await;
        let anna = app.user(Role::Seeker, None).await;
        let ben = app.user(Role::Seeker, None).await;
        let carl = app.user(Role::Seeker, None).await;
        let public = id(&create(
            &app,
            &anna,
            json!({"kind": "community", "visibility": "public", "name": "Offene Runde"}),
        )
        .await);
        let private = id(&create(
            &app,
            &anna,
            json!({"kind": "community", "visibility": "members", "name": "Kernteam",
                   "members": [ben.id]}),
        )
        .await);
        Circle {
            app,
            anna,
            ben,
            carl,
            public,
            private,
        }
    }

    /// `m` on `/api/v1/channels/{ch}{tail}` as `u`.
    async fn on(
        &self,
        m: Method,
        ch: i64,
        tail: &str,
        u: Option<&TestUser>,
        body: Option<Value>,
    ) -> reqwest::Response {
        call(
            &self.app,
            m,
            &format!("/api/v1/channels/{ch}{tail}"),
            u,
            body,
        )
        .await
    }

    /// Ben's open channel invitations.
    async fn invitations(&self) -> Value {
        get(&self.app, "/api/v1/me/channel-invitations", Some(&self.ben)).await
    }

    /// `u` accepts the invitation `inv`.
    async fn accept(&self, inv: &Value, u: &TestUser) -> reqwest::Response {
        let path = format!("/api/v1/channel-invitations/{}/accept", id(inv));
        call(&self.app, Method::POST, &path, Some(u), None).await
    }

    /// Ben accepts his invitation to the private channel; his membership.
    async fn ben_accepts(&self) -> Value {
        let invitations = self.invitations().await;
        json_of(self.accept(&invitations[0], &self.ben).await, 200).await
    }
}

/// `u` (or an anonymous caller) tries to create a public channel of `kind`.
async fn try_create(app: &TestApp, u: Option<&TestUser>, kind: &str) -> reqwest::Response {
    let body = json!({"kind": kind, "visibility": "public", "name": "x"});
    call(app, Method::POST, "/api/v1/channels", u, Some(body)).await
}

async fn anonymous_callers_cannot_create_a_channel(backend: Backend) {
    let app = spawn(backend).await;
    let res = try_create(&app, None, "community").await;
    assert_problem(res, 401, "unauthorized").await;
}

async fn a_seeker_cannot_create_a_forum(backend: Backend) {
    let app = spawn(backend).await;
    let anna = app.user(Role::Seeker, None).await;
    let res = try_create(&app, Some(&anna), "forum").await;
    assert_problem(res, 403, "forbidden").await;
}

async fn a_qa_channel_needs_a_solution(backend: Backend) {
    let app = spawn(backend).await;
    let anna = app.user(Role::Seeker, None).await;
    let res = try_create(&app, Some(&anna), "qa").await;
    assert_problem(res, 422, "validation-failed").await;
}

async fn the_creator_owns_a_new_channel(backend: Backend) {
    let app = spawn(backend).await;
    let anna = app.user(Role::Seeker, None).await;
    let body = json!({"kind": "community", "visibility": "public", "name": "Offene Runde"});
    assert_eq!(create(&app, &anna, body).await["my_role"], "owner");
}

async fn members_are_invited_not_added(backend: Backend) {
    let c = Circle::new(backend).await;
    // Ben reads the private channel only once he accepts.
    let res = c.on(Method::GET, c.private, "", Some(&c.ben), None).await;
    assert_problem(res, 403, "forbidden").await;
    let invitations = c.invitations().await;
    assert_eq!(invitations[0]["channel_id"], c.private, "{invitations}");
    assert_eq!(invitations[0]["invited_by"], c.anna.id);
    // The invitee learns who asks them in: a name and organisation, never the address.
    let inviter = &invitations[0]["inviter"];
    assert_eq!(inviter["id"], c.anna.id, "{invitations}");
    assert_eq!(inviter["display_name"], format!("Person {}", c.anna.id));
    assert!(
        !invitations.to_string().contains("@example.org"),
        "{invitations}"
    );
    // Nobody else can accept it.
    let res = c.accept(&invitations[0], &c.carl).await;
    assert_problem(res, 404, "not-found").await;
    let joined = json_of(c.accept(&invitations[0], &c.ben).await, 200).await;
    assert_eq!(joined["role"], "member");
}

async fn a_public_channel_and_its_history_are_readable_anonymously(backend: Backend) {
    let c = Circle::new(backend).await;
    get(&c.app, &format!("/api/v1/channels/{}", c.public), None).await;
    get(
        &c.app,
        &format!("/api/v1/channels/{}/messages", c.public),
        None,
    )
    .await;
}

async fn a_private_channel_is_readable_only_by_its_members(backend: Backend) {
    let c = Circle::new(backend).await;
    c.ben_accepts().await;
    let res = c.on(Method::GET, c.private, "", Some(&c.carl), None).await;
    assert_problem(res, 403, "forbidden").await;
    let private = format!("/api/v1/channels/{}", c.private);
    get(&c.app, &private, Some(&c.ben)).await;
}

async fn the_channel_list_shows_strangers_only_public_channels(backend: Backend) {
    let c = Circle::new(backend).await;
    assert_eq!(len(&get(&c.app, "/api/v1/channels", None).await), 1);
}

async fn mine_lists_only_the_channels_one_is_a_member_of(backend: Backend) {
    let c = Circle::new(backend).await;
    c.ben_accepts().await;
    let mine = get(&c.app, "/api/v1/channels?mine=true", Some(&c.ben)).await;
    assert_eq!(len(&mine), 1);
}

async fn anyone_joins_a_public_channel_but_nobody_joins_a_private_one(backend: Backend) {
    let c = Circle::new(backend).await;
    let res = c
        .on(Method::POST, c.public, "/join", Some(&c.carl), None)
        .await;
    json_of(res, 200).await;
    let res = c
        .on(Method::POST, c.private, "/join", Some(&c.carl), None)
        .await;
    assert_problem(res, 403, "forbidden").await;
}

async fn a_plain_member_cannot_invite(backend: Backend) {
    let c = Circle::new(backend).await;
    c.ben_accepts().await;
    let body = json!({"user_id": c.carl.id});
    let res = c
        .on(
            Method::POST,
            c.private,
            "/invitations",
            Some(&c.ben),
            Some(body),
        )
        .await;
    assert_problem(res, 403, "forbidden").await;
}

async fn changing_the_role_of_a_non_member_does_not_add_them(backend: Backend) {
    let c = Circle::new(backend).await;
    let body = json!({"user_id": c.carl.id, "role": "moderator"});
    let res = c
        .on(
            Method::POST,
            c.private,
            "/members",
            Some(&c.anna),
            Some(body),
        )
        .await;
    assert_problem(res, 404, "not-found").await;
}

async fn an_invited_moderator_sees_every_member(backend: Backend) {
    let c = Circle::new(backend).await;
    c.ben_accepts().await;
    invite_and_accept(&c.app, &c.anna, c.private, &c.carl, "moderator").await;
    let members = format!("/api/v1/channels/{}/members", c.private);
    assert_eq!(len(&get(&c.app, &members, Some(&c.carl)).await), 3);
}

async fn the_owner_cannot_leave_but_a_member_can(backend: Backend) {
    let c = Circle::new(backend).await;
    join(&c.app, &c.carl, c.public).await;
    let res = c
        .on(Method::POST, c.public, "/leave", Some(&c.anna), None)
        .await;
    assert_problem(res, 409, "conflict").await;
    let res = c
        .on(Method::POST, c.public, "/leave", Some(&c.carl), None)
        .await;
    assert_eq!(res.status(), 204);
}

async fn the_owner_renames_a_channel(backend: Backend) {
    let c = Circle::new(backend).await;
    let body = json!({"name": "Kernteam Meldewesen"});
    let res = c
        .on(Method::PATCH, c.private, "", Some(&c.anna), Some(body))
        .await;
    assert_eq!(json_of(res, 200).await["name"], "Kernteam Meldewesen");
}

async fn only_the_owner_deletes_a_channel_not_a_moderator(backend: Backend) {
    let c = Circle::new(backend).await;
    invite_and_accept(&c.app, &c.anna, c.private, &c.carl, "moderator").await;
    let res = c
        .on(Method::DELETE, c.private, "", Some(&c.carl), None)
        .await;
    assert_problem(res, 403, "forbidden").await;
    let res = c
        .on(Method::DELETE, c.private, "", Some(&c.anna), None)
        .await;
    assert_eq!(res.status(), 204);
    let res = c.on(Method::GET, c.private, "", Some(&c.anna), None).await;
    assert_problem(res, 404, "not-found").await;
}

on_both_backends!(
    anonymous_callers_cannot_create_a_channel,
    a_seeker_cannot_create_a_forum,
    a_qa_channel_needs_a_solution,
    the_creator_owns_a_new_channel,
    members_are_invited_not_added,
    a_public_channel_and_its_history_are_readable_anonymously,
    a_private_channel_is_readable_only_by_its_members,
    the_channel_list_shows_strangers_only_public_channels,
    mine_lists_only_the_channels_one_is_a_member_of,
    anyone_joins_a_public_channel_but_nobody_joins_a_private_one,
    a_plain_member_cannot_invite,
    changing_the_role_of_a_non_member_does_not_add_them,
    an_invited_moderator_sees_every_member,
    the_owner_cannot_leave_but_a_member_can,
    the_owner_renames_a_channel,
    only_the_owner_deletes_a_channel_not_a_moderator,
);
