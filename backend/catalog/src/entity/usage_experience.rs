use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "usage_experiences")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub usage_id: i64,
    pub author_id: Option<i64>,
    pub context: Option<String>,
    pub effort_person_days: Option<f64>,
    pub cost_one_off_eur: Option<f64>,
    pub cost_recurring_eur: Option<f64>,
    pub cost_per_case_eur: Option<f64>,
    pub went_well: Option<String>,
    pub pitfalls: Option<String>,
    pub integration_notes: Option<String>,
    pub willing_to_talk: bool,
    pub contact: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
