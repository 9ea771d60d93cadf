//! Memory per catalogue item, for the README's sizing: what the indexes of one instance
//! hold per 100,000 solutions. Measured in this process (VmRSS deltas):
//!
//! 1. the catalogue snapshot (6,583 real solutions) imported into a fresh SQLite file, the
//!    model loaded, then the start-up sync: filters, per-entry metadata and the tantivy
//!    lexical index (no embedding runs);
//! 2. the vector index: 100,000 synthetic 384-d unit vectors (the model's dimension) in the
//!    same exact index the server uses.
//!
//! `cargo run --release -p matchraum-tests --bin sizebench`

use matchraum::matching::vector::{ExactIndex, VectorIndex};
use matchraum::matching::Matcher;
use matchraum_tests::workspace_root;

const DIM: usize = 384;
const VECTORS: usize = 100_000;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        .unwrap_or(0)
}

fn unit_vector(seed: &mut u64) -> Vec<f32> {
    let v: Vec<f32> = (0..DIM)
        .map(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 7;
            *seed ^= *seed << 17;
            (*seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect();
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.into_iter().map(|x| x / norm).collect()
}

#[tokio::main]
async fn main() {
    let root = workspace_root();
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("size.sqlite").display()
    );
    let db = matchraum::db::connect(&url).await.unwrap();
    matchraum::db::migrate(&db).await.unwrap();
    let report =
        matchraum::snapshot::import_if_empty(&db, &root.join("data-snapshot/catalogue.tar.xz"))
            .await
            .unwrap()
            .expect("the database was empty");
    let items = report.records.created;
    let (model, ort) = (
        root.join("models/multilingual-e5-small"),
        root.join("models/onnxruntime/libonnxruntime.so"),
    );
    let matcher = tokio::task::spawn_blocking(move || Matcher::load(&model, &ort, 1))
        .await
        .unwrap()
        .expect("model (run make setup)");
    let before = rss_kib();
    let pending = matcher.sync_catalogue(&db).await.unwrap();
    drop(pending);
    let after = rss_kib();
    let per_item = (after.saturating_sub(before)) as f64 / items as f64;
    println!("catalogue + lexical index: {items} records, {} KiB → {per_item:.2} KiB per record, {:.0} MiB per 100,000", after - before, per_item * 100_000.0 / 1024.0);

    let before = rss_kib();
    let mut index = ExactIndex::new(DIM);
    let mut seed = 42u64;
    for i in 0..VECTORS {
        index.upsert(i as i64, &unit_vector(&mut seed));
    }
    let after = rss_kib();
    assert_eq!(index.len(), VECTORS);
    println!(
        "vector index: {VECTORS} vectors of {DIM} dimensions, {:.0} MiB ({:.2} KiB per vector)",
        (after - before) as f64 / 1024.0,
        (after - before) as f64 / VECTORS as f64
    );
}
