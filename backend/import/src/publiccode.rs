//! publiccode.yml: parsing (lenient), mapping to a solution, and export.
//!
//! Parsing uses `serde_yaml` 0.9, which reads YAML 1.2: an unquoted `no` stays the string
//! "no" (PyYAML would make it `false`), and `0.4` is a number. Fields are read leniently:
//! numbers and booleans are accepted where text is expected, a single string where a list
//! is expected, unknown or mistyped optional fields are ignored. Only a file that does not
//! parse as YAML at all, or whose top level is not a mapping, is reported.
//!
//! Mapping: source `publiccode`, `source_id` = `url` (or the file name when absent);
//! `name` → title; `description.<lang>` (de, then en, then the first language) →
//! `shortDescription` → summary, `longDescription` → description, `documentation` →
//! documentation_url; `legal.license` → licence; `developmentStatus` → maturity;
//! `maintenance.contacts` → contacts; `categories` (and old `tags`) → tags;
//! `localisation.availableLanguages` → languages; `landingURL` → url, `url` → code_url;
//! `legal.mainCopyrightOwner` / `repoOwner` → provider; `usedBy` → usages (in use).
//! The whole parsed document is kept in `extra.publiccode`.

use serde_json::{json, Map, Value};
use serde_yaml::Value as Yaml;

use super::record::{put, OrgRef, SolRecord};
use matchraum_catalog::model::{Contact, Organisation, Solution};
use matchraum_catalog::vocab::{Maturity, SolutionKind};

pub const SOURCE: &str = "publiccode";

/// A file that is not a publiccode.yml document at all.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// 1-based line of the problem, where the parser knows it.
    pub line: Option<u64>,
    pub message: String,
}

/// Parses a publiccode.yml document into JSON (keys as strings).
pub fn parse(bytes: &[u8]) -> Result<Value, ParseError> {
    let yaml: Yaml = serde_yaml::from_slice(bytes).map_err(|e| ParseError {
        line: e.location().map(|l| l.line() as u64),
        message: format!("not valid YAML: {e}"),
    })?;
    let doc = to_json(yaml);
    if !doc.is_object() {
        return Err(ParseError {
            line: None,
            message: format!(
                "expected a YAML mapping at the top level, got {}",
                super::record::type_name(&doc)
            ),
        });
    }
    Ok(doc)
}

/// YAML → JSON: non-string keys become strings, non-finite numbers become strings,
/// tags are dropped.
fn to_json(y: Yaml) -> Value {
    match y {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => {
            if let Some(i) = n.as_i64() {
                json!(i)
            } else if let Some(u) = n.as_u64() {
                json!(u)
            } else {
                let f = n.as_f64().unwrap_or(f64::NAN);
                serde_json::Number::from_f64(f)
                    .map(Value::Number)
                    .unwrap_or_else(|| Value::String(n.to_string()))
            }
        }
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => Value::Array(items.into_iter().map(to_json).collect()),
        Yaml::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    Yaml::String(s) => s,
                    other => match to_json(other) {
                        Value::String(s) => s,
                        v => v.to_string(),
                    },
                };
                out.insert(key, to_json(v));
            }
            Value::Object(out)
        }
        Yaml::Tagged(t) => to_json(t.value),
    }
}

/// Text at a path, leniently: numbers and booleans become text, blank is `None`.
fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    scalar(cur)
}

fn scalar(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// A list of texts at a path; a single text counts as a one-item list.
fn texts(v: &Value, path: &[&str]) -> Option<Vec<String>> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    match cur {
        Value::Array(items) => Some(items.iter().filter_map(scalar).collect()),
        other => scalar(other).map(|s| vec![s]),
    }
}

/// The description block to use: `de`, then `de-*`, then `en`, then the first by name.
pub fn description_language(doc: &Value) -> Option<(String, &Map<String, Value>)> {
    let Some(Value::Object(desc)) = doc.get("description") else {
        return None;
    };
    let blocks: Vec<(&String, &Map<String, Value>)> = desc
        .iter()
        .filter_map(|(k, v)| v.as_object().map(|o| (k, o)))
        .collect();
    let pick = |pred: &dyn Fn(&str) -> bool| blocks.iter().find(|(k, _)| pred(k)).copied();
    pick(&|k| k == "de")
        .or_else(|| pick(&|k| k.starts_with("de-") || k.starts_with("de_")))
        .or_else(|| pick(&|k| k == "en" || k.starts_with("en-")))
        .or_else(|| blocks.iter().min_by_key(|(k, _)| k.as_str()).copied())
        .map(|(k, v)| (k.clone(), v))
}

/// publiccode `developmentStatus` → maturity (lenient about case and `production`).
pub fn maturity_of(status: &str) -> Maturity {
    match status.trim().to_lowercase().as_str() {
        "concept" => Maturity::Idea,
        "development" => Maturity::InDevelopment,
        "beta" => Maturity::Pilot,
        "stable" | "production" => Maturity::InProduction,
        "obsolete" => Maturity::Retired,
        _ => Maturity::Unknown,
    }
}

/// Maturity → publiccode `developmentStatus`; `None` where nothing is known.
pub fn status_of(m: Maturity) -> Option<&'static str> {
    Some(match m {
        Maturity::Idea => "concept",
        Maturity::InDevelopment => "development",
        Maturity::Pilot => "beta",
        Maturity::InProduction | Maturity::Widespread => "stable",
        Maturity::Retired => "obsolete",
        Maturity::Unknown => return None,
    })
}

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
        let list: Vec<Contact> = contacts
            .iter()
            .filter(|c| c.is_object())
            .map(|c| Contact {
                name: text(c, &["name"]),
                email: text(c, &["email"]),
                phone: text(c, &["phone"]),
                role: text(c, &["affiliation"]),
            })
            .filter(|c| c != &Contact::default())
            .collect();
        put!(s, contacts, Some(list));
    }
    let owner = text(&doc, &["legal", "mainCopyrightOwner"])
        .or_else(|| text(&doc, &["legal", "repoOwner"]));
    if let Some(owner) = owner {
        s.set_provider(Some(OrgRef::named(owner)));
    }
    s.used_by = texts(&doc, &["usedBy"])
        .unwrap_or_default()
        .into_iter()
        .map(OrgRef::named)
        .collect();
    s.input.extra = Some(json!({ "publiccode": doc, "publiccode_file": file_name }));
    Ok(s)
}

/// Exports a solution as a publiccode.yml (version 0.4) document.
pub fn export(s: &Solution, provider: Option<&Organisation>) -> String {
    use serde_yaml::Mapping;
    fn m(pairs: Vec<(&str, Yaml)>) -> Yaml {
        let mut map = Mapping::new();
        for (k, v) in pairs {
            if !v.is_null() {
                map.insert(Yaml::String(k.into()), v);
            }
        }
        Yaml::Mapping(map)
    }
    fn t(s: Option<&str>) -> Yaml {
        s.map_or(Yaml::Null, |s| Yaml::String(s.to_owned()))
    }
    /// Only web addresses leave as links, whatever an older row holds.
    fn link(s: Option<&str>) -> Yaml {
        t(s.filter(|u| matchraum_catalog::validate::is_web_url(u)))
    }
    fn list(items: &[String]) -> Yaml {
        Yaml::Sequence(items.iter().map(|i| Yaml::String(i.clone())).collect())
    }
    let original = s.extra.get("publiccode");
    let software_type = original
        .and_then(|d| text(d, &["softwareType"]))
        .unwrap_or_else(|| "standalone/web".to_owned());
    let lang = original
        .and_then(|d| description_language(d).map(|(k, _)| k))
        .unwrap_or_else(|| "de".to_owned());
    let mut desc = Mapping::new();
    desc.insert(
        Yaml::String(lang.clone()),
        m(vec![
            ("shortDescription", t(s.summary.as_deref())),
            ("longDescription", t(s.description.as_deref())),
            ("documentation", link(s.documentation_url.as_deref())),
        ]),
    );
    // Sources with an English text beside the German one (opensource.muenchen.de).
    let en_short = s.extra.get("lead_en").and_then(scalar);
    let en_long = s.extra.get("description_en").and_then(scalar);
    if lang != "en" && (en_short.is_some() || en_long.is_some()) {
        desc.insert(
            Yaml::String("en".into()),
            m(vec![
                ("shortDescription", t(en_short.as_deref())),
                ("longDescription", t(en_long.as_deref())),
            ]),
        );
    }
    let contacts: Vec<Yaml> = s
        .contacts
        .iter()
        .filter(|c| c.name.is_some())
        .map(|c| {
            m(vec![
                ("name", t(c.name.as_deref())),
                ("email", t(c.email.as_deref())),
                ("phone", t(c.phone.as_deref())),
                ("affiliation", t(c.role.as_deref())),
            ])
        })
        .collect();
    let languages = if s.languages.is_empty() {
        vec![lang.clone()]
    } else {
        s.languages.clone()
    };
    let owner = provider.map(|p| p.name.as_str());
    let doc = m(vec![
        ("publiccodeYmlVersion", t(Some("0.4"))),
        ("name", t(Some(&s.title))),
        ("url", link(s.code_url.as_deref().or(s.url.as_deref()))),
        (
            "landingURL",
            link(s.url.as_deref().filter(|_| s.code_url.is_some())),
        ),
        ("softwareType", t(Some(&software_type))),
        ("developmentStatus", t(status_of(s.maturity))),
        ("platforms", list(&["web".to_owned()])),
        (
            "categories",
            if original.is_some() && !s.tags.is_empty() {
                list(&s.tags)
            } else {
                Yaml::Null
            },
        ),
        (
            "legal",
            m(vec![
                ("license", t(s.licence.as_deref())),
                ("mainCopyrightOwner", t(owner)),
                ("repoOwner", t(owner)),
            ]),
        ),
        (
            "maintenance",
            m(vec![
                (
                    "type",
                    t(Some(if contacts.is_empty() {
                        "none"
                    } else {
                        "internal"
                    })),
                ),
                (
                    "contacts",
                    if contacts.is_empty() {
                        Yaml::Null
                    } else {
                        Yaml::Sequence(contacts)
                    },
                ),
            ]),
        ),
        (
            "localisation",
            m(vec![
                ("localisationReady", Yaml::Bool(languages.len() > 1)),
                ("availableLanguages", list(&languages)),
            ]),
        ),
        ("description", Yaml::Mapping(desc)),
    ]);
    serde_yaml::to_string(&doc).expect("a YAML mapping of strings serialises")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn data(file: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data/publiccode/files")
            .join(file)
    }

    #[test]
    fn a_real_german_file_maps_name_texts_licence_maturity_and_provider() {
        let bytes = std::fs::read(data("it-at-m__mucgpt.publiccode.yml")).unwrap();
        let doc = parse(&bytes).unwrap();
        let s = map(doc, "it-at-m__mucgpt.publiccode.yml", SOURCE).unwrap();
        assert_eq!(
            s.input.source_id.as_deref(),
            Some("https://github.com/it-at-m/mucgpt")
        );
        assert!(
            s.input.title.to_lowercase().contains("mucgpt"),
            "{}",
            s.input.title
        );
        assert!(s.input.summary.is_some());
        assert_eq!(s.input.maturity, Maturity::InProduction);
        assert!(s.input.licence.is_some());
        assert_eq!(
            s.provider.as_ref().unwrap().name,
            "Landeshauptstadt München"
        );
        assert!(s.input.extra.as_ref().unwrap()["publiccode"]["name"].is_string());
    }

    #[test]
    fn a_malformed_file_is_an_error_with_a_reason_not_a_panic() {
        let bytes = std::fs::read(data("BW-Projects__aTrain.publiccode.yml")).unwrap();
        let err = parse(&bytes).unwrap_err();
        assert!(err.message.starts_with("not valid YAML"), "{err}");
        assert!(err.line.is_some_and(|l| l > 1), "{err:?}");
        assert!(parse(b"- just\n- a list\n")
            .unwrap_err()
            .message
            .contains("mapping"));
        assert!(parse(&[0xff, 0xfe, b':']).is_err());
    }

    #[test]
    fn yaml_1_1_quirks_and_mistyped_fields_are_read_leniently() {
        let doc = parse(
            b"name: no\nurl: https://example.org/x\ndevelopmentStatus: Stable\nlegal: {license: 1}\n\
              usedBy: Stadt Bonn\ncategories: [a, 2]\nmaintenance: {contacts: [{name: A, phone: 12345}, x]}\n\
              localisation: {availableLanguages: de}\n",
        )
        .unwrap();
        let s = map(doc, "f.yml", SOURCE).unwrap();
        assert_eq!(s.input.title, "no");
        assert_eq!(s.input.maturity, Maturity::InProduction);
        assert_eq!(s.input.licence.as_deref(), Some("1"));
        assert_eq!(s.used_by, vec![OrgRef::named("Stadt Bonn")]);
        assert_eq!(s.input.tags, vec!["a", "2"]);
        assert_eq!(s.input.contacts[0].phone.as_deref(), Some("12345"));
        assert_eq!(s.input.languages, vec!["de"]);
        assert!(map(parse(b"url: x\n").unwrap(), "f.yml", SOURCE)
            .unwrap_err()
            .contains("name"));
    }

    #[test]
    fn every_real_file_parses_except_the_two_known_malformed_ones() {
        let dir = data("");
        let mut failed = vec![];
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            n += 1;
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            match parse(&std::fs::read(&p).unwrap())
                .map_err(|e| e.to_string())
                .and_then(|d| map(d, &name, SOURCE))
            {
                Ok(_) => {}
                Err(_) => failed.push(name),
            }
        }
        failed.sort();
        assert_eq!(n, 89);
        assert_eq!(
            failed,
            vec![
                "Azienda-USL-di-Bologna__DAE-RespondER.publiccode.yml",
                "BW-Projects__aTrain.publiccode.yml"
            ]
        );
    }
}
