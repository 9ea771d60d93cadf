//! The evaluation report as readable text.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Estimate, EvalReport, Metrics};

fn est(e: &Estimate) -> String {
    format!("{:.3} [{:.3}–{:.3}]", e.mean, e.lo, e.hi)
}

fn diff(e: &Estimate) -> String {
    let mark = if e.excludes_zero() { "*" } else { " " };
    format!("{:+.3} [{:+.3}, {:+.3}]{mark}", e.mean, e.lo, e.hi)
}

fn metric_rows(
    out: &mut String,
    slice: &str,
    rows: &BTreeMap<String, Metrics>,
    f: fn(&Estimate) -> String,
) {
    for (system, m) in rows {
        let _ = writeln!(
            out,
            "{:<30} {:<40} {:>22} {:>22} {:>22}",
            slice,
            system,
            f(&m.recall),
            f(&m.ndcg),
            f(&m.mrr)
        );
    }
}

fn header(out: &mut String, what: &str) {
    let _ = writeln!(
        out,
        "{:<30} {:<40} {:>22} {:>22} {:>22}",
        "slice", what, "Recall@10", "nDCG@10", "MRR@10"
    );
}

pub fn table(r: &EvalReport) -> String {
    let mut out = format!(
        "{} queries ({} hard); hybrid: {}; model: {}; 95 % bootstrap intervals over queries ({} rounds, seed {})\n\n",
        r.queries,
        r.hard_queries,
        r.fusion.describe(),
        r.model_precision,
        r.bootstrap.rounds,
        r.bootstrap.seed
    );
    header(&mut out, "system");
    metric_rows(&mut out, "overall", &r.modes, est);
    metric_rows(&mut out, "hard (title jaccard 0)", &r.hard, est);
    for (slice, rows) in &r.per_source {
        metric_rows(&mut out, slice, rows, est);
    }
    if let Some(c) = &r.comparison {
        let _ = writeln!(
            out,
            "\npaired difference B − A (* = the 95 % interval excludes 0)\n  A: {}\n  B: {}\n",
            c.a, c.b
        );
        header(&mut out, "");
        for (slice, d) in &c.difference {
            let row = BTreeMap::from([("B − A".to_owned(), *d)]);
            metric_rows(&mut out, slice, &row, diff);
        }
    }
    for m in r.cv.iter().flatten() {
        let _ = writeln!(
            out,
            "\n{}-fold cross-validation of fusion={} (vector_weight 1):",
            m.folds.len(),
            m.method
        );
        for (i, f) in m.folds.iter().enumerate() {
            let _ = writeln!(
                out,
                "  fold {}: {} queries, lexical_weight {:.1}, train nDCG@10 {:.3}, held-out nDCG@10 {:.3}",
                i + 1,
                f.queries,
                f.lexical_weight,
                f.train_ndcg,
                f.held_out_ndcg
            );
        }
        let _ = writeln!(
            out,
            "  held out, all folds: Recall@10 {}, nDCG@10 {}, MRR@10 {}; chosen on all queries: lexical_weight {:.1}",
            est(&m.held_out.recall),
            est(&m.held_out.ndcg),
            est(&m.held_out.mrr),
            m.lexical_weight_on_all
        );
    }
    if let Some(c) = &r.calibration {
        let _ = writeln!(out, "\ncalibration of the match strength ({}):", c.system);
        let _ = writeln!(
            out,
            "  {:>10} {:>8} {:>10}",
            "score ≥", "results", "precision"
        );
        for row in &c.rows {
            let _ = writeln!(
                out,
                "  {:>10.3} {:>8} {:>10.3}",
                row.threshold, row.results, row.precision
            );
        }
        let t = |x: Option<f32>| x.map_or("none".to_owned(), |t| format!("{t:.3}"));
        let _ = writeln!(
            out,
            "  strong from {} (precision ≥ {}), possible from {} (≥ {}); best result strong in {:.1} % of queries, nothing possible in {:.1} %",
            t(c.strong),
            super::calibration::STRONG_PRECISION,
            t(c.possible),
            super::calibration::POSSIBLE_PRECISION,
            c.queries_with_strong * 100.0,
            c.queries_without_possible * 100.0
        );
        let h = &c.held_out;
        let p = |x: Option<f64>| x.map_or("n/a".to_owned(), |p| format!("{p:.3}"));
        let _ = writeln!(
            out,
            "  held out ({} folds, thresholds chosen without the fold): strong precision {} over {} results, possible {} over {}",
            h.folds.len(),
            p(h.strong_precision),
            h.folds.iter().map(|f| f.strong_results).sum::<usize>(),
            p(h.possible_precision),
            h.folds.iter().map(|f| f.possible_results).sum::<usize>(),
        );
        for (i, f) in h.folds.iter().enumerate() {
            let _ = writeln!(
                out,
                "    fold {}: {} queries, strong from {} ({}/{} relevant), possible from {} ({}/{})",
                i + 1,
                f.queries,
                t(f.strong),
                f.strong_hits,
                f.strong_results,
                t(f.possible),
                f.possible_hits,
                f.possible_results
            );
        }
    }
    out
}
