//! Calibrating the match strength: every query's top 10 under the configured hybrid are
//! pooled with their strength signal (`fusion::STRENGTH_SIGNAL`) and whether they are
//! labelled relevant. For falling score
//! thresholds the table gives the precision of the results at or above them; "strong"
//! starts at the lowest threshold whose results still have a measured precision of at
//! least [`STRONG_PRECISION`], "possible" likewise for [`POSSIBLE_PRECISION`]. Labels are
//! incomplete (only the derived items count), so measured precision understates the real.
//!
//! Thresholds chosen and scored on the same queries flatter themselves, so the table comes
//! with a k-fold check: each fold's results are scored against the thresholds chosen on
//! the other folds.

use serde::Serialize;

use super::{Retrieved, System, K};

pub const STRONG_PRECISION: f64 = 0.5;
pub const POSSIBLE_PRECISION: f64 = 0.2;
/// A threshold needs this many results above it before its precision counts.
const MIN_SUPPORT: usize = 30;

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub threshold: f32,
    /// Results (of all queries' top 10) scoring at least `threshold`.
    pub results: usize,
    pub precision: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Calibration {
    pub system: String,
    pub rows: Vec<Row>,
    /// Lowest score of a "strong" match (`None`: no threshold reaches the precision).
    pub strong: Option<f32>,
    pub possible: Option<f32>,
    /// Share of queries whose best result is strong, and with no result even possible.
    pub queries_with_strong: f64,
    pub queries_without_possible: f64,
    pub held_out: HeldOut,
}

/// One fold scored against the thresholds chosen without it.
#[derive(Clone, Debug, Serialize)]
pub struct HeldOutFold {
    pub queries: usize,
    pub strong: Option<f32>,
    pub possible: Option<f32>,
    /// The fold's results (of its queries' top 10) at or above its strong threshold, and
    /// how many of them are relevant.
    pub strong_results: usize,
    pub strong_hits: usize,
    pub possible_results: usize,
    pub possible_hits: usize,
}

#[derive(Clone, Debug, Serialize)]
pub struct HeldOut {
    pub folds: Vec<HeldOutFold>,
    /// Precision of all folds' results at or above their held-out thresholds (`None`: no
    /// result reached one).
    pub strong_precision: Option<f64>,
    pub possible_precision: Option<f64>,
}

/// `(score, relevant)` of each query's top `K`, per query (ranked once, then pooled by
/// whichever queries a table needs).
fn per_query(r: &Retrieved, system: &System) -> Vec<Vec<(f32, bool)>> {
    (0..r.len())
        .map(|i| {
            let rel = r.relevant(i);
            r.ranked_confidence(i, system, K)
                .into_iter()
                .map(|(id, s)| (s, rel.contains(id)))
                .collect()
        })
        .collect()
}

/// The results of the queries `take` keeps, pooled (unordered: [`thresholds`] sorts).
fn pooled(per_query: &[Vec<(f32, bool)>], take: &dyn Fn(usize) -> bool) -> Vec<(f32, bool)> {
    per_query
        .iter()
        .enumerate()
        .filter(|(i, _)| take(*i))
        .flat_map(|(_, q)| q.iter().copied())
        .collect()
}

/// Precision at about every 2.5 % of the pooled results, from the top.
fn rows(pooled: &[(f32, bool)]) -> Vec<Row> {
    let step = (pooled.len() / 40).max(1);
    let mut hits = 0;
    let mut out = Vec::new();
    for (n, (score, relevant)) in pooled.iter().enumerate() {
        hits += usize::from(*relevant);
        let last_of_score = pooled.get(n + 1).is_none_or(|next| next.0 < *score);
        if (n + 1) % step == 0 && last_of_score {
            out.push(Row {
                threshold: *score,
                results: n + 1,
                precision: hits as f64 / (n + 1) as f64,
            });
        }
    }
    out
}

/// The lowest threshold from the top down to which precision stays at least `target`.
fn lowest_reaching(rows: &[Row], target: f64) -> Option<f32> {
    rows.iter()
        .skip_while(|r| r.results < MIN_SUPPORT)
        .take_while(|r| r.precision >= target)
        .last()
        .map(|r| r.threshold)
}

/// The precision table of pooled `(score, relevant)` results and the strong and possible
/// thresholds it gives (the needs radar calibrates its cosines with it too).
pub fn thresholds(mut pooled: Vec<(f32, bool)>) -> (Vec<Row>, Option<f32>, Option<f32>) {
    pooled.sort_by(|a, b| b.0.total_cmp(&a.0));
    let rows = rows(&pooled);
    let strong = lowest_reaching(&rows, STRONG_PRECISION);
    let possible = lowest_reaching(&rows, POSSIBLE_PRECISION);
    (rows, strong, possible)
}

/// Results at or above `threshold` and the relevant ones among them.
fn above(pooled: &[(f32, bool)], threshold: Option<f32>) -> (usize, usize) {
    let Some(t) = threshold else { return (0, 0) };
    pooled
        .iter()
        .filter(|(s, _)| *s >= t)
        .fold((0, 0), |(n, hits), (_, rel)| {
            (n + 1, hits + usize::from(*rel))
        })
}

/// The k-fold check of the thresholds (folds as the cross-validation's, from `seed`).
fn held_out(per_query: &[Vec<(f32, bool)>], k: usize, seed: u64) -> HeldOut {
    let n = per_query.len();
    let k = k.clamp(2, n.max(2));
    let fold = super::cv::folds(n, k, seed);
    let folds: Vec<HeldOutFold> = (0..k)
        .map(|f| {
            let (_, strong, possible) = thresholds(pooled(per_query, &|i| fold[i] != f));
            let test = pooled(per_query, &|i| fold[i] == f);
            let (strong_results, strong_hits) = above(&test, strong);
            let (possible_results, possible_hits) = above(&test, possible);
            HeldOutFold {
                queries: fold.iter().filter(|&&x| x == f).count(),
                strong,
                possible,
                strong_results,
                strong_hits,
                possible_results,
                possible_hits,
            }
        })
        .collect();
    let share = |n: usize, hits: usize| (n > 0).then(|| hits as f64 / n as f64);
    let sum = |f: &dyn Fn(&HeldOutFold) -> usize| folds.iter().map(f).sum::<usize>();
    HeldOut {
        strong_precision: share(sum(&|f| f.strong_results), sum(&|f| f.strong_hits)),
        possible_precision: share(sum(&|f| f.possible_results), sum(&|f| f.possible_hits)),
        folds,
    }
}

/// The table and thresholds on all queries, and their `k`-fold held-out check.
pub fn calibrate(r: &Retrieved, system: &System, k: usize, seed: u64) -> Calibration {
    let per_query = per_query(r, system);
    let (rows, strong, possible) = thresholds(pooled(&per_query, &|_| true));
    let best: Vec<f32> = (0..r.len())
        .filter_map(|i| r.ranked_confidence(i, system, 1).first().map(|x| x.1))
        .collect();
    let share = |f: &dyn Fn(f32) -> bool| {
        best.iter().filter(|s| f(**s)).count() as f64 / r.len().max(1) as f64
    };
    Calibration {
        system: format!(
            "{} over the top {K} of {}",
            crate::fusion::STRENGTH_SIGNAL.describe(),
            system.fusion.describe()
        ),
        strong,
        possible,
        queries_with_strong: share(&|s| strong.is_some_and(|t| s >= t)),
        queries_without_possible: share(&|s| possible.is_none_or(|t| s < t))
            + (r.len() - best.len()) as f64 / r.len().max(1) as f64,
        rows,
        held_out: held_out(&per_query, k, seed),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn above_counts_results_and_hits_at_or_over_the_threshold() {
        let pooled = [(3.0, true), (2.0, false), (2.0, true), (1.0, true)];
        assert_eq!(above(&pooled, Some(2.0)), (3, 2));
        assert_eq!(above(&pooled, Some(9.0)), (0, 0));
        assert_eq!(
            above(&pooled, None),
            (0, 0),
            "no threshold: nothing is above it"
        );
    }

    #[test]
    fn thresholds_stop_where_precision_falls_below_the_target() {
        // 100 results: the top 40 are 3 in 4 relevant, the next 60 1 in 6.
        let pooled: Vec<(f32, bool)> = (0..100)
            .map(|i| {
                (
                    100.0 - i as f32,
                    if i < 40 { i % 4 != 0 } else { i % 6 == 0 },
                )
            })
            .collect();
        let rows = rows(&pooled);
        assert_eq!(rows.len(), 50, "a row every ⌊100 / 40⌋ = 2 results");
        assert_eq!((rows[0].threshold, rows[0].results), (99.0, 2));
        let strong = lowest_reaching(&rows, 0.5).unwrap();
        let at = |t: f32| rows.iter().find(|r| r.threshold == t).unwrap();
        assert!(at(strong).precision >= 0.5);
        // 30 hits in the first 40, then 1 in 6: 35 of the first 70 (score 31 and up) are
        // relevant, 35 of the first 72 are not enough.
        assert_eq!(strong, 31.0);
        assert_eq!(at(strong).results, 70);
        assert!(
            lowest_reaching(&rows, 0.95).is_none(),
            "never that precise past 30 results"
        );
    }
}
