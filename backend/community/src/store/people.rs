//! People as others see them in a channel: display name and organisation by id, in one
//! query, for the ids that are members or authors of the channel. Never e-mail addresses.

use super::*;
use matchraum_accounts::entity::{member as org_member, user};
use matchraum_catalog::entity::organisation;
use sea_orm::sea_query::{Alias, Order, SelectStatement, SimpleExpr, SubQueryStatement};

/// The most ids one lookup takes.
pub const MAX_PEOPLE: usize = 100;

#[derive(FromQueryResult)]
struct PersonRow {
    id: i64,
    display_name: Option<String>,
    deleted_at: Option<chrono::DateTime<Utc>>,
    organisation: Option<String>,
}

impl Person {
    /// An account that is gone from the `users` table (shown neutrally, like one without a name).
    pub fn unknown(id: i64) -> Self {
        Person {
            id,
            display_name: format!("Person {id}"),
            organisation: None,
            deleted: true,
        }
    }
}

impl From<PersonRow> for Person {
    fn from(r: PersonRow) -> Self {
        let name = r.display_name.map(|n| n.trim().to_owned());
        Person {
            id: r.id,
            display_name: match name {
                Some(n) if !n.is_empty() => n,
                _ => format!("Person {}", r.id),
            },
            organisation: r.organisation,
            deleted: r.deleted_at.is_some(),
        }
    }
}

/// The people among `ids` who belong to or wrote in the channel, for a caller who may
/// read it. In a direct channel the opener learns of the organisation's side only those
/// who wrote (as in `members`).
pub async fn channel_people(
    db: &DatabaseConnection,
    actor: Option<&Principal>,
    channel_id: i64,
    ids: &[i64],
) -> R<Vec<Person>> {
    if ids.len() > MAX_PEOPLE {
        return Err(CommunityError::invalid(
            "ids",
            format!("at most {MAX_PEOPLE} ids"),
        ));
    }
    let (ch, f) = readable(db, channel_id, actor).await?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let authors = Query::select()
        .column(message::Column::AuthorId)
        .from(message::Entity)
        .and_where(message::Column::ChannelId.eq(channel_id))
        .to_owned();
    let org_side = actor
        .is_some_and(|p| p.is_operator() || ch.organisation_id.is_some_and(|o| p.is_member_of(o)));
    let belongs = if f.kind == ChannelKind::Direct && !org_side {
        Condition::any().add(Expr::col((user::Entity, user::Column::Id)).eq(ch.created_by))
    } else {
        let members = Query::select()
            .column(member::Column::UserId)
            .from(member::Entity)
            .and_where(member::Column::ChannelId.eq(channel_id))
            .to_owned();
        Condition::any().add(Expr::col((user::Entity, user::Column::Id)).in_subquery(members))
    };
    let mut q = person_select(ch.organisation_id);
    q.and_where(Expr::col((user::Entity, user::Column::Id)).is_in(ids.iter().copied()))
        .cond_where(belongs.add(Expr::col((user::Entity, user::Column::Id)).in_subquery(authors)))
        .order_by((user::Entity, user::Column::Id), Order::Asc);
    fetch(db, &q).await
}

/// The fewest characters a people search takes, and the most results it gives.
pub const MIN_SEARCH_CHARS: usize = 2;
pub const MAX_SEARCH_RESULTS: u64 = 10;

/// Active accounts other than the caller's whose display name contains `q`, or whose
/// address is exactly `q` (a whole address only, so that searching harvests none).
pub async fn search_people(db: &DatabaseConnection, actor: &Principal, q: &str) -> R<Vec<Person>> {
    let q = q.trim();
    let n = q.chars().count();
    if !(MIN_SEARCH_CHARS..=200).contains(&n) {
        return Err(CommunityError::invalid(
            "q",
            format!("{MIN_SEARCH_CHARS} to 200 characters"),
        ));
    }
    let mut by = Condition::any().add(contains_ci(user::Column::DisplayName, q));
    if let Ok(email) = matchraum_accounts::store::normalise_email(q) {
        by = by.add(Expr::col((user::Entity, user::Column::Email)).eq(email));
    }
    let mut sel = person_select(None);
    sel.cond_where(by)
        .and_where(Expr::col((user::Entity, user::Column::DeletedAt)).is_null())
        .and_where(Expr::col((user::Entity, user::Column::Id)).ne(actor.user_id))
        .order_by((user::Entity, user::Column::DisplayName), Order::Asc)
        .order_by((user::Entity, user::Column::Id), Order::Asc)
        .limit(MAX_SEARCH_RESULTS);
    fetch(db, &sel).await
}

/// Id, name, deletion and organisation of accounts (the `users` table), without a filter.
fn person_select(channel_org: Option<i64>) -> SelectStatement {
    Query::select()
        .column((user::Entity, user::Column::Id))
        .column((user::Entity, user::Column::DisplayName))
        .column((user::Entity, user::Column::DeletedAt))
        .expr_as(
            SimpleExpr::SubQuery(
                None,
                Box::new(SubQueryStatement::SelectStatement(organisation_of(
                    channel_org,
                ))),
            ),
            Alias::new("organisation"),
        )
        .from(user::Entity)
        .to_owned()
}

/// Name and organisation of each account among `ids` (e.g. who sent an invitation: the
/// invitee may know who asks them in). Unknown ids are left out.
pub(crate) async fn people_by_ids(
    db: &impl ConnectionTrait,
    ids: &[i64],
) -> R<std::collections::HashMap<i64, Person>> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let mut q = person_select(None);
    q.and_where(Expr::col((user::Entity, user::Column::Id)).is_in(ids.iter().copied()));
    Ok(fetch(db, &q)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

async fn fetch(db: &impl ConnectionTrait, q: &SelectStatement) -> R<Vec<Person>> {
    let stmt = db.get_database_backend().build(q);
    let rows = PersonRow::find_by_statement(stmt).all(db).await?;
    Ok(rows.into_iter().map(Person::from).collect())
}

/// The name of the first organisation of the outer query's user, the channel's own first.
fn organisation_of(channel_org: Option<i64>) -> SelectStatement {
    let om = Alias::new("om");
    let own_first = Expr::case(
        Expr::col((om.clone(), org_member::Column::OrganisationId)).eq(channel_org.unwrap_or(-1)),
        0,
    )
    .finally(1);
    Query::select()
        .column((organisation::Entity, organisation::Column::Name))
        .from_as(org_member::Entity, om.clone())
        .inner_join(
            organisation::Entity,
            Expr::col((organisation::Entity, organisation::Column::Id))
                .equals((om.clone(), org_member::Column::OrganisationId)),
        )
        .and_where(
            Expr::col((om.clone(), org_member::Column::UserId))
                .equals((user::Entity, user::Column::Id)),
        )
        .order_by_expr(own_first.into(), Order::Asc)
        .order_by((om, org_member::Column::Id), Order::Asc)
        .limit(1)
        .to_owned()
}
