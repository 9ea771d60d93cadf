//! Connecting to the configured database and bringing its schema up to date.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::{self, sqlite::SqliteJournalMode};
use sea_orm::{ConnectOptions, Database, DatabaseConnection, DbErr, RuntimeErr};

/// Opens a pool. For SQLite it creates the file's folder and opens exactly one connection
/// in WAL mode with a busy timeout: SQLite has one writer at a time, and two deferred
/// transactions that both read and then write deadlock (one fails at once with "database
/// is locked", which the busy timeout cannot wait out). One connection serialises every
/// transaction in this process instead; other processes (an `import`) wait up to the busy
/// timeout.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let sqlite = url.starts_with("sqlite:");
    if sqlite {
        if let Some(dir) = sqlite_dir(url) {
            std::fs::create_dir_all(&dir)
                .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(if sqlite { 1 } else { 20 })
        .min_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .foreign_keys(true)
        });
    Database::connect(opts).await
}

/// How long a SQLite connection waits for another process's write lock.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Applies pending migrations. On PostgreSQL several replicas may start at once: they take
/// turns under an advisory lock, held by a connection of its own for the whole run, so the
/// first applies the migrations and the others find nothing pending. SQLite needs no lock
/// (this process holds its only connection; another process waits on the file lock).
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    let DatabaseConnection::SqlxPostgresPoolConnection(_) = db else {
        return Migrator::up(db, None).await;
    };
    let sqlx_err = |e| DbErr::Conn(RuntimeErr::SqlxError(e));
    // Detached from the pool: if anything below fails, dropping the connection ends its
    // session and with it the lock, instead of returning a locked connection to the pool.
    let mut lock = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .map_err(sqlx_err)?
        .detach();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut lock)
        .await
        .map_err(sqlx_err)?;
    let result = Migrator::up(db, None).await;
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut lock)
        .await
        .map_err(sqlx_err)?;
    let _ = sqlx::Connection::close(lock).await;
    result
}

/// The advisory lock key of the migrations ("matchrm" in ASCII): per database, so other
/// databases on the same server are not held up.
const MIGRATION_LOCK: i64 = 0x006d_6174_6368_726d;

/// True when the database answers and no migration is pending.
pub async fn is_ready(db: &DatabaseConnection) -> bool {
    matches!(Migrator::get_pending_migrations(db).await, Ok(p) if p.is_empty())
}

/// Connections of the pool (in use, idle), for the metrics.
pub fn pool_usage(db: &DatabaseConnection) -> (u32, u32) {
    let (size, idle) = match db {
        DatabaseConnection::SqlxPostgresPoolConnection(_) => {
            let p = db.get_postgres_connection_pool();
            (p.size(), p.num_idle())
        }
        DatabaseConnection::SqlxSqlitePoolConnection(_) => {
            let p = db.get_sqlite_connection_pool();
            (p.size(), p.num_idle())
        }
        _ => (0, 0),
    };
    let idle = u32::try_from(idle).unwrap_or(u32::MAX);
    (size.saturating_sub(idle), idle)
}

fn sqlite_dir(url: &str) -> Option<std::path::PathBuf> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(Into::into)
}
