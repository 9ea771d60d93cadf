//! Catalogue operations fail with the one domain error of `matchraum-core`.

pub use matchraum_core::Error as CatalogError;
