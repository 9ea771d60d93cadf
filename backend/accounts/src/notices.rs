//! The general per-organisation inbox: what an organisation's members are told about
//! (interest expressed in its solution, a threshold reached, a bundling proposed). Every
//! domain that tells an organisation something records it here, in its own transaction;
//! `matchraum-realtime` delivers the same record live. Matched needs keep their own inbox
//! (`matching::notify`), which carries a score and a reason.

use chrono::Utc;
use matchraum_core::Error;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
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
        created_at: sea_orm::Set(now),
        read_at: sea_orm::Set(None),
    });
    Entity::insert_many(rows).exec(db).await?;
    // Read back in one query (INSERT … RETURNING of many rows is not portable to SQLite here).
    Entity::find()
        .filter(Column::OrganisationId.is_in(organisation_ids.iter().copied()))
        .filter(Column::Event.eq(notice.event.as_str()))
        .filter(Column::CreatedAt.eq(now))
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
