//! Calibrates the needs radar's strengths on the dev set: every query is embedded as a
//! passage (as a posted need is stored) and compared with the stored passage vector of
//! every catalogue solution (vectors are L2-normalised: the dot product is the cosine); each query's top 10 are pooled with whether they are
//! labelled relevant, and the strong and possible cosines are read off the precision table
//! with the match strength's targets (`eval::calibration`).
//!
//! `cargo run -p matchraum-tests --bin radarcal [-- FILE.jsonl]`
//! (default: `../shared/eval-dev/union_de.dev.jsonl`)

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::PathBuf;

use matchraum::catalog::store::solutions;
use matchraum::import::{import_paths, ImportOptions, NoProgress};
use matchraum::matching::eval::calibration::{self, POSSIBLE_PRECISION, STRONG_PRECISION};
use matchraum::matching::eval::{read_queries, K};
use matchraum::matching::store::{self as vectors, ItemKind};
use matchraum::matching::vector::dot;
use matchraum::matching::Matcher;
use matchraum_tests::{test_config, workspace_root};

#[tokio::main]
async fn main() {
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let file = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("../shared/eval-dev/union_de.dev.jsonl"));
    let queries = read_queries(&file).unwrap();
    let data = file.parent().unwrap().join("../data");
    let files: Vec<PathBuf> = queries
        .iter()
        .flat_map(|q| q.catalogue.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|c| data.join(c))
        .collect();

    let dir = std::env::temp_dir().join(format!("radarcal-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/cal.sqlite?mode=rwc", dir.display());
    let db = matchraum::db::connect(&url).await.unwrap();
    matchraum::db::migrate(&db).await.unwrap();
    import_paths(&db, &files, &ImportOptions::default(), &NoProgress)
        .await
        .unwrap();
    let cfg = test_config(&url);
    let matcher = Matcher::load(
        &cfg.matching.model_dir,
        &cfg.matching.ort_lib,
        cfg.matching.embed_concurrency,
    )
    .unwrap();
    let sync = matcher.sync_all(&db).await.unwrap();
    eprintln!("indexed {} solutions", sync.solutions);

    let source: HashMap<i64, String> = solutions::all(&db)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|s| Some((s.id, s.source_id?)))
        .collect();
    let ids: Vec<i64> = source.keys().copied().collect();
    let stored = vectors::load(&db, ItemKind::Solution, matcher.model_id(), &ids)
        .await
        .unwrap();
    let mut need_vectors = Vec::with_capacity(queries.len());
    for chunk in queries.chunks(32) {
        let texts = chunk.iter().map(|q| q.query.trim().to_owned()).collect();
        need_vectors.extend(matcher.embed_passages(texts).await.unwrap());
        eprintln!("embedded {}/{} queries", need_vectors.len(), queries.len());
    }

    let mut pooled = Vec::new();
    let mut best = Vec::new();
    for (q, v) in queries.iter().zip(&need_vectors) {
        let relevant: HashSet<&str> = q.relevant_ids.iter().map(String::as_str).collect();
        let mut scored: Vec<(f32, bool)> = stored
            .iter()
            .map(|s| {
                let rel = source
                    .get(&s.item_id)
                    .is_some_and(|id| relevant.contains(id.as_str()));
                (dot(v, &s.vector), rel)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored.truncate(K);
        best.push(scored[0].0);
        pooled.extend(scored);
    }
    let (rows, strong, possible) = calibration::thresholds(pooled);
    println!("threshold  results  precision");
    for r in &rows {
        println!(
            "{:>9.4}  {:>7}  {:>9.3}",
            r.threshold, r.results, r.precision
        );
    }
    let share = |t: Option<f32>| {
        t.map_or(0.0, |t| best.iter().filter(|b| **b >= t).count() as f64) / best.len() as f64
    };
    println!(
        "strong (precision ≥ {STRONG_PRECISION}): {strong:?}, best result strong for {:.0} % of queries",
        share(strong) * 100.0
    );
    println!(
        "possible (precision ≥ {POSSIBLE_PRECISION}): {possible:?}, best result at least possible for {:.0} % of queries",
        share(possible) * 100.0
    );
    db.close().await.ok();
    std::fs::remove_dir_all(&dir).ok();
}
