//! Prometheus metrics of one instance, served in the text format at `GET /metrics` on a
//! listener of its own (`MATCHRAUM_METRICS_BIND`), never on the public port.
//!
//! Each instance has its own registry (tests run several instances in one process).
//! Request and match figures are recorded as they happen; gauges and the counters the hub
//! and the bus already keep as atomics are read when the endpoint is scraped.

use std::net::TcpListener;
use std::sync::Mutex;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{web, App, HttpResponse, HttpServer};
use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::matching::StageTimes;
use crate::state::AppState;

/// Latency buckets in seconds, from 0.5 ms to 10 s.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    registry: Registry,
    http_requests: IntCounterVec,
    http_duration: HistogramVec,
    match_stage: HistogramVec,
    embed_queue: IntGauge,
    index_entries: IntGaugeVec,
    index_refreshed: IntGauge,
    ws_connections: IntGauge,
    ws_frames: IntCounterVec,
    ws_queue_drops: IntCounter,
    ws_slow_closes: IntCounter,
    bus_publish_errors: IntCounter,
    bus_lag: Histogram,
    db_pool: IntGaugeVec,
    /// Scrapes update the mirrored counters one at a time.
    scrape: Mutex<()>,
}

fn opts(name: &str, help: &str) -> Opts {
    Opts::new(name, help).namespace("matchraum")
}

fn gauge(name: &str, help: &str) -> IntGauge {
    IntGauge::with_opts(opts(name, help)).expect("valid gauge")
}

fn counter(name: &str, help: &str) -> IntCounter {
    IntCounter::with_opts(opts(name, help)).expect("valid counter")
}

fn histogram_opts(name: &str, help: &str) -> HistogramOpts {
    HistogramOpts::new(name, help)
        .namespace("matchraum")
        .buckets(BUCKETS.to_vec())
}

fn histogram(name: &str, help: &str, labels: &[&str]) -> HistogramVec {
    HistogramVec::new(histogram_opts(name, help), labels).expect("valid histogram")
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let m = Metrics {
            registry: Registry::new(),
            http_requests: IntCounterVec::new(
                opts("http_requests_total", "HTTP requests by route pattern, method and status"),
                &["route", "method", "status"],
            )
            .expect("valid counter"),
            http_duration: histogram(
                "http_request_duration_seconds",
                "HTTP request latency by route pattern, method and status",
                &["route", "method", "status"],
            ),
            match_stage: histogram(
                "match_stage_duration_seconds",
                "POST /api/v1/match latency per stage (embed, vector, lexical, fusion, explanation)",
                &["stage"],
            ),
            embed_queue: gauge("embed_queue_depth", "match queries waiting for the embedding model"),
            index_entries: IntGaugeVec::new(
                opts("index_entries", "entries in the matching indexes"),
                &["index"],
            )
            .expect("valid gauge"),
            index_refreshed: gauge("index_last_refresh_timestamp_seconds", "when the matching indexes last took catalogue changes in (Unix time; 0 = never)"),
            ws_connections: gauge("ws_connections", "open websocket connections"),
            ws_frames: IntCounterVec::new(
                opts("ws_frames_total", "websocket frames received from clients (in) and queued to sockets by the hub (out)"),
                &["direction"],
            )
            .expect("valid counter"),
            ws_queue_drops: counter("ws_queue_drops_total", "frames not queued because a socket's queue was full"),
            ws_slow_closes: counter("ws_slow_consumer_closes_total", "sockets disconnected as slow consumers"),
            bus_publish_errors: counter("bus_publish_errors_total", "failed or dropped publishes to the bus between instances"),
            bus_lag: Histogram::with_opts(histogram_opts(
                "bus_lag_seconds",
                "time from another instance's publish to the event's arrival here (Redis bus only)",
            ))
            .expect("valid histogram"),
            db_pool: IntGaugeVec::new(
                opts("db_pool_connections", "database pool connections by state"),
                &["state"],
            )
            .expect("valid gauge"),
            scrape: Mutex::new(()),
        };
        let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(m.http_requests.clone()),
            Box::new(m.http_duration.clone()),
            Box::new(m.match_stage.clone()),
            Box::new(m.embed_queue.clone()),
            Box::new(m.index_entries.clone()),
            Box::new(m.index_refreshed.clone()),
            Box::new(m.ws_connections.clone()),
            Box::new(m.ws_frames.clone()),
            Box::new(m.ws_queue_drops.clone()),
            Box::new(m.ws_slow_closes.clone()),
            Box::new(m.bus_publish_errors.clone()),
            Box::new(m.bus_lag.clone()),
            Box::new(m.db_pool.clone()),
        ];
        for c in collectors {
            m.registry.register(c).expect("unique metric names");
        }
        m
    }

    /// One answered HTTP request; `route` is the matched pattern (`/api/v1/solutions/{id}`),
    /// never the raw path, so that the label set stays small.
    pub fn http_request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let status = status.to_string();
        let labels = [route, method, status.as_str()];
        self.http_requests.with_label_values(&labels).inc();
        self.http_duration
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    /// Records how late the other instances' bus events arrive.
    pub fn bus_lag_observer(&self) -> crate::realtime::bus::LagObserver {
        let h = self.bus_lag.clone();
        std::sync::Arc::new(move |d| h.observe(d.as_secs_f64()))
    }

    /// The stages of one match (stages that did not run are not observed).
    pub fn match_stages(&self, t: &StageTimes) {
        for (stage, d) in t.stages() {
            if let Some(d) = d {
                self.match_stage
                    .with_label_values(&[stage])
                    .observe(d.as_secs_f64());
            }
        }
    }

    /// The text format, with the gauges and mirrored counters read from `state` now.
    pub fn render(&self, state: &AppState) -> String {
        let _one = self.scrape.lock().expect("scrape lock");
        self.refresh(state);
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .expect("text encoding");
        String::from_utf8(out).expect("the text format is UTF-8")
    }

    fn refresh(&self, state: &AppState) {
        let rt = &state.realtime;
        let hub = rt.hub.counters();
        self.ws_connections.set(rt.caps.open_total() as i64);
        mirror(&self.ws_frames.with_label_values(&["in"]), hub.frames_in);
        mirror(&self.ws_frames.with_label_values(&["out"]), hub.delivered);
        mirror(&self.ws_queue_drops, hub.queue_drops);
        mirror(&self.ws_slow_closes, hub.slow_disconnects);
        mirror(&self.bus_publish_errors, hub.bus_publish_errors);
        if let Some(m) = &state.matcher {
            self.embed_queue.set(m.queries_waiting() as i64);
            let (solutions, needs) = m.index_sizes();
            self.index_entries
                .with_label_values(&["solution_vectors"])
                .set(solutions as i64);
            self.index_entries
                .with_label_values(&["need_vectors"])
                .set(needs as i64);
            self.index_entries
                .with_label_values(&["catalogue"])
                .set(m.semantic().total as i64);
            self.index_refreshed.set(m.refreshed_at());
        }
        let (in_use, idle) = crate::db::pool_usage(&state.db);
        self.db_pool
            .with_label_values(&["in_use"])
            .set(in_use as i64);
        self.db_pool.with_label_values(&["idle"]).set(idle as i64);
    }
}

/// Brings a counter up to a total kept elsewhere (totals only grow).
fn mirror(counter: &IntCounter, total: u64) {
    let now = counter.get();
    if total > now {
        counter.inc_by(total - now);
    }
}

/// The route label of a request: its matched pattern, or `other` (the web UI's files and
/// unknown paths), so that raw paths never become label values.
pub fn route_of(req: &actix_web::HttpRequest) -> String {
    req.match_pattern().unwrap_or_else(|| "other".into())
}

async fn scrape(state: web::Data<AppState>) -> HttpResponse {
    let body = state.metrics.render(&state);
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(body)
}

/// Binds the metrics listener (`bind` empty: none). Bound before the public port, so a
/// taken address is a start-up error.
pub fn bind(bind: &str) -> Result<Option<TcpListener>, crate::startup::StartupError> {
    if bind.trim().is_empty() {
        return Ok(None);
    }
    TcpListener::bind(bind)
        .map(Some)
        .map_err(|source| crate::startup::StartupError::Bind {
            addr: bind.to_owned(),
            source,
        })
}

/// Serves `GET /metrics` (and nothing else) on its own small server.
pub fn serve(listener: TcpListener, state: web::Data<AppState>) -> std::io::Result<Server> {
    Ok(HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .route("/metrics", web::get().to(scrape))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)?
    .run())
}
