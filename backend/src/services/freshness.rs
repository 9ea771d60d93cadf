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
use sea_orm::{DatabaseConnection, DatabaseTransaction, TransactionTrait};

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
    let untold = || Box::pin(freshness::untold_stale(db, cutoff, BATCH)) as Swept<'_, _>;
    claim_in_batches(db, untold, |txn, &(solution, provider)| {
        Box::pin(async move {
            let claimed = freshness::claim_stale(txn, solution, cutoff, Utc::now()).await?;
            let notice = NewNotice::about_solution(NoticeEvent::SolutionStale, solution);
            Ok(claimed.then_some((provider, notice)))
        })
    })
    .await
}

/// Asks the organisations of usages due for renewal at `now` that were not asked yet; the
/// notices recorded (to publish). Batch after batch, as [`sweep`].
pub async fn sweep_due_usages(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<Vec<OrganisationNotice>, Error> {
    let untold = || Box::pin(usages::untold_due_usages(db, now, BATCH)) as Swept<'_, _>;
    claim_in_batches(db, untold, |txn, u: &usages::DueUsage| {
        let u = *u;
        Box::pin(async move {
            let claimed = usages::claim_due(txn, u.id, now).await?;
            let notice = NewNotice {
                usage_id: Some(u.id),
                ..NewNotice::about_solution(NoticeEvent::UsageReconfirmDue, u.solution_id)
            };
            Ok(claimed.then_some((u.organisation_id, notice)))
        })
    })
    .await
}

/// One step of a sweep, boxed so that the spawned sweep stays `Send`.
type Swept<'a, T> = futures_util::future::BoxFuture<'a, Result<T, Error>>;

/// The shape of both sweeps: take up to [`BATCH`] untold items, and in one transaction
/// `claim` each (a conditional update; `None` when another replica was first) and record
/// the notice for the organisation it names; until a batch comes back short.
async fn claim_in_batches<'d, T: Sync>(
    db: &'d DatabaseConnection,
    untold: impl Fn() -> Swept<'d, Vec<T>>,
    claim: impl for<'a> Fn(&'a DatabaseTransaction, &'a T) -> Swept<'a, Option<(i64, NewNotice)>>,
) -> Result<Vec<OrganisationNotice>, Error> {
    let mut told = Vec::new();
    loop {
        let batch = untold().await?;
        if batch.is_empty() {
            return Ok(told);
        }
        let txn = db.begin().await?;
        for item in &batch {
            if let Some((organisation, notice)) = claim(&txn, item).await? {
                told.extend(notices::record(&txn, &[organisation], &notice).await?);
            }
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
            let stale = sweep(&state.db, state.stale_cutoff()).await;
            publish(&state, stale, "told providers about stale entries").await;
            let due = sweep_due_usages(&state.db, Utc::now()).await;
            publish(&state, due, "asked organisations to confirm usages again").await;
        }
    });
}

/// Publishes what a sweep recorded; a failed sweep is tried again at the next tick.
async fn publish(
    state: &AppState,
    swept: Result<Vec<OrganisationNotice>, Error>,
    what: &'static str,
) {
    match swept {
        Ok(told) if told.is_empty() => {}
        Ok(told) => {
            tracing::info!(notices = told.len(), "{what}");
            super::publish_notices(state, &told).await;
        }
        Err(e) => tracing::warn!(error = %e, "sweep failed ({what}); next time again"),
    }
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
