//! Logging: human-readable locally, JSON lines in production.

use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::{fmt, EnvFilter};

use crate::config::LogFormat;

/// Installs the global subscriber; later calls (e.g. in tests) are ignored.
pub fn init(format: LogFormat, level: &str) {
    init_to(format, level, std::io::stderr);
}

/// As [`init`], writing to `writer` (tests read the JSON lines back).
pub fn init_to<W>(format: LogFormat, level: &str, writer: W)
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_from_env("RUST_LOG").unwrap_or_else(|_| EnvFilter::new(level));
    let builder = fmt().with_env_filter(filter).with_writer(writer);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Pretty => builder.compact().try_init(),
    };
}
