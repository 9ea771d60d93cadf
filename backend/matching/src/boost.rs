//! Evidence of reuse in the ranking (`[matching] evidence_boost`): after fusion, a
//! solution's score is multiplied by `1 + weight × evidence`, where `evidence` (0..1)
//! weighs
//!
//! - confirmed usages, with diminishing returns (`n / (n + 2)`: 1 → 0.33, 2 → 0.5, 8 → 0.8),
//! - usages by administrations like the seeker (same kind: ½, same Land too: 1 each;
//!   `l / (l + 1)`), and
//! - a maturity step (in production or widespread: 1, pilot: ½, else 0),
//!
//! in the shares 0.5 / 0.3 / 0.2. Claims never count: only confirmed usages reach this
//! module. The factor is capped at `1 + weight`, and a boosted solution rises only past
//! those it now outscores and never past one of a higher match strength (strong,
//! possible, weak), so evidence cannot lift a weak match above a strong one. With weight
//! 0 the fused order is kept exactly. The size of administrations is not in the catalogue,
//! so "similar size" is not weighed.

use std::collections::HashMap;

use matchraum_catalog::vocab::{Maturity, OrganisationKind};

use crate::model::{MatchStrength, StrengthThresholds};

/// The largest weight accepted: a solution gains at most this share of its score.
pub const MAX_WEIGHT: f32 = 1.0;

/// Confirmed usage of one solution: how many, and how many of them are like the seeker
/// (each same-kind usage counts ½, same kind in the same Land 1).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Confirmed {
    pub count: usize,
    pub like_seeker: f32,
}

/// The seeker's organisation, when known: kind and Land.
pub type Seeker<'a> = (OrganisationKind, Option<&'a str>);

/// Sums confirmed usages per solution from `(solution, kind, Land)` of each confirmed
/// usage's organisation.
pub fn confirmed<'a>(
    usages: impl IntoIterator<Item = (i64, OrganisationKind, Option<&'a str>)>,
    seeker: Option<Seeker<'_>>,
) -> HashMap<i64, Confirmed> {
    let mut out: HashMap<i64, Confirmed> = HashMap::new();
    for (solution, kind, land) in usages {
        let c = out.entry(solution).or_default();
        c.count += 1;
        if let Some((seeker_kind, seeker_land)) = seeker {
            if kind == seeker_kind {
                let same_land = seeker_land.is_some() && land == seeker_land;
                c.like_seeker += if same_land { 1.0 } else { 0.5 };
            }
        }
    }
    out
}

/// The evidence of reuse, 0..1.
pub fn evidence(confirmed: Confirmed, maturity: Maturity) -> f32 {
    let n = confirmed.count as f32;
    let like = confirmed.like_seeker.max(0.0);
    let step = match maturity {
        Maturity::InProduction | Maturity::Widespread => 1.0,
        Maturity::Pilot => 0.5,
        _ => 0.0,
    };
    0.5 * n / (n + 2.0) + 0.3 * like / (like + 1.0) + 0.2 * step
}

/// The factor on the fused score: 1 for weight 0 or no evidence, at most `1 + weight`.
pub fn factor(weight: f32, evidence: f32) -> f32 {
    1.0 + weight.clamp(0.0, MAX_WEIGHT) * evidence.clamp(0.0, 1.0)
}

/// `score` raised by `factor` (≥ 1): z-score and min-max fusions give negative scores
/// too, which must rise as well.
pub fn boosted(score: f32, factor: f32) -> f32 {
    score + score.abs() * (factor - 1.0)
}

/// Rank of a match strength for the cap: a boost never passes a higher one.
fn class(strengths: Option<StrengthThresholds>, confidence: Option<f32>) -> u8 {
    match strengths.zip(confidence).map(|(t, c)| t.of(c)) {
        Some(MatchStrength::Strong) => 2,
        Some(MatchStrength::Possible) => 1,
        _ => 0,
    }
}

/// Reorders `items` (best first by fused score) by the evidence of reuse with `weight`:
/// `of` gives an item's fused score, evidence (see [`evidence`]) and strength signal
/// (`strengths` turns it into the class that caps the boost; `None` outside hybrid mode).
/// Each item comes back with its position in `items`.
pub fn rerank<T>(
    items: Vec<T>,
    weight: f32,
    strengths: Option<StrengthThresholds>,
    of: impl Fn(&T) -> (f32, f32, Option<f32>),
) -> Vec<(usize, T)> {
    let indexed: Vec<(usize, T)> = items.into_iter().enumerate().collect();
    if weight <= 0.0 {
        return indexed;
    }
    reorder(indexed, |(_, item)| {
        let (score, evidence, confidence) = of(item);
        (
            boosted(score, factor(weight, evidence)),
            class(strengths, confidence),
        )
    })
}

/// Reorders `items` (best first by fused score) by boosted score: each item rises past
/// the items above it that its boosted score beats, unless one of them has a higher
/// class. `key` gives an item's boosted score and class. Unboosted items never rise, so
/// with no boost the order is unchanged.
fn reorder<T>(items: Vec<T>, key: impl Fn(&T) -> (f32, u8)) -> Vec<T> {
    let mut out: Vec<(f32, u8, T)> = Vec::with_capacity(items.len());
    for item in items {
        let (score, class) = key(&item);
        let mut at = out.len();
        while at > 0 && out[at - 1].0 < score && out[at - 1].1 <= class {
            at -= 1;
        }
        out.insert(at, (score, class, item));
    }
    out.into_iter().map(|(_, _, item)| item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrganisationKind::{Kommune, Kreis};

    #[test]
    fn evidence_has_diminishing_returns_and_counts_peers_and_maturity() {
        let e = |count, like_seeker, m| evidence(Confirmed { count, like_seeker }, m);
        assert_eq!(e(0, 0.0, Maturity::Idea), 0.0);
        let (one, two, many) = (
            e(1, 0.0, Maturity::Unknown),
            e(2, 0.0, Maturity::Unknown),
            e(50, 0.0, Maturity::Unknown),
        );
        assert!(0.0 < one && one < two && two < many && many < 0.5);
        assert!(two - one < one, "the second usage adds less than the first");
        assert!(
            e(2, 2.0, Maturity::Unknown) > two,
            "peers like the seeker add"
        );
        assert!(e(0, 0.0, Maturity::InProduction) > e(0, 0.0, Maturity::Pilot));
        assert!(e(1_000, 1_000.0, Maturity::Widespread) <= 1.0);
        assert_eq!(factor(0.0, 1.0), 1.0, "weight 0 is off");
        assert_eq!(factor(5.0, 1.0), 1.0 + MAX_WEIGHT, "the factor is capped");
        assert!((factor(0.2, 0.5) - 1.1).abs() < 1e-6);
        assert!(boosted(-2.0, 1.5) > -2.0 && boosted(2.0, 1.5) == 3.0);
    }

    #[test]
    fn only_confirmed_usages_given_count_and_peers_weigh_kind_then_land() {
        let seeker = Some((Kommune, Some("Hessen")));
        let c = confirmed(
            [
                (1, Kommune, Some("Hessen")),
                (1, Kommune, Some("Bayern")),
                (1, Kreis, Some("Hessen")),
                (2, Kreis, None),
            ],
            seeker,
        );
        assert_eq!(
            c[&1],
            Confirmed {
                count: 3,
                like_seeker: 1.5
            }
        );
        assert_eq!(c[&2].like_seeker, 0.0);
        assert_eq!(confirmed([(1, Kommune, None)], None)[&1].like_seeker, 0.0);
    }

    #[test]
    fn a_boost_lifts_within_a_strength_but_never_past_a_stronger_match() {
        // (id, fused score, boosted score, class)
        let items = vec![
            (1, 1.0, 1.0, 2),
            (2, 0.9, 0.9, 1),
            (3, 0.85, 0.95, 1),
            (4, 0.5, 0.99, 0),
        ];
        let ids = |v: Vec<(i32, f32, f32, u8)>| v.into_iter().map(|i| i.0).collect::<Vec<_>>();
        assert_eq!(
            ids(reorder(items.clone(), |i| (i.2, i.3))),
            [1, 3, 2, 4],
            "3 passes 2 (same strength); 4 passes nothing stronger"
        );
        assert_eq!(
            ids(reorder(items.clone(), |i| (i.1, i.3))),
            [1, 2, 3, 4],
            "no boost: the fused order"
        );
        let same = vec![(1, 1.0, 1.0, 0), (2, 0.9, 1.2, 0)];
        assert_eq!(ids(reorder(same, |i| (i.2, i.3))), [2, 1]);
    }

    #[test]
    fn rerank_is_off_at_weight_zero_and_capped_by_strength() {
        let t = StrengthThresholds {
            strong: 6.0,
            possible: 3.0,
        };
        // (id, fused score, evidence, strength signal): 1 strong, 2 and 3 possible, 4 weak.
        let items = vec![
            (1, 1.0, 0.0, Some(7.0)),
            (2, 0.95, 0.0, Some(4.0)),
            (3, 0.9, 1.0, Some(4.0)),
            (4, 0.5, 1.0, Some(1.0)),
        ];
        let order = |weight| {
            rerank(items.clone(), weight, Some(t), |i| (i.1, i.2, i.3))
                .into_iter()
                .map(|(was, i)| (was, i.0))
                .collect::<Vec<_>>()
        };
        assert_eq!(order(0.0), [(0, 1), (1, 2), (2, 3), (3, 4)]);
        // 3 doubles past 2 but stops below the strong 1; the weak 4 outscores 2 but
        // may not pass a possible match.
        assert_eq!(order(1.0), [(0, 1), (2, 3), (1, 2), (3, 4)]);
    }
}
