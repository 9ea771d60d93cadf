//! Reciprocal-rank fusion of several ranked lists.

use std::collections::HashMap;

/// Constant `k` of RRF: dampens the weight of the very first ranks.
pub const RRF_K: f32 = 60.0;

/// Fuses ranked id lists (best first) with per-list weights; best first, ties by id.
pub fn reciprocal_rank(lists: &[(&[i64], f32)]) -> Vec<(i64, f32)> {
    let mut scores: HashMap<i64, f32> = HashMap::new();
    for (list, weight) in lists {
        for (rank, id) in list.iter().enumerate() {
            *scores.entry(*id).or_default() += weight / (RRF_K + rank as f32 + 1.0);
        }
    }
    let mut fused: Vec<(i64, f32)> = scores.into_iter().collect();
    fused.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    fused
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_high_in_both_lists_win() {
        let fused = reciprocal_rank(&[(&[1, 2, 3], 1.0), (&[2, 3, 4], 1.0)]);
        assert_eq!(fused[0].0, 2);
        assert_eq!(fused.len(), 4);
        let weighted = reciprocal_rank(&[(&[1], 1.0), (&[2], 2.0)]);
        assert_eq!(weighted[0].0, 2);
    }
}
