//! "Bundles for": a bundling organisation (a Land's IT-Dienstleister, a Kreis, a
//! kommunaler Spitzenverband) collects the interest of client organisations. Its admins
//! propose the relation, the client's admins accept or decline it; while accepted, the
//! bundler sees its clients' interests and submits bundled expressions for them (each an
//! interest of the client with `bundled_by`, so each client counts once).

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use matchraum_accounts::{audit, Principal};
use matchraum_catalog::store::{organisations, solutions};
use matchraum_core::vocab::Stored;
use matchraum_core::Error;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::entity::bundling::{ActiveModel, Column, Entity, Model};
use crate::entity::interest;
use crate::model::{Bundling, BundlingState, ClientInterests, NamedInterest};

type R<T> = Result<T, Error>;

/// A bundling by id; `NotFound` when there is none.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> R<Model> {
    Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound {
            kind: "bundling",
            id,
        })
}

async fn record(db: &impl ConnectionTrait, actor: &Principal, action: &str, m: &Model) -> R<()> {
    audit::record(
        db,
        Some(actor.user_id),
        action,
        &format!("organisation:{}", m.client_id),
        json!({ "bundler": m.bundler_id, "client": m.client_id, "bundling": m.id }),
    )
    .await
}

/// The bundler proposes to collect the client's interest (the caller checked
/// `policy::propose_bundling`); a declined proposal may be made again. Audited.
pub async fn propose(
    db: &impl ConnectionTrait,
    actor: &Principal,
    bundler_id: i64,
    client_id: i64,
) -> R<Model> {
    if bundler_id == client_id {
        return Err(Error::invalid(
            "client_id",
            "an organisation does not bundle for itself",
        ));
    }
    organisations::get(db, client_id).await.map_err(|_| {
        Error::invalid(
            "client_id",
            format!("organisation {client_id} does not exist"),
        )
    })?;
    let existing = Entity::find()
        .filter(Column::BundlerId.eq(bundler_id))
        .filter(Column::ClientId.eq(client_id))
        .one(db)
        .await?;
    let mut am = match existing {
        Some(m) if m.state == BundlingState::Declined.as_str() => m.into_active_model(),
        Some(_) => {
            return Err(Error::Conflict(
                "this bundling is already proposed or accepted".into(),
            ))
        }
        None => ActiveModel {
            bundler_id: Set(bundler_id),
            client_id: Set(client_id),
            ..Default::default()
        },
    };
    am.state = Set(BundlingState::Proposed.as_str().into());
    am.proposed_by = Set(actor.user_id);
    am.answered_by = Set(None);
    am.answered_at = Set(None);
    am.created_at = Set(Utc::now());
    let saved = am.save(db).await?;
    let m = get(db, saved.id.unwrap()).await?;
    record(db, actor, "bundling.proposed", &m).await?;
    Ok(m)
}

/// The client accepts or declines a proposed bundling (the caller checked
/// `policy::answer_bundling`). Audited.
pub async fn answer(
    db: &impl ConnectionTrait,
    actor: &Principal,
    m: Model,
    accept: bool,
) -> R<Model> {
    if m.state != BundlingState::Proposed.as_str() {
        return Err(Error::Conflict(
            "only a proposed bundling can be accepted or declined".into(),
        ));
    }
    let state = if accept {
        BundlingState::Accepted
    } else {
        BundlingState::Declined
    };
    let mut am = m.into_active_model();
    am.state = Set(state.as_str().into());
    am.answered_by = Set(Some(actor.user_id));
    am.answered_at = Set(Some(Utc::now()));
    let m = am.update(db).await?;
    let action = if accept {
        "bundling.accepted"
    } else {
        "bundling.declined"
    };
    record(db, actor, action, &m).await?;
    Ok(m)
}

/// Ends a bundling (either side's admins; checked by the caller). Interests submitted
/// through it stay the clients' interests. Audited.
pub async fn end(db: &impl ConnectionTrait, actor: &Principal, m: Model) -> R<()> {
    Entity::delete_by_id(m.id).exec(db).await?;
    record(db, actor, "bundling.ended", &m).await
}

/// The accepted clients of a bundler.
pub async fn accepted_clients(db: &impl ConnectionTrait, bundler_id: i64) -> R<Vec<i64>> {
    Ok(Entity::find()
        .select_only()
        .column(Column::ClientId)
        .filter(Column::BundlerId.eq(bundler_id))
        .filter(Column::State.eq(BundlingState::Accepted.as_str()))
        .order_by_asc(Column::ClientId)
        .into_tuple()
        .all(db)
        .await?)
}

/// Every bundling the organisation is a side of, with both names (two queries).
pub async fn for_organisation(db: &impl ConnectionTrait, org: i64) -> R<Vec<Bundling>> {
    let rows = Entity::find()
        .filter(
            Condition::any()
                .add(Column::BundlerId.eq(org))
                .add(Column::ClientId.eq(org)),
        )
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    let ids: Vec<i64> = rows
        .iter()
        .flat_map(|m| [m.bundler_id, m.client_id])
        .collect();
    let names: HashMap<i64, String> = organisations::get_many(db, &ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
    rows.into_iter()
        .map(|m| {
            Ok(Bundling {
                id: m.id,
                bundler_name: name(m.bundler_id),
                client_name: name(m.client_id),
                bundler_id: m.bundler_id,
                client_id: m.client_id,
                state: BundlingState::from_stored(&m.state)?,
                proposed_by: m.proposed_by,
                answered_by: m.answered_by,
                created_at: m.created_at,
                answered_at: m.answered_at,
            })
        })
        .collect()
}

/// The bundler's accepted clients' interests in solutions, per solution (newest interest
/// first is not needed: by solution title). Four queries, whatever the number of clients.
pub async fn client_interests(
    db: &impl ConnectionTrait,
    bundler_id: i64,
) -> R<Vec<ClientInterests>> {
    let clients = accepted_clients(db, bundler_id).await?;
    if clients.is_empty() {
        return Ok(Vec::new());
    }
    let interests = interest::Entity::find()
        .filter(interest::Column::OrganisationId.is_in(clients.iter().copied()))
        .filter(interest::Column::SolutionId.is_not_null())
        .order_by_asc(interest::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(crate::store::view)
        .collect::<R<Vec<_>>>()?;
    let solution_ids: Vec<i64> = interests.iter().filter_map(|i| i.solution_id).collect();
    let titles: HashMap<i64, String> = solutions::get_many(db, &solution_ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s.title))
        .collect();
    let orgs: HashMap<i64, _> = organisations::get_many(db, &clients)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect();
    let mut per_solution: BTreeMap<i64, Vec<NamedInterest>> = BTreeMap::new();
    for i in interests {
        let (Some(solution), Some(o)) = (i.solution_id, orgs.get(&i.organisation_id)) else {
            continue;
        };
        per_solution
            .entry(solution)
            .or_default()
            .push(NamedInterest {
                organisation_name: o.name.clone(),
                organisation_kind: o.kind,
                interest: i,
            });
    }
    let mut out: Vec<ClientInterests> = per_solution
        .into_iter()
        .map(|(solution_id, interests)| ClientInterests {
            solution_title: titles.get(&solution_id).cloned().unwrap_or_default(),
            solution_id,
            interests,
        })
        .collect();
    out.sort_by(|a, b| a.solution_title.cmp(&b.solution_title));
    Ok(out)
}
