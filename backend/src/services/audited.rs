//! Persist → audit in one transaction: a change and its audit entry are stored together
//! or not at all.

use sea_orm::{DatabaseTransaction, TransactionTrait};

use crate::auth::{audit, Principal};
use crate::state::AppState;
use matchraum_core::Error;

/// What the audit log says about a change.
pub struct Entry {
    pub action: &'static str,
    pub target: String,
    pub detail: serde_json::Value,
}

impl Entry {
    pub fn new(action: &'static str, target: String, detail: serde_json::Value) -> Self {
        Entry {
            action,
            target,
            detail,
        }
    }
}

/// Runs `change` in a transaction, records `entry` of its result as `p`'s, commits.
pub async fn audited<T>(
    state: &AppState,
    p: &Principal,
    change: impl AsyncFnOnce(&DatabaseTransaction) -> Result<T, Error>,
    entry: impl FnOnce(&T) -> Entry,
) -> Result<T, Error> {
    let txn = state.db.begin().await?;
    let out = change(&txn).await?;
    let e = entry(&out);
    audit::record(&txn, Some(p.user_id), e.action, &e.target, e.detail).await?;
    txn.commit().await?;
    Ok(out)
}
