//! A hierarchical navigable small-world graph (Malkov & Yashunin 2016) over L2-normalised
//! vectors, for catalogues too large to scan on every query (see [`super::sized`]).
//!
//! Written here rather than taken from crates.io because none of the candidates fitted
//! all of what `VectorIndex` needs: `instant-distance` builds an immutable index (no
//! upserts, no removals, no filter); `hnsw_rs` has filtered search but no removal and
//! brings rayon, mmap and SIMD crates into a workspace built on two cores; `usearch` has
//! both, but is C++ behind `cxx` (a C++ toolchain and minutes of cold build). A graph
//! index is ~400 lines, and owning it lets the filter, the tombstones and the exact
//! similarities follow the rules of this crate:
//!
//! - **Exact similarities.** The graph is walked with f32 dot products of the stored
//!   vectors, so every returned similarity is the exact cosine (no rescoring needed).
//! - **Removals and updates** are tombstones: a removed node stays in the graph as a
//!   waypoint and is never returned; an update tombstones the old node and inserts a
//!   new one. [`HnswIndex::wants_compaction`] says when tombstones take a quarter of the
//!   nodes; [`HnswIndex::compacted`] then rebuilds from the live vectors.
//! - **Filters** are applied while walking (rejected nodes are traversed, not returned).
//!   A selective filter makes the walk long and its recall poor, so the walk has a
//!   budget of rejected nodes and stops being trusted when few visited nodes pass; the
//!   search then scans the allowed vectors exactly — cheap precisely because few pass.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashMap};

use super::{dot, VectorIndex};

/// Graph parameters. The defaults reach recall@10 ≥ 0.99 on clustered 384-d vectors at
/// 100k and 1M (`cargo bench -p matchraum --bench vector_search`, README).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HnswParams {
    /// Links per node on the upper layers (twice as many on layer 0).
    pub m: usize,
    /// Candidate list while inserting.
    pub ef_construction: usize,
    /// Candidate list while searching (at least `k`).
    pub ef_search: usize,
}

impl Default for HnswParams {
    fn default() -> Self {
        HnswParams {
            m: 16,
            ef_construction: 128,
            ef_search: 192,
        }
    }
}

/// Below this share of visited nodes passing the filter, an exact scan of the allowed
/// vectors is both cheaper (it computes at most this share of the dot products) and exact.
const MIN_PASSING: f32 = 0.02;
/// Rejected nodes a filtered walk may visit, per candidate of its list (or a sixteenth
/// of the index, whichever is more), before it gives up for the exact scan: past that the
/// walk costs more than the scan.
const REJECTS_PER_CANDIDATE: usize = 64;
/// Tombstones, as a share of all nodes, from which a rebuild pays.
const COMPACT_AT: f32 = 0.25;

pub struct HnswIndex {
    dim: usize,
    params: HnswParams,
    /// Node-major vectors.
    data: Vec<f32>,
    /// The id of each node; a tombstoned node keeps its id but is not in `nodes`.
    ids: Vec<i64>,
    deleted: Vec<bool>,
    tombstones: usize,
    /// Live node of each id.
    nodes: HashMap<i64, u32>,
    /// Layer-0 links, `1 + 2m` slots per node: the count, then the neighbours.
    layer0: Vec<u32>,
    /// Links on layers 1.. of each node (empty for the ~94 % of nodes on layer 0 only).
    upper: Vec<Vec<Vec<u32>>>,
    entry: Option<u32>,
    top_layer: usize,
    rng: u64,
}

/// A similarity ordered totally, for the heaps.
#[derive(Clone, Copy, PartialEq)]
struct Sim(f32);

impl Eq for Sim {}

impl PartialOrd for Sim {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Sim {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// What a walk of layer 0 found and how much the filter let through.
struct Walk {
    found: Vec<(Sim, u32)>,
    visited: usize,
    passed: usize,
    exhausted: bool,
}

impl HnswIndex {
    pub fn new(dim: usize, params: HnswParams) -> Self {
        HnswIndex {
            dim,
            params,
            data: Vec::new(),
            ids: Vec::new(),
            deleted: Vec::new(),
            tombstones: 0,
            nodes: HashMap::new(),
            layer0: Vec::new(),
            upper: Vec::new(),
            entry: None,
            top_layer: 0,
            rng: 0x9E37_79B9_7F4A_7C15,
        }
    }

    /// The index of `entries`, built one insert at a time.
    pub fn build<'a>(
        dim: usize,
        params: HnswParams,
        entries: impl IntoIterator<Item = (i64, &'a [f32])>,
    ) -> Self {
        let mut idx = HnswIndex::new(dim, params);
        for (id, v) in entries {
            idx.upsert(id, v);
        }
        idx
    }

    pub fn get(&self, id: i64) -> Option<&[f32]> {
        self.nodes.get(&id).map(|&n| self.vector(n))
    }

    /// Live `(id, vector)` pairs, in node order.
    pub fn entries(&self) -> impl Iterator<Item = (i64, &[f32])> {
        (0..self.ids.len() as u32)
            .filter(move |&n| !self.deleted[n as usize])
            .map(move |n| (self.ids[n as usize], self.vector(n)))
    }

    pub fn params(&self) -> HnswParams {
        self.params
    }

    /// True when tombstones take so many nodes that a rebuild pays.
    pub fn wants_compaction(&self) -> bool {
        self.tombstones as f32 >= COMPACT_AT * self.ids.len().max(1) as f32
    }

    /// The same live entries in a fresh graph, without tombstones.
    pub fn compacted(&self) -> Self {
        HnswIndex::build(self.dim, self.params, self.entries())
    }

    /// Bytes held by vectors, links and the id map (allocated capacity, roughly).
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        let upper: usize = self
            .upper
            .iter()
            .map(|layers| {
                layers.capacity() * size_of::<Vec<u32>>()
                    + layers.iter().map(|l| l.capacity() * 4).sum::<usize>()
            })
            .sum();
        self.data.capacity() * 4
            + self.ids.capacity() * 8
            + self.deleted.capacity()
            + self.layer0.capacity() * 4
            + self.upper.capacity() * size_of::<Vec<Vec<u32>>>()
            + upper
            // hashbrown: key, value and one control byte per bucket.
            + self.nodes.capacity() * (size_of::<i64>() + size_of::<u32>() + 1)
    }

    fn vector(&self, node: u32) -> &[f32] {
        let n = node as usize;
        &self.data[n * self.dim..(n + 1) * self.dim]
    }

    fn sim(&self, q: &[f32], node: u32) -> Sim {
        Sim(dot(self.vector(node), q))
    }

    fn max_links(&self, layer: usize) -> usize {
        if layer == 0 {
            2 * self.params.m
        } else {
            self.params.m
        }
    }

    fn links(&self, node: u32, layer: usize) -> &[u32] {
        if layer == 0 {
            let stride = 1 + 2 * self.params.m;
            let at = node as usize * stride;
            let n = self.layer0[at] as usize;
            &self.layer0[at + 1..at + 1 + n]
        } else {
            &self.upper[node as usize][layer - 1]
        }
    }

    fn set_links(&mut self, node: u32, layer: usize, links: &[u32]) {
        if layer == 0 {
            let stride = 1 + 2 * self.params.m;
            let at = node as usize * stride;
            self.layer0[at] = links.len() as u32;
            self.layer0[at + 1..at + 1 + links.len()].copy_from_slice(links);
        } else {
            let l = &mut self.upper[node as usize][layer - 1];
            l.clear();
            l.extend_from_slice(links);
        }
    }

    /// Geometric layer with the usual factor 1/ln(m) (xorshift: deterministic builds).
    fn random_layer(&mut self) -> usize {
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        let u = ((self.rng >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
        let ml = 1.0 / (self.params.m as f64).ln();
        ((-u.ln() * ml) as usize).min(16)
    }

    /// Greedy descent to the closest node on `layer`.
    fn closest(&self, q: &[f32], mut best: (Sim, u32), layer: usize) -> (Sim, u32) {
        loop {
            let mut moved = false;
            for &n in self.links(best.1, layer) {
                let s = self.sim(q, n);
                if s > best.0 {
                    best = (s, n);
                    moved = true;
                }
            }
            if !moved {
                return best;
            }
        }
    }

    /// Beam search of one layer from `start`: the `ef` best nodes that `accept` lets
    /// through, best first. Rejected nodes are walked through, not kept; after `budget`
    /// of them the walk stops, marked exhausted.
    fn walk(
        &self,
        q: &[f32],
        start: &[(Sim, u32)],
        ef: usize,
        layer: usize,
        accept: &dyn Fn(u32) -> bool,
        budget: usize,
    ) -> Walk {
        let mut visited = vec![0u64; self.ids.len().div_ceil(64)];
        let mut seen = |n: u32| {
            let (w, b) = (n as usize / 64, 1u64 << (n % 64));
            let was = visited[w] & b != 0;
            visited[w] |= b;
            was
        };
        let mut frontier: BinaryHeap<(Sim, u32)> = BinaryHeap::new();
        let mut best: BinaryHeap<Reverse<(Sim, u32)>> = BinaryHeap::new();
        let (mut visits, mut passed) = (0usize, 0usize);
        for &(s, n) in start {
            seen(n);
            frontier.push((s, n));
            visits += 1;
            if accept(n) {
                passed += 1;
                best.push(Reverse((s, n)));
            }
        }
        let mut exhausted = false;
        while let Some((s, n)) = frontier.pop() {
            if best.len() >= ef && best.peek().is_some_and(|w| s < w.0 .0) {
                break;
            }
            if visits - passed > budget {
                exhausted = true;
                break;
            }
            for &m in self.links(n, layer) {
                if seen(m) {
                    continue;
                }
                visits += 1;
                let sm = self.sim(q, m);
                let full = best.len() >= ef;
                if full && best.peek().is_some_and(|w| sm <= w.0 .0) {
                    continue;
                }
                frontier.push((sm, m));
                if accept(m) {
                    passed += 1;
                    best.push(Reverse((sm, m)));
                    if best.len() > ef {
                        best.pop();
                    }
                }
            }
        }
        let mut found: Vec<(Sim, u32)> = best.into_iter().map(|r| r.0).collect();
        found.sort_unstable_by(|a, b| b.cmp(a));
        Walk {
            found,
            visited: visits,
            passed,
            exhausted,
        }
    }

    /// The diversity heuristic: a candidate is kept unless an already kept neighbour is
    /// closer to it than the base is, so links point in different directions.
    fn select(&self, candidates: &[(Sim, u32)], keep: usize) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::with_capacity(keep);
        for &(s, c) in candidates {
            if out.len() == keep {
                break;
            }
            let cv = self.vector(c);
            if out.iter().all(|&o| dot(cv, self.vector(o)) < s.0) {
                out.push(c);
            }
        }
        out
    }

    /// Adds `node` to `to`'s links on `layer`, pruning with the heuristic when full.
    fn link(&mut self, to: u32, node: u32, layer: usize) {
        let max = self.max_links(layer);
        let current = self.links(to, layer);
        if current.len() < max {
            let mut l = current.to_vec();
            l.push(node);
            self.set_links(to, layer, &l);
            return;
        }
        let base = self.vector(to);
        let mut candidates: Vec<(Sim, u32)> = current
            .iter()
            .chain(std::iter::once(&node))
            .map(|&n| (Sim(dot(base, self.vector(n))), n))
            .collect();
        candidates.sort_unstable_by(|a, b| b.cmp(a));
        let kept = self.select(&candidates, max);
        self.set_links(to, layer, &kept);
    }

    fn insert(&mut self, id: i64, vector: &[f32]) {
        let node = self.ids.len() as u32;
        let layer = self.random_layer();
        self.data.extend_from_slice(vector);
        self.ids.push(id);
        self.deleted.push(false);
        self.layer0
            .resize(self.layer0.len() + 1 + 2 * self.params.m, 0);
        self.upper.push(vec![Vec::new(); layer]);
        self.nodes.insert(id, node);
        let Some(entry) = self.entry else {
            self.entry = Some(node);
            self.top_layer = layer;
            return;
        };
        let mut best = (self.sim(vector, entry), entry);
        for l in (layer + 1..=self.top_layer).rev() {
            best = self.closest(vector, best, l);
        }
        let mut start = vec![best];
        for l in (0..=layer.min(self.top_layer)).rev() {
            let found = self
                .walk(
                    vector,
                    &start,
                    self.params.ef_construction,
                    l,
                    &|_| true,
                    usize::MAX,
                )
                .found;
            let neighbours = self.select(&found, self.params.m);
            self.set_links(node, l, &neighbours);
            for n in neighbours {
                self.link(n, node, l);
            }
            start = found;
        }
        if layer > self.top_layer {
            self.entry = Some(node);
            self.top_layer = layer;
        }
    }

    /// Exact top-`k` of the allowed live vectors.
    fn scan(&self, q: &[f32], k: usize, allow: &dyn Fn(i64) -> bool) -> Vec<(i64, f32)> {
        let mut hits: Vec<(i64, f32)> = (0..self.ids.len() as u32)
            .filter(|&n| !self.deleted[n as usize] && allow(self.ids[n as usize]))
            .map(|n| (self.ids[n as usize], self.sim(q, n).0))
            .collect();
        if hits.len() > k {
            hits.select_nth_unstable_by(k - 1, |a, b| b.1.total_cmp(&a.1));
            hits.truncate(k);
        }
        hits.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits
    }
}

impl VectorIndex for HnswIndex {
    fn upsert(&mut self, id: i64, vector: &[f32]) {
        assert_eq!(vector.len(), self.dim, "vector dimension");
        self.remove(id);
        self.insert(id, vector);
    }

    fn remove(&mut self, id: i64) {
        if let Some(n) = self.nodes.remove(&id) {
            self.deleted[n as usize] = true;
            self.tombstones += 1;
        }
    }

    fn search(&self, query: &[f32], k: usize, allow: &dyn Fn(i64) -> bool) -> Vec<(i64, f32)> {
        let Some(entry) = self.entry else {
            return vec![];
        };
        if k == 0 || self.nodes.is_empty() {
            return vec![];
        }
        let mut best = (self.sim(query, entry), entry);
        for l in (1..=self.top_layer).rev() {
            best = self.closest(query, best, l);
        }
        let ef = self.params.ef_search.max(k);
        let accept = |n: u32| !self.deleted[n as usize] && allow(self.ids[n as usize]);
        let budget = (ef * REJECTS_PER_CANDIDATE).max(self.ids.len() / 16);
        let walk = self.walk(query, &[best], ef, 0, &accept, budget);
        let selective = (walk.passed as f32) < MIN_PASSING * walk.visited as f32;
        if walk.exhausted || selective || walk.found.len() < k.min(self.nodes.len()) {
            return self.scan(query, k, allow);
        }
        let mut hits: Vec<(i64, f32)> = walk
            .found
            .into_iter()
            .take(k)
            .map(|(s, n)| (self.ids[n as usize], s.0))
            .collect();
        hits.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits
    }

    fn len(&self) -> usize {
        self.nodes.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::synthetic::{uniform, Clusters, Rng};
    use crate::vector::ExactIndex;

    const DIM: usize = 384;

    /// Both indexes over the same vectors.
    fn pair(vectors: &[Vec<f32>]) -> (HnswIndex, ExactIndex) {
        let mut exact = ExactIndex::new(DIM);
        for (i, v) in vectors.iter().enumerate() {
            exact.upsert(i as i64, v);
        }
        let graph = HnswIndex::build(
            DIM,
            HnswParams::default(),
            vectors
                .iter()
                .enumerate()
                .map(|(i, v)| (i as i64, v.as_slice())),
        );
        (graph, exact)
    }

    /// Both indexes over 2,000 vectors around `centres` clusters, and 30 queries.
    fn clustered(centres: usize, seed: u64) -> (HnswIndex, ExactIndex, Vec<Vec<f32>>) {
        let mut clusters = Clusters::new(centres, DIM, 0.7, seed);
        let vectors: Vec<Vec<f32>> = (0..2_000).map(|_| clusters.sample()).collect();
        let (graph, exact) = pair(&vectors);
        (graph, exact, (0..30).map(|_| clusters.sample()).collect())
    }

    /// Share of exact top-`k` ids the graph returns, over `queries`.
    fn recall(
        graph: &HnswIndex,
        exact: &ExactIndex,
        queries: &[Vec<f32>],
        k: usize,
        allow: &dyn Fn(i64) -> bool,
    ) -> f32 {
        let mut hit = 0;
        let mut total = 0;
        for q in queries {
            let want: Vec<i64> = exact.search(q, k, allow).iter().map(|h| h.0).collect();
            let got = graph.search(q, k, allow);
            assert!(got.iter().all(|h| allow(h.0)), "only allowed ids");
            hit += got.iter().filter(|h| want.contains(&h.0)).count();
            total += want.len();
        }
        hit as f32 / total as f32
    }

    #[test]
    fn finds_what_exact_search_finds_with_exact_similarities() {
        let (graph, exact, queries) = clustered(40, 5);
        let r = recall(&graph, &exact, &queries, 10, &|_| true);
        assert!(r >= 0.99, "clustered recall@10 {r}");
        let mut rng = Rng::new(11);
        let vectors: Vec<Vec<f32>> = (0..1_500).map(|_| uniform(&mut rng, DIM)).collect();
        let queries: Vec<Vec<f32>> = (0..30).map(|_| uniform(&mut rng, DIM)).collect();
        let (graph, exact) = pair(&vectors);
        let r = recall(&graph, &exact, &queries, 10, &|_| true);
        // Uniform vectors have no structure to navigate: the graph's worst case.
        assert!(r >= 0.9, "uniform recall@10 {r}");
        for (id, s) in graph.search(&queries[0], 10, &|_| true) {
            let want = dot(&vectors[id as usize], &queries[0]);
            assert_eq!(s, want, "the similarity is the exact cosine");
        }
    }

    #[test]
    fn filters_while_walking_and_scans_when_few_pass() {
        let (graph, exact, queries) = clustered(30, 8);
        let half = |id: i64| id % 2 == 0;
        assert!(recall(&graph, &exact, &queries, 10, &half) >= 0.99);
        // One in 400 passes: the walk finds too few, the exact scan takes over.
        let rare = |id: i64| id % 400 == 7;
        for q in &queries {
            assert_eq!(graph.search(q, 10, &rare), exact.search(q, 10, &rare));
        }
        assert!(graph.search(&queries[0], 10, &|_| false).is_empty());
    }

    #[test]
    fn removed_and_updated_entries_follow_and_compaction_keeps_the_rest() {
        let mut rng = Rng::new(3);
        let vectors: Vec<Vec<f32>> = (0..1_500).map(|_| uniform(&mut rng, DIM)).collect();
        let (mut graph, mut exact) = pair(&vectors);
        let q = vectors[42].clone();
        assert_eq!(graph.search(&q, 1, &|_| true)[0].0, 42);
        graph.remove(42);
        exact.remove(42);
        assert!(graph.get(42).is_none());
        assert!(graph.search(&q, 10, &|_| true).iter().all(|h| h.0 != 42));
        // Entry 7 moves onto the query: found first, with its new vector.
        graph.upsert(7, &q);
        exact.upsert(7, &q);
        let top = graph.search(&q, 1, &|_| true)[0];
        assert_eq!(top.0, 7);
        assert!((top.1 - 1.0).abs() < 1e-5);
        assert_eq!(graph.len(), 1_499);
        for id in 100..500 {
            graph.remove(id);
            exact.remove(id);
        }
        assert!(graph.wants_compaction());
        let compact = graph.compacted();
        assert!(!compact.wants_compaction());
        assert_eq!(compact.len(), graph.len());
        assert!(compact.memory_bytes() < graph.memory_bytes());
        let queries: Vec<Vec<f32>> = (0..20).map(|_| uniform(&mut rng, DIM)).collect();
        for g in [&graph, &compact] {
            assert!(recall(g, &exact, &queries, 10, &|_| true) >= 0.9);
            assert!(g
                .search(&vectors[300], 10, &|_| true)
                .iter()
                .all(|h| !(100..500).contains(&h.0)));
        }
    }
}
