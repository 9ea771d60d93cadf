//! A solution → a publiccode.yml document of version 0.7.
//!
//! Only what the catalogue holds is written: the columns, the organisations around the
//! solution ([`Related`]), and for an entry imported from a publiccode.yml the facts of the
//! original file that have no column (`extra.publiccode`: `platforms`, `softwareType`,
//! `fundedBy`, `supports`, `dependsOn`, `maintenance.type`/`contractors`, `features` and the
//! other languages' texts). Nothing is made up: a mandatory key the catalogue has no data
//! for stays out, and [`super::missing_keys`] names it.

use serde_json::Value;
use serde_yaml::{Mapping, Value as Yaml};

use super::{description_language, scalar, status_of, text, texts};
use matchraum_catalog::model::{Organisation, Solution};
use matchraum_catalog::validate::is_web_url;

/// The standard's own version string (conf.py: "publiccode.yml Standard (v0.7)").
pub const VERSION: &str = "0.7";

/// The organisations around a solution, loaded by the caller.
#[derive(Clone, Debug, Default)]
pub struct Related<'a> {
    pub provider: Option<&'a Organisation>,
    /// A stable URI of the provider (`organisation.uri` is mandatory in the section): the
    /// catalogue's own address of the organisation.
    pub provider_uri: Option<String>,
    /// Names of the organisations that use the solution (usages not rejected).
    pub used_by: Vec<String>,
}

fn m(pairs: Vec<(&str, Yaml)>) -> Yaml {
    let mut map = Mapping::new();
    for (k, v) in pairs {
        if !is_empty(&v) {
            map.insert(Yaml::String(k.into()), v);
        }
    }
    Yaml::Mapping(map)
}

fn is_empty(v: &Yaml) -> bool {
    match v {
        Yaml::Null => true,
        Yaml::Sequence(s) => s.is_empty(),
        Yaml::Mapping(m) => m.is_empty(),
        _ => false,
    }
}

fn t(s: Option<&str>) -> Yaml {
    s.map_or(Yaml::Null, |s| Yaml::String(s.to_owned()))
}

/// Only web addresses leave as links, whatever an older row holds.
fn link(s: Option<&str>) -> Yaml {
    t(s.filter(|u| is_web_url(u)))
}

fn list(items: &[String]) -> Yaml {
    Yaml::Sequence(items.iter().map(|i| Yaml::String(i.clone())).collect())
}

/// The objects of a list in the original, each cut to `keys` (text values, `optional` as
/// a boolean), without those lacking `required`.
fn objects(orig: Option<&Value>, path: &[&str], keys: &[&str], required: &str) -> Yaml {
    let Some(mut cur) = orig else {
        return Yaml::Null;
    };
    for p in path {
        match cur.get(*p) {
            Some(v) => cur = v,
            None => return Yaml::Null,
        }
    }
    let Value::Array(items) = cur else {
        return Yaml::Null;
    };
    let out: Vec<Yaml> = items
        .iter()
        .filter(|i| text(i, &[required]).is_some())
        .map(|i| {
            m(keys
                .iter()
                .map(|k| {
                    let v = match (i.get(*k), *k) {
                        (Some(Value::Bool(b)), "optional") => Yaml::Bool(*b),
                        _ => t(text(i, &[*k]).as_deref()),
                    };
                    (*k, v)
                })
                .collect())
        })
        .collect();
    Yaml::Sequence(out)
}

/// Exports a solution as a publiccode.yml document (version [`VERSION`]).
pub fn export(s: &Solution, rel: &Related) -> String {
    let original = s.extra.get("publiccode");
    let lang = original
        .and_then(|d| description_language(d).map(|(k, _)| k))
        .unwrap_or_else(|| "de".to_owned());
    let languages = if s.languages.is_empty() {
        vec![lang.clone()]
    } else {
        s.languages.clone()
    };
    let localisation_ready = original
        .and_then(|d| d.get("localisation")?.get("localisationReady")?.as_bool())
        .unwrap_or(languages.len() > 1);
    let doc = m(vec![
        ("publiccodeYmlVersion", t(Some(VERSION))),
        ("name", t(Some(&s.title))),
        ("url", link(s.code_url.as_deref().or(s.url.as_deref()))),
        (
            "landingURL",
            link(s.url.as_deref().filter(|_| s.code_url.is_some())),
        ),
        (
            "releaseDate",
            t(original.and_then(|d| text(d, &["releaseDate"])).as_deref()),
        ),
        ("platforms", platforms(original)),
        (
            "categories",
            if original.is_some() {
                list(&s.tags)
            } else {
                Yaml::Null
            },
        ),
        ("usedBy", list(&rel.used_by)),
        (
            "fundedBy",
            objects(original, &["fundedBy"], &["name", "uri"], "name"),
        ),
        ("developmentStatus", t(status_of(s.maturity))),
        (
            "softwareType",
            t(Some(
                &original
                    .and_then(|d| text(d, &["softwareType"]))
                    .unwrap_or_else(|| "standalone/web".to_owned()),
            )),
        ),
        ("supports", objects(original, &["supports"], &["id"], "id")),
        ("organisation", organisation(rel)),
        ("description", descriptions(s, original, &lang)),
        (
            "legal",
            m(vec![
                ("license", t(s.licence.as_deref())),
                ("mainCopyrightOwner", t(copyright_owner(original, rel))),
            ]),
        ),
        ("maintenance", maintenance(s, original)),
        (
            "localisation",
            m(vec![
                ("localisationReady", Yaml::Bool(localisation_ready)),
                ("availableLanguages", list(&languages)),
            ]),
        ),
        ("dependsOn", depends_on(original)),
        (
            "DE",
            m(vec![
                ("leikaKeys", list(&s.leika_keys)),
                ("ozgIds", list(&s.ozg_ids)),
            ]),
        ),
    ]);
    serde_yaml::to_string(&doc).expect("a YAML mapping of strings serialises")
}

/// The original's platforms; "web" for entries from other sources, which are online
/// services and web applications or say nothing of a platform.
fn platforms(original: Option<&Value>) -> Yaml {
    match original.and_then(|d| texts(d, &["platforms"])) {
        Some(p) if !p.is_empty() => list(&p),
        _ => list(&["web".to_owned()]),
    }
}

fn organisation(rel: &Related) -> Yaml {
    let (Some(p), Some(uri)) = (rel.provider, rel.provider_uri.as_deref()) else {
        return Yaml::Null;
    };
    m(vec![("uri", t(Some(uri))), ("name", t(Some(&p.name)))])
}

fn copyright_owner<'a>(original: Option<&'a Value>, rel: &'a Related) -> Option<&'a str> {
    original
        .and_then(|d| d.get("legal")?.get("mainCopyrightOwner")?.as_str())
        .filter(|o| !o.trim().is_empty())
        .or(rel.provider.map(|p| p.name.as_str()))
}

/// The main language from the columns (with the original's features), the original's other
/// languages as they were, or the English texts some sources carry beside the German.
fn descriptions(s: &Solution, original: Option<&Value>, lang: &str) -> Yaml {
    const KEYS: &[&str] = &[
        "localisedName",
        "shortDescription",
        "longDescription",
        "documentation",
        "apiDocumentation",
        "features",
        "screenshots",
        "videos",
        "awards",
    ];
    let block_of = |b: &Value| -> Yaml {
        m(KEYS
            .iter()
            .map(|k| {
                let v = match b.get(*k) {
                    Some(Value::Array(_)) => list(&texts(b, &[*k]).unwrap_or_default()),
                    Some(v) => t(scalar(v).as_deref()),
                    None => Yaml::Null,
                };
                (*k, v)
            })
            .collect())
    };
    let mut desc = Mapping::new();
    let features = original
        .and_then(|d| d.get("description")?.get(lang))
        .and_then(|b| texts(b, &["features"]))
        .unwrap_or_default();
    desc.insert(
        Yaml::String(lang.to_owned()),
        m(vec![
            ("shortDescription", t(s.summary.as_deref())),
            ("longDescription", t(s.description.as_deref())),
            ("documentation", link(s.documentation_url.as_deref())),
            ("features", list(&features)),
        ]),
    );
    if let Some(Value::Object(blocks)) = original.and_then(|d| d.get("description")) {
        for (k, b) in blocks.iter().filter(|(k, b)| *k != lang && b.is_object()) {
            desc.insert(Yaml::String(k.clone()), block_of(b));
        }
    }
    // Sources with an English text beside the German one (opensource.muenchen.de).
    let en_short = s.extra.get("lead_en").and_then(scalar);
    let en_long = s.extra.get("description_en").and_then(scalar);
    if lang != "en" && original.is_none() && (en_short.is_some() || en_long.is_some()) {
        desc.insert(
            Yaml::String("en".into()),
            m(vec![
                ("shortDescription", t(en_short.as_deref())),
                ("longDescription", t(en_long.as_deref())),
            ]),
        );
    }
    Yaml::Mapping(desc)
}

/// `type` as the original said when it is a value of the standard (its consistency with
/// contractors and contacts is the original's, and [`super::missing_keys`] reports it);
/// otherwise `internal` with contacts and `none` without.
fn maintenance(s: &Solution, original: Option<&Value>) -> Yaml {
    const TYPES: &[&str] = &["internal", "contract", "community", "none"];
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
    let contractors = objects(
        original,
        &["maintenance", "contractors"],
        &["name", "until", "email", "website"],
        "name",
    );
    let declared = original
        .and_then(|d| text(d, &["maintenance", "type"]))
        .filter(|k| TYPES.contains(&k.as_str()));
    let kind = match declared {
        Some(k) => k,
        None if contacts.is_empty() => "none".to_owned(),
        None => "internal".to_owned(),
    };
    m(vec![
        ("type", t(Some(&kind))),
        (
            "contractors",
            if kind == "contract" {
                contractors
            } else {
                Yaml::Null
            },
        ),
        ("contacts", Yaml::Sequence(contacts)),
    ])
}

fn depends_on(original: Option<&Value>) -> Yaml {
    const KEYS: &[&str] = &["name", "versionMin", "versionMax", "version", "optional"];
    m(["open", "proprietary", "hardware"]
        .iter()
        .map(|k| (*k, objects(original, &["dependsOn", *k], KEYS, "name")))
        .collect())
}
