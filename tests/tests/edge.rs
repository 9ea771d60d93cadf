//! The HTTP edge under hostile input, one module an area: bounds of query parameters,
//! response headers, login limits, concurrency of the embedded database, URL and emoji
//! validation; the match queue's fairness and limits are here.

mod concurrency;
mod headers;
mod lists;
mod login;
mod validation;

use matchraum_tests::{assert_problem, metric_sample, spawn_app_with, Backend};

fn header<'a>(res: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    res.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A distinct text of about `chars` characters (distinct, so the query cache cannot help).
fn long_text(i: usize, chars: usize) -> String {
    let mut t = format!("Anfrage {i}: ");
    let words = [
        "Wohnsitzanmeldung",
        "Meldewesen",
        "Fachverfahren",
        "Schnittstelle",
        "Kommune",
        "Antrag",
        "digital",
        "Verwaltung",
        "Bürgerportal",
        "Nachnutzung",
    ];
    let mut k = i;
    while t.len() < chars {
        t.push_str(words[k % words.len()]);
        t.push(' ');
        k = k.wrapping_mul(7).wrapping_add(3);
    }
    t.chars().take(chars).collect()
}

fn match_from(
    app: &matchraum_tests::TestApp,
    ip: &str,
    body: serde_json::Value,
) -> impl std::future::Future<Output = reqwest::Response> {
    let rb = app
        .client
        .post(app.url("/api/v1/match"))
        .header("x-forwarded-for", ip)
        .json(&body);
    async move { rb.send().await.expect("match request") }
}

/// A server whose model embeds one text at a time (batching off), behind a queue of the
/// given bounds.
async fn queued_app(len: usize, per_client: usize) -> matchraum_tests::TestApp {
    spawn_app_with(Backend::Sqlite, |c| {
        c.http.trust_forwarded_for = true;
        c.matching.embed_concurrency = 1;
        c.matching.batch_max = 1;
        c.matching.queue_len = len;
        c.matching.queue_per_client = per_client;
        c.metrics.bind = "127.0.0.1:0".into();
    })
    .await
}

/// One address's flood of long texts used to queue everyone else behind it (FIFO); now the
/// model serves clients in turn, so a short query from elsewhere overtakes the flood.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_long_texts_does_not_starve_other_clients() {
    use std::sync::{Arc, Mutex};
    let app = Arc::new(queued_app(64, 32).await);
    const FLOOD: usize = 16;
    // Sent once this many flood texts wait in the queue: a fixed pause was too long on a
    // fast machine (the flood was half done before the short query left).
    const WAITING: f64 = 8.0;
    let finished: Arc<Mutex<Vec<&'static str>>> = Arc::default();
    let mut tasks = Vec::new();
    for i in 0..FLOOD {
        let (app, finished) = (app.clone(), finished.clone());
        tasks.push(tokio::spawn(async move {
            let res = match_from(
                &app,
                "203.0.113.1",
                serde_json::json!({"text": long_text(i, 4000)}),
            )
            .await;
            assert_eq!(res.status(), 200, "{:?}", res.text().await);
            finished.lock().unwrap().push("flood");
        }));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let text = app.scrape_metrics().await;
        let waiting = metric_sample(&text, "matchraum_embed_queue_depth", &[]).unwrap_or(0.0);
        if waiting >= WAITING {
            break;
        }
        let done = finished.lock().unwrap().len();
        assert!(
            done + (WAITING as usize) < FLOOD && std::time::Instant::now() < deadline,
            "the queue never held {WAITING} flood texts ({done} of {FLOOD} done)"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let at_send = finished.lock().unwrap().len();
    let res = match_from(
        &app,
        "198.51.100.1",
        serde_json::json!({"text": "Wohnsitz ummelden"}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let before = finished.lock().unwrap().len() - at_send;
    for t in tasks {
        t.await.unwrap();
    }
    assert!(
        before <= 3,
        "{before} of the {} waiting flood texts were embedded before the other client's short query",
        FLOOD - at_send
    );
}

/// Past the queue's bounds the answer is 503 with Retry-After at once, and a full queue of
/// one client does not shut out another.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_match_queue_sheds_load_with_503_and_retry_after() {
    use futures_util::future::join_all;
    let app = queued_app(4, 2).await;
    let flood = (0..8).map(|i| {
        match_from(
            &app,
            "203.0.113.2",
            serde_json::json!({"text": long_text(100 + i, 4000)}),
        )
    });
    let other = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        match_from(
            &app,
            "198.51.100.2",
            serde_json::json!({"text": "Kita-Platz online beantragen"}),
        )
        .await
    };
    let (flood, other) = tokio::join!(join_all(flood), other);
    assert_eq!(other.status(), 200, "another client is admitted");
    let mut shed = 0;
    for res in flood {
        match res.status().as_u16() {
            200 => {}
            503 => {
                shed += 1;
                assert_eq!(header(&res, "retry-after"), Some("2"));
                assert_problem(res, 503, "service-unavailable").await;
            }
            s => panic!("unexpected status {s}: {:?}", res.text().await),
        }
    }
    assert!(
        shed >= 4,
        "only {shed} of 8 were shed with a queue of 1 running + 2 waiting"
    );
}

/// The match limit counts text length: one unit per 500 characters started.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_match_limit_weighs_text_length() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.http.trust_forwarded_for = true;
        c.rate.match_per_ip = 10;
    })
    .await;
    let lexical = |text: String| serde_json::json!({"text": text, "mode": "lexical"});
    let res = match_from(&app, "203.0.113.3", lexical(long_text(1, 4000))).await;
    assert_eq!(res.status(), 200, "8 units of 10");
    let res = match_from(&app, "203.0.113.3", lexical(long_text(2, 1500))).await;
    assert_problem(res, 429, "rate-limited").await;
    for i in 0..10 {
        let res = match_from(&app, "198.51.100.3", lexical(format!("Anfrage {i}"))).await;
        assert_eq!(res.status(), 200, "short query {i}");
    }
    let res = match_from(&app, "198.51.100.3", lexical("noch eine".into())).await;
    assert_problem(res, 429, "rate-limited").await;
}
