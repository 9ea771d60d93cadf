//! Importing catalogue data: JSON Lines (one record per line, per-source mappings in
//! [`jsonl`]) and publiccode.yml ([`publiccode`]), from files or directories.
//!
//! [`import_paths`] is the one entry point (the CLI `matchraum import`, and later the
//! matcher's re-index and `eval`). A record that cannot be used is reported with its file
//! and line and skipped; the others are written in batched transactions with the merge
//! rule of [`merge`]; the [`ImportReport`] counts everything and lists the changed
//! solutions for the search index.
//!
//! The formats other catalogues read are here too: the publiccode.yml export and the
//! catalogue's JSON-LD ([`linked_data`]: DCAT-AP / ADMS-AP, schema.org).
//!
//! May use: `matchraum-core`, `matchraum-catalog` (it writes through its store), sea-orm.
//! Knows nothing of HTTP, accounts, the community or matching.

pub mod discover;
#[cfg(test)]
mod fuzz;
pub mod jsonl;
pub mod linked_data;
pub mod merge;
pub mod progress;
pub mod publiccode;
pub mod record;
pub mod writer;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

pub use discover::Format;
pub use progress::{NoProgress, Progress};

use matchraum_catalog::store::{Changed, Upserted};
use matchraum_catalog::CatalogError;
use record::Mapped;
use writer::{Outcome, Writer};

/// Records per transaction by default.
pub const DEFAULT_BATCH: usize = 500;

#[derive(Clone, Debug)]
pub struct ImportOptions {
    /// Overrides the source name (and, for JSON Lines, selects the mapping by that name).
    pub source: Option<String>,
    /// Records per transaction.
    pub batch_size: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            source: None,
            batch_size: DEFAULT_BATCH,
        }
    }
}

/// An error that stops the run (bad path, database failure). Bad records never do.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{}: {source}", path.display())]
    Path {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Catalog(#[from] CatalogError),
}

/// Created / updated / unchanged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

impl Counts {
    pub fn add(&mut self, u: Upserted) {
        match u {
            Upserted::Created(_) => self.created += 1,
            Upserted::Updated(_) => self.updated += 1,
            Upserted::Unchanged(_) => self.unchanged += 1,
        }
    }

    pub fn total(&self) -> u64 {
        self.created + self.updated + self.unchanged
    }
}

/// A record that was not imported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skip {
    pub file: PathBuf,
    /// 1-based line for JSON Lines; `None` for a whole file.
    pub line: Option<u64>,
    pub reason: String,
}

impl std::fmt::Display for Skip {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.file.display(), self.reason),
            None => write!(f, "{}: {}", self.file.display(), self.reason),
        }
    }
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct ImportReport {
    pub files: u64,
    /// Records read: non-blank JSON Lines plus publiccode.yml files.
    pub read: u64,
    /// Outcome of the records themselves (`read` = these + skipped).
    pub records: Counts,
    /// The same per source name.
    pub by_source: BTreeMap<String, Counts>,
    pub skipped: Vec<Skip>,
    /// Files that are not an import format (not an error).
    pub ignored: Vec<(PathBuf, String)>,
    /// Organisations created from names in other records (providers, users).
    pub organisations_by_name: Counts,
    pub usages: Counts,
    /// Problems that did not cost a record (e.g. an unusable `usedBy` entry).
    pub warnings: Vec<String>,
    /// Solutions created or updated, for the search index.
    pub changed: Vec<Changed>,
    pub elapsed: Duration,
}

impl ImportReport {
    /// True when no record was skipped.
    pub fn is_clean(&self) -> bool {
        self.skipped.is_empty()
    }

    /// Human-readable summary, one fact per line.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let r = &self.records;
        let _ = writeln!(
            s,
            "{} files, {} records read: {} created, {} updated, {} unchanged, {} skipped ({:.1} s)",
            self.files,
            self.read,
            r.created,
            r.updated,
            r.unchanged,
            self.skipped.len(),
            self.elapsed.as_secs_f64()
        );
        for (source, c) in &self.by_source {
            let _ = writeln!(
                s,
                "  {source}: {} created, {} updated, {} unchanged",
                c.created, c.updated, c.unchanged
            );
        }
        let o = &self.organisations_by_name;
        let _ = writeln!(
            s,
            "organisations by name (providers, users): {} created, {} updated, {} unchanged",
            o.created, o.updated, o.unchanged
        );
        let u = &self.usages;
        let _ = writeln!(
            s,
            "usages: {} created, {} updated, {} unchanged",
            u.created, u.updated, u.unchanged
        );
        for (path, reason) in &self.ignored {
            let _ = writeln!(s, "ignored {}: {reason}", path.display());
        }
        for w in &self.warnings {
            let _ = writeln!(s, "warning {w}");
        }
        for skip in &self.skipped {
            let _ = writeln!(s, "skipped {skip}");
        }
        s
    }

    fn skip(&mut self, file: &Path, line: Option<u64>, reason: String) {
        self.skipped.push(Skip {
            file: file.to_path_buf(),
            line,
            reason,
        });
    }

    fn written(&mut self, source: &str, u: Upserted) {
        self.records.add(u);
        self.by_source.entry(source.to_owned()).or_default().add(u);
    }
}

fn source_of(m: &Mapped) -> String {
    match m {
        Mapped::Organisation(o) => o.input.source.clone(),
        Mapped::Solution(s) => s.input.source.clone(),
    }
    .unwrap_or_default()
}

/// Imports every file under `paths` (files or directories). Bad records are reported in
/// the result; only an unreadable path or a database failure is an `Err`.
pub async fn import_paths(
    db: &DatabaseConnection,
    paths: &[PathBuf],
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportReport, ImportError> {
    let started = Instant::now();
    let plan = discover::plan(paths)?;
    let mut report = ImportReport {
        ignored: plan.ignored,
        ..ImportReport::default()
    };
    progress.begin(plan.files.len(), plan.files.iter().map(|f| f.size).sum());
    let mut w = Writer::new(db, opts.batch_size);
    for file in &plan.files {
        progress.file(&file.path);
        report.files += 1;
        let (read0, skipped0) = (report.read, report.skipped.len());
        match file.format {
            Format::Jsonl => import_jsonl(&mut w, &file.path, opts, &mut report, progress).await?,
            Format::Publiccode => {
                import_publiccode(&mut w, &file.path, opts, &mut report, progress).await?
            }
        }
        progress.file_done(
            &file.path,
            report.read - read0,
            (report.skipped.len() - skipped0) as u64,
        );
    }
    w.commit().await?;
    progress.finish();
    report.changed.dedup();
    report.elapsed = started.elapsed();
    Ok(report)
}

async fn import_jsonl(
    w: &mut Writer<'_>,
    path: &Path,
    opts: &ImportOptions,
    report: &mut ImportReport,
    progress: &dyn Progress,
) -> Result<(), ImportError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            report.skip(path, None, format!("cannot open: {e}"));
            return Ok(());
        }
    };
    let mut reader = BufReader::with_capacity(256 * 1024, file);
    let ctx = jsonl::LineCtx {
        path,
        source: opts.source.as_deref(),
    };
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        let n = match jsonl::next_line(&mut reader, &mut buf) {
            Ok(Some(n)) => n,
            Ok(None) => break,
            Err(e) => {
                report.skip(path, Some(line + 1), format!("cannot read: {e}"));
                break;
            }
        };
        line += 1;
        progress.advance(n as u64);
        let mapped = match jsonl::map_line(&buf, &ctx) {
            Ok(None) => continue,
            Ok(Some(m)) => m,
            Err(reason) => {
                report.read += 1;
                report.skip(path, Some(line), reason);
                continue;
            }
        };
        report.read += 1;
        let source = source_of(&mapped);
        match w.write(mapped, path, line, true, report).await? {
            Outcome::Written(u) => report.written(&source, u),
            Outcome::Skip(reason) => report.skip(path, Some(line), reason),
        }
    }
    Ok(())
}

async fn import_publiccode(
    w: &mut Writer<'_>,
    path: &Path,
    opts: &ImportOptions,
    report: &mut ImportReport,
    progress: &dyn Progress,
) -> Result<(), ImportError> {
    report.read += 1;
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            report.skip(path, None, format!("cannot read: {e}"));
            return Ok(());
        }
    };
    progress.advance(bytes.len() as u64);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let source = opts.source.as_deref().unwrap_or(publiccode::SOURCE);
    let doc = match publiccode::parse(&bytes) {
        Ok(doc) => doc,
        Err(e) => {
            report.skip(path, e.line, e.message);
            return Ok(());
        }
    };
    let mapped = match publiccode::map(doc, &name, source) {
        Ok(s) => Mapped::Solution(Box::new(s)),
        Err(reason) => {
            report.skip(path, None, reason);
            return Ok(());
        }
    };
    match w.write(mapped, path, 1, false, report).await? {
        Outcome::Written(u) => report.written(source, u),
        Outcome::Skip(reason) => report.skip(path, None, reason),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use matchraum_catalog::store::solutions;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(tag: &str) -> Self {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos();
            let p = std::env::temp_dir().join(format!(
                "matchraum-import-{tag}-{}-{nanos}",
                std::process::id()
            ));
            std::fs::create_dir_all(&p).unwrap();
            TempDir(p)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    async fn db(dir: &TempDir) -> DatabaseConnection {
        let url = format!("sqlite://{}?mode=rwc", dir.0.join("db.sqlite").display());
        let db = matchraum_core::db::connect(&url).await.unwrap();
        matchraum_core::db::migrate(&db).await.unwrap();
        db
    }

    fn shared(rel: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/data")
            .join(rel)
    }

    #[tokio::test]
    async fn bad_lines_are_skipped_with_file_and_line_and_good_lines_are_kept() {
        let dir = TempDir::new("bad");
        let db = db(&dir).await;
        let file = dir.0.join("bad.jsonl");
        let long = "x".repeat(matchraum_catalog::validate::MAX_TITLE + 1);
        let mut bytes = Vec::new();
        bytes.extend_from_slice(b"{\"id\": \"cfd:good-1\", \"title\": \"Gut\"}\n");
        bytes.extend_from_slice(b"{\"id\": \"cfd:trunc\", \"title\": \"Abgeschn\n");
        bytes.extend_from_slice(b"{\"id\": \"cfd:type\", \"title\": [\"A\"]}\n");
        bytes.extend_from_slice(
            format!("{{\"id\": \"cfd:huge\", \"title\": \"{long}\"}}\n").as_bytes(),
        );
        bytes.extend_from_slice(b"{\"id\": \"cfd:utf8\", \"title\": \"\xc3\x28\"}\n");
        bytes.extend_from_slice(b"\n");
        bytes.extend_from_slice(b"{\"title\": \"ohne id\"}\n");
        bytes.extend_from_slice(b"{\"id\": \"cfd:good-1\", \"title\": \"doppelt\"}\n");
        bytes.extend_from_slice(b"{\"id\": \"cfd:good-2\", \"title\": \"Auch gut\"}");
        std::fs::write(&file, bytes).unwrap();
        let malformed = shared("publiccode/files/BW-Projects__aTrain.publiccode.yml");
        let good_yml = shared("publiccode/files/it-at-m__mucgpt.publiccode.yml");
        let paths = vec![file.clone(), malformed.clone(), good_yml];
        let opts = ImportOptions::default();
        let report = import_paths(&db, &paths, &opts, &NoProgress).await.unwrap();

        let lines: Vec<(Option<u64>, &str)> = report
            .skipped
            .iter()
            .filter(|s| s.file == file)
            .map(|s| (s.line, s.reason.as_str()))
            .collect();
        assert_eq!(
            lines.iter().map(|l| l.0).collect::<Vec<_>>(),
            vec![Some(2), Some(3), Some(4), Some(5), Some(7), Some(8)],
            "{lines:?}"
        );
        assert!(lines[0].1.starts_with("truncated JSON"), "{}", lines[0].1);
        assert!(
            lines[1].1.contains("title: expected a string"),
            "{}",
            lines[1].1
        );
        assert!(
            lines[2].1.contains("title") && lines[2].1.contains("at most 500"),
            "{}",
            lines[2].1
        );
        assert!(lines[3].1.contains("invalid UTF-8"), "{}", lines[3].1);
        assert!(lines[4].1.contains("missing id"), "{}", lines[4].1);
        assert!(lines[5].1.contains("duplicate id"), "{}", lines[5].1);
        let yml: Vec<&Skip> = report
            .skipped
            .iter()
            .filter(|s| s.file == malformed)
            .collect();
        assert_eq!(yml.len(), 1);
        assert_eq!(yml[0].line, Some(96), "{}", yml[0]);
        assert_eq!(report.read, 10);
        assert_eq!(report.records.created, 3, "{}", report.summary());
        assert!(!report.is_clean());
        assert!(report.summary().contains("bad.jsonl:2: truncated JSON"));
        assert_eq!(report.changed.len(), 3);

        // The good records are stored, and a second run changes nothing.
        let gut = solutions::find_by_source(&db, "cfd", "cfd:good-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(gut.title, "Gut");
        let again = import_paths(&db, &paths, &opts, &NoProgress).await.unwrap();
        assert_eq!((again.records.created, again.records.updated), (0, 0));
        assert_eq!(again.records.unchanged, 3);
        assert!(again.changed.is_empty());
    }

    #[tokio::test]
    async fn a_variant_without_a_field_keeps_the_stored_value_and_extra_merges() {
        let dir = TempDir::new("variant");
        let db = db(&dir).await;
        let full = dir.0.join("p.jsonl");
        let variant = dir.0.join("p.no_abstract.jsonl");
        std::fs::write(
            &full,
            "{\"id\": \"ber-oss:a\", \"title\": \"A\", \"abstract\": \"Kurz\", \"date\": \"2021\", \"tags\": [\"x\"]}\n",
        )
        .unwrap();
        std::fs::write(
            &variant,
            "{\"id\": \"ber-oss:a\", \"title\": \"A\", \"tags\": [\"x\"], \"backers\": [\"B\"]}\n",
        )
        .unwrap();
        let opts = ImportOptions::default();
        let r = import_paths(&db, &[full.clone(), variant.clone()], &opts, &NoProgress)
            .await
            .unwrap();
        assert!(r.is_clean(), "{}", r.summary());
        let m = solutions::find_by_source(&db, "ber-oss", "ber-oss:a")
            .await
            .unwrap()
            .unwrap();
        let s = solutions::to_view(m).unwrap();
        assert_eq!(
            s.summary.as_deref(),
            Some("Kurz"),
            "absent field must not erase"
        );
        assert_eq!(s.extra["date"], "2021");
        assert_eq!(s.extra["backers"][0], "B");
        // The other order ends in the same state, and neither order flips back and forth.
        let r = import_paths(&db, &[variant, full], &opts, &NoProgress)
            .await
            .unwrap();
        assert_eq!(
            (r.records.created, r.records.updated),
            (0, 0),
            "{}",
            r.summary()
        );
    }

    #[tokio::test]
    async fn an_imported_publiccode_file_exports_and_parses_back_to_the_same_facts() {
        let dir = TempDir::new("export");
        let db = db(&dir).await;
        let file = shared("publiccode/files/it-at-m__mucgpt.publiccode.yml");
        let r = import_paths(&db, &[file], &ImportOptions::default(), &NoProgress)
            .await
            .unwrap();
        assert!(r.is_clean(), "{}", r.summary());
        let m = solutions::find_by_source(&db, "publiccode", "https://github.com/it-at-m/mucgpt")
            .await
            .unwrap()
            .unwrap();
        let s = solutions::to_view(m).unwrap();
        let provider = matchraum_catalog::store::organisations::get(&db, s.provider_id.unwrap())
            .await
            .unwrap();
        let rel = publiccode::Related {
            provider: Some(&provider),
            ..Default::default()
        };
        let yml = publiccode::export(&s, &rel);
        assert!(yml.starts_with("publiccodeYmlVersion: '0.7'"), "{yml}");
        let back = publiccode::map(
            publiccode::parse(yml.as_bytes()).unwrap(),
            "x.yml",
            "publiccode",
        )
        .unwrap();
        assert_eq!(back.input.title, s.title);
        assert_eq!(back.input.licence, s.licence);
        assert_eq!(back.input.maturity, s.maturity);
        assert_eq!(back.input.summary, s.summary);
        assert_eq!(back.input.source_id, s.source_id);
        assert_eq!(back.provider.unwrap().name, "Landeshauptstadt München");
    }
}
