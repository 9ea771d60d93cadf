//! The review register ("Einer prüft für alle") on SQLite and PostgreSQL: entering a
//! review, uploading its file (bounded, type checked by content), downloading it only as an
//! attachment, visibility, "we reused this review" once per organisation, expiry, audit.

use matchraum::reviews::content::zip_stored_entry;
use matchraum_tests::{
    assert_problem, on_both_backends, spawn_app_with, status_and_json, Backend, Role, TestApp,
    TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

mod files;
mod sharing;

const MAX_FILE: usize = 4096;

async fn app(b: Backend) -> TestApp {
    spawn_app_with(b, |c| {
        c.matching.enabled = false;
        c.reviews.max_file_bytes = MAX_FILE;
    })
    .await
}

struct World {
    op: TestUser,
    /// Member of the reviewing Land ministry.
    reviewer: TestUser,
    /// Member of a Kommune that reuses the review.
    city_clerk: TestUser,
    ministry: i64,
    city: i64,
    solution: i64,
}

async fn world(app: &TestApp) -> World {
    let op = app.operator().await;
    let ministry = app
        .created(
            "/api/v1/organisations",
            &op,
            json!({"name": "Innenministerium Hessen", "kind": "land", "land": "Hessen"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let city = app
        .created(
            "/api/v1/organisations",
            &op,
            json!({"name": "Stadt Fulda", "kind": "kommune", "land": "Hessen"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let solution = app
        .created(
            "/api/v1/solutions",
            &op,
            json!({"title": "Online-Wohnsitzanmeldung"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let reviewer = app.user(Role::Seeker, Some(ministry)).await;
    let city_clerk = app.user(Role::Seeker, Some(city)).await;
    World {
        op,
        reviewer,
        city_clerk,
        ministry,
        city,
        solution,
    }
}

fn review(org: i64, visibility: &str) -> Value {
    json!({
        "kind": "dsfa",
        "organisation_id": org,
        "reviewed_on": "2025-03-01",
        "valid_until": "2028-03-01",
        "summary": "DSFA nach Art. 35 DSGVO: Restrisiko tragbar.",
        "version": "4.2",
        "visibility": visibility
    })
}

async fn upload(
    app: &TestApp,
    user: &TestUser,
    id: i64,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    app.request(
        Method::PUT,
        &format!("/api/v1/reviews/{id}/file?name={}", urlencode(name)),
        Some(user),
    )
    .header("content-type", content_type)
    .body(bytes)
    .send()
    .await
    .unwrap()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
