//! Benchmark of matching over HTTP on the real catalogue (all of `../shared/data`), in one
//! run and as ratios of the same build: per model graph (int8, fp32) the raw embedding rate
//! and the ingest rate (import + embed + persist + index); then `/api/v1/match` for one
//! client and for 8 concurrent clients, on a server with query batching and the int8 graph
//! ("on", the defaults) and on one with batching off and the fp32 graph ("off"); with
//! `--peer python` also the Python peer (`tests/peers/python-e5`: onnxruntime + numpy on
//! uvicorn, the same int8 graph and catalogue vectors) with the same clients. Query texts come
//! from the eval set, each used once per server, so no query cache answers.
//!
//! `cargo run --release -p matchraum-tests --bin matchbench [-- --peer python]`; `--sources
//! berlin_opensource,publiccode` imports only these folders of `../shared/data` (a quick run).

mod peer;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use matchraum::catalog::store::solutions;
use matchraum::import::{import_paths, ImportOptions, NoProgress};
use matchraum::matching::document::Fields;
use matchraum::matching::embedder::ModelPrecision;
use matchraum::matching::Matcher;
use matchraum::startup::Application;
use matchraum_tests::{shared_data, test_config, workspace_root};

const SINGLE: usize = 300;
const CLIENTS: usize = 8;
const PER_CLIENT: usize = 60;
const RAW_SAMPLE_EVERY: usize = 10;

/// A configuration of the query path.
struct Variant {
    name: &'static str,
    precision: ModelPrecision,
    /// `[matching] batch_max`; `None`: the default (batching on).
    batch_max: Option<usize>,
}

const ON: Variant = Variant {
    name: "on: batching + int8",
    precision: ModelPrecision::Int8,
    batch_max: None,
};
const OFF: Variant = Variant {
    name: "off: no batching, fp32",
    precision: ModelPrecision::Fp32,
    batch_max: Some(1),
};

/// Latencies of a series of requests and its wall time.
struct Series {
    p50: f64,
    p99: f64,
    max: f64,
    per_sec: f64,
}

impl Series {
    fn of(mut lat: Vec<Duration>, wall: Duration) -> Self {
        lat.sort();
        let ms = |d: &Duration| d.as_secs_f64() * 1000.0;
        let at = |p: f64| ms(&lat[((lat.len() as f64 - 1.0) * p).round() as usize]);
        Series {
            p50: at(0.5),
            p99: at(0.99),
            max: ms(lat.last().unwrap()),
            per_sec: lat.len() as f64 / wall.as_secs_f64(),
        }
    }

    fn print(&self, name: &str, clients: usize) {
        println!(
            "{name:<26} {clients} client(s): p50={:>6.1} ms  p99={:>6.1} ms  max={:>6.1} ms  throughput={:>6.1} req/s",
            self.p50, self.p99, self.max, self.per_sec
        );
    }
}

/// What one configuration measured over HTTP.
struct Row {
    name: &'static str,
    single: Series,
    concurrent: Series,
}

/// What ingesting the catalogue with one graph measured.
struct Ingest {
    raw_per_sec: f64,
    per_sec: f64,
}

struct Args {
    python_peer: bool,
    /// Source folders of `../shared/data` to import; empty: all of them.
    sources: Vec<String>,
}

fn args() -> Args {
    let mut args = Args {
        python_peer: false,
        sources: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match (a.as_str(), it.next()) {
            ("--peer", Some(p)) if p == "python" => args.python_peer = true,
            ("--sources", Some(list)) => {
                args.sources = list.split(',').map(str::to_owned).collect()
            }
            _ => panic!("usage: matchbench [--peer python] [--sources FOLDER,...]"),
        }
    }
    args
}

#[tokio::main]
async fn main() {
    let args = args();
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let dir = std::env::temp_dir().join(format!("matchbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url_of = |v: &Variant| {
        format!(
            "sqlite://{}/bench-{}.sqlite?mode=rwc",
            dir.display(),
            v.precision
        )
    };

    // Ingest with each graph into a database of its own, so that each server below
    // starts on vectors of its graph.
    let mut ingests = Vec::new();
    for variant in [&ON, &OFF] {
        let db = matchraum::db::connect(&url_of(variant)).await.unwrap();
        matchraum::db::migrate(&db).await.unwrap();
        let ingested = ingest(&db, variant.precision, &args.sources).await;
        ingests.push((variant.precision, ingested));
        if args.python_peer && variant.precision == ModelPrecision::Int8 {
            let n = peer::write_vectors(&db, ModelPrecision::Int8.model_id(), &dir).await;
            println!("python peer: {n} solution vectors written");
        }
        db.close().await.unwrap();
    }

    let queries = matchraum::matching::eval::read_queries(
        &workspace_root().join("../shared/eval-dev/union_de.dev.jsonl"),
    )
    .unwrap();
    let texts: Vec<String> = queries.into_iter().map(|q| q.query).collect();
    assert!(texts.len() >= SINGLE + CLIENTS * PER_CLIENT);
    let (single, concurrent) = (
        &texts[..SINGLE],
        &texts[SINGLE..SINGLE + CLIENTS * PER_CLIENT],
    );
    let client = reqwest::Client::new();

    let mut rows = Vec::new();
    for variant in [&ON, &OFF] {
        let t = Instant::now();
        let (base, stop) = serve(&url_of(variant), variant).await;
        println!(
            "{}: server start with stored vectors {:.1} s",
            variant.name,
            t.elapsed().as_secs_f64()
        );
        rows.push(measure(&client, variant.name, &base, single, concurrent).await);
        stop.stop().await;
    }
    if args.python_peer {
        let cfg = test_config("sqlite::memory:");
        let graph = ModelPrecision::Int8.file_name();
        let peer = peer::start(&cfg.matching.model_dir, graph, &dir).await;
        let name = "python peer: int8, no batching";
        rows.push(measure(&client, name, &peer.match_url, single, concurrent).await);
    }

    summary(&ingests, &rows);
    std::fs::remove_dir_all(&dir).ok();
}

/// Imports the source folders of the real data (`sources`; empty: all) into `db` and
/// ingests them with the graph of `precision`: the raw embedding rate, the ingest rate and
/// a resync.
async fn ingest(
    db: &sea_orm::DatabaseConnection,
    precision: ModelPrecision,
    sources: &[String],
) -> Ingest {
    let data = shared_data();
    let picked = |p: &PathBuf| {
        sources.is_empty() || sources.iter().any(|s| p.file_name() == Some(s.as_ref()))
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir() && picked(p))
        .collect();
    assert!(
        !paths.is_empty(),
        "no source folder {sources:?} in {}",
        data.display()
    );
    paths.sort();
    let t = Instant::now();
    let imported = import_paths(db, &paths, &ImportOptions::default(), &NoProgress)
        .await
        .unwrap();
    let import_secs = t.elapsed().as_secs_f64();
    let catalogue = solutions::all(db).await.unwrap();
    println!(
        "{precision}: catalogue {} solutions ({} records read, import {:.1} s)",
        catalogue.len(),
        imported.records.total(),
        import_secs
    );

    let cfg = test_config("sqlite::memory:");
    let matcher = Matcher::load_precision(
        &cfg.matching.model_dir,
        &cfg.matching.ort_lib,
        precision,
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
    let raw_per_sec = sample.len() as f64 / t.elapsed().as_secs_f64();
    println!(
        "{precision}: raw embedding {} passages, {raw_per_sec:.1} passages/s",
        sample.len()
    );

    // Ingest: embed, persist and index the whole catalogue.
    let t = Instant::now();
    let sync = matcher.sync_all(db).await.unwrap();
    let per_sec = sync.embedded as f64 / t.elapsed().as_secs_f64();
    println!(
        "{precision}: ingest {} items in {:.1} s = {per_sec:.1} items/s ({:.0}% of the raw rate)",
        sync.embedded,
        t.elapsed().as_secs_f64(),
        per_sec / raw_per_sec * 100.0
    );
    // What an instance does after another instance's write: a resync in which (almost)
    // nothing changed touches no vector and no lexical document.
    let t = Instant::now();
    let again = matcher.sync_all(db).await.unwrap();
    assert_eq!(again.embedded, 0);
    println!(
        "{precision}: resync, nothing changed: {:.0} ms",
        t.elapsed().as_secs_f64() * 1000.0
    );
    Ingest {
        raw_per_sec,
        per_sec,
    }
}

/// One client asking `single` one after the other, then `CLIENTS` clients sharing
/// `concurrent`, against the match URL `base` (after one unmeasured warm-up request).
async fn measure(
    client: &reqwest::Client,
    name: &'static str,
    base: &str,
    single: &[String],
    concurrent: &[String],
) -> Row {
    ask(client, base, "Warmlaufen".into()).await;
    let t = Instant::now();
    let mut lat = Vec::with_capacity(single.len());
    for text in single {
        lat.push(ask(client, base, text.clone()).await);
    }
    let single = Series::of(lat, t.elapsed());
    single.print(name, 1);
    let (lat, wall) = clients(client, base, concurrent).await;
    let concurrent = Series::of(lat, wall);
    concurrent.print(name, CLIENTS);
    Row {
        name,
        single,
        concurrent,
    }
}

/// The side-by-side table, the ratio of "on" to "off" and the goals.
fn summary(ingests: &[(ModelPrecision, Ingest)], rows: &[Row]) {
    println!("\n| ingest graph | raw embedding | ingest |\n| --- | --- | --- |");
    for (precision, i) in ingests {
        println!(
            "| {precision} | {:.1} passages/s | {:.1} items/s |",
            i.raw_per_sec, i.per_sec
        );
    }
    println!(
        "\n| /api/v1/match | 1 client p50 / p99 | 1 client req/s | {CLIENTS} clients p50 / p99 | {CLIENTS} clients req/s |\n| --- | --- | --- | --- | --- |"
    );
    for r in rows {
        println!(
            "| {} | {:.1} / {:.1} ms | {:.1} | {:.1} / {:.1} ms | {:.1} |",
            r.name,
            r.single.p50,
            r.single.p99,
            r.single.per_sec,
            r.concurrent.p50,
            r.concurrent.p99,
            r.concurrent.per_sec
        );
    }
    let (on, off) = (&rows[0], &rows[1]);
    let ratio = on.concurrent.per_sec / off.concurrent.per_sec;
    println!("\non / off, {CLIENTS} clients: {ratio:.2} x the requests/s");
    for r in &rows[2..] {
        println!(
            "on / {}, {CLIENTS} clients: {:.2} x the requests/s",
            r.name,
            on.concurrent.per_sec / r.concurrent.per_sec
        );
    }
    let slowest_ingest = ingests.iter().map(|i| i.1.per_sec).fold(f64::MAX, f64::min);
    let goals = [
        (format!("{CLIENTS} clients on/off ≥ 2 x"), ratio >= 2.0),
        (
            format!("{CLIENTS} clients on: p99 ≤ 80 ms"),
            on.concurrent.p99 <= 80.0,
        ),
        ("1 client on: p50 ≤ 10 ms".into(), on.single.p50 <= 10.0),
        (
            "ingest ≥ 100 items/s with both graphs".into(),
            slowest_ingest >= 100.0,
        ),
    ];
    for (goal, met) in goals {
        println!("goal {goal}: {}", if met { "met" } else { "MISSED" });
    }
}

/// Starts a server of `variant` on `url` and waits until its semantic index is ready;
/// answers the match URL and the server's handle.
async fn serve(url: &str, variant: &Variant) -> (String, Stop) {
    let mut config = test_config(url);
    config.http.workers = 2;
    config.matching.model_precision = variant.precision;
    // Every client of the bench comes from 127.0.0.1, which is one client to the fair
    // queue: let all of them wait (on a loaded machine more than the default 4 do).
    config.matching.queue_per_client = CLIENTS;
    if let Some(max) = variant.batch_max {
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
