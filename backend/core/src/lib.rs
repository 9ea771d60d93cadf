//! The bottom of the Matchraum workspace: what every domain crate shares and nothing else.
//!
//! Owns the one domain [`Error`] (every domain operation fails with it; the server maps it
//! once to problem+json and once to websocket error codes), connecting to the database and
//! migrating it ([`db`]), and the SQL helpers that more than one domain's store needs
//! ([`sql`]), and the one mechanism for string-coded vocabularies ([`vocab`],
//! [`string_enum!`]).
//!
//! May use: sea-orm, the `migration` crate and thiserror only. No HTTP, no actix, no model runtime, and no other
//! crate of the workspace: every other crate depends on this one, never the other way.

pub mod db;
pub mod error;
pub mod similarity;
pub mod sql;
pub mod vocab;

pub use error::Error;

/// The result of a domain operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
