//! Matchraum: brings together public administrations that seek a solution with those
//! that built one. See `README.md` for the tour and `ARCHITECTURE` notes in the modules.

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
