//! publiccode.yml: parsing (lenient), mapping to a solution ([`map`]), export as version
//! 0.7 ([`export`]) and the standard's mandatory keys ([`check`]).
//!
//! The standard is `publiccodeyml/publiccode.yml` (docs/standard/schema.core.rst); its
//! version string is `"0.7"` (v0.7.0 added `supports` and deprecated the country sections;
//! v0.5 added `organisation` and `fundedBy` and deprecated `legal.repoOwner`). Older
//! versions (0.1–0.5) read with the same mapping: their keys are a subset, and the old
//! `tags`, `legal.repoOwner` and top-level texts are still understood.
//!
//! Parsing uses `serde_yaml` 0.9, which reads YAML 1.2: an unquoted `no` stays the string
//! "no" (PyYAML would make it `false`), and `0.4` is a number. Fields are read leniently:
//! numbers and booleans are accepted where text is expected, a single string where a list
//! is expected, unknown or mistyped optional fields are ignored. Only a file that does not
//! parse as YAML at all, or whose top level is not a mapping, is reported.

mod check;
mod export;
mod map;
#[cfg(test)]
mod tests;

pub use check::missing_keys;
pub use export::{export, Related, VERSION};
pub use map::map;

use serde_json::{json, Map, Value};
use serde_yaml::Value as Yaml;

use matchraum_catalog::vocab::Maturity;

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
                crate::record::type_name(&doc)
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
pub(crate) fn text(v: &Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(*p)?;
    }
    scalar(cur)
}

pub(crate) fn scalar(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// A list of texts at a path; a single text counts as a one-item list.
pub(crate) fn texts(v: &Value, path: &[&str]) -> Option<Vec<String>> {
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
