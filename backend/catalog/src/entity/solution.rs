use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "solutions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub title: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub kind: String,
    pub maturity: String,
    pub reuse_model: Option<String>,
    pub licence: Option<String>,
    pub costs_model: Option<String>,
    pub standards: String,
    pub hosting: Option<String>,
    pub ozg_ids: String,
    pub leika_keys: String,
    pub themenfeld: Option<String>,
    pub lebenslage: Option<String>,
    pub tags: String,
    pub languages: String,
    pub url: Option<String>,
    pub code_url: Option<String>,
    pub documentation_url: Option<String>,
    pub transfer_concept_url: Option<String>,
    pub provider_id: Option<i64>,
    pub contacts: String,
    pub last_verified_at: Option<DateTimeUtc>,
    /// When the provider was last told the entry is stale (see `store::freshness`).
    pub stale_notified_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Double")]
    pub completeness: f64,
    pub source: Option<String>,
    pub source_id: Option<String>,
    pub extra: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
