//! The adoption vocabularies and the API's view of interests.

use chrono::{DateTime, NaiveDate, Utc};
use matchraum_catalog::vocab::OrganisationKind;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

matchraum_core::string_enum!(
    /// How strongly an organisation is interested, ordered: a letter of intent is also
    /// "interested", and both count as "watching".
    #[derive(PartialOrd, Ord)]
    InterestLevel {
        /// Follows it, no commitment.
        Watching => "watching",
        /// Considers reusing it.
        Interested => "interested",
        /// Has declared the intent to reuse it (Absichtserklärung).
        LetterOfIntent => "letter_of_intent",
    }
);

matchraum_core::string_enum!(
    /// What the expected size counts.
    SizeUnit {
        Inhabitants => "inhabitants",
        CasesPerYear => "cases_per_year",
        Users => "users",
        Employees => "employees",
    }
);

/// What an interest is about: a solution or a (public) need.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Solution(i64),
    Need(i64),
}

impl InterestLevel {
    /// This level and every stronger one (what a threshold at this level counts).
    pub fn at_least(self) -> Vec<&'static str> {
        InterestLevel::ALL
            .iter()
            .filter(|l| **l >= self)
            .map(|l| l.as_str())
            .collect()
    }
}

impl Target {
    pub fn id(self) -> i64 {
        match self {
            Target::Solution(id) | Target::Need(id) => id,
        }
    }

    /// `solution` or `need`: the catalogue kind, also the audit target's prefix.
    pub fn kind(self) -> &'static str {
        match self {
            Target::Solution(_) => "solution",
            Target::Need(_) => "need",
        }
    }

    /// `solution:12`, as audit entries name it.
    pub fn audit_name(self) -> String {
        format!("{}:{}", self.kind(), self.id())
    }

    pub fn solution_id(self) -> Option<i64> {
        match self {
            Target::Solution(id) => Some(id),
            Target::Need(_) => None,
        }
    }

    pub fn need_id(self) -> Option<i64> {
        match self {
            Target::Need(id) => Some(id),
            Target::Solution(_) => None,
        }
    }
}

/// Setting or changing the caller's organisation's interest.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InterestInput {
    pub level: InterestLevel,
    /// When the organisation plans to start (a month is sent as its first day).
    #[serde(default)]
    pub planned_start: Option<NaiveDate>,
    /// How large the use would be, in `size_unit` (both or neither).
    #[serde(default)]
    pub expected_size: Option<f64>,
    #[serde(default)]
    pub size_unit: Option<SizeUnit>,
    /// Up to 2000 characters.
    #[serde(default)]
    pub comment: String,
}

/// One organisation's interest in a solution or a need.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Interest {
    pub id: i64,
    pub organisation_id: i64,
    pub solution_id: Option<i64>,
    pub need_id: Option<i64>,
    pub level: InterestLevel,
    pub planned_start: Option<NaiveDate>,
    pub expected_size: Option<f64>,
    pub size_unit: Option<SizeUnit>,
    pub comment: String,
    /// The account that expressed it (or changed it last).
    pub submitted_by: i64,
    /// The bundling organisation that submitted it on the organisation's behalf.
    pub bundled_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Organisations at one level.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct LevelCount {
    pub level: InterestLevel,
    pub count: u64,
}

/// Interested organisations of one kind (Kommune, Land, …).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct KindCount {
    pub kind: OrganisationKind,
    pub count: u64,
}

/// The public aggregate: how many organisations, per level and per organisation kind
/// ("12 Kommunen interessiert, 4 Absichtserklärungen"). Each organisation counts once,
/// however its interest was submitted (by itself or by a bundler).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, ToSchema)]
pub struct InterestSummary {
    pub organisations: u64,
    /// Every level, in ascending order, with its count (0 included).
    pub by_level: Vec<LevelCount>,
    /// The kinds with at least one organisation, largest count first.
    pub by_kind: Vec<KindCount>,
}

/// An interest with the organisation's name, for the target's owners.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct NamedInterest {
    #[serde(flatten)]
    pub interest: Interest,
    pub organisation_name: String,
    pub organisation_kind: OrganisationKind,
}

/// `GET …/interests`: the aggregate for everyone, the caller's organisations' own
/// interests, and the list by name for members of the owning organisation and operators.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct InterestOverview {
    pub summary: InterestSummary,
    /// The interests of the caller's organisations (empty when anonymous).
    pub mine: Vec<Interest>,
    /// Every interest by name; `null` unless the caller may see names.
    pub entries: Option<Vec<NamedInterest>>,
    /// Whether the caller may see the names (and set thresholds).
    pub owner_view: bool,
    /// The thresholds set for the target, with their progress.
    pub thresholds: Vec<Threshold>,
}

/// "From `count` organisations at `level` or above we start": set by the target's owner.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ThresholdInput {
    pub level: InterestLevel,
    /// 1 to 10000 organisations.
    pub count: u32,
}

/// A threshold and how far it is: `progress` of `count` organisations at `level` or above.
/// Once reached it stays reached, with the development community channel it opened.
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Threshold {
    pub id: i64,
    /// The organisation that set it.
    pub organisation_id: i64,
    /// Set by a bundling organisation: only its accepted clients' interest counts.
    pub for_clients: bool,
    pub solution_id: Option<i64>,
    pub need_id: Option<i64>,
    pub level: InterestLevel,
    pub count: u64,
    pub progress: u64,
    pub set_by: i64,
    pub created_at: DateTime<Utc>,
    pub reached_at: Option<DateTime<Utc>>,
    /// The channel opened when it was reached (members: the signers, the members of the
    /// organisation that set it and, for a bundler's, the provider's members).
    pub channel_id: Option<i64>,
}

matchraum_core::string_enum!(
    /// Where a "bundles for" relation stands: proposed by the bundler's admins, then
    /// accepted or declined by the client's admins.
    BundlingState {
        Proposed => "proposed",
        Accepted => "accepted",
        Declined => "declined",
    }
);

/// The bundler's admins propose to collect a client organisation's interest.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundlingInput {
    pub client_id: i64,
}

/// "`bundler_id` bundles for `client_id`".
#[derive(Clone, Debug, PartialEq, Serialize, ToSchema)]
pub struct Bundling {
    pub id: i64,
    pub bundler_id: i64,
    pub bundler_name: String,
    pub client_id: i64,
    pub client_name: String,
    pub state: BundlingState,
    pub proposed_by: i64,
    pub answered_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
}

/// One bundled expression: the same interest for several accepted clients, submitted by
/// the bundler. Each client counts once in the aggregate.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BundledInput {
    /// The clients it is submitted for (each with an accepted bundling), 1 to 500.
    pub client_ids: Vec<i64>,
    /// The interest, as each client would express it.
    pub interest: InterestInput,
}

/// The bundler's view of one solution: its clients' interests in it.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ClientInterests {
    pub solution_id: i64,
    pub solution_title: String,
    pub interests: Vec<NamedInterest>,
}
