//! Concurrency of the embedded database: parallel writes lose nothing.

use matchraum_tests::{on_both_backends, spawn_app_with, Backend};

on_both_backends!(concurrent_writes_lose_nothing);

async fn status_of(rb: reqwest::RequestBuilder) -> u16 {
    rb.send().await.expect("request").status().as_u16()
}

fn no_server_errors(what: &str, statuses: &[u16]) {
    assert!(
        statuses.iter().all(|s| *s < 500),
        "{what}: server errors among {statuses:?}"
    );
}

/// The embedded default under concurrency: SQLite used to answer 16 of 20 parallel channel
/// deletes and 11 of 16 parallel invitation accepts with 500 "database is locked".
async fn concurrent_writes_lose_nothing(b: Backend) {
    use futures_util::future::join_all;
    use matchraum_tests::Role;
    use reqwest::Method;
    use serde_json::{json, Value};
    let app = spawn_app_with(b, matchraum_tests::ws::rt_config).await;
    let op = app.operator().await;

    // 20 channels deleted at once, and one channel deleted 10 times at once.
    let mut ids = Vec::new();
    for i in 0..21 {
        let res = app
            .request(Method::POST, "/api/v1/channels", Some(&op))
            .json(&json!({"kind": "community", "visibility": "public", "name": format!("c{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        ids.push(res.json::<Value>().await.unwrap()["id"].as_i64().unwrap());
    }
    let last = ids.pop().unwrap();
    let deletes = ids.iter().map(|id| {
        status_of(app.request(Method::DELETE, &format!("/api/v1/channels/{id}"), Some(&op)))
    });
    let statuses = join_all(deletes).await;
    assert_eq!(statuses, vec![204; 20], "parallel deletes of 20 channels");
    let same = (0..10).map(|_| {
        status_of(app.request(
            Method::DELETE,
            &format!("/api/v1/channels/{last}"),
            Some(&op),
        ))
    });
    let statuses = join_all(same).await;
    assert!(
        statuses.iter().all(|s| matches!(s, 204 | 404)),
        "parallel deletes of one channel: {statuses:?}"
    );
    for id in ids.iter().chain([&last]) {
        let res = app
            .request(Method::GET, &format!("/api/v1/channels/{id}"), Some(&op))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "channel {id} is gone");
    }

    // 16 invitations accepted at once.
    let org = app
        .request(Method::POST, "/api/v1/organisations", Some(&op))
        .json(&json!({"name": "Stadt Parallel", "kind": "kommune"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let mut invited = Vec::new();
    for _ in 0..16 {
        let user = app.user(Role::Seeker, None).await;
        let res = app
            .request(
                Method::POST,
                &format!("/api/v1/organisations/{org}/invitations"),
                Some(&op),
            )
            .json(&json!({"email": user.email}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let token = res.json::<Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        invited.push((user, token));
    }
    let accepts = invited.iter().map(|(u, t)| {
        status_of(
            app.request(Method::POST, "/api/v1/invitations/accept", Some(u))
                .json(&json!({"token": t})),
        )
    });
    assert_eq!(join_all(accepts).await, vec![200; 16], "parallel accepts");
    for (u, _) in &invited {
        let me: Value = app
            .request(Method::GET, "/api/v1/me", Some(u))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me["memberships"][0]["organisation_id"], org, "{me}");
    }

    // 16 members send 4 messages each, all at once: every one stored, seqs without gaps.
    let ch = app
        .request(Method::POST, "/api/v1/channels", Some(&op))
        .json(&json!({"kind": "community", "visibility": "public", "name": "busy"}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let joins = invited.iter().map(|(u, _)| {
        status_of(app.request(
            Method::POST,
            &format!("/api/v1/channels/{ch}/join"),
            Some(u),
        ))
    });
    no_server_errors("parallel joins", &join_all(joins).await);
    let app_ref = &app;
    let sends = invited.iter().flat_map(|(u, _)| {
        (0..4).map(move |i| {
            let app = app_ref;
            status_of(
                app.request(
                    Method::POST,
                    &format!("/api/v1/channels/{ch}/messages"),
                    Some(u),
                )
                .json(&json!({"body": format!("Nachricht {i} von {}", u.id)})),
            )
        })
    });
    assert_eq!(join_all(sends).await, vec![201; 64], "parallel sends");
    let history: Value = app
        .request(
            Method::GET,
            &format!("/api/v1/channels/{ch}/messages?limit=100"),
            Some(&op),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut seqs: Vec<i64> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["seq"].as_i64().unwrap())
        .collect();
    seqs.sort_unstable();
    assert_eq!(
        seqs,
        (1..=64).collect::<Vec<_>>(),
        "every message stored once, in order"
    );
}
