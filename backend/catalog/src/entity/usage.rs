use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "solution_usages")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub solution_id: i64,
    pub organisation_id: i64,
    pub since: Option<Date>,
    pub context: Option<String>,
    pub status: String,
    pub experience: Option<String>,
    pub verification: String,
    pub origin: String,
    pub version: Option<String>,
    pub claimed_by: Option<i64>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTimeUtc>,
    pub reconfirm_due_at: Option<DateTimeUtc>,
    /// When the organisation was last asked to confirm again (see `store::usages::claim_due`).
    pub reconfirm_notified_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
