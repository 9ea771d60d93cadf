//! Similar questions: ranking a channel's answered questions against a new text, by
//! embedding when the caller has vectors, else by word overlap.

use std::collections::HashSet;

use crate::model::{Message, SimilarQuestion};

/// The lowest score shown when questions are compared by embedding.
const SEMANTIC_FLOOR: f32 = 0.75;
/// The lowest score shown when questions are compared by word overlap.
const OVERLAP_FLOOR: f32 = 0.15;

/// The text of a question that is compared: its title and body.
pub fn question_text(m: &Message) -> String {
    match &m.title {
        Some(t) => format!("{t}\n{}", m.body),
        None => m.body.clone(),
    }
}

/// The `limit` candidates most similar to `text`, best first, above the floor of the
/// method. `vectors` are the embedded text and one vector per candidate (in order); without
/// them the word overlap scores. `semantic` says whether the instance embeds at all (its
/// floor applies even when embedding this text failed).
pub fn rank(
    text: &str,
    candidates: Vec<Message>,
    vectors: Option<(&[f32], &[Vec<f32>])>,
    semantic: bool,
    limit: usize,
) -> Vec<SimilarQuestion> {
    let scores: Vec<f32> = match vectors {
        Some((q, vs)) => vs.iter().map(|v| cosine(q, v)).collect(),
        None => candidates
            .iter()
            .map(|m| overlap(text, &question_text(m)))
            .collect(),
    };
    let mut ranked: Vec<(f32, Message)> = scores.into_iter().zip(candidates).collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0));
    let floor = if semantic {
        SEMANTIC_FLOOR
    } else {
        OVERLAP_FLOOR
    };
    ranked
        .into_iter()
        .filter(|(s, _)| *s >= floor)
        .take(limit)
        .map(|(score, question)| SimilarQuestion { question, score })
        .collect()
}

use matchraum_core::similarity::cosine;

/// Jaccard overlap of the words longer than two characters, case-folded.
fn overlap(a: &str, b: &str) -> f32 {
    let words = |s: &str| -> HashSet<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() > 2)
            .map(|w| w.to_lowercase())
            .collect()
    };
    let (wa, wb) = (words(a), words(b));
    if wa.is_empty() || wb.is_empty() {
        return 0.0;
    }
    wa.intersection(&wb).count() as f32 / wa.union(&wb).count() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_parallel_vectors_is_one_and_of_a_zero_vector_zero() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
    }

    #[test]
    fn overlap_ignores_case_and_short_words() {
        let s = overlap("Wie melde ich mich um?", "wie MELDE ich einen Umzug");
        // {wie, melde, ich, mich} ∩ {wie, melde, ich, einen, umzug} = 3 of 6
        assert!((s - 0.5).abs() < 1e-6, "{s}");
        assert_eq!(overlap("ab cd", "ab cd"), 0.0);
    }
}
