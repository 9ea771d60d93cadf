//! Retrieval quality on a labelled query set: Recall@10, nDCG@10 and MRR@10 for every
//! mode in one run, overall, per query source and on the hard slice.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use super::model::{MatchFilters, Mode};
use super::{MatchError, Matcher};
use matchraum_catalog::store::solutions;

pub const K: usize = 10;

#[derive(Clone, Debug, Deserialize)]
pub struct EvalQuery {
    pub query: String,
    pub relevant_ids: Vec<String>,
    pub source_of_query: String,
    #[serde(default)]
    pub catalogue: Vec<String>,
    /// 0 marks the hard slice: no word shared with a relevant title (null: no title).
    #[serde(default)]
    pub max_title_token_jaccard: Option<f64>,
}

pub fn read_queries(path: &Path) -> Result<Vec<EvalQuery>, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut out = Vec::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        out.push(
            serde_json::from_str(&line)
                .map_err(|e| format!("{}:{}: {e}", path.display(), i + 1))?,
        );
    }
    Ok(out)
}

/// Mean metrics over a set of queries.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Metrics {
    #[serde(rename = "recall@10")]
    pub recall: f64,
    #[serde(rename = "ndcg@10")]
    pub ndcg: f64,
    #[serde(rename = "mrr@10")]
    pub mrr: f64,
    #[serde(skip)]
    n: usize,
}

impl Metrics {
    fn add(&mut self, ranked: &[&str], relevant: &HashSet<&str>) {
        let hits: Vec<usize> = ranked
            .iter()
            .take(K)
            .enumerate()
            .filter(|(_, id)| relevant.contains(*id))
            .map(|(r, _)| r)
            .collect();
        let recall = hits.len() as f64 / relevant.len().max(1) as f64;
        let dcg: f64 = hits.iter().map(|r| 1.0 / ((*r as f64) + 2.0).log2()).sum();
        let idcg: f64 = (0..relevant.len().min(K))
            .map(|r| 1.0 / ((r as f64) + 2.0).log2())
            .sum();
        let mrr = hits.first().map_or(0.0, |r| 1.0 / (*r as f64 + 1.0));
        // Running means keep the struct mergeable without storing every query.
        self.n += 1;
        let n = self.n as f64;
        self.recall += (recall - self.recall) / n;
        self.ndcg += (if idcg > 0.0 { dcg / idcg } else { 0.0 } - self.ndcg) / n;
        self.mrr += (mrr - self.mrr) / n;
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct EvalReport {
    pub queries: usize,
    pub modes: BTreeMap<&'static str, Metrics>,
    pub per_source: BTreeMap<String, BTreeMap<&'static str, Metrics>>,
    pub hard: BTreeMap<&'static str, Metrics>,
    /// Queries in the hard slice.
    pub hard_queries: usize,
}

/// Runs every query in every mode against the indexed catalogue; ids are the
/// catalogue's `source_id`s. `progress` is called after each query.
pub async fn evaluate(
    db: &DatabaseConnection,
    matcher: &Matcher,
    queries: &[EvalQuery],
    progress: &dyn Fn(usize),
) -> Result<EvalReport, MatchError> {
    let source_ids: HashMap<i64, String> = solutions::all(db)
        .await?
        .into_iter()
        .filter_map(|s| Some((s.id, s.source_id?)))
        .collect();
    let mut report = EvalReport {
        queries: queries.len(),
        ..EvalReport::default()
    };
    let filters = MatchFilters::default();
    for (i, q) in queries.iter().enumerate() {
        let relevant: HashSet<&str> = q.relevant_ids.iter().map(String::as_str).collect();
        let vector = matcher.embed_query(q.query.trim()).await?;
        let hard = q.max_title_token_jaccard == Some(0.0);
        for &mode in Mode::ALL {
            let ranked = matcher.rank(q.query.trim(), Some(&vector), mode, &filters, K)?;
            let ids: Vec<&str> = ranked
                .iter()
                .filter_map(|r| source_ids.get(&r.id).map(String::as_str))
                .collect();
            report
                .modes
                .entry(mode.as_str())
                .or_default()
                .add(&ids, &relevant);
            report
                .per_source
                .entry(q.source_of_query.clone())
                .or_default()
                .entry(mode.as_str())
                .or_default()
                .add(&ids, &relevant);
            if hard {
                report
                    .hard
                    .entry(mode.as_str())
                    .or_default()
                    .add(&ids, &relevant);
            }
        }
        report.hard_queries += usize::from(hard);
        progress(i + 1);
    }
    Ok(report)
}

/// The report as a readable table.
pub fn table(r: &EvalReport) -> String {
    let mut out = format!("{} queries ({} hard)\n\n", r.queries, r.hard_queries);
    out += &format!(
        "{:<44} {:<8} {:>9} {:>8} {:>8}\n",
        "slice", "mode", "Recall@10", "nDCG@10", "MRR@10"
    );
    let mut rows = vec![
        ("overall".to_owned(), &r.modes),
        ("hard (title jaccard 0)".to_owned(), &r.hard),
    ];
    rows.extend(r.per_source.iter().map(|(s, m)| (s.clone(), m)));
    for (slice, modes) in rows {
        for mode in Mode::ALL {
            if let Some(m) = modes.get(mode.as_str()) {
                out += &format!(
                    "{:<44} {:<8} {:>9.3} {:>8.3} {:>8.3}\n",
                    slice,
                    mode.as_str(),
                    m.recall,
                    m.ndcg,
                    m.mrr
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_follow_their_definitions() {
        let rel: HashSet<&str> = ["a", "b"].into_iter().collect();
        let mut m = Metrics::default();
        m.add(&["x", "a", "y", "b"], &rel);
        assert!((m.recall - 1.0).abs() < 1e-9);
        assert!((m.mrr - 0.5).abs() < 1e-9);
        let dcg = 1.0 / 3f64.log2() + 1.0 / 5f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2();
        assert!((m.ndcg - dcg / idcg).abs() < 1e-9);
        m.add(&["x"], &rel);
        assert!((m.recall - 0.5).abs() < 1e-9, "mean over two queries");
    }
}
