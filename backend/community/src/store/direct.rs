//! Direct channels between a seeker and a provider.

use super::*;

/// Opens (or finds) the direct channel between the caller and a solution's provider (or an
/// organisation): members are the caller and the organisation's accounts, all plain members.
pub async fn open_direct(
    db: &DatabaseConnection,
    actor: &Principal,
    solution_id: Option<i64>,
    organisation_id: Option<i64>,
) -> R<(Channel, bool)> {
    let (org_id, sol_id, name) = match (solution_id, organisation_id) {
        (Some(s), None) => {
            let (provider, title) = solution_provider(db, s).await?;
            (provider, Some(s), format!("Direkt: {title}"))
        }
        (None, Some(o)) => {
            let name = organisation_name(db, o).await?;
            (Some(o), None, format!("Direkt: {name}"))
        }
        _ => {
            return Err(CommunityError::invalid(
                "solution_id",
                "give exactly one of solution_id or organisation_id",
            ))
        }
    };
    let Some(org_id) = org_id else {
        return Err(CommunityError::invalid(
            "solution_id",
            "the solution has no provider to talk to",
        ));
    };
    let key = match sol_id {
        Some(s) => format!("u{}:s{s}", actor.user_id),
        None => format!("u{}:o{org_id}", actor.user_id),
    };
    if let Some(ch) = channel::Entity::find()
        .filter(channel::Column::DirectKey.eq(key.clone()))
        .one(db)
        .await?
    {
        let role = match membership(db, ch.id, actor.user_id).await? {
            Some(m) => Some(role_of(&m)?),
            None => None,
        };
        return Ok((Channel::from_model(ch, role)?, false));
    }
    // At most 50 accounts of the organisation join the direct channel.
    let peers: Vec<i64> = matchraum_accounts::store::organisation_accounts(db, &[org_id])
        .await?
        .into_iter()
        .map(|(_, user)| user)
        .take(50)
        .collect();
    let now = Utc::now();
    let txn = db.begin().await?;
    let ch = channel::ActiveModel {
        kind: Set("direct".into()),
        visibility: Set("members".into()),
        name: Set(name.chars().take(200).collect()),
        description: Set(String::new()),
        organisation_id: Set(Some(org_id)),
        solution_id: Set(sol_id),
        direct_key: Set(Some(key)),
        created_by: Set(actor.user_id),
        locked: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    // Two sides and no owners: nobody moderates, adds or removes in a direct channel.
    add_member(&txn, ch.id, actor.user_id, MemberRole::Member).await?;
    for uid in peers.into_iter().filter(|u| *u != actor.user_id) {
        add_member(&txn, ch.id, uid, MemberRole::Member).await?;
    }
    txn.commit().await?;
    Ok((Channel::from_model(ch, Some(MemberRole::Member))?, true))
}

pub(super) async fn solution_provider(
    db: &DatabaseConnection,
    id: i64,
) -> R<(Option<i64>, String)> {
    use matchraum_catalog::entity::solution;
    let s = solution::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| {
            CommunityError::invalid("solution_id", format!("solution {id} does not exist"))
        })?;
    Ok((s.provider_id, s.title))
}

pub(super) async fn organisation_name(db: &DatabaseConnection, id: i64) -> R<String> {
    use matchraum_catalog::entity::organisation;
    let o = organisation::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| {
            CommunityError::invalid(
                "organisation_id",
                format!("organisation {id} does not exist"),
            )
        })?;
    Ok(o.name)
}
