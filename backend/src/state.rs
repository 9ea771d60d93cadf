//! What every request handler shares.

use std::sync::Arc;

use sea_orm::DatabaseConnection;
use tokio::sync::mpsc;

use crate::catalog::store::Changed;
use crate::config::Config;
use crate::matching::Matcher;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    /// Bounded queue to the indexer; `None` when no index runs (e.g. `migrate`).
    pub index_events: Option<mpsc::Sender<Changed>>,
    /// The matcher; `None` when the instance runs without a model.
    pub matcher: Option<Arc<Matcher>>,
    /// Rate limiter and password-hash constants of `auth`.
    pub auth: Arc<crate::auth::AuthState>,
    /// The websocket hub of this instance and the bus to the others.
    pub realtime: Arc<crate::realtime::Realtime>,
    /// This instance's Prometheus registry (served on the metrics listener).
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl AppState {
    /// Verifications older than this are stale (`[catalog] stale_after_months`): taken
    /// once per request and used for every entry it shows.
    pub fn stale_cutoff(&self) -> chrono::DateTime<chrono::Utc> {
        crate::catalog::freshness::cutoff(
            chrono::Utc::now(),
            self.config.catalog.stale_after_months,
        )
    }

    /// Tells the indexer about a write, and through the bus every other instance's.
    /// Never blocks the request: when the queue is full the indexer falls behind and
    /// catches up with a full resync (see `matching`).
    pub fn catalog_changed(&self, change: Changed) {
        if let Some(tx) = &self.index_events {
            if let Err(e) = tx.try_send(change) {
                tracing::warn!(?change, error = %e, "index queue full; change will be picked up by the next resync");
            }
        }
        self.realtime.catalogue_changed(change);
    }
}
