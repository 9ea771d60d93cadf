//! The catalogue's own graph, from the keys the import stores: LeiKa keys (a LeiKa-Leistung
//! has its own, an OZG-Leistung those of the LeiKa-Leistungen it bundles, a municipal
//! online service the one it implements) and OZG ids. A match that hits an entry with a
//! LeiKa key leads to the OZG-Leistung bundling it and to the reusable entries implementing
//! that OZG-Leistung, with the path as the explanation.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::rank::is_service;
use super::{Ranked, SolutionMeta};
use matchraum_catalog::vocab::SolutionKind;

/// Matched entries the navigation starts from: those with a LeiKa key among the first
/// `FROM_TOP` of the fused ranking, at most `STARTS` of them.
const FROM_TOP: usize = 20;
const STARTS: usize = 3;
/// Implementations added per OZG-Leistung.
const IMPLEMENTATIONS: usize = 5;

/// How an entry was reached: from a matched entry over a LeiKa key to an OZG-Leistung
/// that has `implementations` reusable implementations. The entry the path starts from
/// carries it too (`from` is its own id).
#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub from: i64,
    pub leika_key: String,
    pub ozg_leistung: i64,
    pub implementations: usize,
}

/// Entries by key.
#[derive(Debug, Default)]
pub(super) struct Graph {
    by_leika: HashMap<String, Vec<i64>>,
    by_ozg: HashMap<String, Vec<i64>>,
}

impl Graph {
    pub(super) fn build(metas: &HashMap<i64, SolutionMeta>) -> Self {
        let mut g = Graph::default();
        for (id, m) in metas {
            for k in &m.leika_keys {
                g.by_leika.entry(k.clone()).or_default().push(*id);
            }
            for o in &m.ozg_ids {
                g.by_ozg.entry(o.clone()).or_default().push(*id);
            }
        }
        for ids in g.by_leika.values_mut().chain(g.by_ozg.values_mut()) {
            ids.sort_unstable();
        }
        g
    }

    /// The reusable entries (not service descriptions) implementing an OZG-Leistung: those
    /// that share its OZG id or one of its LeiKa keys; by id.
    fn implementations(&self, ozg: &SolutionMeta, metas: &HashMap<i64, SolutionMeta>) -> Vec<i64> {
        let linked = ozg
            .ozg_ids
            .iter()
            .flat_map(|o| self.by_ozg.get(o).into_iter().flatten())
            .chain(
                ozg.leika_keys
                    .iter()
                    .flat_map(|k| self.by_leika.get(k).into_iter().flatten()),
            );
        linked
            .copied()
            .filter(|id| metas.get(id).is_some_and(|m| !is_service(m.kind)))
            .collect::<BTreeSet<i64>>()
            .into_iter()
            .collect()
    }

    /// Extends a fused ranking (best first) by what its best entries with a LeiKa key lead
    /// to. A reached entry carries the path and ranks right behind the entry it was
    /// reached from (`reached`), unless it ranks better on its own; `allow` applies the
    /// filters.
    pub(super) fn navigate(
        &self,
        ranked: Vec<Ranked>,
        metas: &HashMap<i64, SolutionMeta>,
        allow: &dyn Fn(i64) -> bool,
    ) -> Vec<Ranked> {
        let starts: Vec<(usize, i64)> = ranked
            .iter()
            .take(FROM_TOP)
            .enumerate()
            .filter(|(_, r)| {
                metas.get(&r.id).is_some_and(|m| {
                    !m.leika_keys.is_empty() && m.kind != SolutionKind::OzgLeistung
                })
            })
            .map(|(i, r)| (i, r.id))
            .take(STARTS)
            .collect();
        if starts.is_empty() {
            return ranked;
        }
        let position: HashMap<i64, usize> =
            ranked.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        // (slot in the ranking to follow, order of reaching, entry)
        let mut reached: Vec<(usize, usize, Ranked)> = Vec::new();
        let mut taken: HashMap<i64, Path> = HashMap::new();
        for (slot, from) in starts {
            let Some(path) = self.path_from(from, metas) else {
                continue;
            };
            let ozg = &metas[&path.ozg_leistung];
            let mut targets = vec![path.ozg_leistung];
            targets.extend(
                self.implementations(ozg, metas)
                    .into_iter()
                    .take(IMPLEMENTATIONS),
            );
            taken.entry(from).or_insert_with(|| path.clone());
            for id in targets.into_iter().filter(|id| *id != from && allow(*id)) {
                if taken.contains_key(&id) {
                    continue; // already reached
                }
                taken.insert(id, path.clone());
                if position.get(&id).is_some_and(|p| *p < slot) {
                    continue; // ranks better on its own: stays there, with the path
                }
                let own = position.get(&id).map(|p| &ranked[*p]);
                reached.push((slot, reached.len(), derived(&ranked[slot], id, own)));
            }
        }
        let reached_ids: HashSet<i64> = reached.iter().map(|r| r.2.id).collect();
        let mut out: Vec<(usize, usize, Ranked)> = ranked
            .into_iter()
            .enumerate()
            .filter(|(_, r)| !reached_ids.contains(&r.id))
            .map(|(i, r)| (i, 0, r))
            .collect();
        // Behind their origin, in the order they were reached.
        out.extend(reached.into_iter().map(|(slot, n, r)| (slot, n + 1, r)));
        out.sort_by_key(|(slot, n, _)| (*slot, *n));
        out.into_iter()
            .map(|(_, _, mut r)| {
                r.path = taken.remove(&r.id);
                r
            })
            .collect()
    }

    /// The first OZG-Leistung (lowest id) that bundles one of `from`'s LeiKa keys.
    fn path_from(&self, from: i64, metas: &HashMap<i64, SolutionMeta>) -> Option<Path> {
        let m = metas.get(&from)?;
        m.leika_keys.iter().find_map(|key| {
            let ozg = *self.by_leika.get(key)?.iter().find(|id| {
                metas
                    .get(id)
                    .is_some_and(|o| o.kind == SolutionKind::OzgLeistung)
            })?;
            Some(Path {
                from,
                leika_key: key.clone(),
                ozg_leistung: ozg,
                implementations: self.implementations(&metas[&ozg], metas).len(),
            })
        })
    }
}

/// A reached entry ranks beside the entry it was reached from, with its score; it keeps
/// its own evidence where either method found it too.
fn derived(origin: &Ranked, id: i64, own: Option<&Ranked>) -> Ranked {
    Ranked {
        id,
        score: origin.score,
        confidence: origin.confidence,
        path: None,
        reached: true,
        ..own.cloned().unwrap_or(Ranked {
            id,
            score: origin.score,
            similarity: None,
            vector_rank: None,
            lexical_score: None,
            lexical_rank: None,
            confidence: None,
            path: None,
            reached: true,
            raised: false,
        })
    }
}
