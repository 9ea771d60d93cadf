//! Response headers: HSTS, caching of secrets, CORS preflights.

use matchraum_tests::{spawn_app, spawn_app_with, Backend};

use super::header;

/// HSTS is on by default behind TLS (Secure cookies) and off on plain-HTTP development.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hsts_follows_secure_cookies() {
    let app = spawn_app_with(Backend::Sqlite, |c| c.http.cookie_secure = true).await;
    let res = app.get("/healthz").await;
    assert_eq!(
        header(&res, "strict-transport-security"),
        Some("max-age=31536000; includeSubDomains")
    );
    let res = app.get("/api/v1/nothing-here").await;
    assert!(
        header(&res, "strict-transport-security").is_some(),
        "errors too"
    );
    let plain = spawn_app(Backend::Sqlite).await; // cookie_secure = false in tests
    assert_eq!(
        header(&plain.get("/healthz").await, "strict-transport-security"),
        None
    );
    let off = spawn_app_with(Backend::Sqlite, |c| {
        c.http.cookie_secure = true;
        c.http.hsts_max_age_secs = 0;
    })
    .await;
    assert_eq!(
        header(&off.get("/healthz").await, "strict-transport-security"),
        None
    );
}

/// Login, token and export answers carry secrets or personal data: never cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_and_exports_are_not_stored_by_caches() {
    let app = spawn_app(Backend::Sqlite).await;
    let user = app.user(matchraum_tests::Role::Seeker, None).await;
    let res = app
        .post_json(
            "/api/v1/auth/login",
            &serde_json::json!({"email": user.email, "password": matchraum_tests::PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "cache-control"), Some("no-store"), "login");
    let res = user
        .with_cookie(app.client.post(app.url("/api/v1/me/tokens")))
        .json(&serde_json::json!({"name": "ci", "scopes": ["read"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(
        header(&res, "cache-control"),
        Some("no-store"),
        "token creation"
    );
    for path in ["/api/v1/me/tokens", "/api/v1/me/export"] {
        let res = user
            .with_token(app.client.get(app.url(path)))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(header(&res, "cache-control"), Some("no-store"), "{path}");
    }
}

/// With CORS configured, a browser may send every method the API has, PATCH included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_preflights_allow_patch() {
    let origin = "https://ui.example.org";
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.http.cors_origins = vec![origin.into()]
    })
    .await;
    for method in ["PATCH", "PUT", "DELETE", "POST"] {
        let res = app
            .client
            .request(reqwest::Method::OPTIONS, app.url("/api/v1/channels/1"))
            .header("origin", origin)
            .header("access-control-request-method", method)
            .header(
                "access-control-request-headers",
                "content-type, x-csrf-token",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{method} preflight");
        assert_eq!(header(&res, "access-control-allow-origin"), Some(origin));
        let allowed = header(&res, "access-control-allow-methods").unwrap_or("");
        assert!(allowed.contains(method), "{method} not in {allowed}");
    }
}
