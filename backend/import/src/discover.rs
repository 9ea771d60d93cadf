//! Finding the input files: a file, or a directory searched recursively; the format is
//! detected from the file name.
//!
//! * `*.jsonl` / `*.ndjson` → JSON Lines.
//! * `*.yml` / `*.yaml` → publiccode.yml.
//! * `*.md` / `*.txt` in a directory → documentation (e.g. `SOURCE.md`), passed over silently.
//! * anything else (e.g. `taxonomie.json`, a single pretty-printed JSON document, not one
//!   record per line) → listed in the report as *ignored*, which is not an error: it is
//!   not a record that could not be read but a file that is not an import format.
//!
//! Within a directory, files are taken in name order, except that a `*.no_<field>.jsonl`
//! variant comes right after its full file, so the full record is stored first.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::ImportError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Jsonl,
    Publiccode,
}

#[derive(Clone, Debug)]
pub struct InputFile {
    pub path: PathBuf,
    pub format: Format,
    pub size: u64,
}

#[derive(Debug, Default)]
pub struct Plan {
    pub files: Vec<InputFile>,
    /// Files passed over, with the reason.
    pub ignored: Vec<(PathBuf, String)>,
}

enum Detected {
    Import(Format),
    Documentation,
    Unsupported(String),
}

fn detect(path: &Path) -> Detected {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if name.ends_with(".jsonl") || name.ends_with(".ndjson") {
        Detected::Import(Format::Jsonl)
    } else if name.ends_with(".yml") || name.ends_with(".yaml") {
        Detected::Import(Format::Publiccode)
    } else if name.ends_with(".md") || name.ends_with(".txt") {
        Detected::Documentation
    } else if name.ends_with(".json") {
        Detected::Unsupported(
            "a single JSON document, not JSON Lines (one record per line); not imported".into(),
        )
    } else {
        Detected::Unsupported("not a .jsonl or publiccode.yml file; not imported".into())
    }
}

/// `a.no_x.jsonl` → (`a.jsonl`, true); other names → (name, false).
fn variant_key(name: &str) -> (String, bool) {
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() >= 3 && parts[parts.len() - 2].starts_with("no_") {
        let mut base: Vec<&str> = parts[..parts.len() - 2].to_vec();
        base.push(parts[parts.len() - 1]);
        (base.join("."), true)
    } else {
        (name.to_owned(), false)
    }
}

/// Expands `paths` into the files to import, in order, each once.
pub fn plan(paths: &[PathBuf]) -> Result<Plan, ImportError> {
    let mut plan = Plan::default();
    let mut seen = HashSet::new();
    for root in paths {
        let meta = std::fs::metadata(root).map_err(|source| ImportError::Path {
            path: root.clone(),
            source,
        })?;
        let mut found: Vec<(PathBuf, u64)> = vec![];
        let explicit = !meta.is_dir();
        if meta.is_dir() {
            for entry in walkdir::WalkDir::new(root).follow_links(true) {
                let entry = entry.map_err(|e| ImportError::Path {
                    path: e.path().map_or_else(|| root.clone(), Path::to_path_buf),
                    source: e.into(),
                })?;
                let hidden = entry.file_name().to_string_lossy().starts_with('.');
                if entry.file_type().is_file() && !hidden {
                    let size = entry.metadata().map(|m| m.len()).unwrap_or(0);
                    found.push((entry.into_path(), size));
                }
            }
            found.sort_by_cached_key(|(p, _)| {
                let name = p
                    .file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned();
                let (base, variant) = variant_key(&name);
                (p.parent().map(Path::to_path_buf), base, variant, name)
            });
        } else {
            found.push((root.clone(), meta.len()));
        }
        for (path, size) in found {
            let key = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
            if !seen.insert(key) {
                continue;
            }
            match detect(&path) {
                Detected::Import(format) => plan.files.push(InputFile { path, format, size }),
                Detected::Documentation if !explicit => {}
                Detected::Documentation => plan
                    .ignored
                    .push((path, "documentation, not an import format".into())),
                Detected::Unsupported(reason) => plan.ignored.push((path, reason)),
            }
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_sort_after_their_full_file_and_json_is_ignored_with_a_reason() {
        assert_eq!(
            variant_key("projects.no_title.jsonl"),
            ("projects.jsonl".into(), true)
        );
        assert_eq!(
            variant_key("projects.jsonl"),
            ("projects.jsonl".into(), false)
        );
        let dir =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/kdn_ozg_nrw");
        let plan = plan(&[dir]).unwrap();
        let names: Vec<String> = plan
            .files
            .iter()
            .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        let full = names
            .iter()
            .position(|n| n == "ozg_leistungen.jsonl")
            .unwrap();
        let variant = names
            .iter()
            .position(|n| n == "ozg_leistungen.no_leika.jsonl")
            .unwrap();
        assert_eq!(variant, full + 1, "{names:?}");
        assert_eq!(plan.ignored.len(), 1, "{:?}", plan.ignored);
        assert!(plan.ignored[0].0.ends_with("taxonomie.json"));
    }
}
