//! Verified usages and experience reports on SQLite and PostgreSQL: a usage said by
//! someone outside the using organisation is a claim until a member confirms it; members
//! reject claims about themselves; confirmations fall due; experience reports are written
//! by the using organisation; every change is audited.

use matchraum_tests::{
    assert_problem, eventually, on_both_backends, spawn_app_with, status_and_json, Backend, Role,
    TestApp, TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

mod boost;
mod claims;
mod experience;
mod notices;

async fn app(b: Backend) -> TestApp {
    spawn_app_with(b, |c| c.matching.enabled = false).await
}

async fn send(
    app: &TestApp,
    m: Method,
    path: &str,
    user: Option<&TestUser>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut rb = app.request(m, path, user);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    status_and_json(rb.send().await.expect("request")).await
}

struct World {
    op: TestUser,
    city: i64,
    provider: i64,
    solution: i64,
    other_solution: i64,
}

async fn world(app: &TestApp) -> World {
    let op = app.operator().await;
    let city = app
        .created(
            "/api/v1/organisations",
            &op,
            json!({"name": "Stadt Kassel", "kind": "kommune", "land": "Hessen"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let provider = app
        .created(
            "/api/v1/organisations",
            &op,
            json!({"name": "ekom21", "kind": "it_dienstleister", "land": "Hessen"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let solution = app
        .created(
            "/api/v1/solutions",
            &op,
            json!({"title": "Hundesteuer online", "provider_id": provider}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let other_solution = app
        .created(
            "/api/v1/solutions",
            &op,
            json!({"title": "Kita-Portal", "provider_id": provider}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    World {
        op,
        city,
        provider,
        solution,
        other_solution,
    }
}

async fn audit_actions(app: &TestApp, op: &TestUser) -> Vec<(String, String)> {
    let (_, log) = send(app, Method::GET, "/api/v1/audit?limit=500", Some(op), None).await;
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["target"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}
