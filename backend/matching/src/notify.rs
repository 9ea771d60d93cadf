//! When a need is posted, the organisations that can help (providers of matching
//! solutions, organisations using them, organisations with a similar need) are told.
//! The records are the inbox; channels deliver them in real time.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::model::{MatchFilters, Mode, MAX_QUERY_CHARS};
use super::{MatchError, Matcher};
use matchraum_catalog::model::Need;
use matchraum_catalog::store::{solutions, usages};
use matchraum_catalog::vocab::Visibility;

/// Solutions considered per need.
const TOP_SOLUTIONS: usize = 5;
/// Cosine (query to solution passage) from which a solution's provider and users are told,
/// unless configured otherwise (`[matching] need_notify_similarity`).
pub const DEFAULT_SOLUTION_SIMILARITY: f32 = 0.85;
const MIN_NEED_SIMILARITY: f32 = 0.85;

pub mod entity {
    use sea_orm::entity::prelude::*;

    /// A recorded notification, as stored; [`super::NeedNotification`] is how the API and
    /// the live frame show it.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "need_notifications")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub need_id: i64,
        pub organisation_id: i64,
        pub reason: String,
        pub solution_id: Option<i64>,
        pub similar_need_id: Option<i64>,
        #[sea_orm(column_type = "Double")]
        pub score: f64,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub read_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity};

matchraum_core::string_enum!(
    /// Why an organisation hears of a need.
    Reason {
        /// It provides a solution that matches the need.
        Provider => "provider",
        /// It uses a solution that matches the need.
        User => "user",
        /// It posted a similar need.
        SimilarNeed => "similar_need",
    }
);

/// A recorded notification; also the API's view of it.
#[derive(Clone, Debug, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct NeedNotification {
    pub id: i64,
    pub need_id: i64,
    pub organisation_id: i64,
    pub reason: String,
    pub solution_id: Option<i64>,
    pub similar_need_id: Option<i64>,
    pub score: f64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub read_at: Option<chrono::DateTime<chrono::Utc>>,
}

impl From<entity::Model> for NeedNotification {
    fn from(m: entity::Model) -> Self {
        NeedNotification {
            id: m.id,
            need_id: m.need_id,
            organisation_id: m.organisation_id,
            reason: m.reason,
            solution_id: m.solution_id,
            similar_need_id: m.similar_need_id,
            score: m.score,
            created_at: m.created_at,
            read_at: m.read_at,
        }
    }
}

/// The stored rows as the API shows them.
fn views(rows: Vec<entity::Model>) -> Vec<NeedNotification> {
    rows.into_iter().map(NeedNotification::from).collect()
}

/// Score, matching solution, similar need.
type Evidence = (f32, Option<i64>, Option<i64>);

/// Matches a freshly posted public need and records whom to tell; a private need tells
/// nobody outside its organisation. Providers and users of a solution are told when the
/// need's similarity to it reaches `min_solution_similarity`. Returns what is recorded.
pub async fn on_need_posted(
    db: &impl ConnectionTrait,
    matcher: &Matcher,
    need: &Need,
    min_solution_similarity: f32,
) -> Result<Vec<NeedNotification>, MatchError> {
    if need.visibility != Visibility::Public {
        return Ok(Vec::new());
    }
    let text: String = format!("{}. {}", need.title, need.description)
        .chars()
        .take(MAX_QUERY_CHARS)
        .collect();
    let query = matcher.embed_query(&text).await?;
    let relevant = relevant_solutions(matcher, &text, &query, min_solution_similarity)?;
    let mut offers = Offers::new(need.organisation_id);
    offers.solution_organisations(db, &relevant).await?;
    offers.similar_needs(db, matcher, &query, need.id).await?;
    record(db, need, offers.best).await
}

/// The need's best solutions (id, similarity) that reach `min_similarity`.
fn relevant_solutions(
    matcher: &Matcher,
    text: &str,
    query: &[f32],
    min_similarity: f32,
) -> Result<Vec<(i64, f32)>, MatchError> {
    let ranked = matcher.rank(
        text,
        Some(query),
        Mode::Hybrid,
        &MatchFilters::default(),
        TOP_SOLUTIONS,
    )?;
    Ok(ranked
        .iter()
        .filter_map(|r| {
            let sim = r.similarity.or_else(|| matcher.similarity(query, r.id))?;
            (sim >= min_similarity).then_some((r.id, sim))
        })
        .collect())
}

/// Whom to tell: the best evidence per (organisation, reason); never the need's own
/// organisation.
struct Offers {
    best: HashMap<(i64, Reason), Evidence>,
    own_organisation: i64,
}

impl Offers {
    fn new(own_organisation: i64) -> Self {
        Offers {
            best: HashMap::new(),
            own_organisation,
        }
    }

    fn offer(&mut self, org: i64, reason: Reason, s: f32, sol: Option<i64>, other: Option<i64>) {
        if org != self.own_organisation {
            let e = self
                .best
                .entry((org, reason))
                .or_insert((f32::MIN, None, None));
            if s > e.0 {
                *e = (s, sol, other);
            }
        }
    }

    /// The providers and users of the `relevant` solutions.
    async fn solution_organisations(
        &mut self,
        db: &impl ConnectionTrait,
        relevant: &[(i64, f32)],
    ) -> Result<(), MatchError> {
        let ids: Vec<i64> = relevant.iter().map(|r| r.0).collect();
        let score: HashMap<i64, f32> = relevant.iter().copied().collect();
        for s in solutions::get_many(db, &ids).await? {
            if let Some(p) = s.provider_id {
                self.offer(p, Reason::Provider, score[&s.id], Some(s.id), None);
            }
        }
        for u in usages::for_solutions(db, &ids).await? {
            self.offer(
                u.organisation_id,
                Reason::User,
                score[&u.solution_id],
                Some(u.solution_id),
                None,
            );
        }
        Ok(())
    }

    /// The organisations of similar needs (other than `need_id` itself).
    async fn similar_needs(
        &mut self,
        db: &impl ConnectionTrait,
        matcher: &Matcher,
        query: &[f32],
        need_id: i64,
    ) -> Result<(), MatchError> {
        let similar = matcher.similar_needs(query, 6, MIN_NEED_SIMILARITY, &[]);
        let need_ids: Vec<i64> = similar
            .iter()
            .map(|s| s.0)
            .filter(|id| *id != need_id)
            .collect();
        let need_orgs: HashMap<i64, i64> = matchraum_catalog::store::needs::get_many(db, &need_ids)
            .await?
            .into_iter()
            .map(|n| (n.id, n.organisation_id))
            .collect();
        for (id, sim) in similar {
            if let Some(org) = need_orgs.get(&id) {
                self.offer(*org, Reason::SimilarNeed, sim, None, Some(id));
            }
        }
        Ok(())
    }
}

/// Records the notifications (once per need, organisation and reason) and returns all of
/// the need's.
async fn record(
    db: &impl ConnectionTrait,
    need: &Need,
    best: HashMap<(i64, Reason), Evidence>,
) -> Result<Vec<NeedNotification>, MatchError> {
    let now = Utc::now();
    let rows: Vec<ActiveModel> = best
        .iter()
        .map(|((org, reason), (s, sol, other))| ActiveModel {
            need_id: Set(need.id),
            organisation_id: Set(*org),
            reason: Set(reason.as_str().into()),
            solution_id: Set(*sol),
            similar_need_id: Set(*other),
            score: Set(f64::from(*s)),
            created_at: Set(now),
            read_at: Set(None),
            ..Default::default()
        })
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    Entity::insert_many(rows)
        .on_conflict(
            OnConflict::columns([Column::NeedId, Column::OrganisationId, Column::Reason])
                .do_nothing()
                .to_owned(),
        )
        .do_nothing()
        .exec(db)
        .await?;
    let rows = Entity::find()
        .filter(Column::NeedId.eq(need.id))
        .order_by_asc(Column::Id)
        .all(db)
        .await?;
    Ok(views(rows))
}

/// A need that is no longer public leaves the inboxes of every other organisation (its id
/// and score would tell them about it). Returns how many notifications were withdrawn.
pub async fn withdraw_if_private(
    db: &impl ConnectionTrait,
    need: &Need,
) -> matchraum_core::Result<u64> {
    if need.visibility == Visibility::Public {
        return Ok(0);
    }
    let gone = Entity::delete_many()
        .filter(Column::NeedId.eq(need.id))
        .filter(Column::OrganisationId.ne(need.organisation_id))
        .exec(db)
        .await?;
    Ok(gone.rows_affected)
}

/// An organisation's inbox, newest first.
pub async fn for_organisation(
    db: &impl ConnectionTrait,
    organisation_id: i64,
    limit: u64,
) -> Result<Vec<NeedNotification>, MatchError> {
    let rows = Entity::find()
        .filter(Column::OrganisationId.eq(organisation_id))
        .order_by_desc(Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    Ok(views(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The inbox and the live `need` notice send the stored row's columns, as they did
    /// when they sent the entity itself.
    #[test]
    fn a_notification_is_sent_with_the_columns_of_its_row() {
        let at = Utc::now();
        let row = entity::Model {
            id: 1,
            need_id: 2,
            organisation_id: 3,
            reason: Reason::SimilarNeed.as_str().into(),
            solution_id: None,
            similar_need_id: Some(4),
            score: 0.5,
            created_at: at,
            read_at: None,
        };
        let json = serde_json::to_value(NeedNotification::from(row)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "id": 1,
                "need_id": 2,
                "organisation_id": 3,
                "reason": "similar_need",
                "solution_id": null,
                "similar_need_id": 4,
                "score": 0.5,
                "created_at": at,
                "read_at": null,
            })
        );
    }
}
