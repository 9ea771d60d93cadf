//! `matchraum eval FILE.jsonl`: indexes the catalogue files the queries name into a
//! fresh database and reports retrieval quality for every mode in one run, with bootstrap
//! intervals; optionally two configurations compared paired, a cross-validation of the
//! fusion weights and the calibration of the match strength.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::import::{import_paths, progress::NoProgress, ImportOptions};
use crate::matching::embedder::ModelPrecision;
use crate::matching::eval::{
    self, read_queries, table, Bootstrap, EvalOptions, EvalReport, System,
};
use crate::matching::Matcher;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
}

pub struct EvalArgs {
    pub file: PathBuf,
    pub format: Format,
    /// Folder the `catalogue` paths are relative to (default: `../data` beside the file).
    pub data_dir: Option<PathBuf>,
    /// Database to index into; a fresh temporary SQLite file when unset. Naming a
    /// persistent one keeps the vectors, so later runs skip the embedding.
    pub database_url: Option<String>,
    /// Bootstrap rounds and seed of the intervals.
    pub bootstrap: Bootstrap,
    /// Two configuration specs (`fusion=zscore,lexical_weight=0.3`, see `System::parse`)
    /// over the configured fusion: scored side by side, with paired differences B − A. A
    /// spec naming another `model_precision` is retrieved again with that graph.
    pub compare: Option<(String, String)>,
    /// Cross-validate the fusion weights in this many folds.
    pub cv: Option<usize>,
    /// Report the calibration of the match strength.
    pub calibrate: bool,
}

/// Runs the evaluation; progress goes to stderr, the result to stdout.
pub async fn run(
    config: &Config,
    args: EvalArgs,
) -> Result<EvalReport, Box<dyn std::error::Error>> {
    let queries = read_queries(&args.file)?;
    let fusion = config.matching.fusion();
    let compare = match &args.compare {
        Some((a, b)) => Some((System::parse(a, fusion)?, System::parse(b, fusion)?)),
        None => None,
    };
    let options = EvalOptions {
        bootstrap: args.bootstrap,
        compare,
        cv_folds: args.cv,
        calibrate: args.calibrate,
    };
    let data_dir = match args.data_dir {
        Some(d) => d,
        None => args.file.parent().unwrap_or(Path::new(".")).join("../data"),
    };
    let catalogue: BTreeSet<&str> = queries
        .iter()
        .flat_map(|q| q.catalogue.iter().map(String::as_str))
        .collect();
    let files: Vec<PathBuf> = catalogue.iter().map(|c| data_dir.join(c)).collect();

    let temp = std::env::temp_dir().join(format!("matchraum-eval-{}", std::process::id()));
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}/eval.sqlite?mode=rwc", temp.display()));
    let db = crate::db::connect(&url).await?;
    crate::db::migrate(&db).await?;
    eprintln!("importing {} catalogue files", files.len());
    let imported = import_paths(&db, &files, &ImportOptions::default(), &NoProgress).await?;
    eprintln!("{}", imported.summary().lines().next().unwrap_or_default());

    let matcher = load_and_index(config, &db, config.matching.model_precision).await?;
    let total = queries.len();
    let progress = |done: usize| {
        if done % 100 == 0 || done == total {
            eprintln!("retrieved {done}/{total} queries");
        }
    };
    let mut retrieved = eval::retrieve(&db, &matcher, queries, &progress).await?;
    drop(matcher);
    // A compared system on another graph: its own embeddings of catalogue and queries.
    let compared = options.compare.iter().flat_map(|(a, b)| [a, b]);
    for precision in retrieved.missing_precisions(compared) {
        let matcher = load_and_index(config, &db, precision).await?;
        retrieved.retrieve_with(&matcher, &progress).await?;
    }
    let report = eval::report(&retrieved, fusion, &options);
    match args.format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report)?),
        Format::Table => print!("{}", table(&report)),
    }
    db.close().await.ok();
    if args.database_url.is_none() {
        std::fs::remove_dir_all(&temp).ok();
    }
    Ok(report)
}

/// Loads the model's graph of `precision` and indexes the catalogue with it (vectors of
/// another graph in `db` are replaced, not reused).
async fn load_and_index(
    config: &Config,
    db: &sea_orm::DatabaseConnection,
    precision: ModelPrecision,
) -> Result<Matcher, Box<dyn std::error::Error>> {
    let (dir, lib, n) = (
        config.matching.model_dir.clone(),
        config.matching.ort_lib.clone(),
        config.matching.embed_concurrency,
    );
    let matcher =
        tokio::task::spawn_blocking(move || Matcher::load_precision(&dir, &lib, precision, n))
            .await??;
    let started = std::time::Instant::now();
    let sync = matcher.sync_all(db).await?;
    eprintln!(
        "indexed {} solutions with the {precision} graph ({} embedded, {} reused) in {:.1}s",
        sync.solutions,
        sync.embedded,
        sync.reused,
        started.elapsed().as_secs_f64()
    );
    Ok(matcher)
}
