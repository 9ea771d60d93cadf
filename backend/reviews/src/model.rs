//! The review register as the API sees it.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::vocab::{ReviewFileType, ReviewKind, ReviewVisibility};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct Review {
    pub id: i64,
    pub solution_id: i64,
    /// The version of the solution that was reviewed, if it names one.
    pub version: Option<String>,
    pub kind: ReviewKind,
    /// The organisation that did (or commissioned) the review.
    pub organisation_id: i64,
    pub reviewed_on: NaiveDate,
    pub valid_until: Option<NaiveDate>,
    /// `valid_until` lies in the past: the review needs to be renewed before it is relied on.
    pub expired: bool,
    pub summary: String,
    pub link: Option<String>,
    pub visibility: ReviewVisibility,
    /// The uploaded file, served at `GET /api/v1/reviews/{id}/file` as an attachment.
    pub file: Option<ReviewFileInfo>,
    /// Organisations that reused this review instead of doing it again (one mark each).
    pub reused_by: Vec<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct ReviewFileInfo {
    pub name: String,
    /// Recognised from the content, not taken from the upload.
    pub content_type: ReviewFileType,
    pub size: u64,
}

#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub kind: ReviewKind,
    pub organisation_id: i64,
    pub reviewed_on: NaiveDate,
    #[serde(default)]
    pub valid_until: Option<NaiveDate>,
    pub summary: String,
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default = "default_visibility")]
    pub visibility: ReviewVisibility,
}

fn default_visibility() -> ReviewVisibility {
    ReviewVisibility::Public
}

/// "We reused this review": said for one organisation of the caller.
#[derive(Clone, Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReuseInput {
    pub organisation_id: i64,
}

/// A review file as stored, for download.
pub struct StoredFile {
    pub name: String,
    pub file_type: ReviewFileType,
    pub content: Vec<u8>,
}
