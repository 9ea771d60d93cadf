//! sea-orm entities of the adoption tables (see migration `m20261203_000007_interests`).

pub mod interest {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "interests")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub organisation_id: i64,
        pub solution_id: Option<i64>,
        pub need_id: Option<i64>,
        pub level: String,
        pub planned_start: Option<Date>,
        #[sea_orm(column_type = "Double", nullable)]
        pub expected_size: Option<f64>,
        pub size_unit: Option<String>,
        pub comment: String,
        pub submitted_by: i64,
        pub bundled_by: Option<i64>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod threshold {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "interest_thresholds")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        /// Who set it: the target's owner (or a bundler, for its clients).
        pub organisation_id: i64,
        pub solution_id: Option<i64>,
        pub need_id: Option<i64>,
        pub level: String,
        pub count: i64,
        pub set_by: i64,
        pub created_at: DateTimeUtc,
        pub reached_at: Option<DateTimeUtc>,
        pub channel_id: Option<i64>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod bundling {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "bundlings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub bundler_id: i64,
        pub client_id: i64,
        pub state: String,
        pub proposed_by: i64,
        pub answered_by: Option<i64>,
        pub created_at: DateTimeUtc,
        pub answered_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
