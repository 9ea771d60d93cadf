//! Persisted embeddings: one row per (item kind, item id), tagged with the model and a
//! hash of the embedded text so that only changed entries are embedded again.

use chrono::Utc;
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

pub mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "embeddings")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub item_kind: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub item_id: i64,
        pub model: String,
        pub text_hash: String,
        #[sea_orm(column_type = "VarBinary(StringLen::None)")]
        pub vector: Vec<u8>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{ActiveModel, Column, Entity};

matchraum_core::string_enum!(
    /// What a stored vector embeds.
    ItemKind {
        Solution => "solution",
        Need => "need",
        /// An answered question of a Q&A channel (for similar questions).
        Question => "question",
        /// A reuse check that ended in "build new" (for grouping the demand radar).
        ReuseCheck => "reuse_check",
    }
);

pub struct Stored {
    pub item_id: i64,
    pub text_hash: String,
    pub vector: Vec<f32>,
}

/// Identifies an embedded text together with the model that embedded it.
pub fn text_hash(model_id: &str, text: &str) -> String {
    let mut h = Sha256::new();
    h.update(model_id.as_bytes());
    h.update([0]);
    h.update(text.as_bytes());
    format!("{:x}", h.finalize())
}

/// Above this many ids, reading every vector of the kind is cheaper than a long IN list.
const LOAD_BY_ID_MAX: usize = 500;

/// The stored vectors of `ids` (of one kind, made by `model`).
pub async fn load(
    db: &impl ConnectionTrait,
    kind: ItemKind,
    model: &str,
    ids: &[i64],
) -> Result<Vec<Stored>, DbErr> {
    let mut select = Entity::find()
        .filter(Column::ItemKind.eq(kind.as_str()))
        .filter(Column::Model.eq(model));
    if ids.len() <= LOAD_BY_ID_MAX {
        select = select.filter(Column::ItemId.is_in(ids.iter().copied()));
    }
    let rows = select.all(db).await?;
    Ok(rows
        .into_iter()
        .map(|r| Stored {
            item_id: r.item_id,
            text_hash: r.text_hash,
            vector: decode(&r.vector),
        })
        .collect())
}

/// Inserts or replaces vectors, in chunks that stay under the databases' bind limits.
pub async fn save(
    db: &impl ConnectionTrait,
    kind: ItemKind,
    model: &str,
    items: &[Stored],
) -> Result<(), DbErr> {
    let now = Utc::now();
    for chunk in items.chunks(200) {
        let rows = chunk.iter().map(|s| ActiveModel {
            item_kind: Set(kind.as_str().into()),
            item_id: Set(s.item_id),
            model: Set(model.into()),
            text_hash: Set(s.text_hash.clone()),
            vector: Set(encode(&s.vector)),
            updated_at: Set(now),
        });
        Entity::insert_many(rows)
            .on_conflict(
                OnConflict::columns([Column::ItemKind, Column::ItemId])
                    .update_columns([
                        Column::Model,
                        Column::TextHash,
                        Column::Vector,
                        Column::UpdatedAt,
                    ])
                    .to_owned(),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, kind: ItemKind, id: i64) -> Result<(), DbErr> {
    Entity::delete_many()
        .filter(Column::ItemKind.eq(kind.as_str()))
        .filter(Column::ItemId.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Little-endian f32s: the same bytes on every platform and database.
fn encode(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

pub fn decode(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}
