//! Interest in solutions and needs (Interessenbekundung) on SQLite and PostgreSQL: members
//! express their organisation's interest, change and withdraw it; everybody sees the
//! aggregate, the provider's members see names; the provider hears of it live; bad input,
//! foreign organisations and floods are refused with problem+json.

use std::time::Duration;

use matchraum_tests::ws::{rt_config, Ws};
use matchraum_tests::{
    assert_problem, on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

mod expressing;
mod visibility;

/// A catalogue with a provider, its solution and three interested organisations.
pub(crate) struct Scene {
    pub app: TestApp,
    pub op: TestUser,
    pub provider_org: i64,
    pub solution: i64,
    /// (organisation, a member of it)
    pub orgs: Vec<(i64, TestUser)>,
    pub provider: TestUser,
}

pub(crate) async fn call(
    app: &TestApp,
    m: Method,
    path: &str,
    u: Option<&TestUser>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut rb = app.request(m, path, u);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

pub(crate) async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let url = res.url().to_string();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{url}: {body}");
    body
}

pub(crate) async fn create(app: &TestApp, op: &TestUser, path: &str, body: Value) -> i64 {
    json_of(
        call(app, Method::POST, path, Some(op), Some(body)).await,
        201,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

pub(crate) async fn organisation(app: &TestApp, op: &TestUser, name: &str, kind: &str) -> i64 {
    create(
        app,
        op,
        "/api/v1/organisations",
        json!({"name": name, "kind": kind, "land": "Hessen"}),
    )
    .await
}

pub(crate) async fn scene_with(
    b: Backend,
    tweak: impl FnOnce(&mut matchraum::config::Config),
) -> Scene {
    let app = spawn_app_with(b, |c| {
        rt_config(c);
        tweak(c);
    })
    .await;
    let op = app.operator().await;
    let provider_org = organisation(&app, &op, "ekom21", "it_dienstleister").await;
    let solution = create(
        &app,
        &op,
        "/api/v1/solutions",
        json!({"title": "Online-Wohnsitzanmeldung", "kind": "online_service", "provider_id": provider_org}),
    )
    .await;
    let mut orgs = Vec::new();
    for (name, kind) in [
        ("Stadt Kassel", "kommune"),
        ("Gemeinde Fuldatal", "kommune"),
        ("Land Hessen", "land"),
    ] {
        let id = organisation(&app, &op, name, kind).await;
        orgs.push((id, app.user(Role::Seeker, Some(id)).await));
    }
    let provider = app.user(Role::Provider, Some(provider_org)).await;
    Scene {
        app,
        op,
        provider_org,
        solution,
        orgs,
        provider,
    }
}

async fn scene(b: Backend) -> Scene {
    scene_with(b, |_| {}).await
}

pub(crate) async fn express(
    app: &TestApp,
    u: &TestUser,
    solution: i64,
    body: Value,
) -> reqwest::Response {
    call(
        app,
        Method::PUT,
        &format!("/api/v1/solutions/{solution}/interest"),
        Some(u),
        Some(body),
    )
    .await
}
