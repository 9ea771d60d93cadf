//! What of a catalogue entry is embedded and indexed, and the hash that tells when the
//! text (or the model) changed.

use matchraum_catalog::model::{Need, Solution};

/// The searchable text of a solution, split by field so that lexical hits can be
/// explained per field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fields {
    pub title: String,
    pub summary: String,
    pub description: String,
    /// Tags, Themenfeld, Lebenslage, standards: short labels.
    pub labels: String,
}

impl Fields {
    pub fn of_solution(s: &Solution) -> Self {
        let mut labels: Vec<&str> = s.tags.iter().map(String::as_str).collect();
        labels.extend(s.themenfeld.as_deref());
        labels.extend(s.lebenslage.as_deref());
        labels.extend(s.standards.iter().map(String::as_str));
        Fields {
            title: s.title.clone(),
            summary: s.summary.clone().unwrap_or_default(),
            description: s.description.clone().unwrap_or_default(),
            labels: labels.join(", "),
        }
    }

    pub fn of_need(n: &Need) -> Self {
        Fields {
            title: n.title.clone(),
            description: n.description.clone(),
            ..Fields::default()
        }
    }

    /// The passage the embedder sees: the most telling text first, because the model
    /// truncates at 512 tokens.
    pub fn passage(&self) -> String {
        [&self.title, &self.labels, &self.summary, &self.description]
            .into_iter()
            .filter(|s| !s.is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(". ")
    }

    /// Identifies the embedded text together with the model that embedded it.
    pub fn hash(&self, model_id: &str) -> String {
        super::store::text_hash(model_id, &self.passage())
    }

    /// Named fields for explanations, in display order.
    pub fn named(&self) -> [(&'static str, &str); 4] {
        [
            ("title", &self.title),
            ("summary", &self.summary),
            ("description", &self.description),
            ("labels", &self.labels),
        ]
    }
}
