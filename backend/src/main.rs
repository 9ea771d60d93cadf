use std::process::ExitCode;

use clap::{Parser, Subcommand};
use matchraum::config::Config;
use matchraum::startup::Application;

/// Matchraum: matching and community platform for reuse in public administration.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and API (the default).
    Serve {
        /// Seed the small demo catalogue into an empty database.
        #[arg(long)]
        demo: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Import JSON Lines and publiccode.yml files (files or directories, recursively).
    /// Exits with 1 when a record was skipped.
    Import {
        /// Files or directories.
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
        /// Source name for all records (otherwise from the id prefix or the folder).
        #[arg(long)]
        source: Option<String>,
    },
    /// Measure retrieval quality on a labelled query set (see shared/eval-dev/README.md):
    /// Recall@10, nDCG@10 and MRR@10 for hybrid, lexical and vector in one run, with 95 %
    /// bootstrap intervals over queries.
    Eval {
        file: std::path::PathBuf,
        #[arg(long, value_enum, default_value = "table")]
        format: matchraum::commands::eval::Format,
        /// Folder the queries' catalogue paths are relative to (default: ../data beside FILE).
        #[arg(long)]
        data_dir: Option<std::path::PathBuf>,
        /// Index into this database instead of a fresh temporary SQLite file.
        #[arg(long)]
        database_url: Option<String>,
        /// Compare two configurations A and B, paired by query (B − A), e.g.
        /// `--compare fusion=rrf fusion=zscore,lexical_weight=0.4`; keys: fusion
        /// (rrf|zscore|minmax), vector_weight, lexical_weight, mode (hybrid|lexical|vector),
        /// model_precision (fp32|int8: that graph embeds catalogue and queries once more),
        /// evidence_boost (default 0 here).
        #[arg(long, num_args = 2, value_names = ["A", "B"])]
        compare: Option<Vec<String>>,
        /// Cross-validate the fusion weights of every fusion method in K folds.
        #[arg(long, value_name = "K")]
        cv: Option<usize>,
        /// Report the precision of the match strength per score threshold.
        #[arg(long)]
        calibrate: bool,
        /// Bootstrap rounds of the 95 % intervals.
        #[arg(long, default_value_t = 1000)]
        rounds: usize,
        /// Seed of the bootstrap and of the cross-validation folds.
        #[arg(long, default_value_t = 13)]
        seed: u64,
    },
    /// Manage accounts (e.g. bootstrap the first operator).
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account. The password comes from MATCHRAUM_BOOTSTRAP_PASSWORD or, if that is
    /// unset, from the first line of standard input (never from an argument).
    Create {
        #[arg(long)]
        email: String,
        /// Make the account an operator (platform administrator).
        #[arg(long)]
        operator: bool,
    },
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(run());
    // Blocking work still under way (an embedding batch of the index build) must not hold
    // up the exit once the server has stopped.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    code
}

async fn run() -> ExitCode {
    let cli = Cli::parse();
    let mut config = match Config::load() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    matchraum::telemetry::init(config.log.format, &config.log.level);
    let result = match cli.command.unwrap_or(Command::Serve { demo: false }) {
        Command::Serve { demo } => {
            config.seed.demo |= demo;
            serve(config).await
        }
        Command::Migrate => migrate(config).await,
        Command::Import { paths, source } => import(config, paths, source).await,
        Command::Eval {
            file,
            format,
            data_dir,
            database_url,
            compare,
            cv,
            calibrate,
            rounds,
            seed,
        } => {
            let args = matchraum::commands::eval::EvalArgs {
                file,
                format,
                data_dir,
                database_url,
                bootstrap: matchraum::matching::eval::Bootstrap { rounds, seed },
                compare: compare.map(|v| (v[0].clone(), v[1].clone())),
                cv,
                calibrate,
            };
            matchraum::commands::eval::run(&config, args)
                .await
                .map(|_| ExitCode::SUCCESS)
        }
        Command::User {
            action: UserCommand::Create { email, operator },
        } => create_user(config, email, operator).await,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            tracing::error!(error = %e, "failed");
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error>;

async fn serve(config: Config) -> Result<ExitCode, AnyError> {
    let app = Application::build(config).await?;
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}

async fn migrate(config: Config) -> Result<ExitCode, AnyError> {
    let db = matchraum::db::connect(&config.database.url).await?;
    matchraum::db::migrate(&db).await?;
    println!("migrations applied");
    Ok(ExitCode::SUCCESS)
}

async fn import(
    config: Config,
    paths: Vec<std::path::PathBuf>,
    source: Option<String>,
) -> Result<ExitCode, AnyError> {
    let db = matchraum::db::connect(&config.database.url).await?;
    matchraum::db::migrate(&db).await?;
    let opts = matchraum::import::ImportOptions {
        source,
        ..Default::default()
    };
    let progress = matchraum::import::progress::for_stderr();
    let report = matchraum::import::import_paths(&db, &paths, &opts, progress.as_ref()).await?;
    print!("{}", report.summary());
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn create_user(config: Config, email: String, operator: bool) -> Result<ExitCode, AnyError> {
    use std::io::{BufRead, IsTerminal, Write};
    let password = match std::env::var("MATCHRAUM_BOOTSTRAP_PASSWORD") {
        Ok(p) if !p.is_empty() => p,
        _ => {
            if std::io::stdin().is_terminal() {
                eprint!("password for {email}: ");
                std::io::stderr().flush().ok();
            }
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let db = matchraum::db::connect(&config.database.url).await?;
    matchraum::db::migrate(&db).await?;
    let role = if operator {
        matchraum::auth::PlatformRole::Operator
    } else {
        matchraum::auth::PlatformRole::Seeker
    };
    let user = matchraum::auth::store::create_user(&db, &email, &password, role).await?;
    matchraum::auth::audit::record(
        &db,
        None,
        "account.bootstrapped",
        &format!("user:{}", user.id),
        serde_json::json!({"role": role}),
    )
    .await?;
    println!(
        "created user {} ({}) with role {}",
        user.id,
        user.email,
        role.as_str()
    );
    Ok(ExitCode::SUCCESS)
}
