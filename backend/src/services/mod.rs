//! Application services: every write that others must see goes persist → index → publish
//! here, in one place, so that an HTTP handler and a websocket frame call the same function
//! and neither can forget to re-index or to tell the sockets. Authorisation stays with the
//! domain stores and `policy`; auditing with the handlers.

pub mod adoption;
pub mod audited;
pub mod catalog;
pub mod community;
pub mod freshness;
pub mod questions;
pub mod radar;
pub mod reuse_checks;
pub mod reviews;
pub mod usages;

/// Stored notices to the sockets of their organisations' members; a failure to look the
/// members up only delays them (the inbox has them).
pub(crate) async fn publish_notices(
    state: &crate::state::AppState,
    recorded: &[crate::auth::notices::OrganisationNotice],
) {
    if let Err(e) = state
        .realtime
        .organisation_notified(&state.db, recorded)
        .await
    {
        tracing::warn!(error = %e, "could not deliver organisation notices live");
    }
}
