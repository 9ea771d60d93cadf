//! Similar answered questions for a question being written or just posted: community
//! storage and the matcher together (a read, so it never fails the request).

use crate::community::model::SimilarQuestion;
use crate::community::{similar, store};
use crate::matching::store::ItemKind;
use crate::state::AppState;

/// Answered questions of the channel most similar to `text`: by embedding when the
/// matcher runs, else by word overlap (`community::similar`). Never fails the request (an
/// empty list instead).
pub async fn similar_questions(
    state: &AppState,
    channel_id: i64,
    text: &str,
    exclude: Option<i64>,
    limit: usize,
) -> Vec<SimilarQuestion> {
    let candidates = match store::answered_questions(&state.db, channel_id, 200).await {
        Ok(c) => c
            .into_iter()
            .filter(|m| Some(m.id) != exclude)
            .collect::<Vec<_>>(),
        Err(e) => {
            tracing::warn!(error = %e, "similar questions");
            return Vec::new();
        }
    };
    if candidates.is_empty() {
        return Vec::new();
    }
    let vectors = match &state.matcher {
        // Each question is embedded once per text (stored), not on every call.
        Some(matcher) => {
            let items: Vec<(i64, String)> = candidates
                .iter()
                .map(|m| (m.id, similar::question_text(m)))
                .collect();
            match (
                matcher.embed_query(text).await,
                matcher
                    .stored_passages(&state.db, ItemKind::Question, &items)
                    .await,
            ) {
                (Ok(q), Ok(vs)) => Some((q, vs)),
                _ => None,
            }
        }
        None => None,
    };
    let vectors = vectors
        .as_ref()
        .map(|(q, vs)| (q.as_slice(), vs.as_slice()));
    similar::rank(text, candidates, vectors, state.matcher.is_some(), limit)
}
