//! One typed configuration in sections: built-in defaults, then an optional TOML file
//! (`MATCHRAUM_CONFIG`, default `matchraum.toml` if present), then `MATCHRAUM_*` variables.
//!
//! A key `field` of section `[section]` is the variable `MATCHRAUM_SECTION_FIELD`, e.g.
//! `[rate] login_per_ip` is `MATCHRAUM_RATE_LOGIN_PER_IP`: one rule, no table of names.

use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Deserializer, Serialize};

pub use crate::auth::ratelimit::RateLimits;
pub use crate::auth::redis_link::RedisTarget;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub database: Database,
    pub http: Http,
    pub metrics: Metrics,
    pub redis: Redis,
    pub log: Log,
    pub matching: Matching,
    /// Window of every rate limit, in seconds; the limits count per window (0 = off).
    pub rate: RateLimits,
    pub ws: Ws,
    pub seed: Seed,
    pub catalog: Catalog,
    pub reviews: Reviews,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Database {
    /// `sqlite://...` or `postgres://...`.
    pub url: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Http {
    /// Address the HTTP server listens on.
    pub bind: String,
    /// The address the public reaches this service at (`https://matchraum.example.de`),
    /// for the absolute links of the JSON-LD catalogue and solution pages; empty: `http://`
    /// and the bound address (`localhost` for an unspecified host), right for development.
    pub public_url: String,
    /// The built web UI (`index.html` and `assets/`), served at `/`.
    pub ui_dir: PathBuf,
    /// Largest accepted JSON body, in bytes.
    pub max_body_bytes: usize,
    /// Worker threads of the HTTP server (0 = one per core).
    pub workers: usize,
    /// Send session cookies only over HTTPS (turn off for local plain-HTTP development).
    pub cookie_secure: bool,
    /// `max-age` of `Strict-Transport-Security`, sent when `cookie_secure` is on (0 = never).
    pub hsts_max_age_secs: u64,
    /// Lifetime of a browser session, in hours.
    pub session_ttl_hours: u64,
    /// Origins allowed to call the API and open websockets from a browser (CORS); a list
    /// in TOML, comma-separated in the variable; none if empty.
    #[serde(deserialize_with = "string_list")]
    pub cors_origins: Vec<String>,
    /// Take the client IP for rate limits from `X-Forwarded-For` (only behind a proxy that
    /// sets it).
    pub trust_forwarded_for: bool,
    /// On SIGTERM/SIGINT: seconds the instance may take to finish in-flight requests
    /// (websockets close at once with 1001) before it exits regardless.
    pub shutdown_timeout_secs: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Metrics {
    /// Address of the Prometheus `/metrics` listener (never the public port); empty = off.
    pub bind: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Redis {
    /// Redis for cross-instance fan-out, presence and shared limits; in-process when unset.
    pub url: Option<String>,
    /// Instead of `url`: seed nodes of a Redis Cluster (`redis://host:port`; a list in
    /// TOML, comma-separated in the variable). The bus then uses sharded pub/sub.
    #[serde(deserialize_with = "string_list")]
    pub cluster: Vec<String>,
    /// Prefix of every Redis key: the bus's pub/sub channel (`<prefix>:events`), presence
    /// and the rate-limit counters (`<prefix>:rl:…`), so that several deployments (or
    /// tests) can share one Redis.
    pub prefix: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Log {
    pub format: LogFormat,
    /// `tracing` filter directive, e.g. `info,matchraum=debug`.
    pub level: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Matching {
    /// Load the embedding model and serve `/api/v1/match`.
    pub enabled: bool,
    /// Folder with the embedding model (see `make setup`).
    pub model_dir: PathBuf,
    /// ONNX Runtime shared library loaded at start-up.
    pub ort_lib: PathBuf,
    /// Which graph of the model embeds: `int8` (`model.int8.onnx`, linear layers
    /// dynamically quantised; about twice as fast, same Recall@10 on the dev set) or `fp32`
    /// (`model.onnx`). Vectors are stored per precision: a switch re-embeds the catalogue.
    pub model_precision: crate::matching::embedder::ModelPrecision,
    /// Embedding calls running at once on the blocking pool.
    pub embed_concurrency: usize,
    /// Match queries waiting for the model, in total and per client (account or IP); past
    /// either, `/api/v1/match` answers 503 with `Retry-After`.
    pub queue_len: usize,
    pub queue_per_client: usize,
    /// Concurrent query embeddings are collected for at most this many milliseconds, or
    /// until `batch_max` wait, then embedded in one model call; 0 = one query per call.
    pub batch_window_ms: u64,
    /// Queries per model call at most; 1 = one query per call (batching off).
    pub batch_max: usize,
    /// How often (seconds) to look for catalogue changes made through other instances
    /// that the bus did not bring (e.g. during a Redis outage); 0 = never. A single
    /// instance sees its own writes at once.
    pub index_refresh_secs: u64,
    /// How hybrid matches fuse the vector and the lexical ranking: `rrf` (by rank),
    /// `zscore` or `minmax` (by per-query normalised scores), with these weights.
    pub fusion: crate::matching::fusion::FusionMethod,
    #[serde(deserialize_with = "weight")]
    pub vector_weight: f32,
    #[serde(deserialize_with = "weight")]
    pub lexical_weight: f32,
    /// Strength signal (z-score fusion, see `matching::fusion::STRENGTH_SIGNAL`) from
    /// which a hybrid match is shown as strong or possible (else weak); calibrated with
    /// `matchraum eval --calibrate`.
    pub strong_score: f32,
    pub possible_score: f32,
    /// Cosine similarity (the need's text as a query, a solution as a passage) from which
    /// a newly posted public need is announced live to the solution's provider and users.
    #[serde(deserialize_with = "similarity")]
    pub need_notify_similarity: f32,
    /// Cosine similarity of a need's and a solution's stored vectors from which the
    /// provider's needs radar shows the pair as strong or possible (below: not listed);
    /// calibrated on the dev set (README, "Bedarfsradar").
    #[serde(deserialize_with = "similarity")]
    pub radar_strong_similarity: f32,
    #[serde(deserialize_with = "similarity")]
    pub radar_possible_similarity: f32,
    /// Entries (solutions, and separately needs) from which the vector index is an HNSW
    /// graph instead of exact search; 0 = always exact. An index switches on the write
    /// that takes it to this size (built while searches go on) and back to exact search
    /// once it shrinks below half of it.
    pub hnsw_from: usize,
    /// Weight of the evidence of reuse after fusion (`matching::boost`): confirmed usages
    /// (more for administrations like the seeker's) and maturity raise a solution's score
    /// by at most this share (capped at 1), never past a match of a higher strength;
    /// claims never count; 0 = off.
    #[serde(deserialize_with = "weight")]
    pub evidence_boost: f32,
}

impl Matching {
    pub fn fusion(&self) -> crate::matching::fusion::Fusion {
        crate::matching::fusion::Fusion {
            method: self.fusion,
            vector_weight: self.vector_weight,
            lexical_weight: self.lexical_weight,
        }
    }

    pub fn strengths(&self) -> crate::matching::model::StrengthThresholds {
        crate::matching::model::StrengthThresholds {
            strong: self.strong_score,
            possible: self.possible_score,
        }
    }

    pub fn radar_strengths(&self) -> crate::matching::model::StrengthThresholds {
        crate::matching::model::StrengthThresholds {
            strong: self.radar_strong_similarity,
            possible: self.radar_possible_similarity,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ws {
    /// Largest websocket text frame a client may send, in bytes (larger: `error too_large`).
    pub max_frame_bytes: usize,
    /// Frames per second a socket may send on average, and the burst above it.
    pub rate_per_sec: u32,
    pub rate_burst: u32,
    /// Frames queued per socket before it counts as a slow consumer and is disconnected.
    pub queue_len: usize,
    /// Messages replayed per `subscribe` with `since` (the client asks again for more).
    pub replay_limit: u64,
    /// Seconds without any frame from the client before the socket is closed (pings
    /// from the server keep well-behaved clients alive).
    pub idle_timeout_secs: u64,
    /// Open websockets per account and per client address on one instance (0 = no cap);
    /// past them the upgrade answers 429.
    pub max_per_account: u32,
    pub max_per_ip: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Catalog {
    /// A solution whose `last_verified_at` is older than this many months is stale.
    pub stale_after_months: u32,
    /// Seconds between two sweeps that tell providers about entries gone stale (each entry
    /// once per staleness period, however many replicas sweep); 0 = never.
    pub stale_sweep_secs: u64,
    /// Months after which a confirmed usage asks its organisation to confirm it again.
    pub usage_reconfirm_months: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Reviews {
    /// Largest uploaded review file (PDF, ODT, Markdown), in bytes.
    pub max_file_bytes: usize,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Seed {
    /// Seed the embedded demo catalogue into an empty database at start-up.
    pub demo: bool,
    /// Catalogue snapshot (tar.xz) imported into an empty database at start-up, unless
    /// `demo`; empty = none.
    pub snapshot: PathBuf,
}

impl Default for Database {
    fn default() -> Self {
        Database {
            url: "sqlite://data/matchraum.sqlite?mode=rwc".into(),
        }
    }
}

impl Default for Http {
    fn default() -> Self {
        Http {
            bind: "127.0.0.1:8080".into(),
            public_url: String::new(),
            ui_dir: PathBuf::from("frontend/dist"),
            max_body_bytes: 1024 * 1024,
            workers: 0,
            cookie_secure: true,
            hsts_max_age_secs: 31_536_000,
            session_ttl_hours: 12,
            cors_origins: Vec::new(),
            trust_forwarded_for: false,
            shutdown_timeout_secs: 15,
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics {
            bind: "127.0.0.1:9464".into(),
        }
    }
}

impl Default for Redis {
    fn default() -> Self {
        Redis {
            url: None,
            cluster: Vec::new(),
            prefix: "matchraum".into(),
        }
    }
}

impl Default for Log {
    fn default() -> Self {
        Log {
            format: LogFormat::Pretty,
            level: "info".into(),
        }
    }
}

impl Default for Matching {
    fn default() -> Self {
        Matching {
            enabled: true,
            model_dir: PathBuf::from("models/multilingual-e5-small"),
            ort_lib: PathBuf::from("models/onnxruntime/libonnxruntime.so"),
            model_precision: Default::default(),
            embed_concurrency: 2,
            queue_len: 64,
            queue_per_client: 4,
            batch_window_ms: 2,
            batch_max: 16,
            index_refresh_secs: 10,
            fusion: crate::matching::fusion::Fusion::default().method,
            vector_weight: crate::matching::fusion::Fusion::default().vector_weight,
            lexical_weight: crate::matching::fusion::Fusion::default().lexical_weight,
            strong_score: crate::matching::engine::DEFAULT_STRENGTHS.strong,
            possible_score: crate::matching::engine::DEFAULT_STRENGTHS.possible,
            need_notify_similarity: crate::matching::notify::DEFAULT_SOLUTION_SIMILARITY,
            radar_strong_similarity: crate::matching::provider_radar::DEFAULT_RADAR_STRENGTHS
                .strong,
            radar_possible_similarity: crate::matching::provider_radar::DEFAULT_RADAR_STRENGTHS
                .possible,
            hnsw_from: crate::matching::vector::sized::DEFAULT_HNSW_FROM,
            evidence_boost: crate::matching::engine::DEFAULT_EVIDENCE_BOOST,
        }
    }
}

impl Default for Ws {
    fn default() -> Self {
        Ws {
            max_frame_bytes: 16 * 1024,
            rate_per_sec: 20,
            rate_burst: 40,
            queue_len: 256,
            replay_limit: 500,
            idle_timeout_secs: 120,
            max_per_account: 20,
            max_per_ip: 200,
        }
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog {
            stale_after_months: crate::catalog::freshness::DEFAULT_STALE_AFTER_MONTHS,
            stale_sweep_secs: 3600,
            usage_reconfirm_months: 12,
        }
    }
}

impl Default for Reviews {
    fn default() -> Self {
        Reviews {
            max_file_bytes: 10 * 1024 * 1024,
        }
    }
}

impl Default for Seed {
    fn default() -> Self {
        Seed {
            demo: false,
            snapshot: PathBuf::from("data-snapshot/catalogue.tar.xz"),
        }
    }
}

/// Variables read outside the configuration (by `main` and the `user` command).
const OTHER_VARIABLES: [&str; 2] = ["config", "bootstrap_password"];

#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(#[from] Box<figment::Error>);

impl Config {
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var("MATCHRAUM_CONFIG").unwrap_or_else(|_| "matchraum.toml".into());
        Self::figment(Figment::new().merge(Toml::file(file)))
            .merge(
                Env::prefixed("MATCHRAUM_")
                    .ignore(&OTHER_VARIABLES)
                    // `rate_login_per_ip` → `rate.login_per_ip`: sections have no `_`.
                    .map(|key| key.as_str().replacen('_', ".", 1).into()),
            )
            .extract()
            .map_err(|e| ConfigError(Box::new(e)))
    }

    /// The defaults with `overrides` (e.g. a TOML file) on top.
    fn figment(overrides: Figment) -> Figment {
        Figment::from(Serialized::defaults(Config::default())).merge(overrides)
    }

    /// Every `MATCHRAUM_*` variable the server reads, by the rule above.
    pub fn variables() -> Vec<String> {
        let defaults = serde_json::to_value(Config::default()).expect("config serialises");
        let mut names: Vec<String> = defaults
            .as_object()
            .into_iter()
            .flatten()
            .flat_map(|(section, keys)| {
                keys.as_object()
                    .into_iter()
                    .flatten()
                    .map(move |(key, _)| format!("{section}_{key}"))
            })
            .chain(OTHER_VARIABLES.iter().map(|v| v.to_string()))
            .map(|name| format!("MATCHRAUM_{}", name.to_uppercase()))
            .collect();
        names.sort();
        names
    }

    /// The configured Redis (one server or a cluster), checked: both at once or a URL
    /// that does not parse is an error that names the key.
    pub fn redis_target(&self) -> Result<Option<RedisTarget>, String> {
        RedisTarget::from_config(self.redis.url.as_deref(), &self.redis.cluster)
    }

    /// What the real-time part (hub, bus, socket caps) needs, on `redis` (see
    /// [`Config::redis_target`]).
    pub fn realtime(&self, redis: Option<RedisTarget>) -> crate::realtime::Settings {
        crate::realtime::Settings {
            redis,
            redis_prefix: self.redis.prefix.clone(),
            queue_len: self.ws.queue_len,
            max_per_account: self.ws.max_per_account,
            max_per_ip: self.ws.max_per_ip,
        }
    }

    /// The snapshot to seed an empty database with, if any.
    pub fn seed_snapshot(&self) -> Option<&std::path::Path> {
        Some(self.seed.snapshot.as_path()).filter(|p| !p.as_os_str().is_empty())
    }
}

impl Http {
    /// Whether a browser page from `origin` may call the API (exact, case-insensitive).
    pub fn allows_origin(&self, origin: &str) -> bool {
        self.cors_origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin))
    }

    /// The public base URL without a trailing slash: `public_url`, or `http://` and the
    /// address the server is `bound` to. An explicit value must be an http(s) address.
    pub fn public_base(&self, bound: std::net::SocketAddr) -> Result<String, String> {
        let url = self.public_url.trim().trim_end_matches('/');
        if !url.is_empty() {
            if !crate::catalog::validate::is_web_url(url) {
                return Err(format!(
                    "[http] public_url must be an http:// or https:// address, got {url:?}"
                ));
            }
            return Ok(url.to_owned());
        }
        let host = match bound.ip() {
            ip if ip.is_unspecified() => "localhost".to_owned(),
            std::net::IpAddr::V6(ip) => format!("[{ip}]"),
            ip => ip.to_string(),
        };
        Ok(format!("http://{host}:{}", bound.port()))
    }
}

/// Origins or URLs as a TOML list or one comma-separated string (how a variable carries a
/// list), trimmed, without a trailing `/`.
fn string_list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum List {
        List(Vec<String>),
        Text(String),
    }
    let list = match List::deserialize(d)? {
        List::List(list) => list,
        List::Text(text) => text.split(',').map(str::to_owned).collect(),
    };
    Ok(list
        .into_iter()
        .map(|o| o.trim().trim_end_matches('/').to_owned())
        .filter(|o| !o.is_empty())
        .collect())
}

/// A fusion weight: a finite number ≥ 0.
fn weight<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    let w = f32::deserialize(d)?;
    if w.is_finite() && w >= 0.0 {
        Ok(w)
    } else {
        Err(serde::de::Error::custom(format!(
            "a fusion weight must be a number ≥ 0, not {w}"
        )))
    }
}

/// A cosine similarity threshold: a number from -1 to 1.
fn similarity<'de, D: Deserializer<'de>>(d: D) -> Result<f32, D::Error> {
    let s = f32::deserialize(d)?;
    if (-1.0..=1.0).contains(&s) {
        Ok(s)
    } else {
        Err(serde::de::Error::custom(format!(
            "a similarity must be a number from -1 to 1, not {s}"
        )))
    }
}

#[cfg(test)]
mod tests;
