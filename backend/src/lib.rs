//! Matchraum: brings together public administrations that seek a solution with those
//! that built one. See `README.md` for the tour and `ARCHITECTURE` notes in the modules.
//!
//! The server crate, at the edge of the workspace. Owns: the HTTP routes, extractors,
//! problem+json mapping and OpenAPI document (`http`), the websocket session (`http::ws`),
//! the application services that persist, index and publish (`services`), the shared
//! state (`state`), configuration, start-up and shutdown, telemetry and metrics, the CLI
//! jobs (`commands`), the demo data and the catalogue snapshot, and the binary
//! `matchraum`.
//!
//! May use: every domain crate of the workspace (`matchraum-core`, `-catalog`,
//! `-accounts`, `-import`, `-community`, `-matching`, `-realtime`, `-adoption`,
//! `-reviews`, `-reuse-check`, re-exported below under their module names), actix-web
//! and actix-ws, sea-orm, figment, utoipa, tracing and prometheus. Nothing depends on it
//! but the black-box suites in `tests/`; domain rules stay in the domain crates, which
//! never see HTTP.

pub use matchraum_accounts as auth;
pub use matchraum_adoption as adoption;
pub use matchraum_catalog as catalog;
pub mod commands;
pub use matchraum_community as community;
pub mod config;
pub use matchraum_core::db;
pub mod demo;
pub mod http;
pub use matchraum_import as import;
pub use matchraum_matching as matching;
pub mod metrics;
pub use matchraum_realtime as realtime;
pub use matchraum_reuse_check as reuse_check;
pub use matchraum_reviews as reviews;
pub mod services;
pub mod shutdown;
pub mod snapshot;
pub mod startup;
pub mod state;
pub mod telemetry;
