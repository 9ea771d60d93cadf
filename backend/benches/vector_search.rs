//! Vector stage of matching: exact top-100 cosine search over 10k and 100k synthetic
//! 384-dimensional unit vectors (the model's dimension).
//!
//! `cargo bench -p matchraum --bench vector_search`

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use matchraum::matching::vector::{ExactIndex, VectorIndex};

const DIM: usize = 384;

/// Deterministic pseudo-random unit vectors (xorshift), so runs are comparable.
fn unit_vectors(n: usize, mut seed: u64) -> Vec<Vec<f32>> {
    (0..n)
        .map(|_| {
            let v: Vec<f32> = (0..DIM)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5
                })
                .collect();
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            v.into_iter().map(|x| x / norm).collect()
        })
        .collect()
}

fn search(c: &mut Criterion) {
    let mut group = c.benchmark_group("vector_search_top100");
    for n in [10_000usize, 100_000] {
        let mut index = ExactIndex::new(DIM);
        for (i, v) in unit_vectors(n, 42).iter().enumerate() {
            index.upsert(i as i64, v);
        }
        let query = unit_vectors(1, 7).remove(0);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| index.search(&query, 100, &|_| true))
        });
        group.bench_with_input(BenchmarkId::new("filtered_half", n), &n, |b, _| {
            b.iter(|| index.search(&query, 100, &|id| id % 2 == 0))
        });
    }
    group.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
