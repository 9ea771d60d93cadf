use sea_orm::{DbErr, SqlErr};

#[derive(Debug, thiserror::Error)]
pub enum CommunityError {
    #[error("{kind} {id} does not exist")]
    NotFound { kind: &'static str, id: i64 },
    #[error("{0}")]
    Forbidden(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Db(DbErr),
}

impl CommunityError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        CommunityError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn forbidden(m: impl Into<String>) -> Self {
        CommunityError::Forbidden(m.into())
    }
}

impl From<DbErr> for CommunityError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                CommunityError::Conflict("an entry with the same unique key already exists".into())
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                CommunityError::Conflict("a referenced entry does not exist".into())
            }
            _ => CommunityError::Db(err),
        }
    }
}
