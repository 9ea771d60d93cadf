//! A parsed publiccode.yml document → a solution record.
//!
//! Source `publiccode`, `source_id` = `url` (or the file name when absent); `name` → title;
//! `description.<lang>` (de, then en, then the first language) → `shortDescription` →
//! summary, `longDescription` → description, `documentation` → documentation_url;
//! `legal.license` → licence; `developmentStatus` → maturity; `maintenance.contacts` →
//! contacts; `categories` (and old `tags`) → tags; `localisation.availableLanguages` →
//! languages; `landingURL` → url, `url` → code_url; the publisher → provider:
//! `organisation.name` (0.5+, with `organisation.uri` as its website when it is a web
//! address), else `legal.mainCopyrightOwner`, else the deprecated `legal.repoOwner`;
//! `usedBy` → usages (in use); the German section `DE` (or `de`) → `leikaKeys` → LeiKa keys,
//! `ozgIds` → OZG ids. The standard defines no German section (0.7 defines only the
//! deprecated Italian one): these two keys are this catalogue's, written by [`super::export`].
//! Everything without a column of its own (`fundedBy`, `supports`, `dependsOn`,
//! `maintenance.type`/`contractors`, `platforms`, other languages' texts …) stays in
//! `extra.publiccode`, the whole parsed document, and the export writes it back.

use serde_json::{json, Value};

use super::{description_language, maturity_of, scalar, text, texts};
use crate::record::{put, OrgRef, SolRecord};
use matchraum_catalog::model::Contact;
use matchraum_catalog::validate::is_web_url;
use matchraum_catalog::vocab::SolutionKind;

/// Maps a parsed document. `file_name` is the source id when `url` is missing.
pub fn map(doc: Value, file_name: &str, source: &str) -> Result<SolRecord, String> {
    let source_id = text(&doc, &["url"]).unwrap_or_else(|| file_name.to_owned());
    let mut s = SolRecord::new(source, &source_id, SolutionKind::Software);
    let lang = description_language(&doc);
    let title = text(&doc, &["name"])
        .or_else(|| {
            lang.as_ref()
                .and_then(|(_, b)| b.get("localisedName").and_then(scalar))
        })
        .ok_or_else(|| "missing name".to_owned())?;
    put!(s, title, Some(title));
    if let Some((_, block)) = &lang {
        let block = Value::Object((*block).clone());
        put!(s, summary, text(&block, &["shortDescription"]).map(Some));
        put!(s, description, text(&block, &["longDescription"]).map(Some));
        put!(
            s,
            documentation_url,
            text(&block, &["documentation"]).map(Some)
        );
    }
    put!(s, licence, text(&doc, &["legal", "license"]).map(Some));
    put!(
        s,
        maturity,
        text(&doc, &["developmentStatus"]).map(|d| maturity_of(&d))
    );
    put!(s, code_url, text(&doc, &["url"]).map(Some));
    // The file's own date: the last release it describes.
    put!(
        s,
        last_verified_at,
        text(&doc, &["releaseDate"])
            .and_then(|d| crate::record::source_date(&d))
            .map(Some)
    );
    put!(
        s,
        url,
        text(&doc, &["landingURL"])
            .or_else(|| text(&doc, &["landingUrl"]))
            .map(Some)
    );
    let mut tags = texts(&doc, &["categories"]).unwrap_or_default();
    tags.extend(texts(&doc, &["tags"]).unwrap_or_default());
    if doc.get("categories").is_some() || doc.get("tags").is_some() {
        put!(s, tags, Some(tags));
    }
    put!(
        s,
        languages,
        texts(&doc, &["localisation", "availableLanguages"])
    );
    if let Some(Value::Array(contacts)) = doc.get("maintenance").and_then(|m| m.get("contacts")) {
        put!(s, contacts, Some(contacts_of(contacts)));
    }
    if let Some(owner) = publisher(&doc) {
        s.set_provider(Some(owner));
    }
    if let Some(de) = german_section(&doc) {
        put!(s, leika_keys, texts(de, &["leikaKeys"]));
        put!(s, ozg_ids, texts(de, &["ozgIds"]));
    }
    s.used_by = texts(&doc, &["usedBy"])
        .unwrap_or_default()
        .into_iter()
        .map(OrgRef::named)
        .collect();
    s.input.extra = Some(json!({ "publiccode": doc, "publiccode_file": file_name }));
    Ok(s)
}

fn contacts_of(contacts: &[Value]) -> Vec<Contact> {
    contacts
        .iter()
        .filter(|c| c.is_object())
        .map(|c| Contact {
            name: text(c, &["name"]),
            email: text(c, &["email"]),
            phone: text(c, &["phone"]),
            role: text(c, &["affiliation"]),
        })
        .filter(|c| c != &Contact::default())
        .collect()
}

/// The organisation publishing the software, by the newest key the file has.
fn publisher(doc: &Value) -> Option<OrgRef> {
    if let Some(name) = text(doc, &["organisation", "name"]) {
        let website = text(doc, &["organisation", "uri"]).filter(|u| is_web_url(u));
        return Some(OrgRef {
            website,
            ..OrgRef::named(name)
        });
    }
    text(doc, &["legal", "mainCopyrightOwner"])
        .or_else(|| text(doc, &["legal", "repoOwner"]))
        .map(OrgRef::named)
}

/// The German country section, upper case (0.5+) or the deprecated lower case.
pub(super) fn german_section(doc: &Value) -> Option<&Value> {
    doc.get("DE")
        .or_else(|| doc.get("de"))
        .filter(|v| v.is_object())
}
