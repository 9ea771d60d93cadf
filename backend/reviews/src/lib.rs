//! "Einer prüft für alle": the register of reviews of a solution (data-protection impact
//! assessments, IT-Grundschutz checks, legal opinions, accessibility tests, security tests,
//! procurement notes), each with its reviewing organisation, dates, summary, a link or an
//! uploaded file, a visibility, and the organisations that reused it.
//!
//! Owns: the review tables, the file type check by content ([`content`]) and the rules of
//! who sees and changes what ([`policy`]). May use: `matchraum-core`, `matchraum-catalog`
//! (solutions and organisations must exist), `matchraum-accounts` (the `Principal`),
//! sea-orm. Knows nothing of HTTP: the server's `http::reviews` adapts it (and serves files
//! as attachments, never inline).
//!
//! A crate of its own rather than part of the catalogue: it has its own storage (files in
//! the database), its own visibility rules that depend on the caller, and nothing in the
//! catalogue or matching needs to know about it.

pub mod content;
pub mod entity;
pub mod model;
pub mod policy;
pub mod store;
pub mod vocab;
