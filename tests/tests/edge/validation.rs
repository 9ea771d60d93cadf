//! URL and emoji validation: links and reactions take only what they name.

use matchraum_tests::{assert_problem, on_both_backends, spawn_app_with, Backend};

on_both_backends!(links_and_reactions_take_only_what_they_name);

/// `javascript:` and `data:` links used to be stored and exported, and a reaction could be
/// any 32 bytes (`<script>`, NUL, `../../x`).
async fn links_and_reactions_take_only_what_they_name(b: Backend) {
    use reqwest::Method;
    use serde_json::{json, Value};
    let app = spawn_app_with(b, matchraum_tests::ws::rt_config).await;
    let op = app.operator().await;
    let post = |path: &'static str, body: Value| {
        app.request(Method::POST, path, Some(&op))
            .json(&body)
            .send()
    };
    for (path, field, body) in [
        (
            "/api/v1/solutions",
            "url",
            json!({"title": "T", "url": "javascript:alert(1)"}),
        ),
        (
            "/api/v1/solutions",
            "documentation_url",
            json!({"title": "T", "documentation_url": "data:text/html,<script>alert(1)</script>"}),
        ),
        (
            "/api/v1/organisations",
            "website",
            json!({"name": "N", "kind": "kommune", "website": "JaVaScRiPt:alert(1)"}),
        ),
    ] {
        let res = post(path, body).await.unwrap();
        let problem = assert_problem(res, 422, "validation-failed").await;
        assert_eq!(problem["field"], field, "{problem}");
    }
    let res = post(
        "/api/v1/solutions",
        json!({"title": "T", "url": "https://example.org/t"}),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 201);

    let ch: Value = post(
        "/api/v1/channels",
        json!({"kind": "community", "visibility": "public", "name": "r"}),
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let path = format!("/api/v1/channels/{}/messages", ch["id"]);
    let msg: Value = app
        .request(Method::POST, &path, Some(&op))
        .json(&json!({"body": "Hallo"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = msg["id"]
        .as_i64()
        .or(msg["message"]["id"].as_i64())
        .expect("message id");
    let react = |emoji: &str| {
        app.request(
            Method::PUT,
            &format!("/api/v1/messages/{id}/reactions/{emoji}"),
            Some(&op),
        )
        .send()
    };
    for bad in ["%3Cscript%3E", "%00", "..%2F..%2Fx", "a"] {
        assert_problem(react(bad).await.unwrap(), 422, "validation-failed").await;
    }
    assert_eq!(react("%F0%9F%91%8D").await.unwrap().status(), 200, "👍");
}
