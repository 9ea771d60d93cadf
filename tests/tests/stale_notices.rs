//! Stale entries tell their providers (issue 12) on SQLite and PostgreSQL: the periodic
//! sweep records one `solution_stale` notice per entry and staleness period for the
//! provider organisation and delivers it live; sweeps running at once (as on several
//! replicas) never tell twice; "Angaben sind noch aktuell" reads the notice, and a new
//! staleness period tells again.

use std::time::Duration;

use matchraum_tests::ws::{rt_config, Ws};
use matchraum_tests::{on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

use crate::interest::{call, create, json_of, organisation};

on_both_backends!(a_stale_entry_tells_its_provider_once_per_staleness_period);

async fn inbox(app: &TestApp, u: &TestUser, org: i64) -> Vec<Value> {
    let path = format!("/api/v1/organisations/{org}/notices");
    let all = json_of(call(app, Method::GET, &path, Some(u), None).await, 200).await;
    all.as_array()
        .unwrap()
        .iter()
        .filter(|n| n["event"] == "solution_stale")
        .cloned()
        .collect()
}

async fn unread(app: &TestApp, u: &TestUser) -> u64 {
    let res = call(app, Method::GET, "/api/v1/notices/unread", Some(u), None).await;
    json_of(res, 200).await["unread"].as_u64().unwrap()
}

/// Sweeps as two replicas would, at the same time; the notices they recorded.
async fn sweep_twice(app: &TestApp, cutoff: chrono::DateTime<chrono::Utc>) -> usize {
    use matchraum::services::freshness::sweep;
    let (a, b) = tokio::join!(sweep(&app.db.conn, cutoff), sweep(&app.db.conn, cutoff));
    a.unwrap().len() + b.unwrap().len()
}

async fn a_stale_entry_tells_its_provider_once_per_staleness_period(b: Backend) {
    let app = spawn_app_with(b, |c| {
        rt_config(c);
        c.matching.enabled = false;
        c.catalog.stale_after_months = 6;
        c.catalog.stale_sweep_secs = 1;
    })
    .await;
    let op = app.operator().await;
    let provider = organisation(&app, &op, "ekom21", "it_dienstleister").await;
    let other = organisation(&app, &op, "Stadt Kassel", "kommune").await;
    let member = app.user(Role::Provider, Some(provider)).await;
    let outsider = app.user(Role::Seeker, Some(other)).await;
    let mut ws = Ws::connect(&app, Some(&member)).await;
    let mut outsider_ws = Ws::connect(&app, Some(&outsider)).await;
    let old = (chrono::Utc::now() - chrono::Duration::days(200)).to_rfc3339();
    let recent = (chrono::Utc::now() - chrono::Duration::days(10)).to_rfc3339();
    let post = |title: &str, provider: Option<i64>, verified: &str| json!({"title": title, "kind": "software", "provider_id": provider, "last_verified_at": verified});
    let path = "/api/v1/solutions";
    let stale = create(
        &app,
        &op,
        path,
        post("Ratsinformationssystem", Some(provider), &old),
    )
    .await;
    create(
        &app,
        &op,
        path,
        post("Frisch geprüft", Some(provider), &recent),
    )
    .await;
    create(&app, &op, path, post("Ohne Anbieter", None, &old)).await;

    // The periodic sweep (every second here) tells the provider's members live.
    let live = ws.expect("notification").await;
    assert_eq!(live["kind"], "organisation", "{live}");
    assert_eq!(live["event"], "solution_stale");
    assert_eq!(live["solution_id"], stale);
    assert_eq!(live["organisation_id"], provider);
    // More sweeps, two at once and the periodic one again: nobody is told twice.
    assert_eq!(sweep_twice(&app, app_cutoff(6)).await, 0);
    let quiet = ws.try_recv(Duration::from_millis(1500)).await;
    assert!(quiet.is_none(), "told twice: {quiet:?}");
    assert!(outsider_ws
        .try_recv(Duration::from_millis(100))
        .await
        .is_none());
    let notices = inbox(&app, &member, provider).await;
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert_eq!(notices[0]["read_at"], Value::Null);
    assert_eq!(unread(&app, &member).await, 1);
    assert_eq!(unread(&app, &outsider).await, 0);

    // "Angaben sind noch aktuell" from the notice: fresh again, the notice is read.
    let path = format!("/api/v1/solutions/{stale}/verify");
    let verified = json_of(
        call(&app, Method::POST, &path, Some(&member), None).await,
        200,
    )
    .await;
    assert_eq!(verified["stale"], false);
    let notices = inbox(&app, &member, provider).await;
    assert!(notices[0]["read_at"].is_string(), "{notices:?}");
    assert_eq!(unread(&app, &member).await, 0);
    assert_eq!(sweep_twice(&app, app_cutoff(6)).await, 0);

    // A new staleness period (a cutoff after the verification) tells once more, once.
    let later = chrono::Utc::now() + chrono::Duration::days(1);
    assert_eq!(
        sweep_twice(&app, later).await,
        2,
        "both entries of the provider"
    );
    assert_eq!(sweep_twice(&app, later).await, 0);
    assert_eq!(inbox(&app, &member, provider).await.len(), 3);
}

fn app_cutoff(months: u32) -> chrono::DateTime<chrono::Utc> {
    matchraum::catalog::freshness::cutoff(chrono::Utc::now(), months)
}
