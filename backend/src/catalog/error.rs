use sea_orm::{DbErr, SqlErr};

/// Everything that can go wrong in a catalogue operation, typed so that the HTTP edge
/// can map each kind to its own problem type.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("{kind} {id} does not exist")]
    NotFound { kind: &'static str, id: i64 },
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("database error: {0}")]
    Db(DbErr),
}

impl CatalogError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CatalogError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl From<DbErr> for CatalogError {
    fn from(err: DbErr) -> Self {
        // Constraint violations are the caller's fault, not the server's.
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                CatalogError::Conflict("an entry with the same unique key already exists".into())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => CatalogError::Conflict(
                "a referenced entry does not exist or is still referenced".into(),
            ),
            _ => CatalogError::Db(err),
        }
    }
}

impl From<super::vocab::UnknownValue> for CatalogError {
    fn from(e: super::vocab::UnknownValue) -> Self {
        CatalogError::invalid(e.vocabulary, e.to_string())
    }
}
