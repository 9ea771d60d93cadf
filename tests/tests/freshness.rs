//! Minimum requirements and freshness (issue 12) on SQLite and PostgreSQL: a solution lists
//! the requirements of its kind it misses, is stale when never verified or verified longer
//! ago than `MATCHRAUM_STALE_AFTER_MONTHS`, lists filter and sort by freshness, and the
//! provider's members confirm "Angaben sind noch aktuell" (audited).

use matchraum_tests::{
    assert_problem, on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    missing_requirements_follow_the_kind,
    stale_entries_are_marked_filtered_and_verified,
);

async fn app(b: Backend) -> TestApp {
    spawn_app_with(b, |c| {
        c.matching.enabled = false;
        c.catalog.stale_after_months = 6;
    })
    .await
}

async fn send(
    app: &TestApp,
    u: Option<&TestUser>,
    m: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut rb = app.request(m, path, u);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(got, status, "{body}");
    body
}

async fn missing_requirements_follow_the_kind(b: Backend) {
    let app = app(b).await;
    let op = app.operator().await;
    let s = json_of(
        send(&app, Some(&op), Method::POST, "/api/v1/solutions", Some(json!({"title": "Ratsinfo", "kind": "software", "licence": "EUPL-1.2", "summary": "Sitzungen"}))).await,
        201,
    )
    .await;
    assert_eq!(
        s["missing"],
        json!(["maturity", "contact", "documentation_url", "code_url"]),
        "{s}"
    );
    assert_eq!(s["completeness"], 0.33);
    let id = s["id"].as_i64().unwrap();
    let s = json_of(
        send(
            &app,
            Some(&op),
            Method::PUT,
            &format!("/api/v1/solutions/{id}"),
            Some(json!({"title": "Ratsinfo", "kind": "online_service", "licence": "EUPL-1.2", "summary": "Sitzungen", "reuse_model": "efa"})),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        s["missing"],
        json!(["costs_model", "standards", "contact", "provider", "url"]),
        "{s}"
    );
    assert_eq!(
        s["completeness"], 0.29,
        "licence does not count for an online service"
    );
}

async fn stale_entries_are_marked_filtered_and_verified(b: Backend) {
    let app = app(b).await;
    let op = app.operator().await;
    let org = json_of(
        send(
            &app,
            Some(&op),
            Method::POST,
            "/api/v1/organisations",
            Some(json!({"name": "Dataport", "kind": "it_dienstleister"})),
        )
        .await,
        201,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let old = (chrono::Utc::now() - chrono::Duration::days(200)).to_rfc3339();
    let recent = (chrono::Utc::now() - chrono::Duration::days(10)).to_rfc3339();
    let mut ids = vec![];
    for (title, verified) in [
        ("Nie geprüft", None),
        ("Alt geprüft", Some(old)),
        ("Frisch geprüft", Some(recent)),
    ] {
        let s = json_of(
            send(
                &app,
                Some(&op),
                Method::POST,
                "/api/v1/solutions",
                Some(json!({"title": title, "kind": "software", "provider_id": org, "last_verified_at": verified})),
            )
            .await,
            201,
        )
        .await;
        ids.push(s["id"].as_i64().unwrap());
    }
    let titles = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["title"].as_str().unwrap().to_owned())
            .collect()
    };
    let stale = json_of(
        app.get("/api/v1/solutions?stale=true&sort=title").await,
        200,
    )
    .await;
    assert_eq!(titles(&stale), ["Alt geprüft", "Nie geprüft"], "{stale}");
    assert!(stale["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["stale"] == true));
    let fresh = json_of(app.get("/api/v1/solutions?stale=false").await, 200).await;
    assert_eq!(titles(&fresh), ["Frisch geprüft"]);
    assert_eq!(fresh["items"][0]["stale"], false);
    // Oldest first, the never verified before all.
    let by_age = json_of(
        app.get("/api/v1/solutions?sort=last_verified_at").await,
        200,
    )
    .await;
    assert_eq!(
        titles(&by_age),
        ["Nie geprüft", "Alt geprüft", "Frisch geprüft"]
    );
    let newest = json_of(
        app.get("/api/v1/solutions?sort=-last_verified_at").await,
        200,
    )
    .await;
    assert_eq!(
        titles(&newest),
        ["Frisch geprüft", "Alt geprüft", "Nie geprüft"]
    );

    // The provider's member confirms; others may not.
    let verify = format!("/api/v1/solutions/{}/verify", ids[1]);
    let member = app.user(Role::Provider, Some(org)).await;
    let other = app.user(Role::Provider, None).await;
    assert_problem(
        send(&app, Some(&other), Method::POST, &verify, None).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        send(&app, None, Method::POST, &verify, None).await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        send(
            &app,
            Some(&member),
            Method::POST,
            "/api/v1/solutions/999999/verify",
            None,
        )
        .await,
        404,
        "not-found",
    )
    .await;
    let before = json_of(app.get(&format!("/api/v1/solutions/{}", ids[1])).await, 200).await;
    assert_eq!(before["stale"], true);
    let s = json_of(
        send(&app, Some(&member), Method::POST, &verify, None).await,
        200,
    )
    .await;
    assert_eq!(s["stale"], false, "{s}");
    assert_eq!(
        s["updated_at"], before["updated_at"],
        "a confirmation is not an edit"
    );
    let at: chrono::DateTime<chrono::Utc> =
        s["last_verified_at"].as_str().unwrap().parse().unwrap();
    assert!((chrono::Utc::now() - at).num_seconds() < 60);
    let stale = json_of(app.get("/api/v1/solutions?stale=true").await, 200).await;
    assert_eq!(titles(&stale), ["Nie geprüft"]);

    let audit = json_of(
        send(
            &app,
            Some(&op),
            Method::GET,
            "/api/v1/audit?action=solution.verified",
            None,
        )
        .await,
        200,
    )
    .await;
    let items = audit["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{audit}");
    assert_eq!(items[0]["target"], format!("solution:{}", ids[1]));
    assert_eq!(items[0]["actor_id"], member.id);
}
