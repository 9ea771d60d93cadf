//! The match API's request and answer.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use matchraum_catalog::model::Contact;
use matchraum_catalog::vocab::*;

matchraum_core::string_enum!(
    #[derive(Default)]
    Mode {
        /// Semantic and lexical ranks fused (the default).
        #[default]
        Hybrid => "hybrid",
        Lexical => "lexical",
        Vector => "vector",
    }
);

matchraum_core::string_enum!(
    /// How well a match fits: its z-score fusion of both methods (whatever fusion ranks)
    /// against thresholds calibrated on the dev set (`matchraum eval --calibrate`): `strong` matches there were relevant at
    /// least half the time, `possible` ones at least one time in five.
    MatchStrength {
        Strong => "strong",
        Possible => "possible",
        Weak => "weak",
    }
);

/// Scores of `fusion::STRENGTH_SIGNAL` from which a hybrid match counts as strong or
/// possible (`[matching] strong_score`, `possible_score`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StrengthThresholds {
    pub strong: f32,
    pub possible: f32,
}

impl StrengthThresholds {
    pub fn of(&self, score: f32) -> MatchStrength {
        if score >= self.strong {
            MatchStrength::Strong
        } else if score >= self.possible {
            MatchStrength::Possible
        } else {
            MatchStrength::Weak
        }
    }
}

pub const MAX_QUERY_CHARS: usize = 4_000;
pub const MAX_LIMIT: usize = 50;
/// A match costs one unit of the rate limit per this many characters of text (started).
pub const CHARS_PER_COST_UNIT: usize = 500;

impl MatchRequest {
    /// Units of the match rate limit this request uses: embedding cost grows with length.
    pub fn cost(&self) -> u32 {
        let chars = self.text.trim().chars().count().min(MAX_QUERY_CHARS);
        chars.div_ceil(CHARS_PER_COST_UNIT).max(1) as u32
    }
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchRequest {
    /// The problem in plain language, mostly German.
    pub text: String,
    #[serde(default = "default_limit")]
    pub limit: usize,
    #[serde(default)]
    pub filters: MatchFilters,
    #[serde(default)]
    pub mode: Mode,
    /// Explain each solution with the evidence of confirmed usages (`usage_evidence`).
    #[serde(default = "default_usage_evidence")]
    pub usage_evidence: bool,
}

fn default_usage_evidence() -> bool {
    true
}

fn default_limit() -> usize {
    10
}

/// Each list keeps solutions matching any of its values; an empty list filters nothing.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchFilters {
    #[serde(default)]
    pub kind: Vec<SolutionKind>,
    #[serde(default)]
    pub maturity: Vec<Maturity>,
    #[serde(default)]
    pub reuse_model: Vec<ReuseModel>,
    #[serde(default)]
    pub licence: Vec<String>,
    #[serde(default)]
    pub costs_model: Vec<CostsModel>,
    #[serde(default)]
    pub standard: Vec<String>,
    /// Land of the provider, e.g. "Bayern".
    #[serde(default)]
    pub land: Vec<String>,
    #[serde(default)]
    pub provider_kind: Vec<OrganisationKind>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct MatchResponse {
    /// The mode that ranked this answer: `lexical` when `hybrid` was asked for while the
    /// semantic index is still being built.
    pub mode: Mode,
    pub semantic: SemanticSummary,
    /// Reusable solutions (software, online services, Fachverfahren, concepts, guides,
    /// templates, projects …), best first, at most `limit`; administrative service
    /// descriptions are in `services` and never take their places.
    pub solutions: Vec<SolutionMatch>,
    /// Administrative service descriptions (OZG-Leistungen, LeiKa-Leistungen) that name
    /// the seeker's concern ("Ihr Anliegen entspricht der OZG-Leistung …"), best first, at
    /// most 5 (at most `limit` when the kind filter asks for these kinds only).
    pub services: Vec<SolutionMatch>,
    /// True when no reusable solution is at least a `possible` match: the answer found
    /// nothing that fits, and the next steps are posting a need or asking peers. Only the
    /// hybrid mode is calibrated: false in the other modes.
    pub no_reusable_fit: bool,
    /// Organisations behind the matched solutions.
    pub providers: Vec<ProviderMatch>,
    /// Organisations that use the matched solutions or posted a similar need.
    pub peers: Vec<PeerMatch>,
}

/// A matched solution with what a reuse decision needs and why it matched.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct SolutionMatch {
    pub id: i64,
    pub source_id: Option<String>,
    pub title: String,
    pub summary: Option<String>,
    pub kind: SolutionKind,
    pub maturity: Maturity,
    pub reuse_model: Option<ReuseModel>,
    pub licence: Option<String>,
    pub costs_model: Option<CostsModel>,
    pub standards: Vec<String>,
    pub hosting: Option<String>,
    pub provider: Option<OrganisationRef>,
    pub contacts: Vec<Contact>,
    pub documentation_url: Option<String>,
    pub transfer_concept_url: Option<String>,
    pub url: Option<String>,
    pub last_verified_at: Option<DateTime<Utc>>,
    /// Never verified, or longer ago than `MATCHRAUM_CATALOG_STALE_AFTER_MONTHS`, as in
    /// the catalogue.
    pub stale: bool,
    pub completeness: f64,
    /// The minimum requirements of its kind the entry does not meet yet, as in the
    /// catalogue.
    pub missing: Vec<matchraum_catalog::requirements::Requirement>,
    /// Fused ranking score (higher is better; comparable within one answer).
    pub score: f32,
    /// Calibrated match strength of the score (hybrid mode only; an entry reached through
    /// the graph is at most `possible`).
    pub strength: Option<MatchStrength>,
    pub explanation: Explanation,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Explanation {
    /// Cosine similarity of query and entry embeddings (-1..1).
    pub semantic_similarity: Option<f32>,
    /// BM25 score of the lexical match, when there was one.
    pub lexical_score: Option<f32>,
    pub vector_rank: Option<usize>,
    pub lexical_rank: Option<usize>,
    /// Which query words matched (by stem) in which field.
    pub matched_terms: Vec<FieldTerms>,
    /// Organisations that use the solution, with their experience.
    pub used_by: Vec<UsageRef>,
    /// What confirmed usages say (absent without any usage, or when the request turned
    /// `usage_evidence` off).
    pub usage_evidence: Option<UsageEvidence>,
    /// The evidence of reuse (confirmed usages, those by administrations like the
    /// seeker's, maturity; `[matching] evidence_boost`) placed it above an entry that
    /// matched the text better.
    pub raised_by_reuse: bool,
    /// How the entry was reached through the catalogue's LeiKa/OZG graph, or the path that
    /// starts at it; absent when no edge applies.
    pub path: Option<GraphPath>,
}

/// A path through the catalogue's graph, e.g. "Hundesteuer anmelden → LeiKa 99… →
/// OZG-Leistung Hundesteuer → 3 Onlinedienste".
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct GraphPath {
    /// The matched entry the path starts from.
    pub from: EntryRef,
    /// The LeiKa key the matched entry shares with the OZG-Leistung.
    pub leika_key: String,
    /// The OZG-Leistung that bundles it.
    pub ozg_leistung: EntryRef,
    /// Reusable entries (online services, software …) implementing the OZG-Leistung.
    pub implementations: usize,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EntryRef {
    pub id: i64,
    pub title: String,
}

/// Verified usage as evidence for a match.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UsageEvidence {
    /// Organisations that confirmed they use the solution.
    pub confirmed: usize,
    /// Claims their organisations have not confirmed (no evidence, shown apart).
    pub claimed: usize,
    /// Of the confirmed: those like the seeker (same kind, in the same Land if any), or
    /// else the largest group of one kind in one Land.
    pub group: Option<EvidenceGroup>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct EvidenceGroup {
    pub kind: OrganisationKind,
    /// `None`: of this kind in any Land.
    pub land: Option<String>,
    pub count: usize,
    /// The group is the seeker's own kind (and Land).
    pub like_seeker: bool,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct FieldTerms {
    pub field: &'static str,
    pub terms: Vec<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct UsageRef {
    pub organisation: OrganisationRef,
    pub status: UsageStatus,
    /// Only `confirmed` usages are facts; `claimed` ones are shown as claims (rejected
    /// claims are never listed).
    pub verification: UsageVerification,
    pub since: Option<NaiveDate>,
    pub experience: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct OrganisationRef {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
    pub land: Option<String>,
    pub website: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ProviderMatch {
    pub organisation: OrganisationRef,
    /// The matched solutions it provides, best first.
    pub solution_ids: Vec<i64>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct PeerMatch {
    pub organisation: OrganisationRef,
    /// Matched solutions this organisation uses.
    pub uses_solution_ids: Vec<i64>,
    /// Similar needs this organisation posted.
    pub similar_needs: Vec<NeedRef>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct NeedRef {
    pub id: i64,
    pub title: String,
    pub similarity: f32,
}

/// The state of the semantic (vector) index (output only; `Deserialize` lets the OpenAPI
/// test check the documented values against the serde names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SemanticState {
    /// Still embedding the catalogue (after a first start): matches are lexical.
    Building,
    Ready,
    /// No model on this instance (`MATCHRAUM_MATCHING_ENABLED=false`).
    Disabled,
}

/// How far the semantic index is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SemanticProgress {
    pub state: SemanticState,
    /// Catalogue entries (solutions and needs) with a vector in the index.
    pub indexed: u64,
    pub total: u64,
    /// `indexed` of `total`, 0..=100; 100 only once `ready`.
    pub percent: u8,
}

impl SemanticProgress {
    pub fn new(state: SemanticState, indexed: u64, total: u64) -> Self {
        let percent = match state {
            SemanticState::Ready => 100,
            SemanticState::Disabled => 0,
            // Never 100 % before the build is done, even when the last batch is in.
            SemanticState::Building if total == 0 => 0,
            SemanticState::Building => (indexed.min(total) * 100 / total).min(99) as u8,
        };
        SemanticProgress {
            state,
            indexed,
            total,
            percent,
        }
    }

    pub fn disabled() -> Self {
        SemanticProgress::new(SemanticState::Disabled, 0, 0)
    }

    pub fn summary(&self) -> SemanticSummary {
        SemanticSummary {
            state: self.state,
            percent: self.percent,
        }
    }
}

/// The semantic index's state as a match answer carries it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct SemanticSummary {
    pub state: SemanticState,
    pub percent: u8,
}
