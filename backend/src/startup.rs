//! Building and running the server (zero2prod style: `build` binds, `run` serves).

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::{Server, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, App, HttpMessage, HttpServer};
use sea_orm::DbErr;
use tracing_actix_web::{RequestId, TracingLogger};

use crate::config::Config;
use crate::matching::{IndexGate, Matcher};
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Db(#[from] DbErr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

pub struct Application {
    port: u16,
    server: Server,
    /// The metrics listener's port and server, when it is on.
    metrics: Option<(u16, Server)>,
    /// Told first on shutdown, so that sockets close with 1001 while requests finish.
    realtime: Arc<crate::realtime::Realtime>,
    /// How long a shutdown may take.
    shutdown_timeout: std::time::Duration,
}

impl Application {
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        Self::build_with(config, IndexGate::open()).await
    }

    /// As [`Application::build`], with the batches of the first semantic index build
    /// passing `gate` (tests hold the build to observe the `building` state).
    pub async fn build_with(mut config: Config, gate: IndexGate) -> Result<Self, StartupError> {
        let redis = config
            .redis_target()
            .map_err(|e| StartupError::Other(format!("configuration: {e}")))?;
        // The model loads on the blocking pool while the database is prepared and seeded.
        let model = config.matching.enabled.then(|| load_model(&config));
        let db = crate::db::connect(&config.database.url).await?;
        crate::db::migrate(&db).await?;
        seed(&config, &db).await?;
        let rescored = crate::catalog::store::solutions::refresh_completeness(&db)
            .await
            .map_err(|e| StartupError::Other(format!("re-scoring completeness: {e}")))?;
        if rescored > 0 {
            tracing::info!(rescored, "completeness follows the minimum requirements");
        }
        crate::http::ui::check_dir(&config.http.ui_dir);
        let metrics_listener = crate::metrics::bind(&config.metrics.bind)?;
        let listener =
            TcpListener::bind(&config.http.bind).map_err(|source| StartupError::Bind {
                addr: config.http.bind.clone(),
                source,
            })?;
        let bound = listener
            .local_addr()
            .map_err(|e| StartupError::Other(e.to_string()))?;
        let port = bound.port();
        // Absolute links (JSON-LD) need the address the public sees, known only now when
        // none is configured and the port was chosen by the system.
        config.http.public_url = config
            .http
            .public_base(bound)
            .map_err(StartupError::Other)?;
        let (matcher, index_events) = if let Some(model) = model {
            let matcher = start_matcher(model, &db, gate).await?;
            let events = crate::matching::indexer::spawn(
                db.clone(),
                matcher.clone(),
                std::time::Duration::from_secs(config.matching.index_refresh_secs),
            );
            (Some(matcher), Some(events))
        } else {
            (None, None)
        };
        let auth =
            crate::auth::AuthState::new(redis.as_ref(), &config.redis.prefix, config.rate).await;
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let realtime = crate::realtime::Realtime::start(
            &config.realtime(redis),
            db.clone(),
            index_events.clone(),
            metrics.bus_lag_observer(),
        );
        let state = AppState {
            db,
            config: Arc::new(config),
            index_events,
            matcher,
            auth,
            realtime,
            metrics,
        };
        crate::services::freshness::spawn(&state);
        let metrics = match metrics_listener {
            Some(l) => {
                let port = l
                    .local_addr()
                    .map_err(|e| StartupError::Other(e.to_string()))?
                    .port();
                let server = crate::metrics::serve(l, web::Data::new(state.clone()))
                    .map_err(|e| StartupError::Other(e.to_string()))?;
                tracing::info!(port, "metrics listening");
                Some((port, server))
            }
            None => None,
        };
        let realtime = state.realtime.clone();
        let shutdown_timeout =
            std::time::Duration::from_secs(state.config.http.shutdown_timeout_secs);
        let server = serve(listener, state)?;
        tracing::info!(port, "listening");
        Ok(Application {
            port,
            server,
            metrics,
            realtime,
            shutdown_timeout,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The port of the metrics listener, when it is on.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|m| m.0)
    }

    /// Serves until SIGTERM/SIGINT, then shuts down gracefully (see [`Application::run_until`]).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(crate::shutdown::signal()).await
    }

    /// Serves until `stop` completes, then: stops accepting, closes every websocket with
    /// 1001 "going away" (clients resume on another instance), lets in-flight requests
    /// finish and returns, within `shutdown_timeout_secs` whatever is still open.
    pub async fn run_until(
        self,
        stop: impl std::future::Future<Output = ()>,
    ) -> std::io::Result<()> {
        let mut servers = vec![self.server];
        servers.extend(self.metrics.map(|(_, server)| server));
        let handles: Vec<_> = servers.iter().map(Server::handle).collect();
        let mut running = tokio::spawn(futures_util::future::join_all(servers));
        tokio::select! {
            served = &mut running => return first_error(served),
            () = stop => {}
        }
        let started = std::time::Instant::now();
        tracing::info!(
            deadline_secs = self.shutdown_timeout.as_secs(),
            "shutting down: closing websockets, finishing requests"
        );
        self.realtime.shut_down();
        let graceful = async {
            futures_util::future::join_all(handles.iter().map(|h| h.stop(true))).await;
            (&mut running).await
        };
        let served = match tokio::time::timeout(self.shutdown_timeout, graceful).await {
            Ok(served) => first_error(served),
            Err(_) => {
                tracing::warn!("shutdown deadline passed; dropping what is still open");
                running.abort();
                Ok(())
            }
        };
        tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, "stopped");
        served
    }
}

fn first_error(
    served: Result<Vec<std::io::Result<()>>, tokio::task::JoinError>,
) -> std::io::Result<()> {
    served.map_err(std::io::Error::other)?.into_iter().collect()
}

/// An empty database gets a catalogue: the small invented one with `--demo` (tests and
/// demos), else the real snapshot; never both, so invented entries never mix with real ones.
async fn seed(config: &Config, db: &sea_orm::DatabaseConnection) -> Result<(), StartupError> {
    if config.seed.demo {
        crate::demo::seed_if_empty(db)
            .await
            .map_err(|e| StartupError::Other(format!("demo data: {e}")))?;
        return Ok(());
    }
    let Some(path) = config.seed_snapshot() else {
        return Ok(());
    };
    let started = std::time::Instant::now();
    let imported = crate::snapshot::import_if_empty(db, path)
        .await
        .map_err(|e| {
            StartupError::Other(format!(
                "{e} (set MATCHRAUM_SEED_SNAPSHOT= to start with an empty catalogue)"
            ))
        })?;
    if let Some(report) = imported {
        for skip in &report.skipped {
            tracing::debug!(%skip, "snapshot record not imported");
        }
        tracing::info!(
            snapshot = %path.display(),
            records = report.records.created,
            organisations_by_name = report.organisations_by_name.created,
            skipped = report.skipped.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "imported the catalogue snapshot into the empty database"
        );
    }
    Ok(())
}

type ModelLoad = tokio::task::JoinHandle<Result<Matcher, crate::matching::MatchError>>;

/// Starts loading the model off the executor.
fn load_model(config: &Config) -> ModelLoad {
    let (dir, lib, precision, n) = (
        config.matching.model_dir.clone(),
        config.matching.ort_lib.clone(),
        config.matching.model_precision,
        config.matching.embed_concurrency,
    );
    let (queue_len, per_client) = (config.matching.queue_len, config.matching.queue_per_client);
    let (fusion, strengths) = (config.matching.fusion(), config.matching.strengths());
    let (hnsw_from, evidence_boost) = (config.matching.hnsw_from, config.matching.evidence_boost);
    let batch = crate::matching::batch::BatchSettings {
        window: std::time::Duration::from_millis(config.matching.batch_window_ms),
        max: config.matching.batch_max,
    };
    tokio::task::spawn_blocking(move || {
        let mut matcher = Matcher::load_precision(&dir, &lib, precision, n)?;
        matcher.limit_queries(queue_len, per_client);
        matcher.batch_queries(batch);
        matcher.set_fusion(fusion);
        matcher.set_strengths(strengths);
        matcher.set_hnsw_from(hnsw_from);
        matcher.set_evidence_boost(evidence_boost);
        Ok(matcher)
    })
}

/// Waits for the model, then brings filters, the lexical index and every stored vector up
/// to date before serving; what still needs embedding (all of it on a first start) is
/// embedded in the background while matches answer lexically.
async fn start_matcher(
    model: ModelLoad,
    db: &sea_orm::DatabaseConnection,
    gate: IndexGate,
) -> Result<Arc<Matcher>, StartupError> {
    let matcher = model
        .await
        .map_err(|e| StartupError::Other(e.to_string()))?
        .map_err(|e| {
            StartupError::Other(format!(
                "matching: {e} (run `make setup`, or set MATCHRAUM_MATCHING_ENABLED=false)"
            ))
        })?;
    let started = std::time::Instant::now();
    let pending = matcher
        .sync_catalogue(db)
        .await
        .map_err(|e| StartupError::Other(format!("indexing: {e}")))?;
    tracing::info!(
        to_embed = pending.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "lexical index ready"
    );
    let matcher = Arc::new(matcher);
    crate::matching::indexer::finish_build(db.clone(), matcher.clone(), pending, gate);
    Ok(matcher)
}

fn serve(listener: TcpListener, state: AppState) -> Result<Server, StartupError> {
    let workers = match state.config.http.workers {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    let max_body = state.config.http.max_body_bytes;
    let cors_origins = state.config.http.cors_origins.clone();
    let hsts = hsts_header(&state.config);
    let metrics = state.metrics.clone();
    let shutdown_secs = state.config.http.shutdown_timeout_secs;
    let data = web::Data::new(state);
    crate::http::panic::install_hook();
    let server = HttpServer::new(move || {
        let metrics = metrics.clone();
        App::new()
            .wrap_fn(crate::http::panic::catch_panic)
            .wrap_fn(move |req, srv| {
                let (metrics, started) = (metrics.clone(), std::time::Instant::now());
                let method = req.method().clone();
                let fut = srv.call(req);
                async move {
                    let res = fut.await?;
                    metrics.http_request(
                        &crate::metrics::route_of(res.request()),
                        method.as_str(),
                        res.status().as_u16(),
                        started.elapsed(),
                    );
                    Ok(res)
                }
            })
            .wrap(security_headers(hsts.clone()))
            .wrap_fn(|req, srv| {
                // Echo the request id so that a client's report can be found in the logs.
                let id = req.extensions().get::<RequestId>().copied();
                let fut = srv.call(req);
                async move {
                    let mut res = fut.await?;
                    if let Some(id) = id {
                        if let Ok(v) = HeaderValue::from_str(&id.to_string()) {
                            res.headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), v);
                        }
                    }
                    Ok(res)
                }
            })
            .wrap(cors(&cors_origins))
            .wrap(TracingLogger::<crate::http::trace::RequestSpan>::new())
            .app_data(data.clone())
            .app_data(web::PayloadConfig::new(max_body))
            .configure(|cfg| crate::http::configure(cfg, max_body))
    })
    .workers(workers)
    // Signals are ours (`run_until`): websockets must hear of a shutdown first.
    .disable_signals()
    .shutdown_timeout(shutdown_secs)
    .listen(listener)
    .map_err(|e| StartupError::Other(e.to_string()))?
    .run();
    Ok(server)
}

/// CORS is off (no cross-origin browser access) unless `cors_origins` lists origins.
fn cors(origins: &[String]) -> actix_web::middleware::Condition<actix_cors::Cors> {
    let mut c = actix_cors::Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::ACCEPT,
            HeaderName::from_static(crate::auth::CSRF_HEADER),
        ])
        .expose_headers(["x-request-id", "retry-after", "location"])
        .supports_credentials()
        .max_age(3600);
    for o in origins {
        c = c.allowed_origin(o);
    }
    actix_web::middleware::Condition::new(!origins.is_empty(), c)
}

/// `Strict-Transport-Security` when cookies are HTTPS-only (the deployment is behind TLS)
/// and `hsts_max_age_secs` is not 0.
fn hsts_header(config: &Config) -> Option<String> {
    (config.http.cookie_secure && config.http.hsts_max_age_secs > 0).then(|| {
        format!(
            "max-age={}; includeSubDomains",
            config.http.hsts_max_age_secs
        )
    })
}

fn security_headers(hsts: Option<String>) -> DefaultHeaders {
    let headers = match hsts {
        Some(v) => DefaultHeaders::new().add(("Strict-Transport-Security", v)),
        None => DefaultHeaders::new(),
    };
    headers
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("X-Frame-Options", "DENY"))
        // `img-src data:` only for KERN's icons (SVG masks inlined in its CSS); scripts and
        // styles come from files of this origin only.
        .add((
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; object-src 'none'; base-uri 'self'; form-action 'self'",
        ))
}
