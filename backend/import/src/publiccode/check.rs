//! The mandatory keys of publiccode.yml 0.7 (docs/standard/schema.core.rst, "Presence:
//! mandatory"), checked on a parsed document. `categories` is optional since 0.5.

use serde_json::Value;

use super::{scalar, text};

const STATUSES: &[&str] = &["concept", "development", "beta", "stable", "obsolete"];
const SOFTWARE_TYPES: &[&str] = &[
    "standalone/mobile",
    "standalone/iot",
    "standalone/desktop",
    "standalone/web",
    "standalone/backend",
    "standalone/other",
    "addon",
    "library",
    "configurationFiles",
];
const MAINTENANCE: &[&str] = &["internal", "contract", "community", "none"];

fn non_empty_list(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Array(a)) => a.iter().any(|i| scalar(i).is_some() || i.is_object()),
        Some(v) => scalar(v).is_some(),
        None => false,
    }
}

fn one_of(doc: &Value, path: &[&str], allowed: &[&str]) -> bool {
    text(doc, path).is_some_and(|v| allowed.contains(&v.as_str()))
}

/// The mandatory keys of version 0.7 that `doc` lacks or has with a value the standard
/// does not allow, as slash paths (`maintenance/contacts`); empty when it complies.
pub fn missing_keys(doc: &Value) -> Vec<String> {
    let mut missing: Vec<&str> = vec![];
    let mut need = |ok: bool, key: &'static str| {
        if !ok {
            missing.push(key);
        }
    };
    need(
        doc.get("publiccodeYmlVersion")
            .and_then(Value::as_str)
            .is_some(),
        "publiccodeYmlVersion",
    );
    need(text(doc, &["name"]).is_some(), "name");
    need(text(doc, &["url"]).is_some(), "url");
    need(non_empty_list(doc.get("platforms")), "platforms");
    need(
        one_of(doc, &["developmentStatus"], STATUSES),
        "developmentStatus",
    );
    need(
        one_of(doc, &["softwareType"], SOFTWARE_TYPES),
        "softwareType",
    );
    let blocks: Vec<&Value> = match doc.get("description") {
        Some(Value::Object(d)) => d.values().filter(|b| b.is_object()).collect(),
        _ => vec![],
    };
    need(!blocks.is_empty(), "description");
    need(
        !blocks.is_empty()
            && blocks
                .iter()
                .all(|b| text(b, &["shortDescription"]).is_some()),
        "description/[lang]/shortDescription",
    );
    need(
        blocks
            .iter()
            .any(|b| text(b, &["longDescription"]).is_some()),
        "description/[lang]/longDescription",
    );
    need(
        blocks.iter().any(|b| non_empty_list(b.get("features"))),
        "description/[lang]/features",
    );
    need(text(doc, &["legal", "license"]).is_some(), "legal/license");
    need(
        one_of(doc, &["maintenance", "type"], MAINTENANCE),
        "maintenance/type",
    );
    let kind = text(doc, &["maintenance", "type"]).unwrap_or_default();
    let maintenance = doc.get("maintenance");
    let has = |k: &str| non_empty_list(maintenance.and_then(|m| m.get(k)));
    need(
        (kind == "contract") == has("contractors"),
        "maintenance/contractors",
    );
    need(
        !matches!(kind.as_str(), "internal" | "community") || has("contacts"),
        "maintenance/contacts",
    );
    let localisation = doc.get("localisation");
    need(
        localisation
            .and_then(|l| l.get("localisationReady"))
            .is_some_and(Value::is_boolean),
        "localisation/localisationReady",
    );
    need(
        non_empty_list(localisation.and_then(|l| l.get("availableLanguages"))),
        "localisation/availableLanguages",
    );
    need(
        doc.get("organisation").is_none() || text(doc, &["organisation", "uri"]).is_some(),
        "organisation/uri",
    );
    missing.into_iter().map(str::to_owned).collect()
}
