//! Reuse-check changes: stored by `reuse_check::store` (which asks the policy), then
//! audited. A community named as the outcome is resolved here, as a channel the caller
//! may read, so that the reuse-check crate needs nothing of the community.

use crate::auth::{audit, Principal};
use crate::reuse_check::model::{
    DecisionInput, OutcomeKind, ReuseCheck, ReuseCheckInput, ReuseCheckUpdate,
};
use crate::reuse_check::store::{self, OutcomeRefs};
use crate::state::AppState;
use matchraum_core::Error;

type R<T> = Result<T, Error>;

async fn audited(
    state: &AppState,
    p: &Principal,
    action: &str,
    c: &ReuseCheck,
    detail: serde_json::Value,
) -> R<()> {
    audit::record(
        &state.db,
        Some(p.user_id),
        action,
        &format!("reuse_check:{}", c.id),
        detail,
    )
    .await
}

pub async fn create(state: &AppState, p: &Principal, input: ReuseCheckInput) -> R<ReuseCheck> {
    let c = store::create(&state.db, p, input).await?;
    let detail = serde_json::json!({
        "organisation_id": c.organisation_id,
        "candidates": c.candidates.len(),
    });
    audited(state, p, "reuse_check.created", &c, detail).await?;
    Ok(c)
}

pub async fn update(
    state: &AppState,
    p: &Principal,
    id: i64,
    input: ReuseCheckUpdate,
) -> R<ReuseCheck> {
    let mut refs = OutcomeRefs::default();
    if let Some(o) = input
        .outcome
        .as_ref()
        .filter(|o| o.kind == OutcomeKind::JoinCommunity)
    {
        // Only checks the caller may change learn anything about a channel.
        store::editable(&state.db, p, id).await?;
        if let Some(cid) = o.channel_id {
            let ch = crate::community::store::get_channel(&state.db, Some(p), cid)
                .await
                .map_err(|_| {
                    Error::invalid(
                        "outcome.channel_id",
                        format!("channel {cid} does not exist or you may not read it"),
                    )
                })?;
            refs.channel_name = Some(ch.name);
        }
    }
    let detail = serde_json::json!({
        "title": input.title.is_some(),
        "outcome": input.outcome.as_ref().map(|o| o.kind.as_str()),
        "shared_in_radar": input.shared_in_radar,
    });
    let c = store::update(&state.db, p, id, input, refs).await?;
    audited(state, p, "reuse_check.updated", &c, detail).await?;
    Ok(c)
}

pub async fn decide(
    state: &AppState,
    p: &Principal,
    id: i64,
    solution_id: i64,
    input: DecisionInput,
) -> R<ReuseCheck> {
    let decision = input.decision;
    let c = store::decide(&state.db, p, id, solution_id, input).await?;
    let detail = serde_json::json!({"solution_id": solution_id, "decision": decision.as_str()});
    audited(state, p, "reuse_check.decided", &c, detail).await?;
    Ok(c)
}

pub async fn close(state: &AppState, p: &Principal, id: i64) -> R<ReuseCheck> {
    let c = store::close(&state.db, p, id).await?;
    let detail = serde_json::json!({
        "outcome": c.outcome.as_ref().map(|o| o.kind.as_str()),
    });
    audited(state, p, "reuse_check.closed", &c, detail).await?;
    Ok(c)
}
