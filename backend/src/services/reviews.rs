//! The review register's writes: stored and audited in one transaction.

use sea_orm::TransactionTrait;
use serde_json::json;

use crate::auth::{audit, Principal};
use crate::reviews::model::{Review, ReviewInput};
use crate::reviews::store;
use crate::state::AppState;
use matchraum_core::Error;

type R<T> = Result<T, Error>;

fn target(id: i64) -> String {
    format!("review:{id}")
}

fn facts(r: &Review) -> serde_json::Value {
    json!({ "solution_id": r.solution_id, "organisation_id": r.organisation_id, "kind": r.kind })
}

pub async fn create(
    state: &AppState,
    p: &Principal,
    solution_id: i64,
    input: ReviewInput,
) -> R<Review> {
    let txn = state.db.begin().await?;
    let r = store::create(&txn, solution_id, input, p.user_id).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "review.created",
        &target(r.id),
        facts(&r),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

pub async fn update(state: &AppState, p: &Principal, id: i64, input: ReviewInput) -> R<Review> {
    let txn = state.db.begin().await?;
    let r = store::update(&txn, id, input).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "review.updated",
        &target(id),
        facts(&r),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

pub async fn delete(state: &AppState, p: &Principal, r: &Review) -> R<()> {
    let txn = state.db.begin().await?;
    store::delete(&txn, r.id).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "review.deleted",
        &target(r.id),
        facts(r),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

pub async fn attach_file(
    state: &AppState,
    p: &Principal,
    id: i64,
    name: &str,
    bytes: Vec<u8>,
) -> R<Review> {
    let txn = state.db.begin().await?;
    let r = store::attach_file(&txn, id, name, bytes).await?;
    let file = r
        .file
        .as_ref()
        .map(|f| json!({ "name": f.name, "content_type": f.content_type, "size": f.size }));
    audit::record(
        &txn,
        Some(p.user_id),
        "review.file_uploaded",
        &target(id),
        json!({ "file": file }),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

pub async fn mark_reused(
    state: &AppState,
    p: &Principal,
    id: i64,
    organisation_id: i64,
) -> R<Review> {
    let txn = state.db.begin().await?;
    let r = store::mark_reused(&txn, id, organisation_id, p.user_id).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "review.reused",
        &target(id),
        json!({ "organisation_id": organisation_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}

pub async fn unmark_reused(
    state: &AppState,
    p: &Principal,
    id: i64,
    organisation_id: i64,
) -> R<Review> {
    let txn = state.db.begin().await?;
    let r = store::unmark_reused(&txn, id, organisation_id).await?;
    audit::record(
        &txn,
        Some(p.user_id),
        "review.reuse_withdrawn",
        &target(id),
        json!({ "organisation_id": organisation_id }),
    )
    .await?;
    txn.commit().await?;
    Ok(r)
}
