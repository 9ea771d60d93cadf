//! The catalogue: organisations, solutions, their usages and seekers' needs.
//! Knows nothing of HTTP; the `http` module is a thin adapter over `store`.

pub mod entity;
pub mod error;
pub mod model;
pub mod store;
pub mod validate;
pub mod vocab;

pub use error::CatalogError;
