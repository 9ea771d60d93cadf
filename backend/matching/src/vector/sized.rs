//! The vector index the matcher holds: exact search while the catalogue is small, an HNSW
//! graph from `[matching] hnsw_from` entries on (0 = always exact).
//!
//! The switch happens on a write: [`SizedIndex::successor`] builds the index that should
//! take over (the graph once the entries reach `hnsw_from`, the exact index again once
//! they fall below half of it, so a catalogue hovering at the threshold does not flip on
//! every write, or a compacted graph once tombstones pile up). The matcher builds it
//! under a read lock, so searches go on while it is built, and swaps it in under the
//! write lock; `upsert` switches by itself too, for callers that never ask.

use super::hnsw::{HnswIndex, HnswParams};
use super::{ExactIndex, VectorIndex};

/// Entries from which the graph replaces exact search: exact top-100 takes ~1.4 ms per
/// 100k entries and grows linearly (README "Measured"); from ~200k the graph's build time
/// and links pay for themselves.
pub const DEFAULT_HNSW_FROM: usize = 200_000;

pub enum Backend {
    Exact(ExactIndex),
    Hnsw(HnswIndex),
}

pub struct SizedIndex {
    dim: usize,
    hnsw_from: usize,
    params: HnswParams,
    backend: Backend,
}

impl SizedIndex {
    pub fn new(dim: usize, hnsw_from: usize) -> Self {
        SizedIndex {
            dim,
            hnsw_from,
            params: HnswParams::default(),
            backend: Backend::Exact(ExactIndex::new(dim)),
        }
    }

    /// Sets the size from which the graph is used (0 = never); takes effect on the next write.
    pub fn set_hnsw_from(&mut self, hnsw_from: usize) {
        self.hnsw_from = hnsw_from;
    }

    pub fn set_params(&mut self, params: HnswParams) {
        self.params = params;
    }

    pub fn is_hnsw(&self) -> bool {
        matches!(self.backend, Backend::Hnsw(_))
    }

    pub fn get(&self, id: i64) -> Option<&[f32]> {
        match &self.backend {
            Backend::Exact(e) => e.get(id),
            Backend::Hnsw(h) => h.get(id),
        }
    }

    /// Whether `len` entries belong in the graph, given the backend that holds them now.
    fn wants_hnsw(&self, len: usize) -> bool {
        match (&self.backend, self.hnsw_from) {
            (_, 0) => false,
            (Backend::Exact(_), from) => len >= from,
            (Backend::Hnsw(_), from) => len >= from / 2,
        }
    }

    /// The index that should replace this one before `incoming` more entries are added,
    /// if any: another backend for the new size, or a graph without its tombstones.
    pub fn successor(&self, incoming: usize) -> Option<SizedIndex> {
        let hnsw = self.wants_hnsw(self.len() + incoming);
        let backend = match (&self.backend, hnsw) {
            (Backend::Exact(e), true) => {
                Backend::Hnsw(HnswIndex::build(self.dim, self.params, e.entries()))
            }
            (Backend::Hnsw(h), false) => {
                let mut e = ExactIndex::new(self.dim);
                for (id, v) in h.entries() {
                    e.upsert(id, v);
                }
                Backend::Exact(e)
            }
            (Backend::Hnsw(h), true) if h.wants_compaction() => Backend::Hnsw(h.compacted()),
            _ => return None,
        };
        Some(SizedIndex {
            dim: self.dim,
            hnsw_from: self.hnsw_from,
            params: self.params,
            backend,
        })
    }

    /// Memory held by the vectors and the structures around them (bytes, roughly).
    pub fn memory_bytes(&self) -> usize {
        match &self.backend {
            Backend::Exact(e) => e.memory_bytes(),
            Backend::Hnsw(h) => h.memory_bytes(),
        }
    }

    fn index_mut(&mut self) -> &mut dyn VectorIndex {
        match &mut self.backend {
            Backend::Exact(e) => e,
            Backend::Hnsw(h) => h,
        }
    }
}

impl VectorIndex for SizedIndex {
    fn upsert(&mut self, id: i64, vector: &[f32]) {
        let incoming = usize::from(self.get(id).is_none());
        if let Some(next) = self.successor(incoming) {
            *self = next;
        }
        self.index_mut().upsert(id, vector);
    }

    fn remove(&mut self, id: i64) {
        self.index_mut().remove(id);
    }

    fn search(&self, query: &[f32], k: usize, allow: &dyn Fn(i64) -> bool) -> Vec<(i64, f32)> {
        match &self.backend {
            Backend::Exact(e) => e.search(query, k, allow),
            Backend::Hnsw(h) => h.search(query, k, allow),
        }
    }

    fn len(&self) -> usize {
        match &self.backend {
            Backend::Exact(e) => e.len(),
            Backend::Hnsw(h) => h.len(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vector::synthetic::{uniform, Rng};

    #[test]
    fn switches_to_the_graph_at_the_threshold_and_back_below_half() {
        let mut rng = Rng::new(21);
        let vectors: Vec<Vec<f32>> = (0..120).map(|_| uniform(&mut rng, 16)).collect();
        let mut idx = SizedIndex::new(16, 100);
        for (i, v) in vectors.iter().enumerate().take(99) {
            idx.upsert(i as i64, v);
        }
        assert!(!idx.is_hnsw());
        assert!(idx.successor(0).is_none());
        assert!(idx.successor(1).is_some_and(|s| s.is_hnsw()));
        idx.upsert(99, &vectors[99]);
        assert!(idx.is_hnsw(), "the 100th entry switches");
        assert_eq!(idx.len(), 100);
        // Updating an entry adds nothing: no switch, the same count.
        idx.upsert(99, &vectors[100]);
        assert_eq!(idx.len(), 100);
        assert_eq!(idx.search(&vectors[100], 1, &|_| true)[0].0, 99);
        assert_eq!(idx.get(5), Some(vectors[5].as_slice()));
        for id in 0..60 {
            idx.remove(id);
        }
        assert!(idx.is_hnsw(), "removals never rebuild by themselves");
        idx.upsert(200, &vectors[110]);
        assert!(!idx.is_hnsw(), "below half the threshold: exact again");
        assert_eq!(idx.len(), 41);
        assert_eq!(idx.search(&vectors[110], 1, &|_| true)[0].0, 200);
        let mut never = SizedIndex::new(16, 0);
        for (i, v) in vectors.iter().enumerate() {
            never.upsert(i as i64, v);
        }
        assert!(!never.is_hnsw(), "0 = always exact");
    }
}
