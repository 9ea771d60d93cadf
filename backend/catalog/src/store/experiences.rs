//! Experience reports on usages: written for one usage, listed per solution.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{delete_row, find_row, insert_new, rows_by_ids, save_if_changed};
use crate::entity::usage::{self, Entity as Usages};
use crate::entity::usage_experience::{ActiveModel, Column, Entity, Model};
use crate::error::CatalogError;
use crate::model::{Experience, ExperienceInput};
use crate::validate::{self as v};

const KIND: &str = "experience";
/// Person-days and euros: generous, but no overflow and no nonsense.
const MAX_AMOUNT: f64 = 1e12;

pub async fn create(
    db: &impl ConnectionTrait,
    usage_id: i64,
    author_id: i64,
    input: ExperienceInput,
) -> Result<Experience, CatalogError> {
    let u = find_row::<Usages>(db, usage_id, "usage").await?;
    let now = Utc::now();
    let blank = Model {
        id: 0,
        usage_id,
        author_id: Some(author_id),
        context: None,
        effort_person_days: None,
        cost_one_off_eur: None,
        cost_recurring_eur: None,
        cost_per_case_eur: None,
        went_well: None,
        pitfalls: None,
        integration_notes: None,
        willing_to_talk: false,
        contact: None,
        created_at: now,
        updated_at: now,
    };
    let m = insert_new::<ActiveModel, _>(db, apply(blank, input)?, Column::Id).await?;
    Ok(view(m, &u))
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    input: ExperienceInput,
) -> Result<Experience, CatalogError> {
    let existing = find_row::<Entity>(db, id, KIND).await?;
    let u = find_row::<Usages>(db, existing.usage_id, "usage").await?;
    let new = apply(existing.clone(), input)?;
    let (saved, _) =
        save_if_changed::<ActiveModel, _>(db, &existing, new, |m| m.updated_at = Utc::now())
            .await?;
    Ok(view(saved, &u))
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Experience, CatalogError> {
    let m = find_row::<Entity>(db, id, KIND).await?;
    let u = find_row::<Usages>(db, m.usage_id, "usage").await?;
    Ok(view(m, &u))
}

pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), CatalogError> {
    delete_row::<Entity>(db, id, KIND).await
}

/// Every report on the usages of a solution, newest first (two queries).
pub async fn for_solution(
    db: &impl ConnectionTrait,
    solution_id: i64,
) -> Result<Vec<Experience>, CatalogError> {
    let uses: HashMap<i64, usage::Model> = Usages::find()
        .filter(usage::Column::SolutionId.eq(solution_id))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    let ids: Vec<i64> = uses.keys().copied().collect();
    let mut rows = rows_by_ids::<Entity>(db, Column::UsageId, &ids).await?;
    rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
    Ok(rows
        .into_iter()
        .filter_map(|m| {
            let u = uses.get(&m.usage_id)?;
            Some(view(m, u))
        })
        .collect())
}

fn amount(field: &str, x: Option<f64>) -> Result<Option<f64>, CatalogError> {
    match x {
        Some(x) if !x.is_finite() || !(0.0..=MAX_AMOUNT).contains(&x) => Err(
            CatalogError::invalid(field, "must be a number from 0 to 10^12"),
        ),
        other => Ok(other),
    }
}

fn apply(mut m: Model, i: ExperienceInput) -> Result<Model, CatalogError> {
    m.context = v::opt_text("context", i.context, v::MAX_SUMMARY)?;
    m.effort_person_days = amount("effort_person_days", i.effort_person_days)?;
    m.cost_one_off_eur = amount("cost_one_off_eur", i.cost_one_off_eur)?;
    m.cost_recurring_eur = amount("cost_recurring_eur", i.cost_recurring_eur)?;
    m.cost_per_case_eur = amount("cost_per_case_eur", i.cost_per_case_eur)?;
    m.went_well = v::opt_text("went_well", i.went_well, v::MAX_SUMMARY)?;
    m.pitfalls = v::opt_text("pitfalls", i.pitfalls, v::MAX_SUMMARY)?;
    m.integration_notes = v::opt_text("integration_notes", i.integration_notes, v::MAX_SUMMARY)?;
    m.willing_to_talk = i.willing_to_talk;
    m.contact = v::opt_text("contact", i.contact, v::MAX_NAME)?;
    if m.willing_to_talk && m.contact.is_none() {
        return Err(CatalogError::invalid(
            "contact",
            "say whom to contact when the organisation is willing to talk",
        ));
    }
    let said_anything = m.context.is_some()
        || m.went_well.is_some()
        || m.pitfalls.is_some()
        || m.integration_notes.is_some()
        || m.effort_person_days.is_some()
        || m.cost_one_off_eur.is_some()
        || m.cost_recurring_eur.is_some()
        || m.cost_per_case_eur.is_some();
    if !said_anything {
        return Err(CatalogError::invalid(
            "context",
            "an experience report needs at least one field",
        ));
    }
    Ok(m)
}

fn view(m: Model, u: &usage::Model) -> Experience {
    Experience {
        id: m.id,
        usage_id: m.usage_id,
        solution_id: u.solution_id,
        organisation_id: u.organisation_id,
        context: m.context,
        effort_person_days: m.effort_person_days,
        cost_one_off_eur: m.cost_one_off_eur,
        cost_recurring_eur: m.cost_recurring_eur,
        cost_per_case_eur: m.cost_per_case_eur,
        went_well: m.went_well,
        pitfalls: m.pitfalls,
        integration_notes: m.integration_notes,
        willing_to_talk: m.willing_to_talk,
        contact: m.contact,
        created_at: m.created_at,
        updated_at: m.updated_at,
    }
}
