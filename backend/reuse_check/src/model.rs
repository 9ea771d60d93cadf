//! What the API sends and receives for reuse checks.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use matchraum_catalog::vocab::{Maturity, SolutionKind};

matchraum_core::string_enum!(
    /// What the organisation decided about one candidate.
    Decision {
        Fits => "fits",
        /// Fits once it is adapted (configuration, an interface, a module).
        FitsWithChanges => "fits_with_changes",
        DoesNotFit => "does_not_fit",
    }
);

matchraum_core::string_enum!(
    /// How the check ended.
    OutcomeKind {
        /// Reuse an existing solution (`solution_id`).
        ReuseSolution => "reuse_solution",
        /// Join a community or channel that builds it (`channel_id`).
        JoinCommunity => "join_community",
        /// Nothing fits: build new (the reason says why).
        BuildNew => "build_new",
    }
);

/// Longest problem text (as the match request allows).
pub const MAX_PROBLEM_CHARS: usize = 4_000;
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_REASON_CHARS: usize = 4_000;
/// Most candidates one check records (the match answers at most 50).
pub const MAX_CANDIDATES: usize = 50;
pub const MAX_TERMS: usize = 30;
/// Largest filters object, serialised.
pub const MAX_FILTER_BYTES: usize = 4_000;

/// A candidate as the search showed it: the solution, and the score and matched words of
/// that answer (title, maturity and usages are read from the catalogue when saved).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CandidateInput {
    pub solution_id: i64,
    pub score: Option<f64>,
    /// Semantic similarity of query and solution (-1..1).
    pub similarity: Option<f64>,
    /// The query words that matched.
    #[serde(default)]
    pub matched_terms: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReuseCheckInput {
    /// The organisation the check is done for (the caller must be a member).
    pub organisation_id: i64,
    /// A short name; the problem text's beginning when missing.
    pub title: Option<String>,
    pub problem_text: String,
    /// The filters of the search, as sent to `POST /api/v1/match`.
    #[serde(default = "empty_object")]
    #[schema(value_type = Object)]
    pub filters: serde_json::Value,
    /// The candidates shown, best first.
    pub candidates: Vec<CandidateInput>,
}

fn empty_object() -> serde_json::Value {
    serde_json::Value::Object(Default::default())
}

/// A decision about one candidate.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub decision: Decision,
    #[serde(default)]
    pub reason: String,
}

/// The outcome: `solution_id` for `reuse_solution`, `channel_id` for `join_community`, a
/// reason (required for `build_new`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeInput {
    pub kind: OutcomeKind,
    pub solution_id: Option<i64>,
    pub channel_id: Option<i64>,
    #[serde(default)]
    pub reason: String,
}

/// Changes to an open check; a missing field stays as it is.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReuseCheckUpdate {
    pub title: Option<String>,
    pub outcome: Option<OutcomeInput>,
    /// Show the check (title, organisation) in the public demand radar once it is closed
    /// with the outcome `build_new`.
    pub shared_in_radar: Option<bool>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Candidate {
    pub solution_id: i64,
    /// 1 for the best match.
    pub position: i32,
    pub title: String,
    pub kind: SolutionKind,
    pub maturity: Maturity,
    pub provider_name: Option<String>,
    /// Recorded usages of the solution when the check was saved.
    pub usage_count: i32,
    pub score: Option<f64>,
    pub similarity: Option<f64>,
    pub matched_terms: Vec<String>,
    pub decision: Option<Decision>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Outcome {
    pub kind: OutcomeKind,
    pub solution_id: Option<i64>,
    pub channel_id: Option<i64>,
    /// The solution's title or the channel's name when the outcome was set.
    pub label: Option<String>,
    pub reason: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReuseCheck {
    pub id: i64,
    pub organisation_id: i64,
    pub organisation_name: String,
    pub created_by: Option<i64>,
    pub title: String,
    pub problem_text: String,
    #[schema(value_type = Object)]
    pub filters: serde_json::Value,
    pub candidates: Vec<Candidate>,
    pub outcome: Option<Outcome>,
    /// Whether a closed "build new" check appears in the public demand radar.
    pub shared_in_radar: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set once closed; a closed check cannot change any more.
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<i64>,
}

/// A check in a list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReuseCheckSummary {
    pub id: i64,
    pub organisation_id: i64,
    pub title: String,
    pub candidates: u32,
    /// Candidates with a decision.
    pub decided: u32,
    pub outcome: Option<OutcomeKind>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
}
