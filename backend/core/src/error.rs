//! The one domain error.

use sea_orm::{DbErr, SqlErr};

/// Everything that can go wrong in a domain operation, typed so that each edge (HTTP,
/// websocket) maps each kind to its own answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{kind} {id} does not exist")]
    NotFound { kind: &'static str, id: i64 },
    /// Not found, with a detail that names no single id (or must not tell more).
    #[error("{0}")]
    Missing(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unavailable(String),
    /// Too many requests; the caller may try again after `retry_after` seconds.
    #[error("too many requests; try again in {retry_after} s")]
    RateLimited { retry_after: u64 },
    #[error("database error: {0}")]
    Db(DbErr),
    /// Stored data the code cannot read (e.g. a value outside its vocabulary): a server
    /// fault, never silently replaced by a default.
    #[error("corrupt stored data: {0}")]
    Corrupt(String),
}

impl Error {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Error::Forbidden(message.into())
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        // Constraint violations are the caller's fault, not the server's.
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                Error::Conflict("an entry with the same unique key already exists".into())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                Error::Conflict("a referenced entry does not exist or is still referenced".into())
            }
            _ => Error::Db(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_database_errors_stay_internal() {
        let e = Error::from(DbErr::Custom("boom".into()));
        assert!(matches!(e, Error::Db(_)), "{e:?}");
    }

    #[test]
    fn not_found_names_the_kind_and_id() {
        let e = Error::NotFound {
            kind: "solution",
            id: 7,
        };
        assert_eq!(e.to_string(), "solution 7 does not exist");
    }
}
