//! The catalogue: organisations, solutions, their usages and seekers' needs, with their
//! vocabularies, validation and storage.
//!
//! May use: `matchraum-core` (the domain error, SQL helpers), sea-orm, serde, utoipa (for
//! the schemas of its types). Knows nothing of HTTP, accounts, the community or matching;
//! the server's `http::catalog` is a thin adapter over `store`.

pub mod entity;
pub mod error;
pub mod freshness;
pub mod labels;
pub mod model;
pub mod requirements;
pub mod store;
pub mod validate;
pub mod vocab;

pub use error::CatalogError;
