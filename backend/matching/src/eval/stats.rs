//! Bootstrap intervals over queries: resample the queries with replacement, recompute the
//! mean, take the 2.5th and 97.5th percentile of the means. A paired comparison of two
//! configurations is the bootstrap of the per-query differences (both scored on the same
//! resampled queries).

use serde::Serialize;

/// A mean with its 95 % bootstrap interval.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Estimate {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Estimate {
    /// The interval excludes zero: for a difference, the change is real at the 95 % level.
    pub fn excludes_zero(&self) -> bool {
        self.lo > 0.0 || self.hi < 0.0
    }
}

/// SplitMix64: small, fast and the same on every platform, so a seed gives the same
/// intervals on every run.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the modulo bias is below 2^-40 for the sizes used here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fisher–Yates.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }
}

pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// The 2.5th and 97.5th percentile of bootstrap means (sorted in place): the
/// `⌊0.025·n⌋`-th and `⌈0.975·n⌉-1`-th smallest.
pub fn percentile_interval(means: &mut [f64]) -> (f64, f64) {
    if means.is_empty() {
        return (0.0, 0.0);
    }
    means.sort_by(f64::total_cmp);
    let n = means.len();
    let lo = (n as f64 * 0.025).floor() as usize;
    let hi = ((n as f64 * 0.975).ceil() as usize).clamp(1, n) - 1;
    (means[lo], means[hi])
}

/// The mean of `values` with its 95 % interval from `rounds` resamples.
pub fn bootstrap(values: &[f64], rounds: usize, seed: u64) -> Estimate {
    let m = mean(values);
    if values.is_empty() || rounds == 0 {
        return Estimate {
            mean: m,
            lo: m,
            hi: m,
        };
    }
    let mut rng = Rng::new(seed);
    let n = values.len();
    let mut means: Vec<f64> = (0..rounds)
        .map(|_| (0..n).map(|_| values[rng.below(n)]).sum::<f64>() / n as f64)
        .collect();
    let (lo, hi) = percentile_interval(&mut means);
    Estimate { mean: m, lo, hi }
}

/// `b − a` on the same queries: the mean difference and its 95 % interval.
pub fn paired(a: &[f64], b: &[f64], rounds: usize, seed: u64) -> Estimate {
    assert_eq!(a.len(), b.len(), "paired scores of the same queries");
    let diffs: Vec<f64> = a.iter().zip(b).map(|(a, b)| b - a).collect();
    bootstrap(&diffs, rounds, seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_forty_means_are_the_second_and_the_thirty_ninth() {
        let mut means: Vec<f64> = (1..=40).rev().map(f64::from).collect();
        // ⌊0.025·40⌋ = 1 → 2.0; ⌈0.975·40⌉ − 1 = 38 → 39.0.
        assert_eq!(percentile_interval(&mut means), (2.0, 39.0));
    }

    #[test]
    fn bootstrap_of_one_hit_in_four_queries_matches_the_binomial() {
        // Resampling four queries of which one is a hit: the resample mean is k/4 with
        // k ~ Binomial(4, 1/4). P(k = 0) = 81/256 ≈ 0.32 > 2.5 %, so the lower bound is 0;
        // P(k ≥ 3) = 13/256 ≈ 5.1 % > 2.5 % but P(k = 4) = 1/256 ≈ 0.4 % < 2.5 %, so the
        // upper bound is 3/4. Both margins are far wider than 1,000 rounds' noise.
        let e = bootstrap(&[0.0, 0.0, 0.0, 1.0], 1_000, 7);
        assert_eq!(
            e,
            Estimate {
                mean: 0.25,
                lo: 0.0,
                hi: 0.75
            }
        );
    }

    #[test]
    fn a_constant_is_its_own_interval_and_the_same_seed_gives_the_same_interval() {
        let e = bootstrap(&[0.4; 10], 200, 1);
        assert!(
            (e.lo - 0.4).abs() < 1e-12 && (e.hi - 0.4).abs() < 1e-12,
            "{e:?}"
        );
        let v = [0.1, 0.9, 0.3, 0.5, 0.7];
        assert_eq!(bootstrap(&v, 500, 3), bootstrap(&v, 500, 3));
        assert_ne!(bootstrap(&v, 500, 3), bootstrap(&v, 500, 4));
    }

    #[test]
    fn paired_differences_cancel_what_both_share() {
        // Query difficulty varies a lot, the gain is a constant 0.1: the interval of the
        // difference is exactly [0.1, 0.1] while each side's own interval is wide.
        let a = [0.0, 0.9, 0.2, 0.8, 0.1];
        let b: Vec<f64> = a.iter().map(|x| x + 0.1).collect();
        let d = paired(&a, &b, 1_000, 5);
        assert!((d.mean - 0.1).abs() < 1e-12 && (d.lo - 0.1).abs() < 1e-12);
        assert!((d.hi - 0.1).abs() < 1e-12 && d.excludes_zero());
        let own = bootstrap(&b, 1_000, 5);
        assert!(own.hi - own.lo > 0.3, "{own:?}");
        // Identical systems: no difference.
        assert_eq!(paired(&a, &a, 100, 5), Estimate::default());
    }

    #[test]
    fn shuffling_keeps_every_item() {
        let mut v: Vec<usize> = (0..50).collect();
        Rng::new(9).shuffle(&mut v);
        assert_ne!(v, (0..50).collect::<Vec<_>>());
        v.sort_unstable();
        assert_eq!(v, (0..50).collect::<Vec<_>>());
    }
}
