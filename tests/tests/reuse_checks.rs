//! The documented reuse check (issue 12) on SQLite and PostgreSQL: saved from a search with
//! a snapshot of each candidate, decided, given an outcome, closed (then frozen: 409), and
//! exported as Markdown and printable HTML; only the organisation's members (and
//! operators, read-only) see it; bad input is a clear 4xx; creation is rate limited.

use matchraum_tests::ws::channel;
use matchraum_tests::{
    assert_problem, on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

mod access;
mod lifecycle;
mod radar;

/// The flows need no model: an instance without the matcher starts faster.
async fn app(b: Backend) -> TestApp {
    spawn_app_with(b, |c| c.matching.enabled = false).await
}

async fn call(
    app: &TestApp,
    user: Option<&TestUser>,
    m: Method,
    path: impl Into<String>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut rb = app.request(m, &path.into(), user);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

async fn created(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

/// A seeker organisation, a provider with two solutions (one used twice), and a member.
struct World {
    org: i64,
    member: TestUser,
    operator: TestUser,
    used: i64,
    unused: i64,
}

async fn world(app: &TestApp) -> World {
    let operator = app.operator().await;
    let op = Some(&operator);
    let mk_org = |name: &'static str| {
        call(
            app,
            op,
            Method::POST,
            "/api/v1/organisations",
            Some(json!({"name": name, "kind": "kommune", "land": "Hessen"})),
        )
    };
    let org = created(mk_org("Stadt <Musterstadt>").await).await["id"]
        .as_i64()
        .unwrap();
    let provider = created(mk_org("Dataport").await).await["id"]
        .as_i64()
        .unwrap();
    let user_a = created(mk_org("Stadt Kassel").await).await["id"]
        .as_i64()
        .unwrap();
    let user_b = created(mk_org("Stadt Fulda").await).await["id"]
        .as_i64()
        .unwrap();
    let solution = |title: &str, maturity: &str| {
        call(
            app,
            op,
            Method::POST,
            "/api/v1/solutions",
            Some(
                json!({"title": title, "kind": "software", "maturity": maturity, "provider_id": provider}),
            ),
        )
    };
    let used = created(solution("Wohnsitz online", "in_production").await).await["id"]
        .as_i64()
        .unwrap();
    let unused = created(solution("Melde-Assistent", "pilot").await).await["id"]
        .as_i64()
        .unwrap();
    for o in [user_a, user_b] {
        created(
            call(
                app,
                op,
                Method::POST,
                "/api/v1/usages",
                Some(json!({"organisation_id": o, "solution_id": used, "status": "in_use"})),
            )
            .await,
        )
        .await;
    }
    let member = app.user(Role::Seeker, Some(org)).await;
    World {
        org,
        member,
        operator,
        used,
        unused,
    }
}

fn check_body(w: &World) -> Value {
    json!({
        "organisation_id": w.org,
        "problem_text": "Wir suchen eine Online-Lösung für die Wohnsitzanmeldung\n<script>alert(1)</script>",
        "filters": {"kind": ["software"], "land": ["Hessen"]},
        "candidates": [
            {"solution_id": w.used, "score": 0.0328, "similarity": 0.83, "matched_terms": ["wohnsitz"]},
            {"solution_id": w.unused, "score": 0.0161}
        ]
    })
}
