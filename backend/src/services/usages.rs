//! Usage claims, verdicts and experience reports: stored and audited in one transaction.
//!
//! A usage entered by a member of the using organisation is confirmed at once; anyone
//! else's entry is a claim until a member confirms it (or rejects it).

use sea_orm::TransactionTrait;
use serde_json::json;

use crate::auth::{audit, policy, Principal};
use crate::catalog::model::{Experience, ExperienceInput, Usage, UsageInput};
use crate::catalog::store::experiences;
use crate::catalog::store::usages::{self, Claimant, Verdict};
use crate::catalog::CatalogError;
use crate::state::AppState;

type R<T> = Result<T, CatalogError>;

fn target(u: &Usage) -> String {
    format!("usage:{}", u.id)
}

fn facts(u: &Usage) -> serde_json::Value {
    json!({ "solution_id": u.solution_id, "organisation_id": u.organisation_id })
}

/// Records a usage said by `p`: confirmed when `p` speaks for the organisation, else a
/// claim.
pub async fn record(state: &AppState, p: &Principal, input: UsageInput) -> R<Usage> {
    let own = policy::confirms_own_usage(p, input.organisation_id);
    let txn = state.db.begin().await?;
    let mut u = usages::create(&txn, input, Claimant::person(p.user_id)).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "usage.claimed",
        &target(&u),
        facts(&u),
    )
    .await?;
    if own {
        u = usages::decide(
            &txn,
            u.id,
            Verdict::Confirm,
            p.user_id,
            state.config.usage_reconfirm_months,
        )
        .await?;
        audit::record(
            &txn,
            Some(p.user_id),
            "usage.confirmed",
            &target(&u),
            facts(&u),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(u)
}

/// A member of the using organisation confirms (again) or rejects a usage.
pub async fn decide(state: &AppState, p: &Principal, id: i64, verdict: Verdict) -> R<Usage> {
    let txn = state.db.begin().await?;
    let u = usages::decide(
        &txn,
        id,
        verdict,
        p.user_id,
        state.config.usage_reconfirm_months,
    )
    .await?;
    let action = match verdict {
        Verdict::Confirm => "usage.confirmed",
        Verdict::Reject => "usage.rejected",
    };
    audit::record(&txn, Some(p.user_id), action, &target(&u), facts(&u)).await?;
    txn.commit().await?;
    Ok(u)
}

pub async fn update(state: &AppState, p: &Principal, id: i64, input: UsageInput) -> R<Usage> {
    let txn = state.db.begin().await?;
    let u = usages::update(&txn, id, input).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "usage.updated",
        &target(&u),
        facts(&u),
    )
    .await?;
    txn.commit().await?;
    Ok(u)
}

pub async fn delete(state: &AppState, p: &Principal, u: &Usage) -> R<()> {
    let txn = state.db.begin().await?;
    usages::delete(&txn, u.id).await?;
    let what = format!(
        "solution {} used by organisation {}",
        u.solution_id, u.organisation_id
    );
    audit::record(
        &txn,
        Some(p.user_id),
        "usage.deleted",
        &target(u),
        json!({ "name": what }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn experience_target(e: &Experience) -> String {
    format!("experience:{}", e.id)
}

pub async fn add_experience(
    state: &AppState,
    p: &Principal,
    usage_id: i64,
    input: ExperienceInput,
) -> R<Experience> {
    let txn = state.db.begin().await?;
    let e = experiences::create(&txn, usage_id, p.user_id, input).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "experience.created",
        &experience_target(&e),
        json!({ "usage_id": usage_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(e)
}

pub async fn update_experience(
    state: &AppState,
    p: &Principal,
    id: i64,
    input: ExperienceInput,
) -> R<Experience> {
    let txn = state.db.begin().await?;
    let e = experiences::update(&txn, id, input).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "experience.updated",
        &experience_target(&e),
        json!({ "usage_id": e.usage_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(e)
}

pub async fn delete_experience(state: &AppState, p: &Principal, e: &Experience) -> R<()> {
    let txn = state.db.begin().await?;
    experiences::delete(&txn, e.id).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "experience.deleted",
        &experience_target(e),
        json!({ "usage_id": e.usage_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
