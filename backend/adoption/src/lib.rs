//! Adoption: how reuse gets going after a match. Organisations express interest in a
//! solution or a need (Interessenbekundung: watching, interested, letter of intent), a
//! bundling organisation collects it for its client organisations (Bündler), and a
//! threshold ("ab 10 Absichtserklärungen starten wir") tells when enough have signed.
//!
//! Owns: the interests, bundlings and thresholds, their storage ([`store`], [`bundling`],
//! [`thresholds`]), their
//! vocabularies ([`model`]) and who may do what with them ([`policy`]). Every change is
//! audited in the transaction that makes it (the caller passes the transaction).
//!
//! May use: `matchraum-core` (the domain error, `string_enum!`), `matchraum-catalog`
//! (solutions, needs and organisations it refers to), `matchraum-accounts` (the
//! `Principal`, the audit log, the need visibility rule), sea-orm. Knows nothing of HTTP,
//! websockets or the community: the server's `services::adoption` opens the community
//! channel of a reached threshold and publishes the notices.

pub mod bundling;
pub mod entity;
pub mod model;
pub mod policy;
pub mod store;
pub mod thresholds;

pub use matchraum_core::Error as AdoptionError;
