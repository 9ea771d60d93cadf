//! People as others see them: names of a channel's members and authors by id (for the
//! chat's "who wrote this"), and a small search for inviting someone by name or by their
//! whole e-mail address. Neither ever answers with an e-mail address.

use actix_web::web;
use serde::Deserialize;
use utoipa::IntoParams;

use super::extract::{Caller, MaybePrincipal};
use super::problem::Problem;
use super::reply::{ok, ApiResult};
use crate::community::model::Person;
use crate::community::store;
use crate::state::AppState;

/// Mounted before `channels::routes`, whose `/channels` scope would shadow the first one.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/channels/{id}/people", web::get().to(channel_people))
        .route("/people", web::get().to(search_people));
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeopleQuery {
    /// Comma-separated account ids, at most 100.
    #[serde(deserialize_with = "crate::http::query::id_list")]
    #[param(value_type = String, example = "3,17,42")]
    pub ids: Vec<i64>,
}

/// The people among `ids` who are members or authors of the channel (others are left
/// out); readable by whoever may read the channel's messages.
#[utoipa::path(get, path = "/api/v1/channels/{id}/people", tag = "community", params(PeopleQuery),
    responses((status = 200, body = Vec<Person>), (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn channel_people(
    state: web::Data<AppState>,
    p: MaybePrincipal,
    id: web::Path<i64>,
    q: web::Query<PeopleQuery>,
) -> ApiResult {
    ok(store::channel_people(&state.db, p.0.as_ref(), *id, &q.ids).await?)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PeopleSearch {
    /// Part of a display name (at least 2 characters), or a whole e-mail address.
    pub q: String,
}

/// Signed-in callers find others to invite: at most 10 active accounts, 30 searches a
/// minute per account.
#[utoipa::path(get, path = "/api/v1/people", tag = "community", params(PeopleSearch),
    responses((status = 200, body = Vec<Person>), (status = 401, body = Problem), (status = 422, body = Problem), (status = 429, body = Problem)))]
pub async fn search_people(
    state: web::Data<AppState>,
    p: Caller,
    q: web::Query<PeopleSearch>,
) -> ApiResult {
    state.auth.limiter.check_people_search(p.user_id).await?;
    ok(store::search_people(&state.db, &p, &q.q).await?)
}
