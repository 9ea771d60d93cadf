//! One typed configuration: built-in defaults, then an optional TOML file
//! (`MATCHRAUM_CONFIG`, default `matchraum.toml` if present), then `MATCHRAUM_*` variables.

use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::auth::ratelimit::RateLimits;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `sqlite://...` or `postgres://...`.
    pub database_url: String,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Address of the Prometheus `/metrics` listener (never the public port); empty = off.
    pub metrics_bind: String,
    /// Redis for cross-instance fan-out and shared limits; in-process when unset.
    pub redis_url: Option<String>,
    pub log_format: LogFormat,
    /// `tracing` filter directive, e.g. `info,matchraum=debug`.
    pub log_level: String,
    /// Folder with the embedding model (see `make setup`).
    pub model_dir: PathBuf,
    /// ONNX Runtime shared library loaded at start-up.
    pub ort_lib: PathBuf,
    /// The built web UI (`index.html` and `assets/`), served at `/`.
    pub ui_dir: PathBuf,
    /// Largest accepted JSON body, in bytes.
    pub max_body_bytes: usize,
    /// Seed the embedded demo catalogue into an empty database at start-up.
    pub demo_data: bool,
    /// Catalogue snapshot (tar.xz) imported into an empty database at start-up, unless
    /// `demo_data`; empty = none.
    pub seed_snapshot: PathBuf,
    /// Worker threads of the HTTP server (0 = one per core).
    pub workers: usize,
    /// Load the embedding model and serve `/api/v1/match`.
    pub matching: bool,
    /// Embedding calls running at once on the blocking pool.
    pub embed_concurrency: usize,
    /// Match queries waiting for the model, in total and per client (account or IP); past
    /// either, `/api/v1/match` answers 503 with `Retry-After`.
    pub match_queue_len: usize,
    pub match_queue_per_client: usize,
    /// How often (seconds) to look for catalogue changes made through other instances
    /// that the bus did not bring (e.g. during a Redis outage); 0 = never. A single
    /// instance sees its own writes at once.
    pub index_refresh_secs: u64,
    /// Send session cookies only over HTTPS (turn off for local plain-HTTP development).
    pub cookie_secure: bool,
    /// `max-age` of `Strict-Transport-Security`, sent when `cookie_secure` is on (0 = never).
    pub hsts_max_age_secs: u64,
    /// Lifetime of a browser session, in hours.
    pub session_ttl_hours: u64,
    /// Comma-separated origins allowed to call the API from a browser (CORS); none if empty.
    pub cors_origins: Option<String>,
    /// Take the client IP for rate limits from `X-Forwarded-For` (only behind a proxy that
    /// sets it).
    pub trust_forwarded_for: bool,
    /// Window of every rate limit, in seconds; the limits below count per window (0 = off).
    pub rate_window_secs: u64,
    pub rate_login_per_ip: u32,
    /// Login attempts per (account, client IP); `rate_login_per_account_total` counts the
    /// account's attempts from every address.
    pub rate_login_per_account: u32,
    pub rate_login_per_account_total: u32,
    pub rate_register_per_ip: u32,
    pub rate_match_per_ip: u32,
    pub rate_match_per_account: u32,
    pub rate_write_per_ip: u32,
    pub rate_write_per_account: u32,
    /// People searches per account and window (inviting by name).
    pub rate_people_search_per_account: u32,
    /// Interest expressions (set, change, bundle) per account and window.
    pub rate_interest_per_account: u32,
    /// Prefix of every Redis key: the real-time bus's pub/sub channel (`<prefix>:events`)
    /// and the rate-limit counters (`<prefix>:rl:…`), so that several deployments (or
    /// tests) can share one Redis.
    pub redis_prefix: String,
    /// Largest websocket text frame a client may send, in bytes (larger: `error too_large`).
    pub ws_max_frame_bytes: usize,
    /// Frames per second a socket may send on average, and the burst above it.
    pub ws_rate_per_sec: u32,
    pub ws_rate_burst: u32,
    /// Frames queued per socket before it counts as a slow consumer and is disconnected.
    pub ws_queue_len: usize,
    /// Messages replayed per `subscribe` with `since` (the client asks again for more).
    pub ws_replay_limit: u64,
    /// Seconds without any frame from the client before the socket is closed (pings
    /// from the server keep well-behaved clients alive).
    pub ws_idle_timeout_secs: u64,
    /// Open websockets per account and per client address on one instance (0 = no cap);
    /// past them the upgrade answers 429.
    pub ws_max_per_account: u32,
    pub ws_max_per_ip: u32,
    /// On SIGTERM/SIGINT: seconds the instance may take to finish in-flight requests
    /// (websockets close at once with 1001) before it exits regardless.
    pub shutdown_timeout_secs: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            database_url: "sqlite://data/matchraum.sqlite?mode=rwc".into(),
            bind: "127.0.0.1:8080".into(),
            metrics_bind: "127.0.0.1:9464".into(),
            redis_url: None,
            log_format: LogFormat::Pretty,
            log_level: "info".into(),
            model_dir: PathBuf::from("models/multilingual-e5-small"),
            ort_lib: PathBuf::from("models/onnxruntime/libonnxruntime.so"),
            ui_dir: PathBuf::from("frontend/dist"),
            max_body_bytes: 1024 * 1024,
            demo_data: false,
            seed_snapshot: PathBuf::from("data-snapshot/catalogue.tar.xz"),
            workers: 0,
            matching: true,
            embed_concurrency: 2,
            match_queue_len: 64,
            match_queue_per_client: 4,
            index_refresh_secs: 10,
            cookie_secure: true,
            hsts_max_age_secs: 31_536_000,
            session_ttl_hours: 12,
            cors_origins: None,
            trust_forwarded_for: false,
            rate_window_secs: 60,
            rate_login_per_ip: 30,
            rate_login_per_account: 5,
            rate_login_per_account_total: 100,
            rate_register_per_ip: 10,
            rate_match_per_ip: 60,
            rate_match_per_account: 60,
            rate_write_per_ip: 600,
            rate_write_per_account: 120,
            rate_people_search_per_account: 30,
            rate_interest_per_account: 30,
            redis_prefix: "matchraum".into(),
            ws_max_frame_bytes: 16 * 1024,
            ws_rate_per_sec: 20,
            ws_rate_burst: 40,
            ws_queue_len: 256,
            ws_replay_limit: 500,
            ws_idle_timeout_secs: 120,
            ws_max_per_account: 20,
            ws_max_per_ip: 200,
            shutdown_timeout_secs: 15,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(#[from] Box<figment::Error>);

impl Config {
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var("MATCHRAUM_CONFIG").unwrap_or_else(|_| "matchraum.toml".into());
        Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(file))
            .merge(Env::prefixed("MATCHRAUM_").ignore(&["config", "bootstrap_password"]))
            .extract()
            .map_err(|e| ConfigError(Box::new(e)))
    }

    /// The limits of the rate limiter.
    pub fn rate_limits(&self) -> RateLimits {
        RateLimits {
            window_secs: self.rate_window_secs,
            login_per_ip: self.rate_login_per_ip,
            login_per_account: self.rate_login_per_account,
            login_per_account_total: self.rate_login_per_account_total,
            register_per_ip: self.rate_register_per_ip,
            match_per_ip: self.rate_match_per_ip,
            match_per_account: self.rate_match_per_account,
            write_per_ip: self.rate_write_per_ip,
            write_per_account: self.rate_write_per_account,
            people_search_per_account: self.rate_people_search_per_account,
            interest_per_account: self.rate_interest_per_account,
        }
    }

    /// What the real-time part (hub, bus, socket caps) needs.
    pub fn realtime(&self) -> crate::realtime::Settings {
        crate::realtime::Settings {
            redis_url: self.redis_url.clone(),
            redis_prefix: self.redis_prefix.clone(),
            queue_len: self.ws_queue_len,
            max_per_account: self.ws_max_per_account,
            max_per_ip: self.ws_max_per_ip,
        }
    }

    /// The snapshot to seed an empty database with, if any.
    pub fn seed_snapshot(&self) -> Option<&std::path::Path> {
        Some(self.seed_snapshot.as_path()).filter(|p| !p.as_os_str().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deploy_example_is_a_valid_configuration() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../deploy/matchraum.example.toml"
        );
        let config: Config = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::file(path))
            .extract()
            .expect("example configuration parses");
        assert_eq!(config.log_format, LogFormat::Json);
        assert!(config.redis_url.is_some());
        assert_eq!(config.ui_dir, PathBuf::from("/var/lib/matchraum/ui"));
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = Figment::from(Serialized::defaults(Config::default()))
            .merge(Toml::string("databse_url = \"x\""))
            .extract::<Config>()
            .unwrap_err();
        assert!(err.to_string().contains("databse_url"), "{err}");
    }
}
