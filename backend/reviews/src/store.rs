//! Storage of the review register: metadata in `reviews`, the file in `review_files`
//! (loaded only for a download), reuse marks in `review_reuses` (one per organisation).

use std::collections::HashMap;

use chrono::Utc;
use matchraum_catalog::store::{organisations, solutions};
use matchraum_catalog::validate as v;
use matchraum_core::vocab::Stored;
use matchraum_core::Error;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, NotSet,
    QueryFilter, QueryOrder, Set,
};

use crate::content;
use crate::entity::{review, review_file, review_reuse};
use crate::model::{Review, ReviewFileInfo, ReviewInput, StoredFile};
use crate::vocab::ReviewFileType;

const KIND: &str = "review";
const MAX_FILE_NAME: usize = 200;

/// The reviews of a solution, newest review first, with their reuse marks (two queries).
pub async fn for_solution(
    db: &impl ConnectionTrait,
    solution_id: i64,
) -> Result<Vec<Review>, Error> {
    let rows = review::Entity::find()
        .filter(review::Column::SolutionId.eq(solution_id))
        .order_by_desc(review::Column::ReviewedOn)
        .order_by_desc(review::Column::Id)
        .all(db)
        .await?;
    let mut reuses = reuses_of(db, &rows.iter().map(|r| r.id).collect::<Vec<_>>()).await?;
    rows.into_iter()
        .map(|r| {
            let marks = reuses.remove(&r.id).unwrap_or_default();
            view(r, marks)
        })
        .collect()
}

pub async fn get(db: &impl ConnectionTrait, id: i64) -> Result<Review, Error> {
    let row = find(db, id).await?;
    let marks = reuses_of(db, &[id]).await?.remove(&id).unwrap_or_default();
    view(row, marks)
}

pub async fn create(
    db: &impl ConnectionTrait,
    solution_id: i64,
    input: ReviewInput,
    created_by: i64,
) -> Result<Review, Error> {
    solutions::get(db, solution_id).await?;
    let now = Utc::now();
    let mut m = review::Model {
        id: 0,
        solution_id,
        version: None,
        kind: String::new(),
        organisation_id: 0,
        reviewed_on: input.reviewed_on,
        valid_until: None,
        summary: String::new(),
        link: None,
        visibility: String::new(),
        file_name: None,
        file_type: None,
        file_size: None,
        created_by: Some(created_by),
        created_at: now,
        updated_at: now,
    };
    apply(db, &mut m, input).await?;
    let mut am = review::ActiveModel::from(m).reset_all();
    am.id = NotSet;
    let saved = am.insert(db).await?;
    view(saved, vec![])
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: i64,
    input: ReviewInput,
) -> Result<Review, Error> {
    let mut m = find(db, id).await?;
    apply(db, &mut m, input).await?;
    m.updated_at = Utc::now();
    let saved = m.into_active_model().reset_all().update(db).await?;
    get_with(db, saved).await
}

pub async fn delete(db: &impl ConnectionTrait, id: i64) -> Result<(), Error> {
    match review::Entity::delete_by_id(id)
        .exec(db)
        .await?
        .rows_affected
    {
        0 => Err(Error::NotFound { kind: KIND, id }),
        _ => Ok(()),
    }
}

/// Stores (or replaces) the review's file. Its type is recognised from the bytes; the
/// name keeps only its last path segment, printable characters and the extension of the
/// recognised type.
pub async fn attach_file(
    db: &impl ConnectionTrait,
    id: i64,
    name: &str,
    bytes: Vec<u8>,
) -> Result<Review, Error> {
    let mut m = find(db, id).await?;
    let file_type = content::detect(&bytes)?;
    let size = bytes.len() as i64;
    let existing = review_file::Entity::find_by_id(id).one(db).await?;
    let row = review_file::ActiveModel {
        review_id: Set(id),
        content: Set(bytes),
    };
    match existing {
        Some(_) => row.update(db).await?,
        None => row.insert(db).await?,
    };
    m.file_name = Some(file_name(name, file_type));
    m.file_type = Some(file_type.as_str().into());
    m.file_size = Some(size);
    m.updated_at = Utc::now();
    let saved = m.into_active_model().reset_all().update(db).await?;
    get_with(db, saved).await
}

/// The review's file, or `Missing` when it has none.
pub async fn file(db: &impl ConnectionTrait, id: i64) -> Result<StoredFile, Error> {
    let m = find(db, id).await?;
    let (Some(name), Some(t)) = (m.file_name, m.file_type) else {
        return Err(Error::Missing(format!("review {id} has no file")));
    };
    let row = review_file::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| Error::Corrupt(format!("review {id} names a file that is not stored")))?;
    Ok(StoredFile {
        name,
        file_type: ReviewFileType::from_stored(&t)?,
        content: row.content,
    })
}

/// Marks that `organisation_id` reused the review (once: a second mark is a conflict).
pub async fn mark_reused(
    db: &impl ConnectionTrait,
    id: i64,
    organisation_id: i64,
    user_id: i64,
) -> Result<Review, Error> {
    let m = find(db, id).await?;
    if m.organisation_id == organisation_id {
        return Err(Error::invalid(
            "organisation_id",
            "the reviewing organisation cannot reuse its own review",
        ));
    }
    review_reuse::ActiveModel {
        id: NotSet,
        review_id: Set(id),
        organisation_id: Set(organisation_id),
        user_id: Set(Some(user_id)),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .map_err(|e| match Error::from(e) {
        Error::Conflict(_) => Error::Conflict(format!(
            "organisation {organisation_id} has already marked this review as reused"
        )),
        other => other,
    })?;
    get_with(db, m).await
}

pub async fn unmark_reused(
    db: &impl ConnectionTrait,
    id: i64,
    organisation_id: i64,
) -> Result<Review, Error> {
    let m = find(db, id).await?;
    let gone = review_reuse::Entity::delete_many()
        .filter(review_reuse::Column::ReviewId.eq(id))
        .filter(review_reuse::Column::OrganisationId.eq(organisation_id))
        .exec(db)
        .await?
        .rows_affected;
    if gone == 0 {
        return Err(Error::Missing(format!(
            "organisation {organisation_id} has not marked review {id} as reused"
        )));
    }
    get_with(db, m).await
}

async fn find(db: &impl ConnectionTrait, id: i64) -> Result<review::Model, Error> {
    review::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(Error::NotFound { kind: KIND, id })
}

async fn get_with(db: &impl ConnectionTrait, m: review::Model) -> Result<Review, Error> {
    let marks = reuses_of(db, &[m.id])
        .await?
        .remove(&m.id)
        .unwrap_or_default();
    view(m, marks)
}

async fn reuses_of(
    db: &impl ConnectionTrait,
    review_ids: &[i64],
) -> Result<HashMap<i64, Vec<i64>>, Error> {
    let mut out: HashMap<i64, Vec<i64>> = HashMap::new();
    if review_ids.is_empty() {
        return Ok(out);
    }
    let rows = review_reuse::Entity::find()
        .filter(review_reuse::Column::ReviewId.is_in(review_ids.iter().copied()))
        .order_by_asc(review_reuse::Column::Id)
        .all(db)
        .await?;
    for r in rows {
        out.entry(r.review_id).or_default().push(r.organisation_id);
    }
    Ok(out)
}

async fn apply(
    db: &impl ConnectionTrait,
    m: &mut review::Model,
    i: ReviewInput,
) -> Result<(), Error> {
    match organisations::get(db, i.organisation_id).await {
        Ok(_) => {}
        Err(Error::NotFound { .. }) => {
            return Err(Error::invalid(
                "organisation_id",
                format!("organisation {} does not exist", i.organisation_id),
            ))
        }
        Err(e) => return Err(e),
    }
    if i.valid_until.is_some_and(|until| until < i.reviewed_on) {
        return Err(Error::invalid(
            "valid_until",
            "must not lie before the review date",
        ));
    }
    m.kind = i.kind.as_str().into();
    m.organisation_id = i.organisation_id;
    m.reviewed_on = i.reviewed_on;
    m.valid_until = i.valid_until;
    m.summary = v::text("summary", &i.summary, v::MAX_SUMMARY)?;
    m.link = v::opt_url("link", i.link)?;
    m.version = v::opt_text("version", i.version, 100)?;
    m.visibility = i.visibility.as_str().into();
    Ok(())
}

/// The last path segment, printable characters only, at most `MAX_FILE_NAME`, ending in
/// the recognised type's extension.
fn file_name(raw: &str, t: ReviewFileType) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(MAX_FILE_NAME)
        .collect();
    let clean = clean.trim().trim_start_matches('.');
    let stem = if clean.is_empty() { "pruefung" } else { clean };
    let ext = t.extension();
    if stem
        .rsplit_once('.')
        .is_some_and(|(_, e)| e.eq_ignore_ascii_case(ext))
    {
        stem.to_owned()
    } else {
        format!("{stem}.{ext}")
    }
}

fn view(m: review::Model, reused_by: Vec<i64>) -> Result<Review, Error> {
    let file = match (m.file_name, m.file_type, m.file_size) {
        (Some(name), Some(t), Some(size)) => Some(ReviewFileInfo {
            name,
            content_type: ReviewFileType::from_stored(&t)?,
            size: size.max(0) as u64,
        }),
        _ => None,
    };
    Ok(Review {
        id: m.id,
        solution_id: m.solution_id,
        version: m.version,
        kind: Stored::from_stored(&m.kind)?,
        organisation_id: m.organisation_id,
        reviewed_on: m.reviewed_on,
        valid_until: m.valid_until,
        expired: m.valid_until.is_some_and(|d| d < Utc::now().date_naive()),
        summary: m.summary,
        link: m.link,
        visibility: Stored::from_stored(&m.visibility)?,
        file,
        reused_by,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_tamed_and_carry_the_real_extension() {
        assert_eq!(
            file_name("DSFA 2025.pdf", ReviewFileType::Pdf),
            "DSFA 2025.pdf"
        );
        assert_eq!(
            file_name("C:\\x\\bericht.PDF", ReviewFileType::Pdf),
            "bericht.PDF"
        );
        assert_eq!(
            file_name("../../etc/passwd", ReviewFileType::Markdown),
            "passwd.md"
        );
        assert_eq!(file_name("evil.exe", ReviewFileType::Odt), "evil.exe.odt");
        assert_eq!(
            file_name("a\"b;\r\nc.md", ReviewFileType::Markdown),
            "abc.md"
        );
        assert_eq!(file_name("", ReviewFileType::Pdf), "pruefung.pdf");
        assert_eq!(
            file_name(".htaccess", ReviewFileType::Markdown),
            "htaccess.md"
        );
    }
}
