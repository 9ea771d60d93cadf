//! The HTTP adapter: routes, error mapping and the OpenAPI document.

pub mod accounts;
pub mod adoption;
pub mod bundling;
pub mod catalog;
pub mod channels;
pub mod extract;
pub mod health;
pub mod matching;
pub mod notices;
pub mod open_data;
pub mod openapi;
pub mod panic;
pub mod people;
pub mod problem;
pub mod provider_radar;
pub mod query;
pub mod radar;
pub mod reply;
pub mod reuse_checks;
pub mod reviews;
pub mod status;
pub mod trace;
pub mod ui;
pub mod usages;
pub mod users;
pub mod ws;

use actix_service::ServiceFactoryExt;
use actix_web::web;

/// Mounts every route; `state` is shared by all workers.
pub fn configure(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(max_body_bytes)
            .error_handler(problem::json_error),
    )
    .app_data(web::QueryConfig::default().error_handler(problem::query_error))
    .app_data(web::PathConfig::default().error_handler(problem::path_error))
    .route("/healthz", web::get().to(health::healthz))
    .route("/readyz", web::get().to(health::readyz))
    .service(
        web::scope("/api/v1")
            .route("/openapi.json", web::get().to(openapi::openapi_json))
            .configure(status::routes)
            .configure(open_data::routes)
            // Before `catalog`: `/organisations/{id}/invitations` must win over its scope.
            .configure(accounts::routes)
            .configure(users::routes)
            // Before the catalogue's `/organisations` scope, which would shadow the inbox route.
            .configure(matching::routes)
            .configure(provider_radar::routes)
            // Before `catalog`: `/solutions/{id}/usages` must win over its scope.
            .configure(usages::routes)
            .configure(reviews::routes)
            // Before the catalogue's `/solutions`, `/needs` and `/organisations` scopes.
            .configure(adoption::routes)
            .configure(bundling::routes)
            .configure(notices::routes)
            .configure(catalog::routes)
            // Before `channels`: its `/channels` scope would shadow `/channels/{id}/people`.
            .configure(people::routes)
            .configure(channels::routes)
            .configure(reuse_checks::routes)
            .configure(radar::routes)
            .configure(ws::routes),
    )
    // Last: the web UI's files and app routes (API paths stay problem+json 404s). Only
    // these are compressed: static files carry no secrets, API answers may.
    .default_service(
        actix_service::apply(
            actix_web::middleware::Compress::default(),
            web::to(ui::serve),
        )
        .map(actix_web::dev::ServiceResponse::map_into_boxed_body),
    );
}
