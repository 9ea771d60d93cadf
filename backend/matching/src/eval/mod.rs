//! Retrieval quality on a labelled query set: Recall@10, nDCG@10 and MRR@10, overall, on
//! the hard slice and per query source, each with a 95 % bootstrap interval over queries.
//! Each query is retrieved once; every configuration (a mode, a fusion and its weights) is
//! then scored on the same candidates, so two of them compare paired, query by query, and
//! cross-validation over fusion weights costs no further search.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::BufRead;
use std::path::Path;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use super::boost;
use super::embedder::ModelPrecision;
use super::engine::{Candidates, DEFAULT_STRENGTHS};
use super::fusion::Fusion;
use super::model::{MatchFilters, Mode};
use super::{MatchError, Matcher};
use matchraum_catalog::store::{solutions, usages};
use matchraum_catalog::vocab::{OrganisationKind, UsageVerification};

pub mod calibration;
pub mod cv;
pub mod stats;
mod system;
mod table;

pub use stats::Estimate;
pub use system::System;
pub use table::table;

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

impl EvalQuery {
    pub fn is_hard(&self) -> bool {
        self.max_title_token_jaccard == Some(0.0)
    }
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

/// One query's scores.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QueryScores {
    pub recall: f64,
    pub ndcg: f64,
    pub mrr: f64,
}

impl QueryScores {
    pub fn of(ranked: &[&str], relevant: &HashSet<&str>) -> Self {
        let hits: Vec<usize> = ranked
            .iter()
            .take(K)
            .enumerate()
            .filter(|(_, id)| relevant.contains(*id))
            .map(|(r, _)| r)
            .collect();
        let dcg: f64 = hits.iter().map(|r| 1.0 / ((*r as f64) + 2.0).log2()).sum();
        let idcg: f64 = (0..relevant.len().min(K))
            .map(|r| 1.0 / ((r as f64) + 2.0).log2())
            .sum();
        QueryScores {
            recall: hits.len() as f64 / relevant.len().max(1) as f64,
            ndcg: if idcg > 0.0 { dcg / idcg } else { 0.0 },
            mrr: hits.first().map_or(0.0, |r| 1.0 / (*r as f64 + 1.0)),
        }
    }
}

/// Mean metrics over a set of queries, with 95 % bootstrap intervals.
#[derive(Clone, Copy, Debug, Default, Serialize, PartialEq)]
pub struct Metrics {
    #[serde(rename = "recall@10")]
    pub recall: Estimate,
    #[serde(rename = "ndcg@10")]
    pub ndcg: Estimate,
    #[serde(rename = "mrr@10")]
    pub mrr: Estimate,
}

/// How intervals are drawn.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Bootstrap {
    pub rounds: usize,
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            rounds: 1_000,
            seed: 13,
        }
    }
}

impl Bootstrap {
    /// Every metric is resampled with the same seed, so with the same queries.
    pub fn metrics(&self, scores: &[QueryScores]) -> Metrics {
        let series = |f: fn(&QueryScores) -> f64| scores.iter().map(f).collect::<Vec<f64>>();
        let est = |v: Vec<f64>| stats::bootstrap(&v, self.rounds, self.seed);
        Metrics {
            recall: est(series(|s| s.recall)),
            ndcg: est(series(|s| s.ndcg)),
            mrr: est(series(|s| s.mrr)),
        }
    }

    /// `b − a`, paired by query.
    pub fn difference(&self, a: &[QueryScores], b: &[QueryScores]) -> Metrics {
        let est = |f: fn(&QueryScores) -> f64| {
            let (x, y): (Vec<f64>, Vec<f64>) = a.iter().zip(b).map(|(a, b)| (f(a), f(b))).unzip();
            stats::paired(&x, &y, self.rounds, self.seed)
        };
        Metrics {
            recall: est(|s| s.recall),
            ndcg: est(|s| s.ndcg),
            mrr: est(|s| s.mrr),
        }
    }
}

/// Every query's candidates, retrieved once per model graph.
pub struct Retrieved {
    pub queries: Vec<EvalQuery>,
    /// The graph of the configured matcher: systems that name none rank its candidates.
    precision: ModelPrecision,
    candidates: BTreeMap<ModelPrecision, Vec<Candidates>>,
    source_ids: HashMap<i64, String>,
    /// Evidence of reuse per solution (`boost::evidence`; no seeker in the query set).
    evidence: HashMap<i64, f32>,
}

/// Embeds and retrieves every query against the indexed catalogue; ids are the
/// catalogue's `source_id`s. `progress` is called after each query.
pub async fn retrieve(
    db: &DatabaseConnection,
    matcher: &Matcher,
    queries: Vec<EvalQuery>,
    progress: &dyn Fn(usize),
) -> Result<Retrieved, MatchError> {
    let all = solutions::all(db).await?;
    let ids: Vec<i64> = all.iter().map(|s| s.id).collect();
    let confirmed = boost::confirmed(
        usages::for_solutions(db, &ids)
            .await?
            .into_iter()
            .filter(|u| u.verification == UsageVerification::Confirmed)
            // Without a seeker the kind and the Land weigh nothing.
            .map(|u| (u.solution_id, OrganisationKind::Kommune, None)),
        None,
    );
    let evidence = all
        .iter()
        .map(|s| {
            let c = confirmed.get(&s.id).copied().unwrap_or_default();
            (s.id, boost::evidence(c, s.maturity))
        })
        .collect();
    let source_ids: HashMap<i64, String> = all
        .into_iter()
        .filter_map(|s| Some((s.id, s.source_id?)))
        .collect();
    let candidates = candidates_of(matcher, &queries, progress).await?;
    Ok(Retrieved {
        queries,
        precision: matcher.precision(),
        candidates: BTreeMap::from([(matcher.precision(), candidates)]),
        source_ids,
        evidence,
    })
}

async fn candidates_of(
    matcher: &Matcher,
    queries: &[EvalQuery],
    progress: &dyn Fn(usize),
) -> Result<Vec<Candidates>, MatchError> {
    let filters = MatchFilters::default();
    let mut candidates = Vec::with_capacity(queries.len());
    for (i, q) in queries.iter().enumerate() {
        let text = q.query.trim();
        let vector = matcher.embed_query(text).await?;
        candidates.push(matcher.candidates(text, Some(&vector), Mode::Hybrid, &filters)?);
        progress(i + 1);
    }
    Ok(candidates)
}

impl Retrieved {
    pub fn len(&self) -> usize {
        self.queries.len()
    }

    /// The graphs `systems` name that have no candidates yet.
    pub fn missing_precisions<'a>(
        &self,
        systems: impl IntoIterator<Item = &'a System>,
    ) -> BTreeSet<ModelPrecision> {
        systems
            .into_iter()
            .filter_map(|s| s.precision)
            .filter(|p| !self.candidates.contains_key(p))
            .collect()
    }

    /// Retrieves the same queries with `matcher` (another graph of the model, over the same
    /// catalogue), for the systems that name its precision.
    pub async fn retrieve_with(
        &mut self,
        matcher: &Matcher,
        progress: &dyn Fn(usize),
    ) -> Result<(), MatchError> {
        let candidates = candidates_of(matcher, &self.queries, progress).await?;
        self.candidates.insert(matcher.precision(), candidates);
        Ok(())
    }

    /// Query `i`'s candidates under the graph `system` names.
    fn candidates(&self, i: usize, system: &System) -> &Candidates {
        let precision = system.precision.unwrap_or(self.precision);
        let Some(all) = self.candidates.get(&precision) else {
            panic!(
                "no candidates of {precision} retrieved for '{}'",
                system.label
            )
        };
        &all[i]
    }

    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    /// Query `i`'s ranking under `system`: (source id, score), best first, at most `k`.
    pub fn ranked(&self, i: usize, system: &System, k: usize) -> Vec<(&str, f32)> {
        self.boosted(i, system)
            .into_iter()
            .filter_map(|(id, s)| Some((self.source_ids.get(&id)?.as_str(), s)))
            .take(k)
            .collect()
    }

    /// Query `i`'s fused ranking under `system`, reordered by the evidence of reuse as
    /// the matcher does (the strength cap with the default thresholds).
    fn boosted(&self, i: usize, system: &System) -> Vec<(i64, f32)> {
        let c = self.candidates(i, system);
        let fused = c.fused(system.mode, &system.fusion);
        if system.evidence_boost <= 0.0 {
            return fused;
        }
        let confidence = c.confidence(system.mode);
        let strengths = (system.mode == Mode::Hybrid).then_some(DEFAULT_STRENGTHS);
        boost::rerank(fused, system.evidence_boost, strengths, |h| {
            let evidence = self.evidence.get(&h.0).copied().unwrap_or(0.0);
            (h.1, evidence, confidence.get(&h.0).copied())
        })
        .into_iter()
        .map(|(_, h)| h)
        .collect()
    }

    /// As [`Retrieved::ranked`], each with its strength signal instead of its score.
    pub fn ranked_confidence(&self, i: usize, system: &System, k: usize) -> Vec<(&str, f32)> {
        let c = self.candidates(i, system);
        let confidence = c.confidence(Mode::Hybrid);
        c.fused(system.mode, &system.fusion)
            .into_iter()
            .filter_map(|(id, _)| Some((self.source_ids.get(&id)?.as_str(), *confidence.get(&id)?)))
            .take(k)
            .collect()
    }

    pub fn relevant(&self, i: usize) -> HashSet<&str> {
        self.queries[i]
            .relevant_ids
            .iter()
            .map(String::as_str)
            .collect()
    }

    /// Every query's scores under `system`.
    pub fn scores(&self, system: &System) -> Vec<QueryScores> {
        (0..self.len())
            .map(|i| {
                let ranked: Vec<&str> =
                    self.ranked(i, system, K).into_iter().map(|r| r.0).collect();
                QueryScores::of(&ranked, &self.relevant(i))
            })
            .collect()
    }

    /// The query indexes of each slice: overall, hard, then per source.
    pub fn slices(&self) -> Vec<(String, Vec<usize>)> {
        let all: Vec<usize> = (0..self.len()).collect();
        let hard: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| self.queries[i].is_hard())
            .collect();
        let mut per_source: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, q) in self.queries.iter().enumerate() {
            per_source.entry(&q.source_of_query).or_default().push(i);
        }
        let mut out = vec![("overall".to_owned(), all), (HARD.to_owned(), hard)];
        out.extend(per_source.into_iter().map(|(s, v)| (s.to_owned(), v)));
        out
    }
}

pub const HARD: &str = "hard";

/// Folds of the held-out check of the strength thresholds when no `--cv` is given.
pub const CALIBRATION_FOLDS: usize = 5;

/// What a run measures besides every mode of the configured matcher.
#[derive(Clone, Debug, Default)]
pub struct EvalOptions {
    pub bootstrap: Bootstrap,
    /// Two configurations scored side by side, with paired differences `b − a`.
    pub compare: Option<(System, System)>,
    /// Folds of the cross-validation of the fusion weights.
    pub cv_folds: Option<usize>,
    /// Precision of the match strengths per score threshold.
    pub calibrate: bool,
}

/// Per slice (overall, hard, each source): metrics of every system.
pub type SliceMetrics = BTreeMap<String, BTreeMap<String, Metrics>>;

#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub a: String,
    pub b: String,
    /// `b − a` per slice, paired by query.
    pub difference: BTreeMap<String, Metrics>,
}

#[derive(Clone, Debug, Serialize)]
pub struct EvalReport {
    pub queries: usize,
    pub hard_queries: usize,
    pub bootstrap: Bootstrap,
    /// The configured hybrid fusion.
    pub fusion: Fusion,
    /// The configured model graph (the modes' rows).
    pub model_precision: ModelPrecision,
    /// Overall, by system (`hybrid`, `lexical`, `vector`, and the compared ones).
    pub modes: BTreeMap<String, Metrics>,
    pub hard: BTreeMap<String, Metrics>,
    pub per_source: SliceMetrics,
    pub comparison: Option<Comparison>,
    pub cv: Option<Vec<cv::MethodFolds>>,
    pub calibration: Option<calibration::Calibration>,
}

/// Scores the configured matcher's modes (and what `opts` asks for) on `r`.
pub fn report(r: &Retrieved, fusion: Fusion, opts: &EvalOptions) -> EvalReport {
    let mut systems: Vec<System> = Mode::ALL
        .iter()
        .map(|&mode| System::of_mode(mode, fusion))
        .collect();
    if let Some((a, b)) = &opts.compare {
        systems.extend([a.clone(), b.clone()]);
    }
    let scores: Vec<(String, Vec<QueryScores>)> = systems
        .iter()
        .map(|s| (s.label.clone(), r.scores(s)))
        .collect();
    let slices = r.slices();
    let pick = |v: &[QueryScores], idx: &[usize]| idx.iter().map(|&i| v[i]).collect::<Vec<_>>();
    let mut by_slice: SliceMetrics = BTreeMap::new();
    for (slice, idx) in &slices {
        let row = by_slice.entry(slice.clone()).or_default();
        for (label, v) in &scores {
            row.insert(label.clone(), opts.bootstrap.metrics(&pick(v, idx)));
        }
    }
    let comparison = opts.compare.as_ref().map(|(a, b)| {
        let find = |s: &System| &scores.iter().find(|x| x.0 == s.label).expect("scored").1;
        let (sa, sb) = (find(a), find(b));
        Comparison {
            a: a.label.clone(),
            b: b.label.clone(),
            difference: slices
                .iter()
                .map(|(slice, idx)| {
                    let d = opts.bootstrap.difference(&pick(sa, idx), &pick(sb, idx));
                    (slice.clone(), d)
                })
                .collect(),
        }
    });
    let modes = by_slice.remove("overall").unwrap_or_default();
    let hard = by_slice.remove(HARD).unwrap_or_default();
    EvalReport {
        queries: r.len(),
        hard_queries: slices[1].1.len(),
        bootstrap: opts.bootstrap,
        fusion,
        model_precision: r.precision,
        modes,
        hard,
        per_source: by_slice,
        comparison,
        cv: opts
            .cv_folds
            .map(|k| cv::cross_validate(r, k, &opts.bootstrap)),
        calibration: opts.calibrate.then(|| {
            let hybrid = System::of_mode(Mode::Hybrid, fusion);
            let k = opts.cv_folds.unwrap_or(CALIBRATION_FOLDS);
            calibration::calibrate(r, &hybrid, k, opts.bootstrap.seed)
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_follow_their_definitions() {
        let rel: HashSet<&str> = ["a", "b"].into_iter().collect();
        let s = QueryScores::of(&["x", "a", "y", "b"], &rel);
        assert!((s.recall - 1.0).abs() < 1e-9);
        assert!((s.mrr - 0.5).abs() < 1e-9);
        let dcg = 1.0 / 3f64.log2() + 1.0 / 5f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2();
        assert!((s.ndcg - dcg / idcg).abs() < 1e-9);
        let none = QueryScores::of(&["x"], &rel);
        let m = Bootstrap::default().metrics(&[s, none]);
        assert!((m.recall.mean - 0.5).abs() < 1e-9, "mean over two queries");
        assert!(m.recall.lo <= 0.5 && m.recall.hi >= 0.5);
    }
}
