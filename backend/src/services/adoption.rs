//! Interest writes: persisted and audited in one transaction with the notices they cause,
//! then published to the sockets of the organisations concerned. After every committed
//! change the target's thresholds are checked: one that is reached opens its development
//! community channel, exactly once, in one transaction with its audit entry and notices.

use std::collections::BTreeSet;

use sea_orm::TransactionTrait;
use serde_json::json;

use super::publish_notices;
use crate::adoption::model::{
    BundledInput, Interest, InterestInput, InterestLevel, Target, Threshold, ThresholdInput,
};
use crate::adoption::{bundling, store, thresholds};
use crate::auth::notices::{self, NewNotice, NoticeEvent, OrganisationNotice};
use crate::auth::{audit, Principal};
use crate::catalog::store::{needs, solutions};
use crate::state::AppState;
use matchraum_core::vocab::Stored;
use matchraum_core::Error;

type R<T> = Result<T, Error>;

/// Sets or changes `organisation_id`'s interest in the target (the caller checked
/// `policy::express`). The owner of the target hears of a new interest and of a changed
/// level, live and in its inbox; a threshold it makes reached opens its channel.
pub async fn express_interest(
    state: &AppState,
    p: &Principal,
    organisation_id: i64,
    target: Target,
    input: InterestInput,
) -> R<(Interest, bool)> {
    let owner = store::owner(&state.db, Some(p), target).await?;
    let txn = state.db.begin().await?;
    let saved = store::save(&txn, p, organisation_id, target, owner, input, None).await?;
    let level_changed = saved.previous_level != Some(saved.interest.level);
    let told = tell_owner(&txn, owner, level_changed, target, organisation_id).await?;
    txn.commit().await?;
    publish_notices(state, &told).await;
    let signer = Signer {
        user_id: p.user_id,
        organisation_id,
        level: saved.interest.level,
    };
    reach_thresholds(state, p, target, Some(signer)).await?;
    Ok((saved.interest, saved.created))
}

/// Records for the target's owner that `from` expressed interest (when a level changed).
async fn tell_owner(
    db: &impl sea_orm::ConnectionTrait,
    owner: Option<i64>,
    changed: bool,
    target: Target,
    from: i64,
) -> R<Vec<OrganisationNotice>> {
    match owner {
        Some(owner) if changed => {
            let notice = NewNotice {
                event: NoticeEvent::InterestExpressed,
                solution_id: target.solution_id(),
                need_id: target.need_id(),
                other_organisation_id: Some(from),
                channel_id: None,
                usage_id: None,
            };
            notices::record(db, &[owner], &notice).await
        }
        _ => Ok(Vec::new()),
    }
}

/// Withdraws the organisation's interest (the caller checked `policy::express`). A
/// reached threshold stays reached.
pub async fn withdraw_interest(
    state: &AppState,
    p: &Principal,
    organisation_id: i64,
    target: Target,
) -> R<Interest> {
    store::owner(&state.db, Some(p), target).await?;
    let txn = state.db.begin().await?;
    let gone = store::withdraw(&txn, p, organisation_id, target).await?;
    txn.commit().await?;
    Ok(gone)
}

/// Sets `owner`'s threshold for the target (the caller checked `policy::manage_threshold`,
/// or `policy::manage_bundler_threshold` for a bundler); one that is already met is
/// reached at once.
pub async fn set_threshold(
    state: &AppState,
    p: &Principal,
    owner: i64,
    target: Target,
    input: ThresholdInput,
) -> R<Threshold> {
    let txn = state.db.begin().await?;
    let row = thresholds::set(&txn, p, owner, target, input).await?;
    txn.commit().await?;
    reach_thresholds(state, p, target, None).await?;
    let summary = store::summary(&state.db, target).await?;
    let target_owner = store::owner(&state.db, Some(p), target).await?;
    thresholds::for_target(&state.db, target, target_owner, &summary)
        .await?
        .into_iter()
        .find(|t| t.id == row.id)
        .ok_or_else(|| Error::Missing("the threshold was removed meanwhile".into()))
}

/// Removes the owner's threshold that was not reached yet.
pub async fn remove_threshold(
    state: &AppState,
    p: &Principal,
    owner: i64,
    target: Target,
) -> R<()> {
    let txn = state.db.begin().await?;
    thresholds::remove(&txn, p, owner, target).await?;
    txn.commit().await?;
    Ok(())
}

/// Most clients one bundled expression is submitted for.
const MAX_BUNDLED_CLIENTS: usize = 500;

/// Submits one interest for several accepted clients of `bundler` (the caller checked
/// `policy::submit_bundled`): each becomes the client's interest with `bundled_by`, so
/// each client counts once. The owner hears of it once; thresholds are checked.
pub async fn submit_bundled(
    state: &AppState,
    p: &Principal,
    bundler: i64,
    target: Target,
    input: BundledInput,
) -> R<Vec<Interest>> {
    let mut clients = input.client_ids.clone();
    clients.sort_unstable();
    clients.dedup();
    if clients.is_empty() || clients.len() > MAX_BUNDLED_CLIENTS {
        return Err(Error::invalid(
            "client_ids",
            format!("1 to {MAX_BUNDLED_CLIENTS} client organisations"),
        ));
    }
    let accepted = bundling::accepted_clients(&state.db, bundler).await?;
    if let Some(c) = clients.iter().find(|c| !accepted.contains(c)) {
        return Err(Error::invalid(
            "client_ids",
            format!("organisation {c} has not accepted this organisation as its bundler"),
        ));
    }
    let owner = store::owner(&state.db, Some(p), target).await?;
    let txn = state.db.begin().await?;
    let mut saved = Vec::with_capacity(clients.len());
    let mut changed = false;
    for client in &clients {
        let s = store::save(
            &txn,
            p,
            *client,
            target,
            owner,
            input.interest.clone(),
            Some(bundler),
        )
        .await?;
        changed |= s.previous_level != Some(s.interest.level);
        saved.push(s.interest);
    }
    let told = tell_owner(&txn, owner, changed, target, bundler).await?;
    txn.commit().await?;
    publish_notices(state, &told).await;
    let signer = Signer {
        user_id: p.user_id,
        organisation_id: bundler,
        level: input.interest.level,
    };
    reach_thresholds(state, p, target, Some(signer)).await?;
    Ok(saved)
}

/// The bundler proposes to bundle for the client (checked by the caller); the client's
/// members are told.
pub async fn propose_bundling(
    state: &AppState,
    p: &Principal,
    bundler: i64,
    client: i64,
) -> R<i64> {
    let txn = state.db.begin().await?;
    let m = bundling::propose(&txn, p, bundler, client).await?;
    let told = notices::record(
        &txn,
        &[client],
        &bundling_notice(NoticeEvent::BundlingProposed, bundler),
    )
    .await?;
    txn.commit().await?;
    publish_notices(state, &told).await;
    Ok(m.id)
}

/// The client accepts or declines (checked by the caller); the bundler's members are told.
pub async fn answer_bundling(
    state: &AppState,
    p: &Principal,
    m: crate::adoption::entity::bundling::Model,
    accept: bool,
) -> R<()> {
    let txn = state.db.begin().await?;
    let m = bundling::answer(&txn, p, m, accept).await?;
    let told = notices::record(
        &txn,
        &[m.bundler_id],
        &bundling_notice(NoticeEvent::BundlingAnswered, m.client_id),
    )
    .await?;
    txn.commit().await?;
    publish_notices(state, &told).await;
    Ok(())
}

/// Ends a bundling (checked by the caller).
pub async fn end_bundling(
    state: &AppState,
    p: &Principal,
    m: crate::adoption::entity::bundling::Model,
) -> R<()> {
    let txn = state.db.begin().await?;
    bundling::end(&txn, p, m).await?;
    txn.commit().await?;
    Ok(())
}

fn bundling_notice(event: NoticeEvent, other: i64) -> NewNotice {
    NewNotice {
        event,
        solution_id: None,
        need_id: None,
        other_organisation_id: Some(other),
        channel_id: None,
        usage_id: None,
    }
}

/// The account whose interest just changed, the organisation it acted for, and the level.
#[derive(Clone, Copy, Debug)]
struct Signer {
    user_id: i64,
    organisation_id: i64,
    level: InterestLevel,
}

/// Checks the target's thresholds after a committed change. Runs after the commit, so the
/// last of several concurrent changes sees all of them; the conditional claim lets exactly
/// one caller open the channel. A signer who comes after the opening joins the channel
/// (of a bundler's threshold: when it signed for one of the clients or as the bundler).
async fn reach_thresholds(
    state: &AppState,
    p: &Principal,
    target: Target,
    signer: Option<Signer>,
) -> R<()> {
    let owner = store::owner(&state.db, Some(p), target).await?;
    for t in thresholds::rows(&state.db, target).await? {
        let level = InterestLevel::from_stored(&t.level)?;
        let among = thresholds::counted(&state.db, &t, owner).await?;
        let channel = match t.channel_id {
            Some(channel) => channel,
            None => {
                let count =
                    thresholds::count_at_least(&state.db, target, level, among.as_deref()).await?;
                if count < u64::try_from(t.count).unwrap_or(u64::MAX) {
                    continue;
                }
                let reach = Reach {
                    target,
                    owner,
                    level,
                    among: among.as_deref(),
                };
                if let Some(told) = open_community(state, p, &t, reach).await? {
                    publish_notices(state, &told).await;
                    continue;
                }
                // Another request claimed it; its transaction has committed by now (the
                // claim waited for it), but its signers may have been read before ours.
                match thresholds::channel_of(&state.db, t.id).await? {
                    Some(channel) => channel,
                    None => continue,
                }
            }
        };
        let joins = |s: &Signer| {
            s.level >= level
                && among.as_ref().is_none_or(|c| {
                    s.organisation_id == t.organisation_id || c.contains(&s.organisation_id)
                })
        };
        if let Some(s) = signer.filter(joins) {
            if crate::community::store::ensure_member(&state.db, channel, s.user_id).await? {
                state.realtime.access_changed(channel);
            }
        }
    }
    Ok(())
}

/// What a threshold that is reached counts: the target, its owner, the level and whose
/// interest (`None`: everybody's; a bundler's: its clients').
#[derive(Clone, Copy)]
struct Reach<'a> {
    target: Target,
    owner: Option<i64>,
    level: InterestLevel,
    among: thresholds::Counted<'a>,
}

/// In one transaction: claims the threshold (nothing when another caller did), opens the
/// development community with the signers, the members of the organisation that set it
/// and (for a bundler's) the provider's members, audits it and records the notices for
/// those organisations and every signing one. `None` when another caller claimed it.
async fn open_community(
    state: &AppState,
    p: &Principal,
    t: &crate::adoption::entity::threshold::Model,
    r: Reach<'_>,
) -> R<Option<Vec<OrganisationNotice>>> {
    let (target, level) = (r.target, r.level);
    let txn = state.db.begin().await?;
    if !thresholds::claim(&txn, t.id).await? {
        txn.rollback().await?;
        return Ok(None);
    }
    let signers = thresholds::signers(&txn, target, level, r.among).await?;
    // The organisation that set it, and the provider when that was a bundler.
    let leads: BTreeSet<i64> = std::iter::once(t.organisation_id).chain(r.owner).collect();
    let lead_ids: Vec<i64> = leads.iter().copied().collect();
    let owner_members: Vec<i64> = crate::auth::store::organisation_accounts(&txn, &lead_ids)
        .await?
        .into_iter()
        .map(|(_, user)| user)
        .collect();
    let title = match target {
        Target::Solution(id) => solutions::get(&txn, id).await?.title,
        Target::Need(id) => needs::get(&txn, id).await?.title,
    };
    let members: Vec<i64> = signers
        .iter()
        .map(|(_, user)| *user)
        .chain(owner_members)
        .collect();
    let channel = crate::community::store::open_development_community(
        &txn,
        t.set_by,
        &format!("Entwicklungsgemeinschaft: {title}"),
        format!(
            "Eröffnet, als {} Organisationen ihr Interesse bekundet hatten ({}).",
            signers.len(),
            level.as_str()
        ),
        Some(t.organisation_id),
        target.solution_id(),
        &members,
    )
    .await?;
    thresholds::set_channel(&txn, t.id, channel.id).await?;
    let signing_orgs: BTreeSet<i64> = signers.iter().map(|(org, _)| *org).collect();
    audit::record(
        &txn,
        Some(p.user_id),
        "threshold.reached",
        &target.audit_name(),
        json!({
            "threshold": t.id,
            "organisation": t.organisation_id,
            "for_clients": r.among.is_some(),
            "level": level,
            "count": t.count,
            "channel": channel.id,
            "signers": signing_orgs,
        }),
    )
    .await?;
    let orgs: Vec<i64> = leads
        .into_iter()
        .chain(signing_orgs)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let told = notices::record(
        &txn,
        &orgs,
        &NewNotice {
            event: NoticeEvent::ThresholdReached,
            solution_id: target.solution_id(),
            need_id: target.need_id(),
            other_organisation_id: None,
            channel_id: Some(channel.id),
            usage_id: None,
        },
    )
    .await?;
    txn.commit().await?;
    Ok(Some(told))
}
