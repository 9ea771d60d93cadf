//! The matcher: embeds off the async executor, keeps the vector and lexical indexes in
//! step with the catalogue, and ranks solutions for a query.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use lru::LruCache;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::{OwnedMutexGuard, Semaphore};

use super::document::Fields;
use super::embedder::Embedder;
use super::fusion::reciprocal_rank;
use super::lexical::LexicalIndex;
use super::model::{MatchFilters, Mode, SemanticProgress, SemanticState};
use super::queue::{FairQueue, QueueLimits, DEFAULT_QUEUE_LIMITS};
use super::store::{self as vectors, ItemKind, Stored};
use super::timing::{timed, StageTimes};
use super::vector::{ExactIndex, VectorIndex};
use super::MatchError;
use matchraum_catalog::model::{Need, Organisation, Solution};
use matchraum_catalog::store::{needs, organisations, solutions, Changed, ListParams};
use matchraum_catalog::vocab::{Visibility, *};

/// How deep each method retrieves before fusion.
const CANDIDATES: usize = 100;
/// Weights of the two rankings in the fusion.
const VECTOR_WEIGHT: f32 = 1.0;
const LEXICAL_WEIGHT: f32 = 0.5;
/// Entries embedded per blocking call (and persisted per transaction) during a sync.
pub const EMBED_BATCH: usize = 32;

/// What filters need to know of a solution, kept in memory beside its vector.
#[derive(Clone, Debug)]
struct SolutionMeta {
    kind: SolutionKind,
    maturity: Maturity,
    reuse_model: Option<ReuseModel>,
    licence: Option<String>,
    costs_model: Option<CostsModel>,
    standards: Vec<String>,
    provider_id: Option<i64>,
}

#[derive(Clone, Debug)]
struct NeedMeta {
    organisation_id: i64,
    visibility: Visibility,
}

#[derive(Default)]
struct Catalogue {
    /// Hash (text + model) of every entry in the indexes: a resync touches only entries
    /// whose hash changed.
    hashes: HashMap<(ItemKind, i64), String>,
    solutions: HashMap<i64, SolutionMeta>,
    needs: HashMap<i64, NeedMeta>,
    /// Land and kind of every organisation, for provider filters.
    organisations: HashMap<i64, (Option<String>, OrganisationKind)>,
}

/// An entry to index: id, searchable fields, hash of text and model.
type Entry = (i64, Fields, String);

/// A text still to embed: id, passage text, hash of text and model.
type Missing = (i64, String, String);

/// What the first phase of a sync left to embed. It holds the index writer lock, so no
/// other writer interleaves until [`Matcher::embed_pending`] is done with it.
pub struct PendingEmbeddings {
    _writer: OwnedMutexGuard<()>,
    missing: Vec<(ItemKind, Vec<Missing>)>,
    report: SyncReport,
}

impl PendingEmbeddings {
    /// Entries that have no current stored vector.
    pub fn len(&self) -> usize {
        self.missing.iter().map(|(_, m)| m.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Lets embedding batches of a build pass. Open in production; tests close it to hold
/// the initial build in the `building` state while the real model is loaded.
#[derive(Clone, Debug, Default)]
pub struct IndexGate(Option<Arc<Semaphore>>);

impl IndexGate {
    pub fn open() -> Self {
        IndexGate(None)
    }

    /// A gate that lets no batch pass until [`IndexGate::release`].
    pub fn closed() -> Self {
        IndexGate(Some(Arc::new(Semaphore::new(0))))
    }

    /// Lets `batches` more batches pass.
    pub fn release(&self, batches: usize) {
        if let Some(s) = &self.0 {
            s.add_permits(batches);
        }
    }

    async fn pass(&self) -> Result<(), MatchError> {
        if let Some(s) = &self.0 {
            s.acquire()
                .await
                .map_err(|_| MatchError::ShuttingDown)?
                .forget();
        }
        Ok(())
    }
}

/// One ranked solution with the evidence of both methods.
#[derive(Clone, Debug, PartialEq)]
pub struct Ranked {
    pub id: i64,
    pub score: f32,
    pub similarity: Option<f32>,
    pub vector_rank: Option<usize>,
    pub lexical_score: Option<f32>,
    pub lexical_rank: Option<usize>,
}

pub struct Matcher {
    embedder: Arc<Embedder>,
    permits: Arc<Semaphore>,
    /// Admission of query embeddings, fair between clients (see `queue`).
    queries: FairQueue,
    query_cache: Mutex<LruCache<String, Arc<Vec<f32>>>>,
    solution_vectors: RwLock<ExactIndex>,
    need_vectors: RwLock<ExactIndex>,
    lexical: LexicalIndex,
    catalogue: RwLock<Catalogue>,
    /// Serialises the index writers (incremental updates and resyncs run in different
    /// tasks); searches never take it.
    writer: Arc<tokio::sync::Mutex<()>>,
    /// Set when the first full build is done: until then hybrid matches fall back to
    /// lexical ranking (entries without a vector yet would be missing from one side).
    semantic_ready: AtomicBool,
    /// When the indexes last took catalogue changes in (Unix seconds; 0 = never).
    refreshed_at: AtomicI64,
}

impl Matcher {
    /// Loads the model (blocking: call from a blocking context or at start-up).
    pub fn load(
        model_dir: &std::path::Path,
        ort_lib: &std::path::Path,
        concurrency: usize,
    ) -> Result<Self, MatchError> {
        let embedder = Embedder::load(model_dir, ort_lib)?;
        let dim = embedder.dim();
        Ok(Matcher {
            embedder: Arc::new(embedder),
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            queries: FairQueue::new(QueueLimits {
                concurrency,
                ..DEFAULT_QUEUE_LIMITS
            }),
            query_cache: Mutex::new(LruCache::new(NonZeroUsize::new(4096).expect("non-zero"))),
            solution_vectors: RwLock::new(ExactIndex::new(dim)),
            need_vectors: RwLock::new(ExactIndex::new(dim)),
            lexical: LexicalIndex::new()?,
            catalogue: RwLock::new(Catalogue::default()),
            writer: Arc::new(tokio::sync::Mutex::new(())),
            semantic_ready: AtomicBool::new(false),
            refreshed_at: AtomicI64::new(0),
        })
    }

    pub fn model_id(&self) -> &str {
        self.embedder.model_id()
    }

    /// Bounds the queue of query embeddings (`Matcher::load` uses `DEFAULT_QUEUE_LIMITS`).
    pub fn limit_queries(&mut self, max_waiting: usize, max_waiting_per_client: usize) {
        self.queries = FairQueue::new(QueueLimits {
            concurrency: self.queries.limits().concurrency,
            max_waiting,
            max_waiting_per_client,
        });
    }

    /// Embeds a query for `client` (an account or an IP) once it is the client's turn in the
    /// fair queue; repeated texts come from the cache without queueing.
    pub async fn embed_query_for(
        &self,
        client: &str,
        text: &str,
    ) -> Result<Arc<Vec<f32>>, MatchError> {
        if let Some(v) = self.cached_query(text) {
            return Ok(v);
        }
        let _turn = self.queries.admit(client).await?;
        self.embed_query(text).await
    }

    fn cached_query(&self, text: &str) -> Option<Arc<Vec<f32>>> {
        self.query_cache
            .lock()
            .expect("cache lock")
            .get(text)
            .cloned()
    }

    /// Embeds a query on the blocking pool; repeated texts come from the cache.
    pub async fn embed_query(&self, text: &str) -> Result<Arc<Vec<f32>>, MatchError> {
        if let Some(v) = self.cached_query(text) {
            return Ok(v);
        }
        let v = Arc::new(
            self.run_blocking(vec![text.to_owned()], true)
                .await?
                .remove(0),
        );
        self.query_cache
            .lock()
            .expect("cache lock")
            .put(text.to_owned(), v.clone());
        Ok(v)
    }

    /// Embeds passages on the blocking pool.
    pub async fn embed_passages(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, MatchError> {
        self.run_blocking(texts, false).await
    }

    /// At most `concurrency` embeddings run at once; the rest wait here, not on a thread.
    async fn run_blocking(
        &self,
        texts: Vec<String>,
        query: bool,
    ) -> Result<Vec<Vec<f32>>, MatchError> {
        let _permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| MatchError::ShuttingDown)?;
        let embedder = self.embedder.clone();
        let out = tokio::task::spawn_blocking(move || {
            if query {
                embedder.embed_queries(&texts)
            } else {
                embedder.embed_passages(&texts)
            }
        })
        .await
        .map_err(|e| MatchError::Internal(format!("embedding task failed: {e}")))??;
        Ok(out)
    }

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
        self.index_vectors(kind, &found);
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

    /// Puts vectors into the vector index and records their text hashes.
    fn index_vectors(&self, kind: ItemKind, rows: &[Stored]) {
        if rows.is_empty() {
            return;
        }
        {
            let mut idx = self.vectors(kind).write().expect("vector lock");
            for r in rows {
                idx.upsert(r.item_id, &r.vector);
            }
        }
        let mut cat = self.catalogue.write().expect("catalogue lock");
        for r in rows {
            cat.hashes.insert((kind, r.item_id), r.text_hash.clone());
        }
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
                ItemKind::Question => None,
            };
        }
        Ok(())
    }

    fn vectors(&self, kind: ItemKind) -> &RwLock<ExactIndex> {
        match kind {
            ItemKind::Solution => &self.solution_vectors,
            ItemKind::Need => &self.need_vectors,
            ItemKind::Question => unreachable!("questions are stored, never indexed"),
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
            embedded.extend(rows.iter().map(|s| (s.item_id, s.vector.clone())))
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

    /// Embeds `missing` in batches, stores each batch and hands it to `done` before the
    /// next one starts; every batch first passes `gate`.
    async fn embed_batches(
        &self,
        db: &impl ConnectionTrait,
        kind: ItemKind,
        mut missing: Vec<Missing>,
        gate: &IndexGate,
        report: &mut SyncReport,
        mut done: impl FnMut(&[Stored]),
    ) -> Result<(), MatchError> {
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
            done(&rows);
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
        for n in &found_needs {
            cat.needs.insert(n.id, need_meta(n));
        }
        self.mark_refreshed();
        Ok(())
    }

    /// Ranks solutions for a query. `query_vec` is needed for the vector and hybrid modes.
    pub fn rank(
        &self,
        text: &str,
        query_vec: Option<&[f32]>,
        mode: Mode,
        filters: &MatchFilters,
        limit: usize,
    ) -> Result<Vec<Ranked>, MatchError> {
        let mut times = StageTimes::default();
        self.rank_timed(text, query_vec, mode, filters, limit, &mut times)
    }

    /// As [`Matcher::rank`], recording how long the vector, lexical and fusion stages took.
    pub fn rank_timed(
        &self,
        text: &str,
        query_vec: Option<&[f32]>,
        mode: Mode,
        filters: &MatchFilters,
        limit: usize,
        times: &mut StageTimes,
    ) -> Result<Vec<Ranked>, MatchError> {
        let cat = self.catalogue.read().expect("catalogue lock");
        let allow = |id: i64| {
            cat.solutions
                .get(&id)
                .is_some_and(|m| passes(m, filters, &cat.organisations))
        };
        let vector_hits = match (mode, query_vec) {
            (Mode::Lexical, _) => vec![],
            (_, Some(q)) => timed(&mut times.vector, || {
                self.solution_vectors
                    .read()
                    .expect("vector lock")
                    .search(q, CANDIDATES, &allow)
            }),
            (_, None) => {
                return Err(MatchError::Internal(
                    "vector mode without a query vector".into(),
                ))
            }
        };
        let lexical_hits = match mode {
            Mode::Vector => vec![],
            _ => timed(&mut times.lexical, || {
                self.lexical.search(text, CANDIDATES, &allow)
            })?,
        };
        let fusion_started = std::time::Instant::now();
        let vec_ids: Vec<i64> = vector_hits.iter().map(|h| h.0).collect();
        let lex_ids: Vec<i64> = lexical_hits.iter().map(|h| h.0).collect();
        let fused = match mode {
            Mode::Vector => vector_hits.clone(),
            Mode::Lexical => lexical_hits.clone(),
            Mode::Hybrid => {
                reciprocal_rank(&[(&vec_ids, VECTOR_WEIGHT), (&lex_ids, LEXICAL_WEIGHT)])
            }
        };
        let vec_pos: HashMap<i64, (usize, f32)> = vector_hits
            .iter()
            .enumerate()
            .map(|(r, h)| (h.0, (r + 1, h.1)))
            .collect();
        let lex_pos: HashMap<i64, (usize, f32)> = lexical_hits
            .iter()
            .enumerate()
            .map(|(r, h)| (h.0, (r + 1, h.1)))
            .collect();
        let ranked = fused
            .into_iter()
            .take(limit)
            .map(|(id, score)| Ranked {
                id,
                score,
                similarity: vec_pos.get(&id).map(|p| p.1),
                vector_rank: vec_pos.get(&id).map(|p| p.0),
                lexical_score: lex_pos.get(&id).map(|p| p.1),
                lexical_rank: lex_pos.get(&id).map(|p| p.0),
            })
            .collect();
        times.fusion = Some(fusion_started.elapsed());
        Ok(ranked)
    }

    /// Needs similar to the query; a private need counts only for viewers who belong to
    /// its organisation (`viewer_orgs`, decided by the policy module).
    pub fn similar_needs(
        &self,
        query_vec: &[f32],
        k: usize,
        min_similarity: f32,
        viewer_orgs: &[i64],
    ) -> Vec<(i64, f32)> {
        let cat = self.catalogue.read().expect("catalogue lock");
        let allow = |id: i64| {
            cat.needs.get(&id).is_some_and(|n| {
                n.visibility == Visibility::Public || viewer_orgs.contains(&n.organisation_id)
            })
        };
        self.need_vectors
            .read()
            .expect("vector lock")
            .search(query_vec, k, &allow)
            .into_iter()
            .filter(|h| h.1 >= min_similarity)
            .collect()
    }

    /// Cosine similarity of a query to one indexed solution (for explanations of lexical-only hits).
    pub fn similarity(&self, query_vec: &[f32], solution_id: i64) -> Option<f32> {
        let idx = self.solution_vectors.read().expect("vector lock");
        idx.get(solution_id)
            .map(|v| super::vector::dot(v, query_vec))
    }

    pub fn indexed_solutions(&self) -> usize {
        self.solution_vectors.read().expect("vector lock").len()
    }

    /// Vectors held for solutions and for needs.
    pub fn index_sizes(&self) -> (usize, usize) {
        (
            self.indexed_solutions(),
            self.need_vectors.read().expect("vector lock").len(),
        )
    }

    /// Match queries waiting for the model.
    pub fn queries_waiting(&self) -> usize {
        self.queries.waiting()
    }

    /// When the indexes last took catalogue changes in (Unix seconds; 0 = never).
    pub fn refreshed_at(&self) -> i64 {
        self.refreshed_at.load(Ordering::Relaxed)
    }

    fn mark_refreshed(&self) {
        self.refreshed_at
            .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
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
    }
}

fn need_meta(n: &Need) -> NeedMeta {
    NeedMeta {
        organisation_id: n.organisation_id,
        visibility: n.visibility,
    }
}

fn passes(
    m: &SolutionMeta,
    f: &MatchFilters,
    orgs: &HashMap<i64, (Option<String>, OrganisationKind)>,
) -> bool {
    fn any<T: PartialEq>(allowed: &[T], v: Option<&T>) -> bool {
        allowed.is_empty() || v.is_some_and(|v| allowed.contains(v))
    }
    let provider = m.provider_id.and_then(|id| orgs.get(&id));
    any(&f.kind, Some(&m.kind))
        && any(&f.maturity, Some(&m.maturity))
        && any(&f.reuse_model, m.reuse_model.as_ref())
        && any(&f.costs_model, m.costs_model.as_ref())
        && (f.licence.is_empty()
            || m.licence
                .as_ref()
                .is_some_and(|l| f.licence.iter().any(|x| x.eq_ignore_ascii_case(l))))
        && (f.standard.is_empty()
            || m.standards
                .iter()
                .any(|s| f.standard.iter().any(|x| x.eq_ignore_ascii_case(s))))
        && any(&f.land, provider.and_then(|p| p.0.as_ref()))
        && any(&f.provider_kind, provider.map(|p| &p.1))
}
