//! Community REST API on SQLite and PostgreSQL, as a specification: one module an area,
//! one test a behaviour, each named as the sentence it proves. Every test starts its own
//! server (without the matcher), so a test sets up only what its behaviour needs.

mod direct;
mod history;
mod membership;
mod moderation;
mod qa;

use matchraum_tests::ws::rt_config;
use matchraum_tests::{spawn_app_with, Backend, Role, TestApp, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

/// The real server on a fresh database of `backend`, without rate limits or the model.
async fn spawn(backend: Backend) -> TestApp {
    spawn_app_with(backend, rt_config).await
}

/// A request as `u` by bearer token (or anonymous), with an optional JSON body.
async fn call(
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

/// Asserts the answer's status; its JSON body (null when it has none).
async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

/// `GET path` as `u` (or anonymous), answered with 200; the body.
async fn get(app: &TestApp, path: &str, u: Option<&TestUser>) -> Value {
    json_of(call(app, Method::GET, path, u, None).await, 200).await
}

/// `POST /api/v1/channels` as `u`, answered with 201; the new channel.
async fn create(app: &TestApp, u: &TestUser, body: Value) -> Value {
    json_of(
        call(app, Method::POST, "/api/v1/channels", Some(u), Some(body)).await,
        201,
    )
    .await
}

/// A new message (answered with 201) by `u` in channel `ch`; the stored message.
async fn post(app: &TestApp, u: &TestUser, ch: i64, body: Value) -> Value {
    json_of(
        call(
            app,
            Method::POST,
            &format!("/api/v1/channels/{ch}/messages"),
            Some(u),
            Some(body),
        )
        .await,
        201,
    )
    .await["message"]
        .clone()
}

/// The `id` of a channel or message as returned by the API.
fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

/// The length of a JSON list.
fn len(v: &Value) -> usize {
    v.as_array()
        .unwrap_or_else(|| panic!("not a list: {v}"))
        .len()
}

/// An operator's organisation offers one solution; a provider belongs to it, and a seeker
/// is looking.
struct Offer {
    app: TestApp,
    solution: i64,
    provider: TestUser,
    seeker: TestUser,
}

impl Offer {
    async fn new(backend: Backend) -> Self {
        let app = spawn(backend).await;
        let op = app.operator().await;
        let org = json!({"name": "Stadt Musterstadt", "kind": "kommune"});
        let org = id(&as_operator(&app, &op, "/api/v1/organisations", org).await);
        let solution = json!({"title": "Online-Wohnsitzanmeldung", "kind": "online_service",
                              "provider_id": org, "summary": "Anmeldung online"});
        let solution = id(&as_operator(&app, &op, "/api/v1/solutions", solution).await);
        let provider = app.user(Role::Provider, Some(org)).await;
        let seeker = app.user(Role::Seeker, None).await;
        Offer {
            app,
            solution,
            provider,
            seeker,
        }
    }
}

/// `POST path` as the operator, answered with 201; the new record.
async fn as_operator(app: &TestApp, op: &TestUser, path: &str, body: Value) -> Value {
    json_of(
        call(app, Method::POST, path, Some(op), Some(body)).await,
        201,
    )
    .await
}
