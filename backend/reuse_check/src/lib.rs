//! The documented reuse check (Vorrangprüfung): before an administration builds something
//! new, it records which existing solutions it looked at, what it decided about each and
//! why, and what it did in the end (reuse a solution, join a community, build new). The
//! record serves a funding application or a procurement file, and checks that end in
//! "build new" show where solutions are missing.
//!
//! Owns: the reuse checks and their candidates ([`store`]), who may read and change them
//! ([`policy`]), the German export as Markdown and printable HTML ([`export`]), and the
//! public demand radar of unsolved problems ([`radar`]).
//! May use: `matchraum-core` (the domain error, vocabularies), `matchraum-catalog` (the
//! solutions and organisations a check refers to, snapshotted when saved),
//! `matchraum-accounts` (the `Principal`), sea-orm. Knows nothing of HTTP, the community or
//! matching: the server's `http::reuse_checks` adapts it, its `services::reuse_checks`
//! audits each change and resolves a community channel named as the outcome.

pub mod entity;
pub mod export;
pub mod model;
pub mod policy;
pub mod radar;
pub mod store;

pub use matchraum_core::Error;
