//! Keeping the indexes in line with the catalogue: full syncs, embedding what changed,
//! and following single writes.

use super::*;

impl Matcher {
    /// Brings every index in line with the database: reuses stored vectors whose text and
    /// model are unchanged, embeds the rest, and drops what no longer exists.
    pub async fn sync_all(&self, db: &DatabaseConnection) -> Result<SyncReport, MatchError> {
        let pending = self.sync_catalogue(db).await?;
        self.embed_pending(db, pending, &IndexGate::open()).await
    }

    /// The fast first phase of a sync: filters, the lexical index and every vector that is
    /// stored for the current text are up to date when it returns; what still needs the
    /// model is returned for [`Matcher::embed_pending`].
    pub async fn sync_catalogue(
        &self,
        db: &DatabaseConnection,
    ) -> Result<PendingEmbeddings, MatchError> {
        let writer = self.writer.clone().lock_owned().await;
        let sols = solutions::all(db).await?;
        let needs = needs::all(db).await?;
        let orgs = all_organisations(db).await?;
        let mut report = SyncReport {
            solutions: sols.len(),
            needs: needs.len(),
            ..SyncReport::default()
        };
        let sol_entries = self.hashed(sols.iter().map(|s| (s.id, Fields::of_solution(s))));
        let need_entries = self.hashed(needs.iter().map(|n| (n.id, Fields::of_need(n))));
        let mut missing = Vec::new();
        for (kind, entries) in [
            (ItemKind::Solution, sol_entries),
            (ItemKind::Need, need_entries),
        ] {
            let live: HashSet<i64> = entries.iter().map(|e| e.0).collect();
            let (stale, changed) = {
                let cat = self.catalogue.read().expect("catalogue lock");
                let stale: Vec<i64> = cat
                    .hashes
                    .keys()
                    .filter(|(k, id)| *k == kind && !live.contains(id))
                    .map(|(_, id)| *id)
                    .collect();
                let changed: Vec<Entry> = entries
                    .into_iter()
                    .filter(|(id, _, hash)| cat.hashes.get(&(kind, *id)) != Some(hash))
                    .collect();
                (stale, changed)
            };
            report.reused += live.len() - changed.len();
            self.unindex(kind, &stale)?;
            missing.push((
                kind,
                self.index_stored(db, kind, changed, &mut report).await?,
            ));
        }
        let mut cat = self.catalogue.write().expect("catalogue lock");
        cat.solutions = sols.iter().map(|s| (s.id, meta_of(s))).collect();
        cat.graph = graph::Graph::build(&cat.solutions);
        cat.needs = needs.iter().map(|n| (n.id, need_meta(n))).collect();
        cat.organisations = orgs
            .iter()
            .map(|o| (o.id, (o.land.clone(), o.kind)))
            .collect();
        self.mark_refreshed();
        Ok(PendingEmbeddings {
            _writer: writer,
            missing,
            report,
        })
    }

    /// The slow second phase of a sync: embeds what the first left, batch by batch (each
    /// waits at `gate`), and indexes each batch as soon as it is stored.
    pub async fn embed_pending(
        &self,
        db: &DatabaseConnection,
        pending: PendingEmbeddings,
        gate: &IndexGate,
    ) -> Result<SyncReport, MatchError> {
        let PendingEmbeddings {
            _writer,
            missing,
            mut report,
        } = pending;
        for (kind, items) in missing {
            self.embed_and_index(db, kind, items, gate, &mut report)
                .await?;
        }
        Ok(report)
    }

    /// Marks the first full build as done: from now on hybrid matches use both rankings.
    pub fn mark_semantic_ready(&self) {
        self.semantic_ready.store(true, Ordering::Release);
    }

    /// How far the semantic index is: entries with a vector out of all entries.
    pub fn semantic(&self) -> SemanticProgress {
        let total = {
            let cat = self.catalogue.read().expect("catalogue lock");
            (cat.solutions.len() + cat.needs.len()) as u64
        };
        let indexed = (self.solution_vectors.read().expect("vector lock").len()
            + self.need_vectors.read().expect("vector lock").len()) as u64;
        let state = if self.semantic_ready.load(Ordering::Acquire) {
            SemanticState::Ready
        } else {
            SemanticState::Building
        };
        SemanticProgress::new(state, indexed.min(total), total)
    }

    /// Pairs each entry's fields with its hash under the current model.
    fn hashed(&self, items: impl Iterator<Item = (i64, Fields)>) -> Vec<Entry> {
        let model = self.model_id();
        items
            .map(|(id, f)| {
                let hash = f.hash(model);
                (id, f, hash)
            })
            .collect()
    }

    /// Embeds (or reloads) and indexes entries whose text changed.
    async fn index_entries(
        &self,
        db: &DatabaseConnection,
        kind: ItemKind,
        entries: Vec<Entry>,
        report: &mut SyncReport,
    ) -> Result<(), MatchError> {
        let missing = self.index_stored(db, kind, entries, report).await?;
        self.embed_and_index(db, kind, missing, &IndexGate::open(), report)
            .await
    }

    /// Indexes `entries` lexically and, where a vector is stored for the current text,
    /// semantically; returns the others, which still need the model.
    async fn index_stored(
        &self,
        db: &DatabaseConnection,
        kind: ItemKind,
        entries: Vec<Entry>,
        report: &mut SyncReport,
    ) -> Result<Vec<Missing>, MatchError> {
        if entries.is_empty() {
            return Ok(vec![]);
        }
        if kind == ItemKind::Solution {
            self.lexical
                .upsert_many(entries.iter().map(|(id, f, _)| (*id, f)))?;
        }
        let items = entries
            .into_iter()
            .map(|(id, f, hash)| (id, f.passage(), hash));
        let (found, missing) = self.split_stored(db, kind, items).await?;
        report.reused += found.len();
        self.index_vectors(kind, found).await?;
        Ok(missing)
    }

    /// Embeds `missing` and indexes each batch as soon as it is stored.
    async fn embed_and_index(
        &self,
        db: &DatabaseConnection,
        kind: ItemKind,
        missing: Vec<Missing>,
        gate: &IndexGate,
        report: &mut SyncReport,
    ) -> Result<(), MatchError> {
        self.embed_batches(db, kind, missing, gate, report, |rows| {
            self.index_vectors(kind, rows)
        })
        .await
    }

    /// Puts vectors into the vector index (on the blocking pool: a graph insert costs a
    /// few thousand dot products, a switch to the graph rebuilds it) and records their
    /// text hashes. Writers are serialised by `writer`, so the index that replaces the
    /// current one ([`SizedIndex::successor`]) is built under the read lock while searches
    /// go on, and only swapped in under the write lock.
    async fn index_vectors(&self, kind: ItemKind, rows: Vec<Stored>) -> Result<(), MatchError> {
        if rows.is_empty() {
            return Ok(());
        }
        let index = self.vectors(kind).clone();
        let rows = tokio::task::spawn_blocking(move || {
            let next = index.read().expect("vector lock").successor(rows.len());
            let mut idx = index.write().expect("vector lock");
            if let Some(next) = next {
                *idx = next;
            }
            for r in &rows {
                idx.upsert(r.item_id, &r.vector);
            }
            rows
        })
        .await
        .map_err(|e| MatchError::Internal(format!("vector index task failed: {e}")))?;
        let mut cat = self.catalogue.write().expect("catalogue lock");
        for r in rows {
            cat.hashes.insert((kind, r.item_id), r.text_hash);
        }
        Ok(())
    }

    /// Drops entries from the indexes (not from storage).
    fn unindex(&self, kind: ItemKind, ids: &[i64]) -> Result<(), MatchError> {
        if ids.is_empty() {
            return Ok(());
        }
        {
            let mut idx = self.vectors(kind).write().expect("vector lock");
            for id in ids {
                idx.remove(*id);
            }
        }
        if kind == ItemKind::Solution {
            self.lexical.remove_many(ids)?;
        }
        let mut cat = self.catalogue.write().expect("catalogue lock");
        for id in ids {
            cat.hashes.remove(&(kind, *id));
            match kind {
                ItemKind::Solution => cat.solutions.remove(id).map(|_| ()),
                ItemKind::Need => cat.needs.remove(id).map(|_| ()),
                ItemKind::Question | ItemKind::ReuseCheck => None,
            };
        }
        Ok(())
    }

    fn vectors(&self, kind: ItemKind) -> &Arc<RwLock<SizedIndex>> {
        match kind {
            ItemKind::Solution => &self.solution_vectors,
            ItemKind::Need => &self.need_vectors,
            ItemKind::Question | ItemKind::ReuseCheck => {
                unreachable!("questions and reuse checks are stored, never indexed")
            }
        }
    }

    /// Passage vectors of `(id, text)` items of `kind`, in their order: stored ones are
    /// reused; the rest (new, or whose text changed) are embedded once and stored.
    pub async fn stored_passages(
        &self,
        db: &impl ConnectionTrait,
        kind: ItemKind,
        items: &[(i64, String)],
    ) -> Result<Vec<Vec<f32>>, MatchError> {
        let model = self.model_id().to_owned();
        let texts = items
            .iter()
            .map(|(id, text)| (*id, vectors::text_hash(&model, text), text.clone()));
        let mut found: HashMap<i64, Vec<f32>> = self
            .load_or_embed(db, kind, texts, &mut SyncReport::default())
            .await?
            .into_iter()
            .collect();
        Ok(items
            .iter()
            .map(|(id, _)| found.remove(id).unwrap_or_default())
            .collect())
    }

    /// `(id, vector)` for `(id, text hash, text)` items: from storage where the hash
    /// matches, embedded (and stored) otherwise.
    async fn load_or_embed(
        &self,
        db: &impl ConnectionTrait,
        kind: ItemKind,
        items: impl ExactSizeIterator<Item = (i64, String, String)>,
        report: &mut SyncReport,
    ) -> Result<Vec<(i64, Vec<f32>)>, MatchError> {
        let items = items.map(|(id, hash, text)| (id, text, hash));
        let (found, missing) = self.split_stored(db, kind, items).await?;
        report.reused += found.len();
        let mut out: Vec<(i64, Vec<f32>)> =
            found.into_iter().map(|s| (s.item_id, s.vector)).collect();
        let mut embedded = Vec::new();
        self.embed_batches(db, kind, missing, &IndexGate::open(), report, |rows| {
            embedded.extend(rows.into_iter().map(|s| (s.item_id, s.vector)));
            std::future::ready(Ok(()))
        })
        .await?;
        out.extend(embedded);
        Ok(out)
    }

    /// Splits `(id, text, hash)` items into those with a stored vector for that hash and
    /// those still to embed.
    async fn split_stored(
        &self,
        db: &impl ConnectionTrait,
        kind: ItemKind,
        items: impl Iterator<Item = Missing>,
    ) -> Result<(Vec<Stored>, Vec<Missing>), MatchError> {
        let items: Vec<Missing> = items.collect();
        let ids: Vec<i64> = items.iter().map(|e| e.0).collect();
        let mut stored: HashMap<i64, Stored> = vectors::load(db, kind, self.model_id(), &ids)
            .await?
            .into_iter()
            .map(|s| (s.item_id, s))
            .collect();
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for (id, text, hash) in items {
            match stored.remove(&id) {
                Some(s) if s.text_hash == hash => found.push(s),
                _ => missing.push((id, text, hash)),
            }
        }
        Ok((found, missing))
    }

    /// Embeds `missing` in batches, stores each batch and hands it to `done` (awaited)
    /// before the next one starts; every batch first passes `gate`.
    async fn embed_batches<F>(
        &self,
        db: &impl ConnectionTrait,
        kind: ItemKind,
        mut missing: Vec<Missing>,
        gate: &IndexGate,
        report: &mut SyncReport,
        mut done: impl FnMut(Vec<Stored>) -> F,
    ) -> Result<(), MatchError>
    where
        F: std::future::Future<Output = Result<(), MatchError>>,
    {
        let model = self.model_id().to_owned();
        // Batches of similar length waste little on padding (a batch runs at the length of
        // its longest text): five-word LeiKa titles should not wait on long descriptions.
        missing.sort_by_key(|m| m.1.len());
        for batch in missing.chunks(EMBED_BATCH) {
            gate.pass().await?;
            let texts = batch.iter().map(|m| m.1.clone()).collect();
            let embedded = self.embed_passages(texts).await?;
            let rows: Vec<Stored> = batch
                .iter()
                .zip(embedded)
                .map(|((id, _, hash), v)| Stored {
                    item_id: *id,
                    text_hash: hash.clone(),
                    vector: v,
                })
                .collect();
            vectors::save(db, kind, &model, &rows).await?;
            report.embedded += rows.len();
            done(rows).await?;
        }
        Ok(())
    }

    /// Follows a batch of catalogue writes.
    pub async fn apply(
        &self,
        db: &DatabaseConnection,
        changes: &[Changed],
    ) -> Result<(), MatchError> {
        // Deleting an organisation cascades to its needs and usages; a resync (which reuses
        // every stored vector) is the simplest correct answer to any organisation change.
        if changes
            .iter()
            .any(|c| matches!(c, Changed::Organisation(_)))
        {
            return self.sync_all(db).await.map(|_| ());
        }
        let _writer = self.writer.lock().await;
        let mut sol_ids = Vec::new();
        let mut need_ids = Vec::new();
        for c in changes {
            match *c {
                Changed::Solution(id) => sol_ids.push(id),
                Changed::Need(id) => need_ids.push(id),
                Changed::SolutionDeleted(id) => {
                    vectors::delete(db, ItemKind::Solution, id).await?;
                    self.unindex(ItemKind::Solution, &[id])?;
                }
                Changed::NeedDeleted(id) => {
                    vectors::delete(db, ItemKind::Need, id).await?;
                    self.unindex(ItemKind::Need, &[id])?;
                }
                Changed::Organisation(_) => unreachable!("handled by the resync above"),
            }
        }
        let mut report = SyncReport::default();
        let sols = solutions::get_many(db, &sol_ids).await?;
        let entries = self.hashed(sols.iter().map(|s| (s.id, Fields::of_solution(s))));
        self.index_entries(db, ItemKind::Solution, entries, &mut report)
            .await?;
        let found_needs = needs::get_many(db, &need_ids).await?;
        let entries = self.hashed(found_needs.iter().map(|n| (n.id, Fields::of_need(n))));
        self.index_entries(db, ItemKind::Need, entries, &mut report)
            .await?;
        let mut cat = self.catalogue.write().expect("catalogue lock");
        for s in &sols {
            cat.solutions.insert(s.id, meta_of(s));
        }
        if !sols.is_empty() {
            cat.graph = graph::Graph::build(&cat.solutions);
        }
        for n in &found_needs {
            cat.needs.insert(n.id, need_meta(n));
        }
        self.mark_refreshed();
        Ok(())
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub solutions: usize,
    pub needs: usize,
    pub reused: usize,
    pub embedded: usize,
}

async fn all_organisations(db: &DatabaseConnection) -> Result<Vec<Organisation>, MatchError> {
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let params = ListParams {
            limit: Some(matchraum_catalog::store::MAX_LIMIT),
            offset: Some(offset),
            sort: Some("id".into()),
        };
        let page = organisations::list(db, &Default::default(), &params).await?;
        let n = page.items.len() as u64;
        out.extend(page.items);
        if n < matchraum_catalog::store::MAX_LIMIT {
            return Ok(out);
        }
        offset += n;
    }
}

fn meta_of(s: &Solution) -> SolutionMeta {
    SolutionMeta {
        kind: s.kind,
        maturity: s.maturity,
        reuse_model: s.reuse_model,
        licence: s.licence.clone(),
        costs_model: s.costs_model,
        standards: s.standards.clone(),
        provider_id: s.provider_id,
        leika_keys: s.leika_keys.clone(),
        ozg_ids: s.ozg_ids.clone(),
    }
}

fn need_meta(n: &Need) -> NeedMeta {
    NeedMeta {
        organisation_id: n.organisation_id,
        visibility: n.visibility,
    }
}
