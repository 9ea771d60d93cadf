//! Application services: every write that others must see goes persist → index → publish
//! here, in one place, so that an HTTP handler and a websocket frame call the same function
//! and neither can forget to re-index or to tell the sockets. Authorisation stays with the
//! domain stores and `policy`; auditing with the handlers.

pub mod adoption;
pub mod audited;
pub mod catalog;
pub mod community;
pub mod questions;
pub mod radar;
pub mod reuse_checks;
pub mod reviews;
pub mod usages;
