//! Benchmark of matching over HTTP on the real catalogue (all of `../shared/data`):
//! raw embedding rate, ingest rate (import + embed + index), and `/api/v1/match` latency
//! for one client and for 8 concurrent clients, with query batching on and off (the same
//! queries on a second server with `batch_max = 1`, reported as a ratio). Query texts come from the eval set, each
//! used once, so the query cache never answers.
//!
//! `cargo run --release -p matchraum-tests --bin matchbench`

use std::path::PathBuf;
use std::time::{Duration, Instant};

use matchraum::catalog::store::solutions;
use matchraum::import::{import_paths, ImportOptions, NoProgress};
use matchraum::matching::document::Fields;
use matchraum::matching::Matcher;
use matchraum::startup::Application;
use matchraum_tests::{shared_data, test_config, workspace_root};

const SINGLE: usize = 300;
const CLIENTS: usize = 8;
const PER_CLIENT: usize = 60;
const RAW_SAMPLE_EVERY: usize = 10;

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

fn report(name: &str, mut lat: Vec<Duration>, wall: Duration) {
    lat.sort();
    println!(
        "{name:<28} n={:<4} p50={:>6.1} ms  p99={:>6.1} ms  max={:>6.1} ms  throughput={:>6.1} req/s",
        lat.len(),
        percentile(&lat, 0.5),
        percentile(&lat, 0.99),
        lat.last().unwrap().as_secs_f64() * 1000.0,
        lat.len() as f64 / wall.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let dir = std::env::temp_dir().join(format!("matchbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/bench.sqlite?mode=rwc", dir.display());
    let db = matchraum::db::connect(&url).await.unwrap();
    matchraum::db::migrate(&db).await.unwrap();

    // Import: every source folder of the real data.
    let data = shared_data();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    paths.sort();
    let t = Instant::now();
    let imported = import_paths(&db, &paths, &ImportOptions::default(), &NoProgress)
        .await
        .unwrap();
    let import_secs = t.elapsed().as_secs_f64();
    let catalogue = solutions::all(&db).await.unwrap();
    println!(
        "catalogue: {} solutions ({} records read, import {:.1} s)",
        catalogue.len(),
        imported.records.total(),
        import_secs
    );

    let cfg = test_config(&url);
    let matcher = Matcher::load(
        &cfg.matching.model_dir,
        &cfg.matching.ort_lib,
        cfg.matching.embed_concurrency,
    )
    .unwrap();

    // Raw embedding rate: the model alone on a uniform sample of the same passages, batched
    // as the ingest batches them (by length, 32 at a time), with no database or index work.
    let mut sample: Vec<String> = catalogue
        .iter()
        .step_by(RAW_SAMPLE_EVERY)
        .map(|s| Fields::of_solution(s).passage())
        .collect();
    sample.sort_by_key(String::len);
    let t = Instant::now();
    for batch in sample.chunks(32) {
        matcher.embed_passages(batch.to_vec()).await.unwrap();
    }
    let raw_rate = sample.len() as f64 / t.elapsed().as_secs_f64();
    println!(
        "raw embedding: {} passages, {:.1} passages/s",
        sample.len(),
        raw_rate
    );

    // Ingest: embed, persist and index the whole catalogue.
    let t = Instant::now();
    let sync = matcher.sync_all(&db).await.unwrap();
    let ingest_secs = t.elapsed().as_secs_f64();
    let ingest_rate = sync.embedded as f64 / ingest_secs;
    println!(
        "ingest: {} items in {:.1} s = {:.1} items/s ({:.0}% of the raw rate)",
        sync.embedded,
        ingest_secs,
        ingest_rate,
        ingest_rate / raw_rate * 100.0
    );
    // What an instance does after another instance's write: a resync in which (almost)
    // nothing changed touches no vector and no lexical document.
    let t = Instant::now();
    let again = matcher.sync_all(&db).await.unwrap();
    assert_eq!(again.embedded, 0);
    println!(
        "resync, nothing changed: {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    drop(matcher);

    // The server on that database; its start-up sync reuses every stored vector.
    let t = Instant::now();
    let (base, stop) = serve(&url, None).await;
    println!(
        "server start with {} stored vectors: {:.1} s",
        sync.embedded,
        t.elapsed().as_secs_f64()
    );

    let queries = matchraum::matching::eval::read_queries(
        &workspace_root().join("../shared/eval-dev/union_de.dev.jsonl"),
    )
    .unwrap();
    let texts: Vec<String> = queries.into_iter().map(|q| q.query).collect();
    assert!(texts.len() >= SINGLE + CLIENTS * PER_CLIENT);
    let client = reqwest::Client::new();
    // Warm-up (connection, first allocations), not measured.
    ask(&client, &base, "Warmlaufen".into()).await;

    let t = Instant::now();
    let mut single = Vec::with_capacity(SINGLE);
    for text in &texts[..SINGLE] {
        single.push(ask(&client, &base, text.clone()).await);
    }
    report("match, 1 client", single, t.elapsed());

    let concurrent = &texts[SINGLE..SINGLE + CLIENTS * PER_CLIENT];
    let (all, on) = clients(&client, &base, concurrent).await;
    report("match, 8 concurrent clients", all, on);
    stop.stop().await;

    // The same queries on a server with batching off (its own, empty query cache).
    let (base, stop) = serve(&url, Some(1)).await;
    ask(&client, &base, "Warmlaufen".into()).await;
    let (all, off) = clients(&client, &base, concurrent).await;
    report("match, 8 clients, no batch", all, off);
    println!(
        "batching on / off, 8 clients: {:.2} x the requests/s",
        off.as_secs_f64() / on.as_secs_f64()
    );
    stop.stop().await;
    std::fs::remove_dir_all(&dir).ok();
}

/// Starts a server on `url` (`batch_max` overrides the default) and waits until its
/// semantic index is ready; answers the match URL and the server's handle.
async fn serve(url: &str, batch_max: Option<usize>) -> (String, Stop) {
    let mut config = test_config(url);
    config.http.workers = 2;
    if let Some(max) = batch_max {
        config.matching.batch_max = max;
    }
    let app = Application::build(config).await.unwrap();
    let base = format!("http://127.0.0.1:{}/api/v1/match", app.port());
    let status = format!("http://127.0.0.1:{}/api/v1/status", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(app.run_until(async move {
        stopped.await.ok();
    }));
    // Nothing is left to embed; wait for the background build to say so.
    while reqwest::get(&status)
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap()["semantic"]["state"]
        != "ready"
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    (base, Stop { stop, running })
}

/// Stops a server started by [`serve`] (its model and indexes leave memory).
struct Stop {
    stop: tokio::sync::oneshot::Sender<()>,
    running: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Stop {
    async fn stop(self) {
        self.stop.send(()).ok();
        self.running.await.unwrap().unwrap();
    }
}

async fn ask(client: &reqwest::Client, base: &str, text: String) -> Duration {
    let t = Instant::now();
    let res = client
        .post(base)
        .json(&serde_json::json!({"text": text, "limit": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.bytes().await.unwrap();
    t.elapsed()
}

/// `CLIENTS` clients at once, each asking its share of `texts` one after the other:
/// every latency and the wall time.
async fn clients(
    client: &reqwest::Client,
    base: &str,
    texts: &[String],
) -> (Vec<Duration>, Duration) {
    let t = Instant::now();
    let mut tasks = Vec::new();
    for mine in texts.chunks(PER_CLIENT) {
        let (client, base, mine) = (client.clone(), base.to_owned(), mine.to_vec());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for text in mine {
                lat.push(ask(&client, &base, text).await);
            }
            lat
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    (all, t.elapsed())
}
