//! People in a channel by id (`GET /channels/{id}/people`) and the people search for
//! invitations (`GET /people`), on SQLite and PostgreSQL: the channel's read policy
//! applies, lists are bounded, deleted accounts are flagged, and no e-mail address leaves.

use matchraum_tests::ws::{channel, join, rt_config};
use matchraum_tests::{
    assert_problem, on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser, PASSWORD,
};
use reqwest::Method;
use serde_json::{json, Value};

/// Registers an account with `name` as its display name and signs it in.
async fn named(app: &TestApp, name: &str, org: Option<i64>) -> TestUser {
    let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": email, "password": PASSWORD, "display_name": name}),
        )
        .await;
    assert_eq!(res.status(), 202, "{:?}", res.text().await);
    if let Some(org) = org {
        let id = matchraum::auth::store::find_by_email(&app.db.conn, &email)
            .await
            .unwrap()
            .unwrap()
            .id;
        matchraum::auth::store::add_member(&app.db.conn, id, org, matchraum::auth::OrgRole::Member)
            .await
            .unwrap();
    }
    app.login(&email, PASSWORD).await
}

async fn people(app: &TestApp, who: Option<&TestUser>, ch: i64, ids: &[i64]) -> reqwest::Response {
    let ids: Vec<String> = ids.iter().map(i64::to_string).collect();
    app.request(
        Method::GET,
        &format!("/api/v1/channels/{ch}/people?ids={}", ids.join(",")),
        who,
    )
    .send()
    .await
    .unwrap()
}

async fn say(app: &TestApp, who: &TestUser, ch: i64, body: &str) {
    let res = app
        .request(
            Method::POST,
            &format!("/api/v1/channels/{ch}/messages"),
            Some(who),
        )
        .json(&json!({"body": body}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
}

async fn organisation(app: &TestApp, op: &TestUser, name: &str) -> i64 {
    let res = app
        .request(Method::POST, "/api/v1/organisations", Some(op))
        .json(&json!({"name": name, "kind": "kommune"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
}

/// Deleting an account takes the session (a token needs the `admin` scope).
async fn delete_account(app: &TestApp, who: &TestUser) -> reqwest::Response {
    who.with_cookie(app.client.delete(app.url("/api/v1/me")))
        .send()
        .await
        .unwrap()
}

fn assert_no_email(body: &str, users: &[&TestUser]) {
    assert!(!body.contains('@'), "an address leaked: {body}");
    for u in users {
        assert!(!body.contains(&u.email), "{} leaked: {body}", u.email);
    }
}

async fn names_of_members_and_authors(backend: Backend) {
    let app = spawn_app_with(backend, rt_config).await;
    let op = app.operator().await;
    let org = organisation(&app, &op, "Stadt Musterstadt").await;
    let anna = named(&app, "Anna Amsel", Some(org)).await;
    let ben = named(&app, "Ben Buche", None).await;
    let outsider = named(&app, "Olaf Außen", None).await;
    let unnamed = app.user(Role::Seeker, None).await;
    let ch = channel(&app, &anna, "community", "public").await;
    join(&app, &ben, ch).await;
    join(&app, &unnamed, ch).await;
    say(&app, &ben, ch, "Hallo").await;

    let ids = [anna.id, ben.id, unnamed.id, outsider.id, 999_999];
    let res = people(&app, Some(&ben), ch, &ids).await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert_no_email(&body, &[&anna, &ben, &unnamed, &outsider]);
    let list: Value = serde_json::from_str(&body).unwrap();
    let list = list.as_array().unwrap();
    // The outsider and the unknown id are neither members nor authors: left out.
    assert_eq!(list.len(), 3, "{body}");
    let by_id = |id: i64| list.iter().find(|p| p["id"] == id).unwrap().clone();
    assert_eq!(by_id(anna.id)["display_name"], "Anna Amsel");
    assert_eq!(by_id(anna.id)["organisation"], "Stadt Musterstadt");
    assert_eq!(by_id(ben.id)["display_name"], "Ben Buche");
    assert_eq!(by_id(ben.id)["organisation"], Value::Null);
    assert_eq!(
        by_id(unnamed.id)["display_name"],
        format!("Person {}", unnamed.id)
    );
    assert!(list.iter().all(|p| p["deleted"] == false));
    // A public channel's people are as public as its messages.
    assert_eq!(people(&app, None, ch, &[anna.id]).await.status(), 200);

    // An author who left stays known by the messages; a deleted account is flagged and
    // has lost its name.
    let res = delete_account(&app, &ben).await;
    assert_eq!(res.status(), 204);
    let list: Value = people(&app, Some(&anna), ch, &[ben.id])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["deleted"], true, "{list}");
    assert_eq!(list[0]["display_name"], format!("Person {}", ben.id));
}

async fn the_read_policy_and_bounds_apply(backend: Backend) {
    let app = spawn_app_with(backend, rt_config).await;
    let anna = named(&app, "Anna Amsel", None).await;
    let outsider = named(&app, "Olaf Außen", None).await;
    let private = channel(&app, &anna, "community", "members").await;
    // Not a member, signed in or not: refused exactly as its messages are; an unknown
    // channel is not found.
    let messages = format!("/api/v1/channels/{private}/messages");
    for who in [Some(&outsider), None] {
        let history = app
            .request(Method::GET, &messages, who)
            .send()
            .await
            .unwrap();
        assert_eq!(history.status(), 403);
        assert_problem(
            people(&app, who, private, &[anna.id]).await,
            403,
            "forbidden",
        )
        .await;
    }
    assert_problem(
        people(&app, Some(&anna), 987_654, &[anna.id]).await,
        404,
        "not-found",
    )
    .await;

    let many: Vec<i64> = (1..=101).collect();
    let body = assert_problem(
        people(&app, Some(&anna), private, &many).await,
        400,
        "invalid-query",
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("100"), "{body}");
    let hundred: Vec<i64> = (1..=100).collect();
    assert_eq!(
        people(&app, Some(&anna), private, &hundred).await.status(),
        200
    );
    let res = app
        .request(
            Method::GET,
            &format!("/api/v1/channels/{private}/people?ids=1,x"),
            Some(&anna),
        )
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid-query").await;
}

async fn search(app: &TestApp, who: Option<&TestUser>, q: &str) -> reqwest::Response {
    app.request(Method::GET, "/api/v1/people", who)
        .query(&[("q", q)])
        .send()
        .await
        .unwrap()
}

async fn searching_people_finds_names_and_whole_addresses_only(backend: Backend) {
    let app = spawn_app_with(backend, |c| {
        rt_config(c);
        // Limits count in fixed slots of the window: a long one keeps a slot boundary from
        // falling between the searches.
        c.rate.window_secs = 3600;
        c.rate.people_search_per_account = 30;
    })
    .await;
    let anna = named(&app, "Anna Amsel", None).await;
    let berta = named(&app, "Berta Buchfink", None).await;
    let gone = named(&app, "Bertram Gelöscht", None).await;
    let res = delete_account(&app, &gone).await;
    assert_eq!(res.status(), 204);

    let res = search(&app, Some(&anna), "buchf").await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert_no_email(&body, &[&berta]);
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{body}");
    assert_eq!(list[0]["id"], berta.id);
    assert_eq!(list[0]["display_name"], "Berta Buchfink");
    // Deleted accounts and the caller are not found.
    let list: Value = search(&app, Some(&anna), "ert").await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    let list: Value = search(&app, Some(&anna), "Anna")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]));
    // The whole address finds the account, part of it finds nothing.
    let list: Value = search(&app, Some(&anna), &berta.email.to_uppercase())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], berta.id, "{list}");
    let local = berta.email.split('@').next().unwrap();
    let list: Value = search(&app, Some(&anna), local).await.json().await.unwrap();
    assert_eq!(list, json!([]));
    let list: Value = search(&app, Some(&anna), "example.org")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list, json!([]));

    assert_problem(
        search(&app, Some(&anna), " b ").await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(search(&app, None, "Berta").await, 401, "unauthorized").await;
    // Bounded per account: 30 a window.
    let mut last = 200;
    for _ in 0..30 {
        last = search(&app, Some(&berta), "Anna").await.status().as_u16();
    }
    assert_eq!(last, 200);
    assert_problem(
        search(&app, Some(&berta), "Anna").await,
        429,
        "rate-limited",
    )
    .await;
}

on_both_backends!(
    names_of_members_and_authors,
    the_read_policy_and_bounds_apply,
    searching_people_finds_names_and_whole_addresses_only
);
