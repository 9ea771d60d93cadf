//! Writing mapped records: batched transactions, the merge rule, the per-run cache of
//! organisations known by name, and usages.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, EntityTrait, QueryFilter,
    TransactionTrait,
};

use super::merge::{merge_organisation, merge_solution};
use super::record::{Mapped, OrgRecord, OrgRef, Present, SolRecord, DERIVED_ORG_SOURCE};
use super::{Counts, ImportError, ImportReport};
use matchraum_catalog::entity::organisation;
use matchraum_catalog::model::{OrganisationInput, UsageInput};
use matchraum_catalog::store::{organisations, solutions, usages, Changed, Upserted};
use matchraum_catalog::vocab::{OrganisationKind, UsageStatus};
use matchraum_catalog::CatalogError;

/// The result of one record: written, or skipped with a reason.
pub enum Outcome {
    Written(Upserted),
    Skip(String),
}

pub struct Writer<'a> {
    db: &'a DatabaseConnection,
    txn: Option<DatabaseTransaction>,
    in_txn: usize,
    batch: usize,
    /// Organisations known by name: normalised name → id, for this run.
    orgs: HashMap<String, i64>,
    /// (source, source_id) → where it was first seen in this run.
    seen: HashMap<(String, String), (PathBuf, u64)>,
}

/// A store error is the record's fault (skip it) or the database's (stop the run).
fn classify(e: CatalogError) -> Result<String, ImportError> {
    match e {
        CatalogError::Invalid { .. } | CatalogError::NotFound { .. } => Ok(e.to_string()),
        other => Err(ImportError::Catalog(other)),
    }
}

impl<'a> Writer<'a> {
    pub fn new(db: &'a DatabaseConnection, batch: usize) -> Self {
        Writer {
            db,
            txn: None,
            in_txn: 0,
            batch: batch.max(1),
            orgs: HashMap::new(),
            seen: HashMap::new(),
        }
    }

    async fn begin(&mut self) -> Result<(), ImportError> {
        if self.txn.is_none() {
            self.txn = Some(self.db.begin().await.map_err(CatalogError::from)?);
        }
        Ok(())
    }

    /// Counts a record towards the batch and commits a full batch.
    async fn done_one(&mut self) -> Result<(), ImportError> {
        self.in_txn += 1;
        if self.in_txn >= self.batch {
            self.commit().await?;
        }
        Ok(())
    }

    /// Commits what is pending.
    pub async fn commit(&mut self) -> Result<(), ImportError> {
        if let Some(txn) = self.txn.take() {
            txn.commit().await.map_err(CatalogError::from)?;
        }
        self.in_txn = 0;
        Ok(())
    }

    /// Remembers where a source key was seen first. A second record with the same key in
    /// the same file is a duplicate; in another file it is allowed only when
    /// `across_files` (JSON Lines variants share ids with their full file).
    fn check_seen(
        &mut self,
        source: &str,
        source_id: &str,
        file: &Path,
        line: u64,
        across_files: bool,
    ) -> Option<String> {
        let key = (source.to_owned(), source_id.to_owned());
        match self.seen.get(&key) {
            Some((f, l)) if f == file => Some(format!(
                "duplicate id '{source_id}', first seen at line {l}"
            )),
            Some((f, _)) if !across_files => Some(format!(
                "duplicate source id '{source_id}', already imported from {}",
                f.display()
            )),
            Some(_) => None,
            None => {
                self.seen.insert(key, (file.to_path_buf(), line));
                None
            }
        }
    }

    /// Writes one record.
    pub async fn write(
        &mut self,
        mut rec: Mapped,
        file: &Path,
        line: u64,
        across_files: bool,
        report: &mut ImportReport,
    ) -> Result<Outcome, ImportError> {
        rec.keep_web_urls();
        self.begin().await?;
        let out = match rec {
            Mapped::Organisation(o) => self.write_org(*o, file, line, across_files).await?,
            Mapped::Solution(s) => {
                self.write_solution(*s, file, line, across_files, report)
                    .await?
            }
        };
        self.done_one().await?;
        Ok(out)
    }

    async fn write_org(
        &mut self,
        mut o: OrgRecord,
        file: &Path,
        line: u64,
        across_files: bool,
    ) -> Result<Outcome, ImportError> {
        let source = o.input.source.clone().unwrap_or_default();
        let sid = o.input.source_id.clone().unwrap_or_default();
        if let Some(reason) = self.check_seen(&source, &sid, file, line, across_files) {
            return Ok(Outcome::Skip(reason));
        }
        let txn = self.txn.as_ref().expect("transaction begun");
        if let Some(old) = find_org(txn, &source, &sid).await? {
            merge_organisation(&mut o.input, &o.present, &old);
        }
        if o.input.name.trim().is_empty() {
            return Ok(Outcome::Skip(
                "missing title (the organisation's name)".into(),
            ));
        }
        match organisations::upsert_by_source(txn, o.input).await {
            Ok(u) => Ok(Outcome::Written(u)),
            Err(e) => Ok(Outcome::Skip(classify(e)?)),
        }
    }

    async fn write_solution(
        &mut self,
        mut s: SolRecord,
        file: &Path,
        line: u64,
        across_files: bool,
        report: &mut ImportReport,
    ) -> Result<Outcome, ImportError> {
        let source = s.input.source.clone().unwrap_or_default();
        let sid = s.input.source_id.clone().unwrap_or_default();
        if let Some(reason) = self.check_seen(&source, &sid, file, line, across_files) {
            return Ok(Outcome::Skip(reason));
        }
        let txn = self.txn.as_ref().expect("transaction begun");
        if s.present.contains("provider_id") {
            s.input.provider_id = match &s.provider {
                Some(r) => {
                    match resolve_org(txn, &mut self.orgs, r, &mut report.organisations_by_name)
                        .await?
                    {
                        Ok(id) => Some(id),
                        Err(reason) => return Ok(Outcome::Skip(format!("provider: {reason}"))),
                    }
                }
                None => None,
            };
        }
        if let Some(old) = solutions::find_by_source(txn, &source, &sid).await? {
            let old = solutions::to_view(old)?;
            merge_solution(&mut s.input, &s.present, &old);
        }
        if s.present.contains("title") {
            // A real title replaces a derived one, and so does its flag.
            if let Some(obj) = s.input.extra.as_mut().and_then(|e| e.as_object_mut()) {
                obj.remove("title_derived_from");
            }
        }
        if s.input.title.trim().is_empty() {
            // A record without a title is still findable by its text: name it after the
            // first sentence of its summary or description, and say so in `extra`.
            match derived_title(&s.input) {
                Some((title, from)) => {
                    s.input.title = title;
                    let extra = s.input.extra.get_or_insert_with(|| serde_json::json!({}));
                    if let Some(obj) = extra.as_object_mut() {
                        obj.insert("title_derived_from".into(), from.into());
                    }
                }
                None => {
                    return Ok(Outcome::Skip(
                        "missing title, and no summary or description to name it by".into(),
                    ))
                }
            }
        }
        let upserted = match solutions::upsert_by_source(txn, s.input).await {
            Ok(u) => u,
            Err(e) => return Ok(Outcome::Skip(classify(e)?)),
        };
        let mut changed = !matches!(upserted, Upserted::Unchanged(_));
        for user in &s.used_by {
            let org =
                match resolve_org(txn, &mut self.orgs, user, &mut report.organisations_by_name)
                    .await?
                {
                    Ok(id) => id,
                    Err(reason) => {
                        report.warnings.push(format!(
                            "{}:{line}: usedBy '{}' not imported: {reason}",
                            file.display(),
                            user.name.chars().take(80).collect::<String>()
                        ));
                        continue;
                    }
                };
            let input = UsageInput {
                solution_id: upserted.id(),
                organisation_id: org,
                since: None,
                context: None,
                status: UsageStatus::InUse,
                experience: None,
                version: None,
            };
            match usages::upsert_pair(txn, input).await {
                Ok(u) => {
                    report.usages.add(u);
                    changed |= !matches!(u, Upserted::Unchanged(_));
                }
                Err(e) => report.warnings.push(format!(
                    "{}:{line}: usage not imported: {}",
                    file.display(),
                    classify(e)?
                )),
            }
        }
        if changed {
            report.changed.push(Changed::Solution(upserted.id()));
        }
        Ok(Outcome::Written(upserted))
    }
}

/// Maximum length of a title derived from a description.
const DERIVED_TITLE_CHARS: usize = 120;

/// The first sentence of the summary (else the description), cut at a word boundary.
fn derived_title(
    input: &matchraum_catalog::model::SolutionInput,
) -> Option<(String, &'static str)> {
    let (text, from) = [
        (&input.summary, "summary"),
        (&input.description, "description"),
    ]
    .into_iter()
    .find_map(|(t, from)| {
        t.as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(|t| (t, from))
    })?;
    let first = text
        .split_inclusive(['.', '!', '?', '\n'])
        .next()
        .unwrap_or(text)
        .trim()
        .trim_end_matches('.');
    if first.chars().count() <= DERIVED_TITLE_CHARS {
        return Some((first.to_owned(), from));
    }
    let cut: String = first.chars().take(DERIVED_TITLE_CHARS).collect();
    let at_word = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    Some((format!("{at_word} …"), from))
}

async fn find_org(
    db: &DatabaseTransaction,
    source: &str,
    source_id: &str,
) -> Result<Option<matchraum_catalog::model::Organisation>, ImportError> {
    let found = organisation::Entity::find()
        .filter(organisation::Column::Source.eq(source))
        .filter(organisation::Column::SourceId.eq(source_id))
        .one(db)
        .await
        .map_err(CatalogError::from)?;
    Ok(found.map(organisations::to_view).transpose()?)
}

/// Finds or creates an organisation known by name, once per run (cached by key).
async fn resolve_org(
    txn: &DatabaseTransaction,
    cache: &mut HashMap<String, i64>,
    r: &OrgRef,
    counts: &mut Counts,
) -> Result<Result<i64, String>, ImportError> {
    let key = r.key();
    if key.is_empty() {
        return Ok(Err("empty organisation name".into()));
    }
    if let Some(id) = cache.get(&key) {
        return Ok(Ok(*id));
    }
    let mut present = Present::new();
    present.insert("name");
    let mut input = OrganisationInput {
        name: r.name.split_whitespace().collect::<Vec<_>>().join(" "),
        kind: r.kind.unwrap_or(OrganisationKind::Other),
        land: r.land.clone(),
        region_code: None,
        website: r.website.clone(),
        email: None,
        description: None,
        source: Some(DERIVED_ORG_SOURCE.into()),
        source_id: Some(key.clone()),
        extra: None,
    };
    for (field, known) in [
        ("kind", r.kind.is_some()),
        ("land", r.land.is_some()),
        ("website", r.website.is_some()),
    ] {
        if known {
            present.insert(field);
        }
    }
    if let Some(old) = find_org(txn, DERIVED_ORG_SOURCE, &key).await? {
        // The name as first stored stays; other spellings map to the same key.
        present.remove("name");
        merge_organisation(&mut input, &present, &old);
    }
    match organisations::upsert_by_source(txn, input).await {
        Ok(u) => {
            counts.add(u);
            cache.insert(key, u.id());
            Ok(Ok(u.id()))
        }
        Err(e) => Ok(Err(classify(e)?)),
    }
}
