//! Usage claims, verdicts and experience reports: stored and audited in one transaction.
//!
//! A usage entered by a member of the using organisation is confirmed at once; anyone
//! else's entry is a claim until a member confirms it (or rejects it). The using
//! organisation's members hear of a claim live and in their inbox, whose notice is done
//! once one of them decides.

use sea_orm::TransactionTrait;
use serde_json::json;

use super::audited::{audited, Entry};
use crate::auth::notices::{self, NewNotice, NoticeEvent};
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
            state.config.catalog.usage_reconfirm_months,
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
    let told = if own {
        Vec::new()
    } else {
        notices::record(&txn, &[u.organisation_id], &claim_notice(p, &u)).await?
    };
    txn.commit().await?;
    super::publish_notices(state, &told).await;
    Ok(u)
}

/// "`p`'s organisation says you use this solution": for the using organisation.
fn claim_notice(p: &Principal, u: &Usage) -> NewNotice {
    NewNotice {
        usage_id: Some(u.id),
        other_organisation_id: p.memberships.first().map(|m| m.organisation_id),
        ..NewNotice::about_solution(NoticeEvent::UsageClaimed, u.solution_id)
    }
}

/// A member of the using organisation confirms (again) or rejects a usage.
pub async fn decide(state: &AppState, p: &Principal, id: i64, verdict: Verdict) -> R<Usage> {
    let months = state.config.catalog.usage_reconfirm_months;
    let change = async |txn: &_| {
        let u = usages::decide(txn, id, verdict, p.user_id, months).await?;
        for event in [NoticeEvent::UsageClaimed, NoticeEvent::UsageReconfirmDue] {
            notices::resolve(txn, event, None, Some(u.id)).await?;
        }
        Ok::<_, CatalogError>(u)
    };
    let action = match verdict {
        Verdict::Confirm => "usage.confirmed",
        Verdict::Reject => "usage.rejected",
    };
    audited(state, p, change, |u| usage_entry(action, u)).await
}

fn usage_entry(action: &'static str, u: &Usage) -> Entry {
    Entry::new(action, target(u), facts(u))
}

pub async fn update(state: &AppState, p: &Principal, id: i64, input: UsageInput) -> R<Usage> {
    let change = async |txn: &_| usages::update(txn, id, input).await;
    audited(state, p, change, |u| usage_entry("usage.updated", u)).await
}

pub async fn delete(state: &AppState, p: &Principal, u: &Usage) -> R<()> {
    let change = async |txn: &_| usages::delete(txn, u.id).await;
    let what = format!(
        "solution {} used by organisation {}",
        u.solution_id, u.organisation_id
    );
    audited(state, p, change, |_| {
        Entry::new("usage.deleted", target(u), json!({ "name": what }))
    })
    .await
}

fn experience_entry(action: &'static str, e: &Experience) -> Entry {
    Entry::new(
        action,
        format!("experience:{}", e.id),
        json!({ "usage_id": e.usage_id }),
    )
}

pub async fn add_experience(
    state: &AppState,
    p: &Principal,
    usage_id: i64,
    input: ExperienceInput,
) -> R<Experience> {
    let change = async |txn: &_| experiences::create(txn, usage_id, p.user_id, input).await;
    audited(state, p, change, |e| {
        experience_entry("experience.created", e)
    })
    .await
}

pub async fn update_experience(
    state: &AppState,
    p: &Principal,
    id: i64,
    input: ExperienceInput,
) -> R<Experience> {
    let change = async |txn: &_| experiences::update(txn, id, input).await;
    audited(state, p, change, |e| {
        experience_entry("experience.updated", e)
    })
    .await
}

pub async fn delete_experience(state: &AppState, p: &Principal, e: &Experience) -> R<()> {
    let change = async |txn: &_| experiences::delete(txn, e.id).await;
    audited(state, p, change, |_| {
        experience_entry("experience.deleted", e)
    })
    .await
}
