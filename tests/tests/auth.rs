//! Accounts, roles and the security baseline on SQLite and PostgreSQL: registration and
//! login without user enumeration, sessions with CSRF protection, tokens and their
//! revocation across instances, the permission matrix of the catalogue, private needs that
//! do not leak, invitations, roles, the audit log, rate limits, export and deletion.

use matchraum::auth::OrgRole;
use matchraum_tests::{
    assert_problem, attach_app, cookies_of, on_both_backends, spawn_app_with, Backend, Role,
    TestApp, TestUser, PASSWORD,
};
use reqwest::Method;
use serde_json::{json, Value};

mod account_data;
mod organisations;
mod permissions;
mod sessions;

async fn app(b: Backend) -> TestApp {
    spawn_app_with(b, |c| c.matching.enabled = false).await
}

async fn send(rb: reqwest::RequestBuilder) -> reqwest::Response {
    rb.send().await.expect("request")
}

async fn status(rb: reqwest::RequestBuilder) -> u16 {
    send(rb).await.status().as_u16()
}

async fn created_id(rb: reqwest::RequestBuilder) -> i64 {
    let res = send(rb).await;
    let st = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(st, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn org(app: &TestApp, op: &TestUser, name: &str) -> i64 {
    created_id(
        app.request(Method::POST, "/api/v1/organisations", Some(op))
            .json(&json!({"name": name, "kind": "kommune"})),
    )
    .await
}
