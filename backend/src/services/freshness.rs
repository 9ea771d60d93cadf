//! The stale sweep: every `[catalog] stale_sweep_secs` each instance looks for entries gone
//! stale whose provider was not told yet in this staleness period, claims each with a
//! conditional update (so that of several replicas exactly one tells) and records the
//! notice in the same transaction; then the notices go out live. Verifying an entry
//! ("Angaben sind noch aktuell") reads its notices and starts a new period.
//!
//! The same sweep asks organisations to confirm their usages again once
//! `[catalog] usage_reconfirm_months` have passed since they last did (once per due date);
//! confirming reads the notice.

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};

use crate::auth::notices::{self, NewNotice, NoticeEvent, OrganisationNotice};
use crate::catalog::store::{freshness, usages};
use crate::state::AppState;
use matchraum_core::Error;

/// Entries claimed per transaction.
const BATCH: u64 = 100;

/// Tells the providers of entries stale at `cutoff` that were not told yet; the notices
/// recorded (to publish). Runs batch after batch until none is left.
pub async fn sweep(
    db: &DatabaseConnection,
    cutoff: DateTime<Utc>,
) -> Result<Vec<OrganisationNotice>, Error> {
    let mut told = Vec::new();
    loop {
        let batch = freshness::untold_stale(db, cutoff, BATCH).await?;
        if batch.is_empty() {
            return Ok(told);
        }
        let txn = db.begin().await?;
        for (solution, provider) in &batch {
            if !freshness::claim_stale(&txn, *solution, cutoff, Utc::now()).await? {
                continue; // another replica told them
            }
            let notice = NewNotice::about_solution(NoticeEvent::SolutionStale, *solution);
            told.extend(notices::record(&txn, &[*provider], &notice).await?);
        }
        txn.commit().await?;
        if batch.len() < BATCH as usize {
            return Ok(told);
        }
    }
}

/// Asks the organisations of usages due for renewal at `now` that were not asked yet; the
/// notices recorded (to publish). Batch after batch, as [`sweep`].
pub async fn sweep_due_usages(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<OrganisationNotice>, Error> {
    let mut told = Vec::new();
    loop {
        let batch = usages::untold_due_usages(db, now, BATCH).await?;
        if batch.is_empty() {
            return Ok(told);
        }
        let txn = db.begin().await?;
        for u in &batch {
            if !usages::claim_due(&txn, u.id, now).await? {
                continue; // another replica asked them
            }
            let notice = NewNotice {
                usage_id: Some(u.id),
                ..NewNotice::about_solution(NoticeEvent::UsageReconfirmDue, u.solution_id)
            };
            told.extend(notices::record(&txn, &[u.organisation_id], &notice).await?);
        }
        txn.commit().await?;
        if batch.len() < BATCH as usize {
            return Ok(told);
        }
    }
}

/// Runs the sweeps every `[catalog] stale_sweep_secs` (first after one interval), until
/// the process ends; 0 turns it off.
pub fn spawn(state: &AppState) {
    let secs = state.config.catalog.stale_sweep_secs;
    if secs == 0 {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        let period = std::time::Duration::from_secs(secs);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match sweep(&state.db, state.stale_cutoff()).await {
                Ok(told) if told.is_empty() => {}
                Ok(told) => {
                    tracing::info!(notices = told.len(), "told providers about stale entries");
                    super::publish_notices(&state, &told).await;
                }
                Err(e) => tracing::warn!(error = %e, "stale sweep failed; next time again"),
            }
            match sweep_due_usages(&state.db, Utc::now()).await {
                Ok(told) if told.is_empty() => {}
                Ok(told) => {
                    tracing::info!(
                        notices = told.len(),
                        "asked organisations to confirm usages again"
                    );
                    super::publish_notices(&state, &told).await;
                }
                Err(e) => tracing::warn!(error = %e, "usage renewal sweep failed; next time again"),
            }
        }
    });
}

/// After a verification: the entry's stale notices are done.
pub async fn verified(state: &AppState, solution_id: i64) -> Result<(), Error> {
    notices::resolve(
        &state.db,
        NoticeEvent::SolutionStale,
        Some(solution_id),
        None,
    )
    .await?;
    Ok(())
}
