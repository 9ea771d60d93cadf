//! The background task that keeps the matcher in step with catalogue writes.

use std::sync::Arc;
use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};
use tokio::sync::mpsc;

use super::{IndexGate, Matcher, PendingEmbeddings};
use matchraum_catalog::store::Changed;

/// Capacity of the queue between request handlers and the indexer.
pub const QUEUE: usize = 1024;

/// Pause before a failed first build is tried again.
const BUILD_RETRY: Duration = Duration::from_secs(10);

/// Finishes the first build in the background (the server answers lexically meanwhile):
/// embeds what [`Matcher::sync_catalogue`] left, then marks the matcher ready. A failed
/// build is retried from a fresh sync (stored vectors are kept, so no work is lost).
pub fn finish_build(
    db: DatabaseConnection,
    matcher: Arc<Matcher>,
    pending: PendingEmbeddings,
    gate: IndexGate,
) {
    tokio::spawn(async move {
        let started = std::time::Instant::now();
        let mut pending = Some(pending);
        loop {
            let result = match pending.take() {
                Some(p) => matcher.embed_pending(&db, p, &gate).await,
                None => match matcher.sync_catalogue(&db).await {
                    Ok(p) => matcher.embed_pending(&db, p, &gate).await,
                    Err(e) => Err(e),
                },
            };
            match result {
                Ok(report) => {
                    matcher.mark_semantic_ready();
                    tracing::info!(
                        ?report,
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "semantic index ready"
                    );
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, "semantic index build failed; retrying");
                    tokio::time::sleep(BUILD_RETRY).await;
                }
            }
        }
    });
}

/// Applies changes in batches; when a batch fails it falls back to a full resync,
/// which is idempotent and cheap for unchanged entries (their vectors are reused).
pub fn spawn(
    db: DatabaseConnection,
    matcher: Arc<Matcher>,
    refresh: Duration,
) -> mpsc::Sender<Changed> {
    let (tx, mut rx) = mpsc::channel::<Changed>(QUEUE);
    if !refresh.is_zero() {
        tokio::spawn(follow_other_instances(db.clone(), matcher.clone(), refresh));
    }
    tokio::spawn(async move {
        let mut batch = Vec::new();
        while rx.recv_many(&mut batch, 256).await > 0 {
            if let Err(e) = matcher.apply(&db, &batch).await {
                tracing::warn!(error = %e, "index update failed; resyncing");
                if let Err(e) = matcher.sync_all(&db).await {
                    tracing::error!(error = %e, "index resync failed");
                }
            }
            batch.clear();
        }
    });
    tx
}

/// Writes through other instances reach this one's indexes within `every`: a cheap
/// fingerprint of the catalogue (row counts and latest change per table) is polled, and a
/// change triggers the idempotent resync, which reuses every stored vector.
async fn follow_other_instances(db: DatabaseConnection, matcher: Arc<Matcher>, every: Duration) {
    let mut seen = fingerprint(&db).await.ok();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = match fingerprint(&db).await {
            Ok(f) => f,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the catalogue fingerprint");
                continue;
            }
        };
        if seen.as_ref() != Some(&now) {
            match matcher.sync_all(&db).await {
                Ok(report) => {
                    tracing::info!(?report, "index caught up with catalogue changes");
                    seen = Some(now);
                }
                Err(e) => tracing::warn!(error = %e, "index resync failed; retrying next tick"),
            }
        }
    }
}

/// Row count and latest `updated_at` of every table the indexes are built from, as one
/// string (the same SQL on SQLite and PostgreSQL).
pub async fn fingerprint(db: &DatabaseConnection) -> Result<String, DbErr> {
    let part = |t: &str| {
        format!("(SELECT CAST(COUNT(*) AS TEXT) || ':' || COALESCE(CAST(MAX(updated_at) AS TEXT), '') FROM {t})")
    };
    let sql = format!(
        "SELECT {} || '|' || {} || '|' || {} AS fp",
        part("solutions"),
        part("needs"),
        part("organisations")
    );
    let row = db
        .query_one(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .ok_or_else(|| DbErr::Custom("empty fingerprint".into()))?;
    row.try_get::<String>("", "fp")
}
