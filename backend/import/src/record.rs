//! What a source record becomes before it is written: an organisation or a solution
//! input, the set of fields the record actually spoke about, and the organisations it
//! names by name (provider, users) that the writer resolves.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use matchraum_catalog::model::{OrganisationInput, SolutionInput};
use matchraum_catalog::vocab::{OrganisationKind, SolutionKind};

/// Names of the input fields (`SolutionInput` / `OrganisationInput` field names) a record
/// provides. A field not in the set keeps its stored value (see [`super::merge`]).
pub type Present = BTreeSet<&'static str>;

/// One mapped record.
#[derive(Debug)]
pub enum Mapped {
    Organisation(Box<OrgRecord>),
    Solution(Box<SolRecord>),
}

#[derive(Debug)]
pub struct OrgRecord {
    pub input: OrganisationInput,
    pub present: Present,
}

#[derive(Debug)]
pub struct SolRecord {
    pub input: SolutionInput,
    pub present: Present,
    /// The provider, when `present` contains `provider_id`; `None` there means "none".
    pub provider: Option<OrgRef>,
    /// Organisations that use the solution (publiccode.yml `usedBy`).
    pub used_by: Vec<OrgRef>,
}

/// An organisation known only by its name (a developer, copyright owner, user). The
/// writer finds or creates it under [`DERIVED_ORG_SOURCE`] with the normalised name as
/// source id, so the same name from several sources is one organisation.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OrgRef {
    pub name: String,
    pub kind: Option<OrganisationKind>,
    pub land: Option<String>,
    pub website: Option<String>,
}

/// Source of the organisations the importer derives from names in other records.
pub const DERIVED_ORG_SOURCE: &str = "org-name";

impl OrgRef {
    pub fn named(name: impl Into<String>) -> Self {
        OrgRef {
            name: name.into(),
            ..OrgRef::default()
        }
    }

    /// The cache and source-id key: trimmed, inner whitespace collapsed, lower case.
    pub fn key(&self) -> String {
        normalise_name(&self.name)
    }
}

pub fn normalise_name(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl Mapped {
    /// Web addresses as the catalogue accepts them (see `validate::lenient_web_url`): a
    /// source's bare domain becomes `https://…`, other schemes (`mailto:`, `javascript:`)
    /// are dropped rather than costing the whole record.
    pub fn keep_web_urls(&mut self) {
        use matchraum_catalog::validate::lenient_web_url as keep;
        match self {
            Mapped::Organisation(o) => o.input.website = keep(o.input.website.take()),
            Mapped::Solution(s) => {
                let i = &mut s.input;
                i.url = keep(i.url.take());
                i.code_url = keep(i.code_url.take());
                i.documentation_url = keep(i.documentation_url.take());
                i.transfer_concept_url = keep(i.transfer_concept_url.take());
                for org in s.provider.iter_mut().chain(s.used_by.iter_mut()) {
                    org.website = keep(org.website.take());
                }
            }
        }
    }
}

impl SolRecord {
    pub fn new(source: &str, source_id: &str, kind: SolutionKind) -> Self {
        let mut present = Present::new();
        present.insert("kind");
        SolRecord {
            input: SolutionInput {
                kind,
                source: Some(source.to_owned()),
                source_id: Some(source_id.to_owned()),
                ..SolutionInput::default()
            },
            present,
            provider: None,
            used_by: vec![],
        }
    }

    pub fn set_provider(&mut self, provider: Option<OrgRef>) {
        self.present.insert("provider_id");
        self.provider = provider;
    }
}

impl OrgRecord {
    pub fn new(source: &str, source_id: &str, kind: OrganisationKind) -> Self {
        let mut present = Present::new();
        present.insert("kind");
        OrgRecord {
            input: OrganisationInput {
                name: String::new(),
                kind,
                land: None,
                region_code: None,
                website: None,
                email: None,
                description: None,
                source: Some(source.to_owned()),
                source_id: Some(source_id.to_owned()),
                extra: None,
            },
            present,
        }
    }
}

/// Sets `$rec.input.$field` and marks it present when `$val` is `Some`.
macro_rules! put {
    ($rec:expr, $field:ident, $val:expr) => {
        if let Some(v) = $val {
            $rec.input.$field = v;
            $rec.present.insert(stringify!($field));
        }
    };
}
pub(crate) use put;

/// Typed, strict access to the fields of one JSON record; what is not taken stays for
/// `extra`. "Absent" and "null" are kept apart: `Ok(None)` is absent, `Ok(Some(None))`
/// (or an empty list) is an explicit null.
pub struct Fields {
    map: Map<String, Value>,
}

impl Fields {
    pub fn new(map: Map<String, Value>) -> Self {
        Fields { map }
    }

    pub fn has(&self, key: &str) -> bool {
        self.map.contains_key(key)
    }

    pub fn peek(&self, key: &str) -> Option<&Value> {
        self.map.get(key)
    }

    /// Takes a string (or null).
    pub fn string(&mut self, key: &str) -> Result<Option<Option<String>>, String> {
        let r = check_string(key, self.map.get(key))?;
        self.map.remove(key);
        Ok(r)
    }

    /// Reads a string without taking it (it stays in `extra`).
    pub fn string_kept(&self, key: &str) -> Result<Option<Option<String>>, String> {
        check_string(key, self.map.get(key))
    }

    /// Takes a list of strings (null is the empty list).
    pub fn strings(&mut self, key: &str) -> Result<Option<Vec<String>>, String> {
        let r = match self.map.get(key) {
            None => None,
            Some(Value::Null) => Some(vec![]),
            Some(Value::Array(items)) => Some(
                items
                    .iter()
                    .map(|v| match v {
                        Value::String(s) => Ok(s.clone()),
                        other => Err(format!(
                            "{key}: expected a list of strings, found an item of type {}",
                            type_name(other)
                        )),
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
            Some(other) => {
                return Err(format!(
                    "{key}: expected a list of strings, got {}",
                    type_name(other)
                ))
            }
        };
        self.map.remove(key);
        Ok(r)
    }

    /// Puts a value (back) for `extra`.
    pub fn insert(&mut self, key: &str, value: Value) {
        self.map.insert(key.to_owned(), value);
    }

    /// Removes a key without looking at it.
    pub fn drop(&mut self, key: &str) {
        self.map.remove(key);
    }

    /// Whatever was not taken, as the `extra` object.
    pub fn into_extra(self) -> Value {
        Value::Object(self.map)
    }
}

fn check_string(key: &str, v: Option<&Value>) -> Result<Option<Option<String>>, String> {
    match v {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(other) => Err(format!(
            "{key}: expected a string, got {}",
            type_name(other)
        )),
    }
}

pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A source's own date of a record (`2021-02-16`, `2026-06-08T07:41:01`, `2021-02` or
/// `2021`) as the instant it was last stated, at its start in UTC; `None` for anything
/// else. Imports set `last_verified_at` only from such a date, never from the import time.
pub fn source_date(raw: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    let s = raw.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Some(Utc.from_utc_datetime(&t));
    }
    let day = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d"))
        .or_else(|_| NaiveDate::parse_from_str(&format!("{s}-01-01"), "%Y-%m-%d"))
        .ok()?;
    // Years like 0 or 99999 are no one's verification date.
    if !(1990..=2100).contains(&chrono::Datelike::year(&day)) {
        return None;
    }
    Some(Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0)?))
}

#[cfg(test)]
mod source_date_tests {
    use super::source_date;

    #[test]
    fn reads_the_date_forms_of_the_sources() {
        let d = |s: &str| source_date(s).map(|t| t.to_rfc3339());
        assert_eq!(
            d("2021-02-16").as_deref(),
            Some("2021-02-16T00:00:00+00:00")
        );
        assert_eq!(
            d("2026-06-08T07:41:01").as_deref(),
            Some("2026-06-08T07:41:01+00:00")
        );
        assert_eq!(
            d("2026-06-08T07:41:01+02:00").as_deref(),
            Some("2026-06-08T05:41:01+00:00")
        );
        assert_eq!(d("2021").as_deref(), Some("2021-01-01T00:00:00+00:00"));
        assert_eq!(d("2021-07").as_deref(), Some("2021-07-01T00:00:00+00:00"));
        assert_eq!(d("gestern"), None);
        assert_eq!(d("0001-01-01"), None);
    }
}
