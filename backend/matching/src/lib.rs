//! Matching: a seeker's text → ranked, explained solutions, their providers and peers.
//! Embeddings (e5, offline) and German lexical search, fused; knows nothing of HTTP.
//!
//! May use: `matchraum-core`, `matchraum-catalog`, sea-orm, and (only here in the
//! workspace) fastembed, ONNX Runtime and tantivy. Knows nothing of accounts, the community
//! or real time: the server tells sockets about the notices it records.

pub mod batch;
pub mod boost;
pub mod document;
pub mod embedder;
pub mod engine;
pub mod eval;
pub mod evidence;
pub mod fusion;
pub mod indexer;
pub mod lexical;
pub mod model;
pub mod notify;
pub mod provider_radar;
pub mod queue;
pub mod service;
pub mod store;
pub mod timing;
pub mod vector;

pub use engine::{IndexGate, Matcher, PendingEmbeddings};
pub use timing::StageTimes;

use matchraum_catalog::CatalogError;

#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error(transparent)]
    Embedder(#[from] embedder::EmbedderError),
    #[error(transparent)]
    Lexical(#[from] lexical::LexicalError),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error("database: {0}")]
    Db(#[from] sea_orm::DbErr),
    #[error("the semantic index is still being built ({percent} %); use mode hybrid or lexical, or retry later")]
    SemanticBuilding { percent: u8 },
    #[error("the server is shutting down")]
    ShuttingDown,
    #[error("{0}")]
    Busy(queue::Refused),
    #[error("{0}")]
    Internal(String),
}

impl From<queue::Refused> for MatchError {
    fn from(r: queue::Refused) -> Self {
        match r {
            queue::Refused::Closed => MatchError::ShuttingDown,
            busy => MatchError::Busy(busy),
        }
    }
}
