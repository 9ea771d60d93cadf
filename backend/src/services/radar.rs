//! The public demand radar: the reuse-check crate's entries and grouping, with the
//! matcher's stored embeddings when this instance runs one (a reuse check's text is
//! embedded once and stored; a need's vector is the one the index already has).

use crate::catalog::store::needs;
use crate::matching::document::Fields;
use crate::matching::store::ItemKind;
use crate::reuse_check::radar::{self, DemandRadar, Entry, Grouping, RadarSource};
use crate::state::AppState;
use matchraum_core::Error;

pub async fn demand_radar(state: &AppState) -> Result<DemandRadar, Error> {
    let entries = radar::entries(&state.db).await?;
    let vectors = match &state.matcher {
        Some(m) => match vectors(state, m, &entries).await {
            Ok(v) => Some(v),
            Err(e) => {
                // Grouping by words is still a radar; a model failure never hides it.
                tracing::warn!(error = %e, "demand radar: no embeddings, grouping by words");
                None
            }
        },
        None => None,
    };
    let grouping = if vectors.is_some() {
        Grouping::Semantic
    } else {
        Grouping::Words
    };
    let (entries, groups) = actix_web::web::block(move || {
        let groups = radar::group(&entries, vectors.as_deref());
        (entries, groups)
    })
    .await
    .map_err(|e| Error::Unavailable(format!("the radar could not be computed: {e}")))?;
    radar::radar(&state.db, &entries, groups, grouping).await
}

/// One vector per entry, in order.
async fn vectors(
    state: &AppState,
    m: &crate::matching::Matcher,
    entries: &[Entry],
) -> Result<Vec<Vec<f32>>, String> {
    let ids = |s: RadarSource| -> Vec<i64> {
        entries
            .iter()
            .filter(|e| e.source == s)
            .map(|e| e.id)
            .collect()
    };
    let checks: Vec<(i64, String)> = entries
        .iter()
        .filter(|e| e.source == RadarSource::ReuseCheck)
        .map(|e| (e.id, e.text.clone()))
        .collect();
    // The index's own passage of each need, so its stored vector is found, not replaced.
    let need_items: Vec<(i64, String)> = needs::get_many(&state.db, &ids(RadarSource::Need))
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .map(|n| (n.id, Fields::of_need(n).passage()))
        .collect();
    let check_vs = m
        .stored_passages(&state.db, ItemKind::ReuseCheck, &checks)
        .await
        .map_err(|e| e.to_string())?;
    let need_vs = m
        .stored_passages(&state.db, ItemKind::Need, &need_items)
        .await
        .map_err(|e| e.to_string())?;
    let mut by_key: std::collections::HashMap<(RadarSource, i64), Vec<f32>> = checks
        .iter()
        .map(|(id, _)| (RadarSource::ReuseCheck, *id))
        .zip(check_vs)
        .chain(
            need_items
                .iter()
                .map(|(id, _)| (RadarSource::Need, *id))
                .zip(need_vs),
        )
        .collect();
    Ok(entries
        .iter()
        .map(|e| by_key.remove(&(e.source, e.id)).unwrap_or_default())
        .collect())
}
