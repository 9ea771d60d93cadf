//! Domain types of the catalogue as the API and the matcher see them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::vocab::*;

/// A contact point for a solution.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Organisation {
    pub id: i64,
    pub name: String,
    pub kind: OrganisationKind,
    pub land: Option<String>,
    /// Amtlicher Gemeindeschlüssel or regional code, where known.
    pub region_code: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub description: Option<String>,
    pub source: Option<String>,
    pub source_id: Option<String>,
    /// Source fields without a column of their own, kept verbatim.
    #[schema(value_type = Object)]
    pub extra: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationInput {
    pub name: String,
    pub kind: OrganisationKind,
    #[serde(default)]
    pub land: Option<String>,
    #[serde(default)]
    pub region_code: Option<String>,
    #[serde(default)]
    pub website: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub source_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub extra: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Solution {
    pub id: i64,
    pub title: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub kind: SolutionKind,
    pub maturity: Maturity,
    pub reuse_model: Option<ReuseModel>,
    pub licence: Option<String>,
    pub costs_model: Option<CostsModel>,
    /// Standards and interfaces, e.g. XÖV, FIT-Connect, FIM, OSCI, XTA, OpenAPI.
    pub standards: Vec<String>,
    pub hosting: Option<String>,
    pub ozg_ids: Vec<String>,
    pub leika_keys: Vec<String>,
    pub themenfeld: Option<String>,
    pub lebenslage: Option<String>,
    pub tags: Vec<String>,
    pub languages: Vec<String>,
    pub url: Option<String>,
    pub code_url: Option<String>,
    pub documentation_url: Option<String>,
    pub transfer_concept_url: Option<String>,
    pub provider_id: Option<i64>,
    pub contacts: Vec<Contact>,
    pub last_verified_at: Option<DateTime<Utc>>,
    /// Never verified, or verified longer ago than `MATCHRAUM_CATALOG_STALE_AFTER_MONTHS`
    /// (marked by the reader that shows it, see `store::solutions::mark_stale`).
    pub stale: bool,
    /// Share (0..1) of its kind's minimum requirements that the entry meets.
    pub completeness: f64,
    /// The minimum requirements of its kind it does not meet yet (see
    /// `requirements::REQUIREMENTS`).
    pub missing: Vec<crate::requirements::Requirement>,
    pub source: Option<String>,
    pub source_id: Option<String>,
    #[schema(value_type = Object)]
    pub extra: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SolutionInput {
    pub title: String,
    #[serde(default)]
    pub summary: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub kind: SolutionKind,
    #[serde(default)]
    pub maturity: Maturity,
    #[serde(default)]
    pub reuse_model: Option<ReuseModel>,
    #[serde(default)]
    pub licence: Option<String>,
    #[serde(default)]
    pub costs_model: Option<CostsModel>,
    #[serde(default)]
    pub standards: Vec<String>,
    #[serde(default)]
    pub hosting: Option<String>,
    #[serde(default)]
    pub ozg_ids: Vec<String>,
    #[serde(default)]
    pub leika_keys: Vec<String>,
    #[serde(default)]
    pub themenfeld: Option<String>,
    #[serde(default)]
    pub lebenslage: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub code_url: Option<String>,
    #[serde(default)]
    pub documentation_url: Option<String>,
    #[serde(default)]
    pub transfer_concept_url: Option<String>,
    #[serde(default)]
    pub provider_id: Option<i64>,
    #[serde(default)]
    pub contacts: Vec<Contact>,
    #[serde(default)]
    pub last_verified_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub source_id: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub extra: Option<serde_json::Value>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Usage {
    pub id: i64,
    pub solution_id: i64,
    pub organisation_id: i64,
    pub since: Option<NaiveDate>,
    pub context: Option<String>,
    pub status: UsageStatus,
    /// What the using organisation reports from its experience.
    pub experience: Option<String>,
    /// The version in use, as the organisation names it.
    pub version: Option<String>,
    /// `claimed` until a member of the using organisation confirms it; only confirmed
    /// usages are facts.
    pub verification: UsageVerification,
    /// An imported `usedBy` or a person's entry.
    pub origin: UsageOrigin,
    /// When a member of the organisation last confirmed or rejected it.
    pub decided_at: Option<DateTime<Utc>>,
    /// When a confirmation asks to be renewed.
    pub reconfirm_due_at: Option<DateTime<Utc>>,
    /// Confirmed, but the confirmation is older than the re-confirmation period
    /// ("Bestätigung fällig").
    pub confirmation_due: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageInput {
    pub solution_id: i64,
    pub organisation_id: i64,
    #[serde(default)]
    pub since: Option<NaiveDate>,
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default = "default_usage_status")]
    pub status: UsageStatus,
    #[serde(default)]
    pub experience: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

/// A claim that an organisation uses a solution, made on the solution
/// (`POST /solutions/{id}/usages`).
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageClaim {
    pub organisation_id: i64,
    #[serde(default)]
    pub since: Option<NaiveDate>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default = "default_usage_status")]
    pub status: UsageStatus,
}

impl UsageClaim {
    pub fn into_input(self, solution_id: i64) -> UsageInput {
        UsageInput {
            solution_id,
            organisation_id: self.organisation_id,
            since: self.since,
            context: self.context,
            status: self.status,
            experience: None,
            version: self.version,
        }
    }
}

fn default_usage_status() -> UsageStatus {
    UsageStatus::InUse
}

/// A structured experience report of the using organisation on one usage.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Experience {
    pub id: i64,
    pub usage_id: i64,
    pub solution_id: i64,
    /// The using organisation (the report speaks for it).
    pub organisation_id: i64,
    /// Where and how the solution is used (size, departments, case numbers).
    pub context: Option<String>,
    /// Effort of the roll-in, in person-days.
    pub effort_person_days: Option<f64>,
    /// One-off costs in EUR.
    pub cost_one_off_eur: Option<f64>,
    /// Recurring costs per year in EUR.
    pub cost_recurring_eur: Option<f64>,
    /// Costs per case in EUR.
    pub cost_per_case_eur: Option<f64>,
    pub went_well: Option<String>,
    pub pitfalls: Option<String>,
    /// Fachverfahren, FIT-Connect, XTA, identity providers, payment …
    pub integration_notes: Option<String>,
    /// The organisation is glad to talk to others considering the solution.
    pub willing_to_talk: bool,
    /// Whom to ask; only shown to signed-in callers.
    pub contact: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExperienceInput {
    #[serde(default)]
    pub context: Option<String>,
    #[serde(default)]
    pub effort_person_days: Option<f64>,
    #[serde(default)]
    pub cost_one_off_eur: Option<f64>,
    #[serde(default)]
    pub cost_recurring_eur: Option<f64>,
    #[serde(default)]
    pub cost_per_case_eur: Option<f64>,
    #[serde(default)]
    pub went_well: Option<String>,
    #[serde(default)]
    pub pitfalls: Option<String>,
    #[serde(default)]
    pub integration_notes: Option<String>,
    #[serde(default)]
    pub willing_to_talk: bool,
    #[serde(default)]
    pub contact: Option<String>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Need {
    pub id: i64,
    pub organisation_id: i64,
    pub title: String,
    pub description: String,
    pub status: NeedStatus,
    pub visibility: Visibility,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedInput {
    pub organisation_id: i64,
    pub title: String,
    pub description: String,
    #[serde(default = "default_need_status")]
    pub status: NeedStatus,
    #[serde(default = "default_visibility")]
    pub visibility: Visibility,
}

fn default_need_status() -> NeedStatus {
    NeedStatus::Open
}

fn default_visibility() -> Visibility {
    Visibility::Public
}

/// One page of a list.
#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub limit: u64,
    pub offset: u64,
}
