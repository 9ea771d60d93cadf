//! Load generator for the real-time path (loopback only, bounded in time and count).
//!
//! Starts its own server process (`--server`, default `target/release/matchraum`) on a
//! fresh SQLite file, opens `--conns` anonymous websocket connections subscribed to one
//! public channel, then sends `--messages` messages at `--rate` per second through one
//! signed-in connection, and reports: connections held, server memory per idle
//! connection (VmRSS before/after), deliveries per second, delivery latency p50/p99/max,
//! and messages lost (expected × connections − distinct deliveries).
//!
//! `ulimit -n` must allow conns + a margin in this process and in the server.

use std::collections::HashSet;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// Client-side socket configuration. tungstenite's default read buffer is 128 KiB and is
/// zero-filled on every read: with thousands of sockets on the same cores as the server
/// that memset, not the server, dominated the measured latency. Frames here are small.
fn ws_config() -> Option<WebSocketConfig> {
    Some(WebSocketConfig::default().read_buffer_size(8 * 1024))
}

struct Args {
    server: String,
    conns: usize,
    messages: usize,
    rate: f64,
    max_secs: u64,
}

fn args() -> Args {
    let mut a = Args {
        server: "target/release/matchraum".into(),
        conns: 1000,
        messages: 100,
        rate: 10.0,
        max_secs: 300,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < v.len() {
        match v[i].as_str() {
            "--server" => a.server = v[i + 1].clone(),
            "--conns" => a.conns = v[i + 1].parse().expect("--conns N"),
            "--messages" => a.messages = v[i + 1].parse().expect("--messages N"),
            "--rate" => a.rate = v[i + 1].parse().expect("--rate per second"),
            "--max-secs" => a.max_secs = v[i + 1].parse().expect("--max-secs N"),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    assert!(
        a.conns <= 50_000 && a.messages <= 100_000,
        "bounded: at most 50000 connections and 100000 messages"
    );
    a
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

fn vm_rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn api(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    token: Option<&str>,
    cookie: Option<(&str, &str)>,
    body: Value,
) -> reqwest::Response {
    let mut rb = client.post(format!("{base}{path}")).json(&body);
    if let Some(t) = token {
        rb = rb.bearer_auth(t);
    }
    if let Some((c, csrf)) = cookie {
        rb = rb.header("cookie", c).header("x-csrf-token", csrf);
    }
    rb.send().await.expect("request")
}

#[tokio::main]
async fn main() {
    let a = args();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let child = Command::new(&a.server)
        .arg("serve")
        .env(
            "MATCHRAUM_DATABASE_URL",
            format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("load.sqlite").display()
            ),
        )
        .env("MATCHRAUM_BIND", format!("127.0.0.1:{port}"))
        .env("MATCHRAUM_MATCHING", "false")
        .env("MATCHRAUM_LOG_LEVEL", "warn")
        .env("MATCHRAUM_COOKIE_SECURE", "false")
        .env("MATCHRAUM_RATE_REGISTER_PER_IP", "0")
        .env("MATCHRAUM_RATE_LOGIN_PER_IP", "0")
        .env("MATCHRAUM_RATE_WRITE_PER_IP", "0")
        .env("MATCHRAUM_RATE_WRITE_PER_ACCOUNT", "0")
        .env("MATCHRAUM_WS_RATE_PER_SEC", "0")
        // Every socket comes from 127.0.0.1: room for all of them (and the sender's).
        .env("MATCHRAUM_WS_MAX_PER_IP", (a.conns + 10).to_string())
        .env_remove("MATCHRAUM_REDIS_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start the server binary (build it: cargo build --release -p matchraum)");
    let pid = child.id();
    let _server = Server(child);
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // One signed-in sender and one public channel.
    let email = "load@example.org";
    let password = "Korrekt Pferd Batterie 9";
    let r = api(
        &client,
        &base,
        "/api/v1/auth/register",
        None,
        None,
        json!({"email": email, "password": password}),
    )
    .await;
    // 202 since registration stopped revealing whether an address is taken (201 before).
    assert!(r.status().is_success(), "register: {}", r.status());
    let r = api(
        &client,
        &base,
        "/api/v1/auth/login",
        None,
        None,
        json!({"email": email, "password": password}),
    )
    .await;
    let cookie: String = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ");
    let body: Value = r.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    let r = api(
        &client,
        &base,
        "/api/v1/me/tokens",
        None,
        Some((&cookie, &csrf)),
        json!({"name": "load", "scopes": ["read", "write"]}),
    )
    .await;
    let token = r.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api(
        &client,
        &base,
        "/api/v1/channels",
        Some(&token),
        None,
        json!({"kind": "community", "visibility": "public", "name": "Last"}),
    )
    .await;
    let channel_id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_before = vm_rss_kib(pid);

    // Subscribers.
    let ws_url = format!("ws://127.0.0.1:{port}/api/v1/ws");
    let held = Arc::new(AtomicU64::new(0));
    let delivered = Arc::new(AtomicU64::new(0));
    // (send timestamp, latency µs) of every first delivery.
    let latencies: Arc<Mutex<Vec<(u64, u32)>>> =
        Arc::new(Mutex::new(Vec::with_capacity(a.conns * a.messages)));
    let last_delivery = Arc::new(AtomicU64::new(0));
    let lost_total = Arc::new(AtomicU64::new(0));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(a.conns);
    let stop = Arc::new(tokio::sync::Notify::new());
    let started = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(256));
    let mut handles = Vec::with_capacity(a.conns);
    for _ in 0..a.conns {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let (url, held, delivered, latencies, last_delivery, lost_total, done_tx, stop) = (
            ws_url.clone(),
            held.clone(),
            delivered.clone(),
            latencies.clone(),
            last_delivery.clone(),
            lost_total.clone(),
            done_tx.clone(),
            stop.clone(),
        );
        let expected = a.messages;
        handles.push(tokio::spawn(async move {
            let (mut ws, _) = match tokio_tungstenite::connect_async_with_config(
                url.into_client_request().unwrap(),
                ws_config(),
                true,
            )
            .await
            {
                Ok(x) => x,
                Err(e) => {
                    eprintln!("connect failed: {e}");
                    drop(permit);
                    lost_total.fetch_add(expected as u64, Ordering::Relaxed);
                    let _ = done_tx.send(()).await;
                    return;
                }
            };
            ws.send(Message::text(
                json!({"type": "subscribe", "channel_id": channel_id}).to_string(),
            ))
            .await
            .unwrap();
            loop {
                match ws.next().await {
                    Some(Ok(Message::Text(t))) if t.as_str().contains("\"replay_done\"") => break,
                    Some(Ok(_)) => continue,
                    _ => return,
                }
            }
            held.fetch_add(1, Ordering::Relaxed);
            drop(permit);
            let mut seen = HashSet::with_capacity(expected);
            let mut lat = Vec::with_capacity(expected);
            // Tallied per connection and merged once: shared counters touched on every
            // delivery would bounce between the cores the server also needs.
            let mut last = 0u64;
            loop {
                let msg = tokio::select! {
                    m = ws.next() => m,
                    _ = stop.notified() => break,
                };
                match msg {
                    Some(Ok(Message::Text(t))) => {
                        let s = t.as_str();
                        if let Some(i) = s.find("\"body\":\"t=") {
                            let rest = &s[i + 10..];
                            let end = rest.find('"').unwrap_or(0);
                            if let Ok(sent) = rest[..end].parse::<u64>() {
                                let now = now_micros();
                                if seen.insert(sent) {
                                    lat.push((
                                        sent,
                                        now.saturating_sub(sent).min(u32::MAX as u64) as u32,
                                    ));
                                    last = last.max(now);
                                }
                                if seen.len() == expected {
                                    break;
                                }
                            }
                        }
                    }
                    Some(Ok(Message::Close(c))) => {
                        eprintln!("closed by server: {c:?}");
                        break;
                    }
                    Some(Ok(_)) => {}
                    _ => break,
                }
            }
            lost_total.fetch_add((expected - seen.len()) as u64, Ordering::Relaxed);
            delivered.fetch_add(seen.len() as u64, Ordering::Relaxed);
            last_delivery.fetch_max(last, Ordering::Relaxed);
            latencies.lock().unwrap().extend(lat);
            let _ = done_tx.send(()).await;
            // Hold the connection until the end of the run.
            stop.notified().await;
            drop(ws);
        }));
    }
    let _ = sem.acquire_many(256).await.unwrap();
    let connect_secs = started.elapsed().as_secs_f64();
    let conns_held = held.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = vm_rss_kib(pid);

    // Sender.
    let mut req = ws_url.clone().into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", format!("Bearer {token}").parse().unwrap());
    let (sender, _) = tokio_tungstenite::connect_async_with_config(req, ws_config(), true)
        .await
        .unwrap();
    let (mut sink, mut stream) = sender.split();
    let acks = tokio::spawn(async move {
        let mut n = 0;
        while let Some(Ok(m)) = stream.next().await {
            if let Message::Text(t) = m {
                if t.as_str().contains("\"type\":\"ack\"") {
                    n += 1;
                } else if t.as_str().contains("\"type\":\"error\"") {
                    eprintln!("send error: {}", t.as_str());
                }
            }
        }
        n
    });
    let first_send = now_micros();
    let interval = Duration::from_secs_f64(1.0 / a.rate.max(0.001));
    let mut tick = tokio::time::interval(interval);
    for i in 0..a.messages {
        tick.tick().await;
        let frame = json!({"type": "send", "channel_id": channel_id, "client_msg_id": format!("l{i}"), "body": format!("t={}", now_micros())});
        sink.send(Message::text(frame.to_string())).await.unwrap();
    }
    let send_secs = (now_micros() - first_send) as f64 / 1e6;
    // Wait for every subscriber (bounded).
    let wait_until = Instant::now() + Duration::from_secs(a.max_secs);
    let mut finished = 0;
    while finished < a.conns {
        match tokio::time::timeout_at(wait_until.into(), done_rx.recv()).await {
            Ok(Some(())) => finished += 1,
            _ => break,
        }
    }
    let rss_busy = vm_rss_kib(pid);
    stop.notify_waiters();
    // Subscribers that did not finish count their missing messages.
    let stuck = a.conns - finished;
    let _ = sink.close().await;
    let _ = tokio::time::timeout(Duration::from_secs(2), acks).await;
    // Every subscriber adds its tally when it ends; wait (bounded) for them.
    let _ = tokio::time::timeout(
        Duration::from_secs(5),
        futures_util::future::join_all(handles),
    )
    .await;

    let total = delivered.load(Ordering::Relaxed);
    let pairs = std::mem::take(&mut *latencies.lock().unwrap());
    // Per message: latency of its first and of its last delivery. The first is the path
    // before the fan-out (frame in, store, publish); last − first is the fan-out itself.
    let mut per_msg: std::collections::HashMap<u64, (u32, u32)> = Default::default();
    for &(sent, l) in &pairs {
        let e = per_msg.entry(sent).or_insert((u32::MAX, 0));
        e.0 = e.0.min(l);
        e.1 = e.1.max(l);
    }
    if std::env::var_os("LOADGEN_PER_MESSAGE").is_some() {
        let mut v: Vec<_> = per_msg.iter().collect();
        v.sort_unstable();
        for (i, (_, (first, last))) in v.into_iter().enumerate() {
            eprintln!(
                "message {i:>4}: first {:.1} ms, last {:.1} ms",
                *first as f64 / 1000.0,
                *last as f64 / 1000.0
            );
        }
    }
    let mut firsts: Vec<u32> = per_msg.values().map(|e| e.0).collect();
    let mut spreads: Vec<u32> = per_msg.values().map(|e| e.1 - e.0).collect();
    firsts.sort_unstable();
    spreads.sort_unstable();
    let mid_max = |v: &[u32]| -> (f64, f64) {
        if v.is_empty() {
            return (f64::NAN, f64::NAN);
        }
        (
            v[v.len() / 2] as f64 / 1000.0,
            v[v.len() - 1] as f64 / 1000.0,
        )
    };
    let (first_p50, first_max) = mid_max(&firsts);
    let (spread_p50, spread_max) = mid_max(&spreads);
    let mut lat: Vec<u32> = pairs.into_iter().map(|(_, l)| l).collect();
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return f64::NAN;
        }
        lat[((lat.len() - 1) as f64 * p) as usize] as f64 / 1000.0
    };
    let span = (last_delivery
        .load(Ordering::Relaxed)
        .saturating_sub(first_send)) as f64
        / 1e6;
    let expected = (a.conns * a.messages) as u64;
    let lost = expected.saturating_sub(total);
    println!(
        "loadgen: {} connections, {} messages at {}/s",
        a.conns, a.messages, a.rate
    );
    println!("connections held:        {conns_held} (opened in {connect_secs:.1} s)");
    println!("server VmRSS:            before {rss_before} KiB, idle with connections {rss_idle} KiB, after sending {rss_busy} KiB");
    println!(
        "memory per idle conn:    {:.1} KiB",
        (rss_idle.saturating_sub(rss_before)) as f64 / conns_held.max(1) as f64
    );
    println!("deliveries:              {total} of {expected} in {span:.2} s (sending took {send_secs:.2} s)");
    println!(
        "deliveries/s:            {:.0}",
        total as f64 / span.max(1e-6)
    );
    println!(
        "latency ms:              p50 {:.1}  p99 {:.1}  max {:.1}",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    println!(
        "per message ms:          first delivery p50 {first_p50:.1} max {first_max:.1}; fan-out (last - first) p50 {spread_p50:.1} max {spread_max:.1}"
    );
    println!("subscribers unfinished:  {stuck}");
    println!("messages lost:           {lost}");
    if lost > 0 {
        std::process::exit(1);
    }
}
