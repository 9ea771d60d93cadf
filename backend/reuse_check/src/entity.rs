//! sea-orm entities of the reuse-check tables (see migration `m20261203_000009_reuse_checks`).

pub mod check {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "reuse_checks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub organisation_id: i64,
        pub created_by: Option<i64>,
        pub title: String,
        pub problem_text: String,
        /// The search filters as a JSON object.
        pub filters: String,
        pub outcome_kind: Option<String>,
        pub outcome_solution_id: Option<i64>,
        pub outcome_channel_id: Option<i64>,
        /// The outcome's solution title or channel name when it was chosen.
        pub outcome_label: Option<String>,
        pub outcome_reason: Option<String>,
        pub shared_in_radar: bool,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
        pub closed_by: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod candidate {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "reuse_check_candidates")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub check_id: i64,
        pub position: i32,
        pub solution_id: i64,
        pub title: String,
        pub kind: String,
        pub maturity: String,
        pub provider_name: Option<String>,
        pub usage_count: i32,
        pub score: Option<f64>,
        pub similarity: Option<f64>,
        /// JSON list of the query words that matched.
        pub matched_terms: String,
        pub decision: Option<String>,
        pub reason: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
