//! `GET /api/v1/status`: what the instance serves and how far its semantic index is. Public
//! and cheap (one count, two lock reads): the web UI polls it while the index is built.

use actix_web::{web, HttpResponse};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde::Serialize;
use utoipa::ToSchema;

use super::problem::{ApiError, Problem};
use crate::catalog::entity::solution;
use crate::catalog::CatalogError;
use crate::matching::model::SemanticProgress;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    pub catalogue: CatalogueStatus,
    pub semantic: SemanticProgress,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogueStatus {
    pub solutions: u64,
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/status", web::get().to(status));
}

/// Catalogue size and the semantic index's progress (`building` → `ready`; `disabled`
/// without a model). While `building`, matches answer lexically.
#[utoipa::path(get, path = "/api/v1/status", tag = "operations",
    responses((status = 200, body = Status), (status = 500, body = Problem)))]
pub async fn status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let solutions = solution::Entity::find()
        .count(&state.db)
        .await
        .map_err(CatalogError::from)?;
    let semantic = state
        .matcher
        .as_ref()
        .map_or_else(SemanticProgress::disabled, |m| m.semantic());
    Ok(HttpResponse::Ok().json(Status {
        catalogue: CatalogueStatus { solutions },
        semantic,
    }))
}
