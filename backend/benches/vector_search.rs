//! Vector stage of matching on synthetic 384-dimensional unit vectors (the model's
//! dimension): exact top-100 search at 10k and 100k, and the HNSW graph against it at
//! 100k (and 1M with `MATCHRAUM_BENCH_1M=1`: building it takes minutes on two cores), on
//! uniform vectors (the worst case for a graph) and on a mixture of 1000 Gaussian
//! clusters (closer to real embeddings). Before timing, each graph case prints its build
//! time, recall@10 and recall@100 against exact search over 200 queries, and the bytes
//! both indexes hold (computed from their structures, and the process's RSS growth).
//!
//! `cargo bench -p matchraum --bench vector_search` (`MATCHRAUM_BENCH_DATA=clustered`
//! measures one kind of vectors only).

use std::time::Instant;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use matchraum::matching::vector::hnsw::{HnswIndex, HnswParams};
use matchraum::matching::vector::synthetic::{uniform, Clusters, Rng};
use matchraum::matching::vector::{ExactIndex, VectorIndex};

const DIM: usize = 384;
const QUERIES: usize = 200;

fn exact_search(c: &mut Criterion) {
    let mut group = c.benchmark_group("vector_search_top100");
    for n in [10_000usize, 100_000] {
        let mut rng = Rng::new(42);
        let mut index = ExactIndex::new(DIM);
        for i in 0..n {
            index.upsert(i as i64, &uniform(&mut rng, DIM));
        }
        let query = uniform(&mut Rng::new(7), DIM);
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| index.search(&query, 100, &|_| true))
        });
        group.bench_with_input(BenchmarkId::new("filtered_half", n), &n, |b, _| {
            b.iter(|| index.search(&query, 100, &|id| id % 2 == 0))
        });
    }
    group.finish();
}

/// Resident set size of this process in bytes (Linux; 0 elsewhere).
fn rss() -> usize {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))?
                .split_whitespace()
                .nth(1)?
                .parse::<usize>()
                .ok()
        })
        .map_or(0, |kb| kb * 1024)
}

fn recall(graph: &HnswIndex, exact: &ExactIndex, queries: &[Vec<f32>], k: usize) -> f64 {
    let mut hit = 0usize;
    for q in queries {
        let want: Vec<i64> = exact.search(q, k, &|_| true).iter().map(|h| h.0).collect();
        hit += graph
            .search(q, k, &|_| true)
            .iter()
            .filter(|h| want.contains(&h.0))
            .count();
    }
    hit as f64 / (k * queries.len()) as f64
}

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

fn graph_search(c: &mut Criterion) {
    let mut sizes = vec![100_000usize];
    if std::env::var("MATCHRAUM_BENCH_1M").is_ok_and(|v| v == "1") {
        sizes.push(1_000_000);
    }
    let mut group = c.benchmark_group("hnsw");
    group.sample_size(30);
    let kinds = std::env::var("MATCHRAUM_BENCH_DATA").unwrap_or_default();
    let kinds: Vec<&str> = ["uniform", "clustered"]
        .into_iter()
        .filter(|k| kinds.is_empty() || kinds.split(',').any(|x| x == *k))
        .collect();
    for n in sizes {
        for &data in &kinds {
            let mut rng = Rng::new(42);
            let mut clusters = Clusters::new(1_000, DIM, 0.7, 42);
            let mut sample = || match data {
                "uniform" => uniform(&mut rng, DIM),
                _ => clusters.sample(),
            };
            let before = rss();
            let mut exact = ExactIndex::new(DIM);
            for i in 0..n {
                exact.upsert(i as i64, &sample());
            }
            let exact_rss = rss().saturating_sub(before);
            let started = Instant::now();
            let before = rss();
            let graph = HnswIndex::build(DIM, HnswParams::default(), exact.entries());
            let build = started.elapsed();
            let graph_rss = rss().saturating_sub(before);
            let queries: Vec<Vec<f32>> = (0..QUERIES).map(|_| sample()).collect();
            println!(
                "hnsw {data} n={n}: build {:.1} s, recall@10 {:.4}, recall@100 {:.4}, \
                 graph {:.0} MiB (RSS +{:.0} MiB), exact {:.0} MiB (RSS +{:.0} MiB), {:?}",
                build.as_secs_f64(),
                recall(&graph, &exact, &queries, 10),
                recall(&graph, &exact, &queries, 100),
                mib(graph.memory_bytes()),
                mib(graph_rss),
                mib(exact.memory_bytes()),
                mib(exact_rss),
                graph.params(),
            );
            let q = &queries[0];
            let id = format!("{data}/{n}");
            group.bench_function(BenchmarkId::new("graph_top10", &id), |b| {
                b.iter(|| graph.search(q, 10, &|_| true))
            });
            group.bench_function(BenchmarkId::new("graph_top100", &id), |b| {
                b.iter(|| graph.search(q, 100, &|_| true))
            });
            group.bench_function(BenchmarkId::new("graph_top100_filtered_half", &id), |b| {
                b.iter(|| graph.search(q, 100, &|id| id % 2 == 0))
            });
            group.bench_function(BenchmarkId::new("exact_top100", &id), |b| {
                b.iter(|| exact.search(q, 100, &|_| true))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, exact_search, graph_search);
criterion_main!(benches);
