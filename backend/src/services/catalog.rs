//! Catalogue writes: stored, then handed to the indexer (and, for a new need, announced to
//! the organisations it concerns, off the request path).

use crate::catalog::model::{
    Need, NeedInput, Organisation, OrganisationInput, Solution, SolutionInput,
};
use crate::catalog::store::{needs, organisations, solutions, Changed};
use crate::catalog::CatalogError;
use crate::state::AppState;

type R<T> = Result<T, CatalogError>;

pub async fn create_organisation(state: &AppState, input: OrganisationInput) -> R<Organisation> {
    let org = organisations::create(&state.db, input).await?;
    state.catalog_changed(Changed::Organisation(org.id));
    Ok(org)
}

pub async fn update_organisation(
    state: &AppState,
    id: i64,
    input: OrganisationInput,
) -> R<Organisation> {
    let org = organisations::update(&state.db, id, input).await?;
    state.catalog_changed(Changed::Organisation(org.id));
    Ok(org)
}

pub async fn delete_organisation(state: &AppState, id: i64) -> R<()> {
    organisations::delete(&state.db, id).await?;
    state.catalog_changed(Changed::Organisation(id));
    Ok(())
}

pub async fn create_solution(state: &AppState, input: SolutionInput) -> R<Solution> {
    let s = solutions::create(&state.db, input).await?;
    state.catalog_changed(Changed::Solution(s.id));
    Ok(s)
}

pub async fn update_solution(state: &AppState, id: i64, input: SolutionInput) -> R<Solution> {
    let s = solutions::update(&state.db, id, input).await?;
    state.catalog_changed(Changed::Solution(s.id));
    Ok(s)
}

/// Confirms the entry as still correct and tells the index (its metadata shows the date);
/// its stale notices are done.
pub async fn verify_solution(state: &AppState, id: i64) -> R<Solution> {
    let s = solutions::verify(&state.db, id, chrono::Utc::now()).await?;
    super::freshness::verified(state, id).await?;
    state.catalog_changed(Changed::Solution(s.id));
    Ok(s)
}

pub async fn delete_solution(state: &AppState, id: i64) -> R<()> {
    solutions::delete(&state.db, id).await?;
    state.catalog_changed(Changed::SolutionDeleted(id));
    Ok(())
}

/// Stores a need, indexes it and announces it in the background: embedding it and
/// telling the organisations it concerns never delays or fails the request.
pub async fn create_need(state: &AppState, input: NeedInput) -> R<Need> {
    let n = needs::create(&state.db, input).await?;
    state.catalog_changed(Changed::Need(n.id));
    announce_need(state, n.clone());
    Ok(n)
}

/// Updates a need; a need that became private leaves the inboxes of other organisations.
pub async fn update_need(state: &AppState, id: i64, input: NeedInput) -> R<Need> {
    let n = needs::update(&state.db, id, input).await?;
    crate::matching::notify::withdraw_if_private(&state.db, &n).await?;
    state.catalog_changed(Changed::Need(n.id));
    Ok(n)
}

pub async fn delete_need(state: &AppState, id: i64) -> R<()> {
    needs::delete(&state.db, id).await?;
    state.catalog_changed(Changed::NeedDeleted(id));
    Ok(())
}

fn announce_need(state: &AppState, n: Need) {
    let Some(matcher) = state.matcher.clone() else {
        return;
    };
    let (db, realtime) = (state.db.clone(), state.realtime.clone());
    let threshold = state.config.matching.need_notify_similarity;
    actix_web::rt::spawn(async move {
        let told = match crate::matching::notify::on_need_posted(&db, &matcher, &n, threshold).await
        {
            Ok(recorded) => realtime
                .need_notified(&db, &recorded)
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = told {
            tracing::warn!(need = n.id, error = %e, "could not notify about a need");
        }
    });
}
