//! Operations: Prometheus metrics on their own listener (never the public port), and JSON
//! logs that carry the request id and the trace id of an incoming `traceparent`.

use std::io::Write;
use std::sync::{Arc, Mutex};

use matchraum_tests::ws::{channel, rt_config, Ws};
use matchraum_tests::{metric_sample, spawn_app_with, Backend, Role, TestApp};
use serde_json::{json, Value};

async fn metrics_app(b: Backend, matching: bool) -> TestApp {
    spawn_app_with(b, |c| {
        if !matching {
            rt_config(c);
        }
        c.metrics.bind = "127.0.0.1:0".into();
    })
    .await
}

fn has(text: &str, name: &str, labels: &[&str]) -> f64 {
    metric_sample(text, name, labels).unwrap_or_else(|| panic!("no {name} {labels:?} in\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_requests_matches_and_the_index_on_sqlite() {
    let app = metrics_app(Backend::Sqlite, true).await;
    assert_eq!(app.get("/api/v1/solutions?limit=5").await.status(), 200);
    assert_eq!(app.get("/api/v1/solutions/987654").await.status(), 404);
    let res = app
        .post_json(
            "/api/v1/match",
            &json!({"text": "Wohnsitz ummelden nach Umzug"}),
        )
        .await;
    assert_eq!(res.status(), 200);

    let text = app.scrape_metrics().await;
    // Route patterns, never raw paths.
    let r = [
        r#"route="/api/v1/solutions/{id}""#,
        r#"method="GET""#,
        r#"status="404""#,
    ];
    assert_eq!(has(&text, "matchraum_http_requests_total", &r), 1.0);
    assert!(!text.contains("987654"), "a raw path became a label");
    assert_eq!(
        has(&text, "matchraum_http_request_duration_seconds_count", &r),
        1.0
    );
    let m = [
        r#"route="/api/v1/match""#,
        r#"method="POST""#,
        r#"status="200""#,
    ];
    assert_eq!(has(&text, "matchraum_http_requests_total", &m), 1.0);
    for stage in ["embed", "vector", "lexical", "fusion", "explanation"] {
        let l = format!(r#"stage="{stage}""#);
        assert_eq!(
            has(&text, "matchraum_match_stage_duration_seconds_count", &[&l]),
            1.0,
            "{stage}"
        );
    }
    assert_eq!(has(&text, "matchraum_embed_queue_depth", &[]), 0.0);
    for index in ["solution_vectors", "need_vectors", "catalogue"] {
        has(
            &text,
            "matchraum_index_entries",
            &[&format!(r#"index="{index}""#)],
        );
    }
    assert!(has(&text, "matchraum_index_last_refresh_timestamp_seconds", &[]) > 1.7e9);
    // SQLite: one pooled connection.
    let in_use = has(
        &text,
        "matchraum_db_pool_connections",
        &[r#"state="in_use""#],
    );
    let idle = has(&text, "matchraum_db_pool_connections", &[r#"state="idle""#]);
    assert_eq!(in_use + idle, 1.0, "{text}");

    // The public port has no metrics: `/metrics` there is just an app route of the web UI.
    let res = app.get("/metrics").await;
    let ct = res
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(!ct.unwrap_or_default().contains("version=0.0.4"));
    assert!(!res
        .text()
        .await
        .unwrap()
        .contains("matchraum_http_requests_total"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_follow_websockets_and_the_pool_on_postgres() {
    let app = metrics_app(Backend::Postgres, false).await;
    let anna = app.user(Role::Seeker, None).await;
    let ch = channel(&app, &anna, "community", "public").await;
    let mut a = Ws::connect(&app, Some(&anna)).await;
    let mut reader = Ws::connect(&app, None).await;
    a.subscribe(ch, None).await;
    reader.subscribe(ch, None).await;
    a.say(ch, "m-1", "Wer nutzt schon das Fachverfahren?").await;
    reader.expect("message").await;

    let text = app.scrape_metrics().await;
    assert_eq!(has(&text, "matchraum_ws_connections", &[]), 2.0);
    assert!(has(&text, "matchraum_ws_frames_total", &[r#"direction="in""#]) >= 3.0);
    assert!(has(&text, "matchraum_ws_frames_total", &[r#"direction="out""#]) >= 2.0);
    for name in [
        "matchraum_ws_queue_drops_total",
        "matchraum_ws_slow_consumer_closes_total",
        "matchraum_bus_publish_errors_total",
    ] {
        assert_eq!(has(&text, name, &[]), 0.0, "{name}");
    }
    assert!(has(&text, "matchraum_db_pool_connections", &[r#"state="idle""#]) >= 1.0);
    has(
        &text,
        "matchraum_db_pool_connections",
        &[r#"state="in_use""#],
    );
    // No matcher on this instance: no match or index samples, and no made-up zeros.
    assert!(metric_sample(&text, "matchraum_index_entries", &[]).is_none());
    let upgrade = [r#"route="/api/v1/ws""#, r#"status="101""#];
    assert_eq!(has(&text, "matchraum_http_requests_total", &upgrade), 2.0);

    a.close().await;
    reader.close().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let text = app.scrape_metrics().await;
        if has(&text, "matchraum_ws_connections", &[]) == 0.0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "sockets still counted"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Captures what the global subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_logs_carry_the_request_id_and_the_trace_id() {
    // nextest runs each test in its own process: this subscriber is the process's.
    let logs = Captured::default();
    let sink = logs.clone();
    matchraum::telemetry::init_to(matchraum::config::LogFormat::Json, "info", move || {
        sink.clone()
    });
    let app = spawn_app_with(Backend::Sqlite, rt_config).await;
    let trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    let res = app
        .client
        .get(app.url("/api/v1/solutions/424242"))
        .header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let traced_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    let res = app.get("/api/v1/status").await;
    let plain_id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    // The access line is written when the response is done; give it a moment.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let text = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let of = |id: &str| -> Vec<&Value> {
        lines
            .iter()
            .filter(|l| l["span"]["request_id"] == id)
            .collect()
    };
    let traced = of(&traced_id);
    assert!(
        !traced.is_empty(),
        "no line of the traced request in\n{text}"
    );
    for l in &traced {
        assert_eq!(l["span"]["trace_id"], trace, "{l}");
    }
    assert!(traced
        .iter()
        .any(|l| l["message"] == "request finished" && l["status"] == 404));
    let plain = of(&plain_id);
    assert!(!plain.is_empty(), "no line of the plain request in\n{text}");
    assert!(plain.iter().all(|l| l["span"].get("trace_id").is_none()));
}
