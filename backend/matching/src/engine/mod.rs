//! The matcher: embeds off the async executor, keeps the vector and lexical indexes in
//! step with the catalogue, and ranks solutions for a query.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use lru::LruCache;
use sea_orm::{ConnectionTrait, DatabaseConnection};
use tokio::sync::{OwnedMutexGuard, Semaphore};

mod graph;
mod rank;
mod sync;

pub use graph::Path;
pub use rank::{is_service, Candidates, Sections, SERVICES_SHOWN};
pub use sync::SyncReport;

use super::batch::{BatchSettings, Batcher, DEFAULT_BATCH};
use super::document::Fields;
use super::embedder::{Embedder, ModelPrecision};
use super::fusion::Fusion;
use super::lexical::LexicalIndex;
use super::model::{MatchFilters, Mode, SemanticProgress, SemanticState, StrengthThresholds};
use super::queue::{QueueLimits, DEFAULT_QUEUE_LIMITS};
use super::store::{self as vectors, ItemKind, Stored};
use super::timing::{timed, StageTimes};
use super::vector::sized::{SizedIndex, DEFAULT_HNSW_FROM};
use super::vector::VectorIndex;
use super::MatchError;
use matchraum_catalog::model::{Need, Organisation, Solution};
use matchraum_catalog::store::{needs, organisations, solutions, Changed, ListParams};
use matchraum_catalog::vocab::{Visibility, *};

/// How deep each method retrieves before fusion.
const CANDIDATES: usize = 100;
/// Thresholds of `fusion::STRENGTH_SIGNAL`, calibrated on the dev set
/// (`matchraum eval --calibrate`, README).
pub const DEFAULT_STRENGTHS: StrengthThresholds = StrengthThresholds {
    strong: 6.7,
    possible: 3.4,
};
/// Weight of the evidence of reuse (`boost`): off, because on the dev set (no confirmed
/// usages, so only maturity acts) 0.1 lowered nDCG@10 significantly (README "Measured").
pub const DEFAULT_EVIDENCE_BOOST: f32 = 0.0;
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
    leika_keys: Vec<String>,
    ozg_ids: Vec<String>,
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
    /// LeiKa and OZG edges between the solutions, rebuilt whenever `solutions` changes.
    graph: graph::Graph,
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
    /// The calibrated strength signal (hybrid mode only; see `fusion::STRENGTH_SIGNAL`).
    pub confidence: Option<f32>,
    /// Set when the entry was reached through the catalogue's graph (or a path starts here).
    pub path: Option<Path>,
    /// Placed (and scored) by the graph behind the entry it was reached from.
    pub reached: bool,
    /// The evidence boost placed it above an entry that fused higher (see `boost`).
    pub raised: bool,
}

pub struct Matcher {
    embedder: Arc<Embedder>,
    permits: Arc<Semaphore>,
    /// Admission of query embeddings, fair between clients, micro-batched (see `batch`).
    queries: Batcher,
    query_cache: Mutex<LruCache<String, Arc<Vec<f32>>>>,
    /// Shared with the blocking pool, where writes (and a switch to the graph) run.
    solution_vectors: Arc<RwLock<SizedIndex>>,
    need_vectors: Arc<RwLock<SizedIndex>>,
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
    /// How hybrid matches fuse the two rankings (`[matching] fusion`).
    fusion: Fusion,
    /// Where a hybrid score becomes a strong or a possible match.
    strengths: StrengthThresholds,
    /// Weight of the evidence of reuse after fusion (`[matching] evidence_boost`, 0 = off).
    evidence_boost: f32,
}

impl Matcher {
    /// Loads the model in its default precision (blocking: call from a blocking context or
    /// at start-up).
    pub fn load(
        model_dir: &std::path::Path,
        ort_lib: &std::path::Path,
        concurrency: usize,
    ) -> Result<Self, MatchError> {
        Self::load_precision(model_dir, ort_lib, ModelPrecision::default(), concurrency)
    }

    /// Loads the model's graph of `precision` (`[matching] model_precision`; blocking).
    pub fn load_precision(
        model_dir: &std::path::Path,
        ort_lib: &std::path::Path,
        precision: ModelPrecision,
        concurrency: usize,
    ) -> Result<Self, MatchError> {
        let embedder = Embedder::load(model_dir, ort_lib, precision)?;
        let dim = embedder.dim();
        let embedder = Arc::new(embedder);
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        Ok(Matcher {
            queries: Batcher::new(
                embedder.clone(),
                permits.clone(),
                DEFAULT_QUEUE_LIMITS,
                DEFAULT_BATCH,
            ),
            embedder,
            permits,
            query_cache: Mutex::new(LruCache::new(NonZeroUsize::new(4096).expect("non-zero"))),
            solution_vectors: Arc::new(RwLock::new(SizedIndex::new(dim, DEFAULT_HNSW_FROM))),
            need_vectors: Arc::new(RwLock::new(SizedIndex::new(dim, DEFAULT_HNSW_FROM))),
            lexical: LexicalIndex::new()?,
            catalogue: RwLock::new(Catalogue::default()),
            writer: Arc::new(tokio::sync::Mutex::new(())),
            semantic_ready: AtomicBool::new(false),
            refreshed_at: AtomicI64::new(0),
            fusion: Fusion::default(),
            strengths: DEFAULT_STRENGTHS,
            evidence_boost: DEFAULT_EVIDENCE_BOOST,
        })
    }

    pub fn model_id(&self) -> &str {
        self.embedder.model_id()
    }

    /// The graph embedding queries and passages.
    pub fn precision(&self) -> ModelPrecision {
        self.embedder.precision()
    }

    /// Bounds the queue of query embeddings (`Matcher::load` uses `DEFAULT_QUEUE_LIMITS`).
    pub fn limit_queries(&mut self, max_waiting: usize, max_waiting_per_client: usize) {
        let limits = QueueLimits {
            max_waiting,
            max_waiting_per_client,
        };
        self.queries = self.batcher(limits, self.queries.settings());
    }

    /// Sets how hybrid matches fuse the two rankings (`Matcher::load` uses the default).
    pub fn set_fusion(&mut self, fusion: Fusion) {
        self.fusion = fusion;
    }

    pub fn fusion(&self) -> Fusion {
        self.fusion
    }

    /// Sets from how many entries an index uses the HNSW graph instead of exact search
    /// (`[matching] hnsw_from`; 0 = always exact); each index switches on its next write.
    pub fn set_hnsw_from(&mut self, entries: usize) {
        for idx in [&self.solution_vectors, &self.need_vectors] {
            idx.write().expect("vector lock").set_hnsw_from(entries);
        }
    }

    /// Sets the strength thresholds (they belong to the fusion: calibrate them together).
    pub fn set_strengths(&mut self, strengths: StrengthThresholds) {
        self.strengths = strengths;
    }

    pub fn strengths(&self) -> StrengthThresholds {
        self.strengths
    }

    /// Sets the weight of the evidence of reuse in the ranking (0 = off; see `boost`).
    pub fn set_evidence_boost(&mut self, weight: f32) {
        self.evidence_boost = weight.clamp(0.0, crate::boost::MAX_WEIGHT);
    }

    pub fn evidence_boost(&self) -> f32 {
        self.evidence_boost
    }

    /// Sets how queries are micro-batched (`Matcher::load` uses `DEFAULT_BATCH`).
    pub fn batch_queries(&mut self, settings: BatchSettings) {
        self.queries = self.batcher(self.queries.limits(), settings);
    }

    fn batcher(&self, limits: QueueLimits, settings: BatchSettings) -> Batcher {
        Batcher::new(
            self.embedder.clone(),
            self.permits.clone(),
            limits,
            settings,
        )
    }

    /// ONNX Runtime calls made so far (queries and passages).
    pub fn ort_calls(&self) -> u64 {
        self.embedder.ort_calls()
    }

    /// Embeds a query for `client` (an account or an IP) in a batch, taken from the fair
    /// queue in its turn; repeated texts come from the cache without queueing.
    pub async fn embed_query_for(
        &self,
        client: &str,
        text: &str,
    ) -> Result<Arc<Vec<f32>>, MatchError> {
        if let Some(v) = self.cached_query(text) {
            return Ok(v);
        }
        let v = Arc::new(self.queries.embed(client, text).await?);
        self.query_cache
            .lock()
            .expect("cache lock")
            .put(text.to_owned(), v.clone());
        Ok(v)
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

    /// Vectors held for solutions and for needs.
    pub fn index_sizes(&self) -> (usize, usize) {
        (
            self.solution_vectors.read().expect("vector lock").len(),
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
