//! Catalogue operations fail with the one domain error of `matchraum-core`.

pub use matchraum_core::Error as CatalogError;

impl From<super::vocab::UnknownValue> for CatalogError {
    fn from(e: super::vocab::UnknownValue) -> Self {
        CatalogError::invalid(e.vocabulary, e.to_string())
    }
}
