//! Nearest-neighbour search over L2-normalised vectors. Exact search is fast enough for
//! a national catalogue (~10^5 items); past `[matching] hnsw_from` entries an HNSW graph
//! takes over ([`sized::SizedIndex`], [`hnsw::HnswIndex`]).

use std::collections::HashMap;

pub mod hnsw;
pub mod sized;
pub mod synthetic;

pub trait VectorIndex: Send + Sync {
    fn upsert(&mut self, id: i64, vector: &[f32]);
    fn remove(&mut self, id: i64);
    /// The `k` most similar items allowed by `allow`, best first, with cosine similarity.
    fn search(&self, query: &[f32], k: usize, allow: &dyn Fn(i64) -> bool) -> Vec<(i64, f32)>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Cosine search over every vector: a scan of int8 codes (a quarter of the memory
/// traffic of f32) picks candidates, which are then rescored exactly in f32, so the
/// returned order and similarities are those of exact search.
pub struct ExactIndex {
    dim: usize,
    ids: Vec<i64>,
    data: Vec<f32>,
    /// Per row: `dim` int8 codes with one scale (`x ≈ code * scale`).
    codes: Vec<i8>,
    scales: Vec<f32>,
    rows: HashMap<i64, usize>,
}

/// Candidates rescored exactly per requested result: generous, because int8 scores can
/// reorder near-ties.
const RESCORE_FACTOR: usize = 4;
const RESCORE_MIN: usize = 200;

impl ExactIndex {
    pub fn new(dim: usize) -> Self {
        ExactIndex {
            dim,
            ids: Vec::new(),
            data: Vec::new(),
            codes: Vec::new(),
            scales: Vec::new(),
            rows: HashMap::new(),
        }
    }

    /// Approximate scores of every allowed row, from the int8 codes.
    fn approximate(&self, query: &[f32], allow: &dyn Fn(i64) -> bool) -> Vec<(u32, f32)> {
        let (q16, qscale) = quantize_query(query);
        self.codes
            .chunks_exact(self.dim)
            .zip(&self.scales)
            .zip(&self.ids)
            .enumerate()
            .filter(|(_, (_, id))| allow(**id))
            .map(|(row, ((codes, scale), _))| {
                (row as u32, dot_i8(codes, &q16) as f32 * scale * qscale)
            })
            .collect()
    }

    pub fn get(&self, id: i64) -> Option<&[f32]> {
        self.rows
            .get(&id)
            .map(|&r| &self.data[r * self.dim..(r + 1) * self.dim])
    }

    /// Every `(id, vector)` pair, in row order.
    pub fn entries(&self) -> impl Iterator<Item = (i64, &[f32])> {
        self.ids
            .iter()
            .copied()
            .zip(self.data.chunks_exact(self.dim))
    }

    /// Bytes held by vectors, codes and the id map (allocated capacity, roughly).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        self.data.capacity() * 4
            + self.codes.capacity()
            + self.scales.capacity() * 4
            + self.ids.capacity() * 8
            // hashbrown: key, value and one control byte per bucket.
            + self.rows.capacity() * (size_of::<i64>() + size_of::<usize>() + 1)
    }
}

impl VectorIndex for ExactIndex {
    fn upsert(&mut self, id: i64, vector: &[f32]) {
        assert_eq!(vector.len(), self.dim, "vector dimension");
        let (codes, scale) = quantize(vector);
        match self.rows.get(&id) {
            Some(&r) => {
                self.data[r * self.dim..(r + 1) * self.dim].copy_from_slice(vector);
                self.codes[r * self.dim..(r + 1) * self.dim].copy_from_slice(&codes);
                self.scales[r] = scale;
            }
            None => {
                self.rows.insert(id, self.ids.len());
                self.ids.push(id);
                self.data.extend_from_slice(vector);
                self.codes.extend_from_slice(&codes);
                self.scales.push(scale);
            }
        }
    }

    fn remove(&mut self, id: i64) {
        let Some(r) = self.rows.remove(&id) else {
            return;
        };
        let last = self.ids.len() - 1;
        // The last row moves into the gap: its vector, its codes and its scale.
        if r != last {
            let moved = self.ids[last];
            self.ids[r] = moved;
            self.data
                .copy_within(last * self.dim..(last + 1) * self.dim, r * self.dim);
            self.codes
                .copy_within(last * self.dim..(last + 1) * self.dim, r * self.dim);
            self.scales[r] = self.scales[last];
            self.rows.insert(moved, r);
        }
        self.ids.pop();
        self.data.truncate(last * self.dim);
        self.codes.truncate(last * self.dim);
        self.scales.pop();
    }

    fn search(&self, query: &[f32], k: usize, allow: &dyn Fn(i64) -> bool) -> Vec<(i64, f32)> {
        if k == 0 || self.ids.is_empty() {
            return vec![];
        }
        let mut candidates = self.approximate(query, allow);
        let keep = (k * RESCORE_FACTOR).max(RESCORE_MIN);
        if candidates.len() > keep {
            candidates.select_nth_unstable_by(keep - 1, |a, b| b.1.total_cmp(&a.1));
            candidates.truncate(keep);
        }
        let mut scored: Vec<(i64, f32)> = candidates
            .into_iter()
            .map(|(row, _)| {
                let r = row as usize;
                (
                    self.ids[r],
                    dot(&self.data[r * self.dim..(r + 1) * self.dim], query),
                )
            })
            .collect();
        scored.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        scored.truncate(k);
        scored
    }

    fn len(&self) -> usize {
        self.ids.len()
    }
}

/// Symmetric int8 quantisation with one scale per vector.
fn quantize(v: &[f32]) -> (Vec<i8>, f32) {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
    (
        v.iter()
            .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8)
            .collect(),
        scale,
    )
}

/// The query keeps 15 bits: its precision costs nothing, the scan reads only the codes.
fn quantize_query(v: &[f32]) -> (Vec<i16>, f32) {
    let max = v.iter().fold(0f32, |m, x| m.max(x.abs()));
    let scale = if max > 0.0 { max / 32_767.0 } else { 1.0 };
    (
        v.iter()
            .map(|x| (x / scale).round().clamp(-32_767.0, 32_767.0) as i16)
            .collect(),
        scale,
    )
}

/// Integer dot product of int8 codes and an int16 query; AVX2 where the CPU has it.
/// Sums fit in i32: |127 * 32767| * 2 per lane step, at most dim/16 steps per lane.
#[inline]
fn dot_i8(codes: &[i8], q: &[i16]) -> i32 {
    #[cfg(target_arch = "x86_64")]
    {
        if *HAS_AVX2 {
            // SAFETY: the CPU supports AVX2 (checked once at run time).
            return unsafe { dot_i8_avx2(codes, q) };
        }
    }
    codes
        .iter()
        .zip(q)
        .map(|(c, q)| i32::from(*c) * i32::from(*q))
        .sum()
}

#[cfg(target_arch = "x86_64")]
static HAS_AVX2: std::sync::LazyLock<bool> =
    std::sync::LazyLock::new(|| std::arch::is_x86_feature_detected!("avx2"));

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_i8_avx2(codes: &[i8], q: &[i16]) -> i32 {
    use std::arch::x86_64::*;
    let n = codes.len().min(q.len());
    let mut acc0 = _mm256_setzero_si256();
    let mut acc1 = _mm256_setzero_si256();
    let mut i = 0;
    while i + 32 <= n {
        let c0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(codes.as_ptr().add(i) as *const __m128i));
        let c1 =
            _mm256_cvtepi8_epi16(_mm_loadu_si128(codes.as_ptr().add(i + 16) as *const __m128i));
        let q0 = _mm256_loadu_si256(q.as_ptr().add(i) as *const __m256i);
        let q1 = _mm256_loadu_si256(q.as_ptr().add(i + 16) as *const __m256i);
        acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(c0, q0));
        acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(c1, q1));
        i += 32;
    }
    let mut lanes = [0i32; 8];
    _mm256_storeu_si256(
        lanes.as_mut_ptr() as *mut __m256i,
        _mm256_add_epi32(acc0, acc1),
    );
    let mut sum: i32 = lanes.iter().sum();
    while i < n {
        sum += i32::from(codes[i]) * i32::from(q[i]);
        i += 1;
    }
    sum
}

/// Dot product with eight independent accumulators so the compiler vectorises it.
#[inline]
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca
        .remainder()
        .iter()
        .zip(cb.remainder())
        .map(|(x, y)| x * y)
        .sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            acc[i] += x[i] * y[i];
        }
    }
    acc.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = dot(v, v).sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn finds_nearest_respects_filter_and_survives_removal() {
        let mut idx = ExactIndex::new(3);
        idx.upsert(1, &unit(&[1.0, 0.0, 0.0]));
        idx.upsert(2, &unit(&[0.9, 0.1, 0.0]));
        idx.upsert(3, &unit(&[0.0, 1.0, 0.0]));
        let q = unit(&[1.0, 0.05, 0.0]);
        let hits = idx.search(&q, 2, &|_| true);
        assert_eq!(hits.iter().map(|h| h.0).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(idx.search(&q, 5, &|id| id != 1)[0].0, 2);
        idx.remove(1);
        assert_eq!(idx.len(), 2);
        assert_eq!(idx.search(&q, 1, &|_| true)[0].0, 2);
        idx.upsert(3, &unit(&[1.0, 0.0, 0.0]));
        assert_eq!(
            idx.search(&q, 1, &|_| true)[0].0,
            3,
            "upsert replaces the vector"
        );
        assert!((dot(&[1.0; 19], &[2.0; 19]) - 38.0).abs() < 1e-5);
    }

    #[test]
    fn quantised_scan_returns_the_exact_top_k() {
        let dim = 384;
        let mut seed = 99u64;
        let mut rnd = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        };
        let vectors: Vec<Vec<f32>> = (0..3_000)
            .map(|_| unit(&(0..dim).map(|_| rnd()).collect::<Vec<_>>()))
            .collect();
        let mut idx = ExactIndex::new(dim);
        for (i, v) in vectors.iter().enumerate() {
            idx.upsert(i as i64, v);
        }
        let q = unit(&(0..dim).map(|_| rnd()).collect::<Vec<_>>());
        let mut exact: Vec<(i64, f32)> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| (i as i64, dot(v, &q)))
            .collect();
        exact.sort_by(|a, b| b.1.total_cmp(&a.1));
        let got = idx.search(&q, 50, &|_| true);
        assert_eq!(
            got.iter().map(|g| g.0).collect::<Vec<_>>(),
            exact[..50].iter().map(|e| e.0).collect::<Vec<_>>()
        );
        let (codes, _) = quantize(&q);
        let (q16, _) = quantize_query(&q);
        let scalar: i32 = codes
            .iter()
            .zip(&q16)
            .map(|(c, q)| i32::from(*c) * i32::from(*q))
            .sum();
        assert_eq!(
            dot_i8(&codes, &q16),
            scalar,
            "SIMD and scalar kernels agree"
        );
    }

    #[test]
    fn removal_moves_the_codes_with_the_row() {
        use crate::vector::synthetic::{uniform, Rng};
        let mut rng = Rng::new(17);
        let vectors: Vec<Vec<f32>> = (0..1_000).map(|_| uniform(&mut rng, 384)).collect();
        let mut idx = ExactIndex::new(384);
        for (i, v) in vectors.iter().enumerate() {
            idx.upsert(i as i64, v);
        }
        for id in 0..600 {
            idx.remove(id);
        }
        // The moved rows must be scanned with their own codes: each is its own best match
        // even when only the int8 scan's top candidates are rescored.
        for id in 600..1_000 {
            let hits = idx.search(&vectors[id as usize], 1, &|_| true);
            assert_eq!(hits[0].0, id);
        }
        assert_eq!(idx.entries().count(), 400);
    }
}
