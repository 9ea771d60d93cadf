//! The review register's writes: stored and audited in one transaction.

use serde_json::json;

use super::audited::{audited, Entry};
use crate::auth::Principal;
use crate::reviews::model::{Review, ReviewInput};
use crate::reviews::store;
use crate::state::AppState;
use matchraum_core::Error;

type R<T> = Result<T, Error>;

fn target(id: i64) -> String {
    format!("review:{id}")
}

fn facts(action: &'static str, r: &Review) -> Entry {
    let detail = json!({ "solution_id": r.solution_id, "organisation_id": r.organisation_id, "kind": r.kind });
    Entry::new(action, target(r.id), detail)
}

fn reuse(action: &'static str, id: i64, organisation_id: i64) -> Entry {
    Entry::new(
        action,
        target(id),
        json!({ "organisation_id": organisation_id }),
    )
}

pub async fn create(
    state: &AppState,
    p: &Principal,
    solution_id: i64,
    input: ReviewInput,
) -> R<Review> {
    let change = async |txn: &_| store::create(txn, solution_id, input, p.user_id).await;
    audited(state, p, change, |r| facts("review.created", r)).await
}

pub async fn update(state: &AppState, p: &Principal, id: i64, input: ReviewInput) -> R<Review> {
    let change = async |txn: &_| store::update(txn, id, input).await;
    audited(state, p, change, |r| facts("review.updated", r)).await
}

pub async fn delete(state: &AppState, p: &Principal, r: &Review) -> R<()> {
    let change = async |txn: &_| store::delete(txn, r.id).await;
    audited(state, p, change, |_| facts("review.deleted", r)).await
}

pub async fn attach_file(
    state: &AppState,
    p: &Principal,
    id: i64,
    name: &str,
    bytes: Vec<u8>,
) -> R<Review> {
    let change = async |txn: &_| store::attach_file(txn, id, name, bytes).await;
    audited(state, p, change, |r| {
        let file = r
            .file
            .as_ref()
            .map(|f| json!({ "name": f.name, "content_type": f.content_type, "size": f.size }));
        Entry::new("review.file_uploaded", target(id), json!({ "file": file }))
    })
    .await
}

pub async fn mark_reused(
    state: &AppState,
    p: &Principal,
    id: i64,
    organisation_id: i64,
) -> R<Review> {
    let change = async |txn: &_| store::mark_reused(txn, id, organisation_id, p.user_id).await;
    audited(state, p, change, |_| {
        reuse("review.reused", id, organisation_id)
    })
    .await
}

pub async fn unmark_reused(
    state: &AppState,
    p: &Principal,
    id: i64,
    organisation_id: i64,
) -> R<Review> {
    let change = async |txn: &_| store::unmark_reused(txn, id, organisation_id).await;
    audited(state, p, change, |_| {
        reuse("review.reuse_withdrawn", id, organisation_id)
    })
    .await
}
