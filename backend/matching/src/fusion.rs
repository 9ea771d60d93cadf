//! Fusing the vector and the lexical ranking into one: by reciprocal rank (ranks only), or
//! by per-query normalised scores (z-score or min-max over each method's candidates),
//! combined with weights.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Constant `k` of RRF: dampens the weight of the very first ranks.
pub const RRF_K: f32 = 60.0;

matchraum_core::string_enum!(
    /// How the two rankings are fused (`[matching] fusion`).
    #[derive(Default)]
    FusionMethod {
        /// Reciprocal rank: `Σ weight / (60 + rank)`.
        #[default]
        Rrf => "rrf",
        /// Each method's scores as z-scores over its candidates, weighted and summed.
        Zscore => "zscore",
        /// Each method's scores scaled to 0..1 over its candidates, weighted and summed.
        Minmax => "minmax",
    }
);

/// The fusion and the weight of each method.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fusion {
    pub method: FusionMethod,
    pub vector_weight: f32,
    pub lexical_weight: f32,
}

impl Default for Fusion {
    fn default() -> Self {
        Fusion {
            method: FusionMethod::Rrf,
            vector_weight: 1.0,
            lexical_weight: 0.5,
        }
    }
}

/// The score the match strength is calibrated on, whatever fusion ranks: z-scores have a
/// meaning across queries (how far an entry stands out of its candidates), reciprocal
/// ranks do not. The weights are those 5-fold cross-validation chose for z-score fusion on
/// the dev set (README, "Matching quality").
pub const STRENGTH_SIGNAL: Fusion = Fusion {
    method: FusionMethod::Zscore,
    vector_weight: 1.0,
    lexical_weight: 0.7,
};

impl Fusion {
    /// The setting as `fusion=zscore,vector_weight=1,lexical_weight=0.5`.
    pub fn describe(&self) -> String {
        format!(
            "fusion={},vector_weight={},lexical_weight={}",
            self.method, self.vector_weight, self.lexical_weight
        )
    }

    /// Fuses two rankings (id, score; best first). `vector_fill` gives the vector score of
    /// a lexical candidate the vector search did not return (its exact cosine): score-level
    /// fusion then weighs real evidence instead of a guess. Best first, ties by id.
    pub fn fuse(
        &self,
        vector: &[(i64, f32)],
        lexical: &[(i64, f32)],
        vector_fill: &dyn Fn(i64) -> Option<f32>,
    ) -> Vec<(i64, f32)> {
        let mut fused: Vec<(i64, f32)> = match self.method {
            FusionMethod::Rrf => {
                let mut scores: HashMap<i64, f32> = HashMap::new();
                for (list, weight) in [(vector, self.vector_weight), (lexical, self.lexical_weight)]
                {
                    for (rank, (id, _)) in list.iter().enumerate() {
                        *scores.entry(*id).or_default() += weight / (RRF_K + rank as f32 + 1.0);
                    }
                }
                scores.into_iter().collect()
            }
            FusionMethod::Zscore | FusionMethod::Minmax => {
                let v = Normaliser::of(self.method, vector);
                let l = Normaliser::of(self.method, lexical);
                let vec_score: HashMap<i64, f32> = vector.iter().copied().collect();
                let lex_score: HashMap<i64, f32> = lexical.iter().copied().collect();
                let mut ids: Vec<i64> = vector.iter().chain(lexical).map(|h| h.0).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.into_iter()
                    .map(|id| {
                        let vs = vec_score.get(&id).copied().or_else(|| vector_fill(id));
                        let ls = lex_score.get(&id).copied();
                        let s =
                            self.vector_weight * v.apply(vs) + self.lexical_weight * l.apply(ls);
                        (id, s)
                    })
                    .collect()
            }
        };
        fused.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        fused
    }
}

/// Maps one method's raw scores of a query onto a common scale.
struct Normaliser {
    shift: f32,
    scale: f32,
    /// The normalised score of an entry the method did not return: its worst candidate's.
    floor: f32,
}

impl Normaliser {
    fn of(method: FusionMethod, hits: &[(i64, f32)]) -> Self {
        if hits.is_empty() {
            return Normaliser {
                shift: 0.0,
                scale: 0.0,
                floor: 0.0,
            };
        }
        let n = hits.len() as f32;
        let (shift, spread) = match method {
            FusionMethod::Minmax => {
                let min = hits.iter().map(|h| h.1).fold(f32::INFINITY, f32::min);
                let max = hits.iter().map(|h| h.1).fold(f32::NEG_INFINITY, f32::max);
                (min, max - min)
            }
            _ => {
                let mean = hits.iter().map(|h| h.1).sum::<f32>() / n;
                let var = hits.iter().map(|h| (h.1 - mean).powi(2)).sum::<f32>() / n;
                (mean, var.sqrt())
            }
        };
        // One candidate, or all equal: no spread to tell them apart, all count as average.
        let scale = if spread > f32::EPSILON {
            1.0 / spread
        } else {
            0.0
        };
        let min = hits.iter().map(|h| h.1).fold(f32::INFINITY, f32::min);
        Normaliser {
            shift,
            scale,
            floor: (min - shift) * scale,
        }
    }

    fn apply(&self, score: Option<f32>) -> f32 {
        score.map_or(self.floor, |s| (s - self.shift) * self.scale)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fusion(method: FusionMethod, lexical_weight: f32) -> Fusion {
        Fusion {
            method,
            vector_weight: 1.0,
            lexical_weight,
        }
    }

    fn ids(f: &[(i64, f32)]) -> Vec<i64> {
        f.iter().map(|h| h.0).collect()
    }

    #[test]
    fn rrf_ranks_items_high_in_both_lists_first() {
        let a = [(1, 0.9), (2, 0.8), (3, 0.7)];
        let b = [(2, 9.0), (3, 8.0), (4, 7.0)];
        let fused = fusion(FusionMethod::Rrf, 1.0).fuse(&a, &b, &|_| None);
        assert_eq!(fused[0].0, 2);
        assert_eq!(fused.len(), 4);
        let weighted = Fusion {
            lexical_weight: 2.0,
            ..fusion(FusionMethod::Rrf, 2.0)
        }
        .fuse(&[(1, 0.9)], &[(2, 1.0)], &|_| None);
        assert_eq!(weighted[0].0, 2);
    }

    #[test]
    fn zscore_weighs_how_far_a_score_stands_out() {
        // Vector: 1 stands out little; lexical: 2 stands out far (z = +1.41 vs -0.71).
        let v = [(1, 0.90), (2, 0.89), (3, 0.88)];
        let l = [(2, 30.0), (1, 5.0), (3, 5.0)];
        let f = fusion(FusionMethod::Zscore, 1.0).fuse(&v, &l, &|_| None);
        assert_eq!(ids(&f), vec![2, 1, 3]);
        // z of 2: vector 0, lexical (30-13.33)/11.79 = 1.414.
        assert!((f[0].1 - 1.414).abs() < 1e-3, "{f:?}");
        // Without the lexical signal the vector order stands.
        let f = fusion(FusionMethod::Zscore, 0.0).fuse(&v, &l, &|_| None);
        assert_eq!(ids(&f), vec![1, 2, 3]);
    }

    #[test]
    fn minmax_scales_each_list_to_its_range_and_missing_entries_get_its_floor() {
        let v = [(1, 0.9), (2, 0.7)];
        let l = [(3, 10.0), (1, 0.0)];
        let f = fusion(FusionMethod::Minmax, 0.5).fuse(&v, &l, &|_| None);
        // 1: 1 + 0.5·0 = 1; 3: 0 (vector floor) + 0.5·1 = 0.5; 2: 0 + 0 (lexical floor).
        assert_eq!(ids(&f), vec![1, 3, 2]);
        for (got, want) in f.iter().zip([1.0, 0.5, 0.0]) {
            assert!((got.1 - want).abs() < 1e-5, "{f:?}");
        }
    }

    #[test]
    fn a_lexical_only_candidate_is_scored_by_its_real_similarity() {
        let v = [(1, 0.9), (2, 0.7)];
        let l = [(3, 1.0)];
        let fill = |id: i64| (id == 3).then_some(0.95);
        let f = fusion(FusionMethod::Minmax, 0.0).fuse(&v, &l, &fill);
        assert_eq!(f[0].0, 3, "0.95 is above the vector list's best: {f:?}");
    }

    #[test]
    fn equal_scores_do_not_divide_by_zero() {
        let f =
            fusion(FusionMethod::Zscore, 1.0).fuse(&[(1, 0.5), (2, 0.5)], &[(2, 3.0)], &|_| None);
        assert!(f.iter().all(|h| h.1.is_finite()), "{f:?}");
        assert_eq!(f[0].0, 1, "ties by id");
    }
}
