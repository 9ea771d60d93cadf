//! The real catalogue on first start: the committed snapshot is reproducible from
//! ../shared/data, an empty database imports it once (never beside the demo catalogue), and
//! the server answers lexically while the semantic index is built in the background.

use std::path::{Path, PathBuf};

use matchraum::import::{import_paths, ImportOptions, NoProgress};
use matchraum::matching::IndexGate;
use matchraum::startup::Application;
use matchraum_tests::{
    assert_problem, attach_app, eventually, fresh_db, same_db, shared_data, start_app, start_gated,
    test_config, workspace_root, Backend, TestApp,
};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::{json, Value};

fn committed_snapshot() -> PathBuf {
    workspace_root().join("data-snapshot/catalogue.tar.xz")
}

/// Rows per (table, source): what an import wrote, comparable between two databases.
async fn catalogue_counts(db: &DatabaseConnection) -> Vec<(String, String, i64)> {
    let mut out = Vec::new();
    for table in ["solutions", "organisations"] {
        let sql = format!(
            "SELECT COALESCE(source, '') AS source, COUNT(*) AS n FROM {table} \
             GROUP BY source ORDER BY source"
        );
        for row in db
            .query_all(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
        {
            let source: String = row.try_get("", "source").unwrap();
            out.push((table.to_owned(), source, row.try_get("", "n").unwrap()));
        }
    }
    let usages = db
        .query_one(Statement::from_string(
            db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM solution_usages".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap();
    out.push((
        "usages".into(),
        String::new(),
        usages.try_get("", "n").unwrap(),
    ));
    out
}

/// The data files in the snapshot (relative paths), each checked byte for byte against
/// its original in ../shared/data.
fn snapshot_files_equal_to_shared_data() -> Vec<PathBuf> {
    let unpacked = matchraum::snapshot::unpack(&committed_snapshot()).expect("snapshot unpacks");
    let mut files = Vec::new();
    let mut stack = vec![unpacked.root().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let rel = path.strip_prefix(unpacked.root()).unwrap().to_path_buf();
            let original = shared_data().join(&rel);
            assert_eq!(
                std::fs::read(&path).unwrap(),
                std::fs::read(&original).unwrap(),
                "{} differs from {}",
                rel.display(),
                original.display()
            );
            if rel.file_name().unwrap() != "SOURCE.md" {
                files.push(rel);
            }
        }
    }
    files.sort();
    files
}

async fn solutions_in(app: &TestApp) -> u64 {
    app.status().await["catalogue"]["solutions"]
        .as_u64()
        .unwrap()
}

#[test]
fn the_committed_snapshot_is_what_the_script_makes_from_shared_data() {
    let out = std::process::Command::new("python3")
        .arg(workspace_root().join("scripts/make_snapshot.py"))
        .arg("--check")
        .arg("--data")
        .arg(shared_data())
        .arg("--out")
        .arg(workspace_root().join("data-snapshot"))
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let size = std::fs::metadata(committed_snapshot()).unwrap().len();
    assert!(size <= 5 * 1024 * 1024, "snapshot is {size} bytes");
    for beside in ["SOURCE.md", "LICENCE.md"] {
        assert!(workspace_root()
            .join("data-snapshot")
            .join(beside)
            .is_file());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_start_imports_the_snapshot_and_a_second_start_does_not() {
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let with_snapshot = |c: &mut matchraum::config::Config| {
        c.seed.snapshot = committed_snapshot();
        c.matching.enabled = false;
    };
    let app = start_app(fresh_db(Backend::Sqlite).await, with_snapshot).await;
    let first = solutions_in(&app).await;
    assert!(first > 6_000, "only {first} solutions imported");
    assert_eq!(app.status().await["semantic"]["state"], "disabled");

    // The same files imported from ../shared/data give the same catalogue.
    let files: Vec<PathBuf> = snapshot_files_equal_to_shared_data()
        .into_iter()
        .map(|rel| shared_data().join(rel))
        .collect();
    assert!(files
        .iter()
        .any(|f| f.ends_with("kdn_ozg_nrw/leika_leistungen.jsonl")));
    assert!(!files.iter().any(|f| f.to_string_lossy().contains(".no_")));
    let reference = fresh_db(Backend::Sqlite).await;
    let report = import_paths(
        &reference.conn,
        &files,
        &ImportOptions::default(),
        &NoProgress,
    )
    .await
    .unwrap();
    assert!(report.records.created > 6_000);
    assert_eq!(
        catalogue_counts(&app.db.conn).await,
        catalogue_counts(&reference.conn).await
    );

    // A second start finds a catalogue and imports nothing: a deleted entry stays deleted.
    let some_id: i64 = app
        .db
        .conn
        .query_one(Statement::from_string(
            app.db.conn.get_database_backend(),
            "SELECT MIN(id) AS id FROM solutions".to_owned(),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get("", "id")
        .unwrap();
    matchraum::catalog::store::solutions::delete(&app.db.conn, some_id)
        .await
        .unwrap();
    let again = attach_app(&app, with_snapshot).await;
    assert_eq!(solutions_in(&again).await, first - 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_catalogue_never_mixes_with_the_snapshot() {
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let app = start_app(fresh_db(Backend::Sqlite).await, |c| {
        c.seed.snapshot = committed_snapshot();
        c.seed.demo = true;
        c.matching.enabled = false;
    })
    .await;
    let demo: Value =
        serde_json::from_str(include_str!("../../backend/demo/catalog.json")).unwrap();
    let demo_solutions = demo["solutions"].as_array().unwrap().len() as u64;
    assert_eq!(solutions_in(&app).await, demo_solutions);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_snapshot_is_a_clear_start_up_error() {
    let db = fresh_db(Backend::Sqlite).await;
    let mut config = test_config(&db.url);
    config.seed.snapshot = PathBuf::from("/nonexistent/catalogue.tar.xz");
    config.matching.enabled = false;
    let err = Application::build(config)
        .await
        .err()
        .expect("start-up fails")
        .to_string();
    assert!(err.contains("/nonexistent/catalogue.tar.xz"), "{err}");
    assert!(err.contains("MATCHRAUM_SEED_SNAPSHOT"), "{err}");
}

async fn post_match(app: &TestApp, body: Value) -> reqwest::Response {
    app.post_json("/api/v1/match", &body).await
}

async fn semantic_indexed(app: &TestApp) -> u64 {
    app.status().await["semantic"]["indexed"].as_u64().unwrap()
}

/// With the real model: the server listens before the index is built, answers lexically
/// and reports progress while it is, and ranks hybrid once it is ready; a restart reuses
/// every stored vector and is ready without embedding.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matches_are_lexical_while_the_index_builds_and_hybrid_once_ready() {
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let db = fresh_db(Backend::Sqlite).await;
    let source: &Path = &shared_data().join("muenchen_opensource/software.jsonl");
    import_paths(
        &db.conn,
        &[source.to_path_buf()],
        &ImportOptions::default(),
        &NoProgress,
    )
    .await
    .unwrap();
    let gate = IndexGate::closed();
    let app = start_gated(db, |_| {}, gate.clone()).await;

    let status = app.status().await;
    assert_eq!(status["semantic"]["state"], "building", "{status}");
    assert_eq!(status["semantic"]["indexed"], 0);
    let total = status["semantic"]["total"].as_u64().unwrap();
    assert_eq!(status["catalogue"]["solutions"], total);
    assert!(total > 100, "{status}");
    assert_eq!(status["semantic"]["percent"], 0);

    let query = json!({"text": "Software zur Verwaltung von Kubernetes-Clustern", "limit": 5});
    let res = post_match(&app, query.clone()).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["mode"], "lexical", "{body}");
    assert_eq!(body["semantic"], json!({"state": "building", "percent": 0}));
    assert!(!body["solutions"].as_array().unwrap().is_empty(), "{body}");
    assert!(body["solutions"][0]["explanation"]["semantic_similarity"].is_null());

    let res = post_match(&app, json!({"text": "Kubernetes", "mode": "vector"})).await;
    assert!(res.headers().get("retry-after").is_some());
    assert_problem(res, 503, "service-unavailable").await;

    // One batch through: progress moves, the state does not.
    let batch = matchraum::matching::engine::EMBED_BATCH as u64;
    gate.release(1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while semantic_indexed(&app).await < batch {
        assert!(
            std::time::Instant::now() < deadline,
            "no batch embedded in time"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let status = app.status().await;
    assert_eq!(status["semantic"]["indexed"], batch, "{status}");
    assert_eq!(status["semantic"]["state"], "building");
    assert_eq!(status["semantic"]["percent"], batch * 100 / total);

    gate.release(usize::MAX >> 4);
    let status = app.wait_for_semantic("ready").await;
    assert_eq!(status["semantic"]["indexed"], total);
    assert_eq!(status["semantic"]["percent"], 100);
    let body: Value = post_match(&app, query.clone()).await.json().await.unwrap();
    assert_eq!(body["mode"], "hybrid", "{body}");
    assert_eq!(body["semantic"], json!({"state": "ready", "percent": 100}));
    assert!(body["solutions"][0]["explanation"]["semantic_similarity"].is_number());
    let res = post_match(&app, json!({"text": "Kubernetes", "mode": "vector"})).await;
    assert_eq!(res.status(), 200);

    // A restart embeds nothing: ready although its gate never opens.
    let restarted = start_gated(same_db(&app).await, |_| {}, IndexGate::closed()).await;
    let ready =
        eventually(|| async { restarted.status().await["semantic"]["state"] == "ready" }).await;
    assert!(ready, "{}", restarted.status().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_status_route_and_the_semantic_field_are_documented() {
    let app =
        matchraum_tests::spawn_app_with(Backend::Sqlite, |c| c.matching.enabled = false).await;
    let status = app.status().await;
    assert_eq!(
        status,
        json!({"catalogue": {"solutions": 0},
               "semantic": {"state": "disabled", "indexed": 0, "total": 0, "percent": 0}})
    );
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    assert!(doc["paths"]["/api/v1/status"]["get"].is_object(), "{doc}");
    let schemas = &doc["components"]["schemas"];
    for (schema, field) in [
        ("Status", "semantic"),
        ("SemanticProgress", "percent"),
        ("MatchResponse", "semantic"),
    ] {
        assert!(
            schemas[schema]["properties"][field].is_object(),
            "{schema}.{field} missing: {}",
            schemas[schema]
        );
    }
}
