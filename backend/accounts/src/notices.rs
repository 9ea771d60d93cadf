//! The general per-organisation inbox: what an organisation's members are told about
//! (interest expressed in its solution, a threshold reached, a bundling proposed, a stale
//! entry, a usage claim, a usage to confirm again). A notice is read for the whole organisation once one member
//! marks it, or once what it asks for is done (`resolve`). Every
//! domain that tells an organisation something records it here, in its own transaction;
//! `matchraum-realtime` delivers the same record live. Matched needs keep their own inbox
//! (`matching::notify`), which carries a score and a reason.

use chrono::Utc;
use matchraum_core::Error;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use utoipa::ToSchema;

matchraum_core::string_enum!(
    /// What happened that concerns the organisation.
    NoticeEvent {
        /// Another organisation expressed (or changed) its interest in one of the
        /// organisation's solutions or needs.
        InterestExpressed => "interest_expressed",
        /// A threshold of interest was reached; a development community channel is open.
        ThresholdReached => "threshold_reached",
        /// A bundling organisation proposes to collect the organisation's interest.
        BundlingProposed => "bundling_proposed",
        /// A client organisation accepted or declined a proposed bundling.
        BundlingAnswered => "bundling_answered",
        /// One of the organisation's solutions went stale: "Angaben sind noch aktuell?"
        SolutionStale => "solution_stale",
        /// Someone says the organisation uses a solution: confirm or reject the claim.
        UsageClaimed => "usage_claimed",
        /// A usage the organisation confirmed is due to be confirmed again: still in use?
        UsageReconfirmDue => "usage_reconfirm_due",
    }
);

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "organisation_notices")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub organisation_id: i64,
        pub event: String,
        pub solution_id: Option<i64>,
        pub need_id: Option<i64>,
        pub other_organisation_id: Option<i64>,
        pub channel_id: Option<i64>,
        pub usage_id: Option<i64>,
        pub created_at: DateTimeUtc,
        pub read_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity, Model};

/// One notice, as the inbox and the live frame show it.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct OrganisationNotice {
    pub id: i64,
    /// The organisation whose members are told.
    pub organisation_id: i64,
    pub event: NoticeEvent,
    pub solution_id: Option<i64>,
    pub need_id: Option<i64>,
    /// The organisation that caused it (the interested one, the bundler, the client).
    pub other_organisation_id: Option<i64>,
    /// The channel it opened (a reached threshold).
    pub channel_id: Option<i64>,
    /// The usage claim to confirm or reject.
    pub usage_id: Option<i64>,
    pub created_at: chrono::DateTime<Utc>,
    pub read_at: Option<chrono::DateTime<Utc>>,
}

/// A notice to record: the same content for each of `organisation_ids`.
#[derive(Clone, Debug)]
pub struct NewNotice {
    pub event: NoticeEvent,
    pub solution_id: Option<i64>,
    pub need_id: Option<i64>,
    pub other_organisation_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub usage_id: Option<i64>,
}

impl NewNotice {
    /// A notice about `event` with nothing but the solution it concerns.
    pub fn about_solution(event: NoticeEvent, solution_id: i64) -> Self {
        NewNotice {
            event,
            solution_id: Some(solution_id),
            need_id: None,
            other_organisation_id: None,
            channel_id: None,
            usage_id: None,
        }
    }
}

fn view(m: Model) -> Result<OrganisationNotice, Error> {
    use matchraum_core::vocab::Stored;
    Ok(OrganisationNotice {
        id: m.id,
        organisation_id: m.organisation_id,
        event: NoticeEvent::from_stored(&m.event)?,
        solution_id: m.solution_id,
        need_id: m.need_id,
        other_organisation_id: m.other_organisation_id,
        channel_id: m.channel_id,
        usage_id: m.usage_id,
        created_at: m.created_at,
        read_at: m.read_at,
    })
}

/// Records `notice` for each organisation (in the caller's transaction); the stored rows.
pub async fn record(
    db: &impl ConnectionTrait,
    organisation_ids: &[i64],
    notice: &NewNotice,
) -> Result<Vec<OrganisationNotice>, Error> {
    if organisation_ids.is_empty() {
        return Ok(Vec::new());
    }
    // Microseconds, as both databases store them, so that the rows can be read back by it.
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
    let rows = organisation_ids.iter().map(|org| ActiveModel {
        id: sea_orm::NotSet,
        organisation_id: sea_orm::Set(*org),
        event: sea_orm::Set(notice.event.as_str().into()),
        solution_id: sea_orm::Set(notice.solution_id),
        need_id: sea_orm::Set(notice.need_id),
        other_organisation_id: sea_orm::Set(notice.other_organisation_id),
        channel_id: sea_orm::Set(notice.channel_id),
        usage_id: sea_orm::Set(notice.usage_id),
        created_at: sea_orm::Set(now),
        read_at: sea_orm::Set(None),
    });
    Entity::insert_many(rows).exec(db).await?;
    // Read back in one query (INSERT … RETURNING of many rows is not portable to SQLite here).
    Entity::find()
        .filter(Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(Column::Event.eq(notice.event.as_str()))
        .filter(Column::CreatedAt.eq(now))
        .filter(match notice.solution_id {
            Some(id) => Column::SolutionId.eq(id),
            None => Column::SolutionId.is_null(),
        })
        .order_by_asc(Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

/// An organisation's notices, newest first.
pub async fn for_organisation(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    limit: u64,
) -> Result<Vec<OrganisationNotice>, Error> {
    Entity::find()
        .filter(Column::OrganisationId.eq(organisation_id))
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(view)
        .collect()
}

/// One notice, to check who may mark it.
pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<OrganisationNotice, Error> {
    view(
        Entity::find_by_id(id)
            .one(db)
            .await?
            .ok_or_else(|| Error::Missing(format!("notice {id} does not exist")))?,
    )
}

/// Marks the unread notices matching `which` read at now; how many it marked.
async fn mark_read_where(
    db: &impl ConnectionTrait,
    which: sea_orm::Condition,
) -> Result<u64, Error> {
    let res = Entity::update_many()
        .col_expr(Column::ReadAt, Expr::value(Utc::now()))
        .filter(which)
        .filter(Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

/// Marks one notice read (for its whole organisation); a read one stays as it was.
pub async fn mark_read(db: &impl ConnectionTrait, id: i64) -> Result<u64, Error> {
    mark_read_where(db, sea_orm::Condition::all().add(Column::Id.eq(id))).await
}

/// Marks every notice of the organisation read.
pub async fn mark_all_read(db: &impl ConnectionTrait, organisation_id: i64) -> Result<u64, Error> {
    mark_read_where(
        db,
        sea_orm::Condition::all().add(Column::OrganisationId.eq(organisation_id)),
    )
    .await
}

/// What a notice asks for was done (the stale entry verified, the claim decided): its
/// notices of `event` about the solution or usage are read for everybody.
pub async fn resolve(
    db: &impl ConnectionTrait,
    event: NoticeEvent,
    solution_id: Option<i64>,
    usage_id: Option<i64>,
) -> Result<u64, Error> {
    if solution_id.is_none() && usage_id.is_none() {
        return Ok(0);
    }
    let mut which = sea_orm::Condition::all().add(Column::Event.eq(event.as_str()));
    if let Some(id) = solution_id {
        which = which.add(Column::SolutionId.eq(id));
    }
    if let Some(id) = usage_id {
        which = which.add(Column::UsageId.eq(id));
    }
    mark_read_where(db, which).await
}

/// Unread notices of the organisations.
pub async fn unread_count(
    db: &impl ConnectionTrait,
    organisation_ids: &[i64],
) -> Result<u64, Error> {
    if organisation_ids.is_empty() {
        return Ok(0);
    }
    Ok(Entity::find()
        .filter(Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(Column::ReadAt.is_null())
        .count(db)
        .await?)
}
