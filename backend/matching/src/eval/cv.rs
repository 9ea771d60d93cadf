//! k-fold cross-validation of the fusion weights: the queries are split into k folds
//! (shuffled with the bootstrap seed); for each fold the lexical weight (the vector weight
//! stays 1: only the ratio changes a ranking) that gives the best mean nDCG@10 on the other
//! folds is chosen from a grid and scored on the held-out fold. The held-out scores of all
//! folds together estimate how the chosen weights do on queries they were not chosen on.

use serde::Serialize;

use super::stats::{mean, Rng};
use super::{Bootstrap, Metrics, QueryScores, Retrieved, System};
use crate::fusion::{Fusion, FusionMethod};
use crate::model::Mode;

/// The lexical weights tried: 0, 0.1, …, 1.5.
pub fn weight_grid() -> Vec<f32> {
    (0..=15).map(|i| i as f32 / 10.0).collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct Fold {
    pub queries: usize,
    pub lexical_weight: f32,
    /// Mean nDCG@10 of the chosen weight on the other folds.
    pub train_ndcg: f64,
    pub held_out_ndcg: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MethodFolds {
    pub method: FusionMethod,
    pub folds: Vec<Fold>,
    /// Every query scored with the weight chosen without it.
    pub held_out: Metrics,
    /// The weight chosen on all queries (what to configure).
    pub lexical_weight_on_all: f32,
}

/// Each query's fold, `0..k`.
pub fn folds(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    Rng::new(seed).shuffle(&mut order);
    let mut fold = vec![0; n];
    for (j, &i) in order.iter().enumerate() {
        fold[i] = j % k;
    }
    fold
}

/// The grid index with the best mean nDCG over the queries `take` keeps (first on ties).
fn best(grid_scores: &[Vec<QueryScores>], take: &dyn Fn(usize) -> bool) -> (usize, f64) {
    grid_scores
        .iter()
        .enumerate()
        .map(|(w, scores)| {
            let v: Vec<f64> = (0..scores.len())
                .filter(|&i| take(i))
                .map(|i| scores[i].ndcg)
                .collect();
            (w, mean(&v))
        })
        .fold(
            (0, f64::NEG_INFINITY),
            |acc, x| if x.1 > acc.1 { x } else { acc },
        )
}

/// Cross-validates the weights of every fusion method.
pub fn cross_validate(r: &Retrieved, k: usize, bootstrap: &Bootstrap) -> Vec<MethodFolds> {
    let k = k.clamp(2, r.len().max(2));
    let fold = folds(r.len(), k, bootstrap.seed);
    let grid = weight_grid();
    FusionMethod::ALL
        .iter()
        .map(|&method| {
            let grid_scores: Vec<Vec<QueryScores>> = grid
                .iter()
                .map(|&w| {
                    let fusion = Fusion {
                        method,
                        vector_weight: 1.0,
                        lexical_weight: w,
                    };
                    r.scores(&System::of_mode(Mode::Hybrid, fusion))
                })
                .collect();
            let mut held_out = vec![QueryScores::default(); r.len()];
            let folds = (0..k)
                .map(|f| {
                    let (w, train_ndcg) = best(&grid_scores, &|i| fold[i] != f);
                    let held: Vec<usize> = (0..r.len()).filter(|&i| fold[i] == f).collect();
                    for &i in &held {
                        held_out[i] = grid_scores[w][i];
                    }
                    let ndcg: Vec<f64> = held.iter().map(|&i| grid_scores[w][i].ndcg).collect();
                    Fold {
                        queries: held.len(),
                        lexical_weight: grid[w],
                        train_ndcg,
                        held_out_ndcg: mean(&ndcg),
                    }
                })
                .collect();
            MethodFolds {
                method,
                folds,
                held_out: bootstrap.metrics(&held_out),
                lexical_weight_on_all: grid[best(&grid_scores, &|_| true).0],
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_are_balanced_and_fixed_by_the_seed() {
        let f = folds(11, 5, 13);
        let mut sizes = [0; 5];
        for &x in &f {
            sizes[x] += 1;
        }
        assert_eq!(sizes, [3, 2, 2, 2, 2]);
        assert_eq!(f, folds(11, 5, 13));
    }

    #[test]
    fn the_best_weight_is_chosen_on_the_kept_queries_only() {
        let s = |ndcg| QueryScores {
            ndcg,
            ..QueryScores::default()
        };
        // Weight 0 is best on query 0, weight 1 on query 1.
        let grid = vec![vec![s(1.0), s(0.0)], vec![s(0.2), s(0.9)]];
        assert_eq!(best(&grid, &|i| i == 0), (0, 1.0));
        assert_eq!(best(&grid, &|i| i == 1), (1, 0.9));
        assert_eq!(best(&grid, &|_| true).0, 1, "0.55 beats 0.5");
    }
}
