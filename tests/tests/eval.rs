//! `matchraum eval` end to end on a small real slice: the Berlin projects' abstracts as
//! queries against the catalogue variant without abstracts.

use matchraum::commands::eval::{run, EvalArgs, Format};
use matchraum_tests::{shared_data, test_config, workspace_root};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eval_reports_every_mode_overall_per_source_and_on_the_hard_slice() {
    let lines: Vec<String> =
        std::fs::read_to_string(workspace_root().join("../shared/eval-dev/union_de.dev.jsonl"))
            .expect("the eval set beside the repository")
            .lines()
            .filter(|l| l.contains("\"berlin_opensource.abstract\""))
            .map(|l| {
                // Same queries, but only the Berlin catalogue file, so the test embeds 19 entries.
                let mut q: serde_json::Value = serde_json::from_str(l).unwrap();
                q["catalogue"] =
                    serde_json::json!(["berlin_opensource/projects.no_abstract.jsonl"]);
                q.to_string()
            })
            .collect();
    assert!(lines.len() >= 3);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("berlin.jsonl");
    std::fs::write(&file, lines.join("\n")).unwrap();
    let config = test_config("sqlite::memory:");
    let args = EvalArgs {
        file,
        format: Format::Json,
        data_dir: Some(shared_data()),
        database_url: None,
    };
    let report = run(&config, args).await.expect("eval runs");
    assert_eq!(report.queries, lines.len());
    for mode in ["hybrid", "lexical", "vector"] {
        let m = report.modes[mode];
        assert!(
            m.recall > 0.5 && m.ndcg > 0.3 && m.mrr > 0.3,
            "{mode}: {m:?}"
        );
        assert!(report.per_source["berlin_opensource.abstract"].contains_key(mode));
    }
    let json = serde_json::to_value(&report).unwrap();
    for key in ["queries", "modes", "per_source", "hard"] {
        assert!(json.get(key).is_some(), "{key} in {json}");
    }
    assert!(json["modes"]["hybrid"]["ndcg@10"].is_number());
}
