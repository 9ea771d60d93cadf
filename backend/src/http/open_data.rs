//! The catalogue in open standards: `GET /api/v1/catalog.jsonld` (DCAT-AP 3 / ADMS-AP,
//! paged with Hydra), the loaders behind the publiccode.yml export and the schema.org block
//! of the solution pages (see `ui`). Public reads of public data: no policy beyond what
//! `GET /solutions` allows (anyone), no rate limit (nothing is written).

use std::collections::HashMap;

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::problem::{ApiError, Problem, ProblemKind};
use super::reply::ApiResult;
use crate::catalog::model::{Organisation, Solution};
use crate::catalog::store::usages;
use crate::catalog::store::{organisations, solutions, ListParams};
use crate::catalog::vocab::UsageStatus;
use crate::catalog::CatalogError;
use crate::import::linked_data::dcat::{self, PageInfo};
use crate::import::linked_data::Urls;
use crate::state::AppState;

pub const JSON_LD: &str = "application/ld+json";
const DEFAULT_PER_PAGE: u64 = 100;
/// The list's own limit (`ListParams`), so one page is one query.
const MAX_PER_PAGE: u64 = 500;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/catalog.jsonld", web::get().to(catalog_jsonld));
}

pub fn urls(state: &AppState) -> Urls {
    Urls::new(&state.config.http.public_url)
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CatalogQuery {
    /// 1-based page number.
    #[param(minimum = 1, maximum = 1000000000)]
    pub page: Option<u64>,
    /// Entries per page (1–500, default 100).
    #[param(minimum = 1, maximum = 500)]
    pub per_page: Option<u64>,
}

fn bad_query(detail: &str) -> ApiError {
    ApiError::new(ProblemKind::InvalidQuery, detail)
}

/// The whole catalogue as a DCAT-AP 3 `dcat:Catalog` whose solutions are ADMS-AP Assets
/// (`dcat:Dataset` + `adms:Asset`), in pages ordered by id. The `hydra:view`
/// (`hydra:PartialCollectionView`) links `hydra:first`, `hydra:previous`, `hydra:next` and
/// `hydra:last`; `hydra:totalItems` counts every entry. The same `next` is in a `Link`
/// header. A page past the last is a 404.
#[utoipa::path(get, path = "/api/v1/catalog.jsonld", tag = "catalog", params(CatalogQuery),
    responses((status = 200, description = "DCAT-AP 3 / ADMS-AP JSON-LD (inline context)",
            content_type = "application/ld+json", body = Object),
        (status = 400, body = Problem), (status = 404, body = Problem)))]
pub async fn catalog_jsonld(state: web::Data<AppState>, q: web::Query<CatalogQuery>) -> ApiResult {
    let page = q.page.unwrap_or(1);
    let per_page = q.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if page == 0 || page > 1_000_000_000 {
        return Err(bad_query("page: must be between 1 and 1000000000"));
    }
    if per_page == 0 || per_page > MAX_PER_PAGE {
        return Err(bad_query("per_page: must be between 1 and 500"));
    }
    let params = ListParams {
        limit: Some(per_page),
        offset: Some((page - 1) * per_page),
        sort: Some("id".into()),
    };
    let cutoff = state.stale_cutoff();
    let list = solutions::list(&state.db, &Default::default(), &params, cutoff).await?;
    let info = PageInfo {
        page,
        per_page,
        total: list.total,
    };
    if page > info.last() {
        return Err(ApiError::new(
            ProblemKind::NotFound,
            format!("the catalogue has {} pages of {per_page}", info.last()),
        ));
    }
    let providers = providers_of(&state, &list.items).await?;
    let urls = urls(&state);
    let body = dcat::catalog_page(&list.items, &providers, &urls, info);
    let mut res = HttpResponse::Ok();
    res.content_type(JSON_LD);
    if page < info.last() {
        let next = urls.catalog_page(page + 1, per_page);
        res.insert_header(("Link", format!("<{next}>; rel=\"next\"")));
    }
    Ok(res.body(body.to_string()))
}

/// The providers of a page of solutions, in one query.
async fn providers_of(
    state: &AppState,
    items: &[Solution],
) -> Result<HashMap<i64, Organisation>, CatalogError> {
    let mut ids: Vec<i64> = items.iter().filter_map(|s| s.provider_id).collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(organisations::get_many(&state.db, &ids)
        .await?
        .into_iter()
        .map(|o| (o.id, o))
        .collect())
}

/// One solution with its provider (none when it has none or it is gone).
pub async fn solution_with_provider(
    state: &AppState,
    id: i64,
) -> Result<(Solution, Option<Organisation>), CatalogError> {
    let s = solutions::get(&state.db, id).await?;
    let provider = match s.provider_id {
        Some(pid) => match organisations::get(&state.db, pid).await {
            Ok(o) => Some(o),
            Err(CatalogError::NotFound { .. }) => None,
            Err(e) => return Err(e),
        },
        None => None,
    };
    Ok((s, provider))
}

/// Names of the organisations using a solution (in use, not rejected), sorted.
pub async fn used_by(state: &AppState, solution_id: i64) -> Result<Vec<String>, CatalogError> {
    let mut ids: Vec<i64> = usages::for_solutions(&state.db, &[solution_id])
        .await?
        .into_iter()
        .filter(|u| u.status == UsageStatus::InUse)
        .map(|u| u.organisation_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let mut names: Vec<String> = organisations::get_many(&state.db, &ids)
        .await?
        .into_iter()
        .map(|o| o.name)
        .collect();
    names.sort();
    Ok(names)
}
