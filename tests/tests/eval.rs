//! `matchraum eval` end to end on a small real slice: the Berlin projects' abstracts as
//! queries against the catalogue variant without abstracts.

use matchraum::commands::eval::{run, EvalArgs, Format};
use matchraum::matching::embedder::ModelPrecision;
use matchraum::matching::eval::Bootstrap;
use matchraum_tests::{shared_data, test_config, workspace_root};

/// The Berlin projects' abstracts as queries against the catalogue variant without
/// abstracts (19 entries to embed), in a file of `dir`.
fn berlin_queries(dir: &std::path::Path) -> (std::path::PathBuf, usize) {
    let lines: Vec<String> =
        std::fs::read_to_string(workspace_root().join("../shared/eval-dev/union_de.dev.jsonl"))
            .expect("the eval set beside the repository")
            .lines()
            .filter(|l| l.contains("\"berlin_opensource.abstract\""))
            .map(|l| {
                let mut q: serde_json::Value = serde_json::from_str(l).unwrap();
                q["catalogue"] =
                    serde_json::json!(["berlin_opensource/projects.no_abstract.jsonl"]);
                q.to_string()
            })
            .collect();
    assert!(lines.len() >= 3);
    let file = dir.join("berlin.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    (file, lines.len())
}

fn args(file: std::path::PathBuf, compare: (&str, &str)) -> EvalArgs {
    EvalArgs {
        file,
        format: Format::Json,
        data_dir: Some(shared_data()),
        database_url: None,
        bootstrap: Bootstrap {
            rounds: 200,
            seed: 13,
        },
        compare: Some((compare.0.into(), compare.1.into())),
        cv: None,
        calibrate: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eval_compares_the_int8_and_the_fp32_graph_each_on_its_own_retrieval() {
    let dir = tempfile::tempdir().unwrap();
    let (file, n) = berlin_queries(dir.path());
    let mut config = test_config("sqlite::memory:");
    config.matching.model_precision = ModelPrecision::Int8;
    let (a, b) = ("model_precision=fp32", "model_precision=int8");
    let report = run(&config, args(file, (a, b))).await.expect("eval runs");
    assert_eq!(
        (report.queries, report.model_precision),
        (n, ModelPrecision::Int8)
    );
    assert_eq!(
        report.modes[b], report.modes["hybrid"],
        "the configured graph is not retrieved twice"
    );
    let fp32 = report.modes[a];
    assert!(fp32.recall.mean > 0.5 && fp32.ndcg.mean > 0.3, "{fp32:?}");
    let d = report.comparison.as_ref().expect("a comparison").difference["overall"].recall;
    let means = report.modes[b].recall.mean - fp32.recall.mean;
    assert!((d.mean - means).abs() < 1e-9, "{d:?} vs {means}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eval_reports_every_mode_with_intervals_compares_two_configurations_and_cross_validates() {
    let dir = tempfile::tempdir().unwrap();
    let (file, n) = berlin_queries(dir.path());
    let config = test_config("sqlite::memory:");
    let args = EvalArgs {
        cv: Some(3),
        calibrate: true,
        ..args(file, ("fusion=rrf", "mode=vector"))
    };
    let report = run(&config, args).await.expect("eval runs");
    assert_eq!(report.queries, n);
    for mode in ["hybrid", "lexical", "vector", "fusion=rrf", "mode=vector"] {
        let m = report.modes[mode];
        assert!(
            m.recall.mean > 0.5 && m.ndcg.mean > 0.3 && m.mrr.mean > 0.3,
            "{mode}: {m:?}"
        );
        assert!(
            m.ndcg.lo <= m.ndcg.mean && m.ndcg.mean <= m.ndcg.hi,
            "{m:?}"
        );
        assert!(report.per_source["berlin_opensource.abstract"].contains_key(mode));
    }
    // B − A, paired: the vector mode against itself under another name differs by nothing,
    // and its difference to the rrf hybrid is the difference of the two means.
    let c = report.comparison.as_ref().expect("a comparison");
    let d = c.difference["overall"].ndcg;
    let means = report.modes["mode=vector"].ndcg.mean - report.modes["fusion=rrf"].ndcg.mean;
    assert!((d.mean - means).abs() < 1e-9, "{d:?} vs {means}");
    assert!(d.lo <= d.mean && d.mean <= d.hi);
    assert_eq!(
        report.modes["mode=vector"], report.modes["vector"],
        "the same system scores the same"
    );
    let cv = report.cv.as_ref().expect("cross-validation");
    assert_eq!(cv.len(), 3, "rrf, zscore, minmax");
    for m in cv {
        assert_eq!(m.folds.len(), 3);
        assert_eq!(m.folds.iter().map(|f| f.queries).sum::<usize>(), n);
        assert!(m.held_out.ndcg.mean > 0.3, "{m:?}");
    }
    let cal = report.calibration.as_ref().expect("calibration");
    assert!(!cal.rows.is_empty());
    assert!(cal
        .rows
        .windows(2)
        .all(|w| w[0].threshold >= w[1].threshold));
    // The thresholds' held-out check uses the same three folds.
    let held = &cal.held_out;
    assert_eq!(held.folds.len(), 3);
    assert_eq!(held.folds.iter().map(|f| f.queries).sum::<usize>(), n);
    for f in &held.folds {
        assert!(f.strong_hits <= f.strong_results && f.possible_hits <= f.possible_results);
        assert!(
            f.strong_results <= f.possible_results || f.possible.is_none(),
            "{f:?}"
        );
    }
    let json = serde_json::to_value(&report).unwrap();
    for key in ["queries", "modes", "per_source", "hard", "comparison", "cv"] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
    assert!(json["modes"]["hybrid"]["ndcg@10"]["lo"].is_number());
}
