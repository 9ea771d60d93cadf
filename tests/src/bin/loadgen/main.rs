//! Load generator for the real-time path (loopback only, bounded in time and count).
//!
//! Starts its own server process (`--server`, default `target/release/matchraum`, on a
//! fresh SQLite file; with `--peer node` afterwards also the reference server on Node's
//! `ws` in `tests/peers/node-ws`), opens `--conns` anonymous websocket connections
//! subscribed to one public channel, then sends through one signed-in connection, in two
//! phases: `--messages` at `--rate` per second (one message at a time to every
//! subscriber: delivery latency) and then `--burst` messages at `--burst-rate` per second
//! (saturation: deliveries per second). Per server it reports connections held, server
//! memory per idle connection (VmRSS before/after connecting), deliveries per second at
//! saturation, latency p50/p99 of the first phase, and messages lost (expected ×
//! connections − distinct deliveries); the last lines are a table of one row per server.
//!
//! `--instances N` (2–4) starts that many instances on a fresh PostgreSQL database and the
//! shared Redis (`MATCHRAUM_TEST_PG`, `MATCHRAUM_TEST_REDIS` override where they are) and
//! splits the subscribers between them; the sender talks to the first, so most deliveries
//! cross the bus. `--soak-secs S` replaces the two phases by one sustained phase of `--rate`
//! messages per second for S seconds and samples the servers' memory every 10 s (growth
//! after a 30 s warm-up must be flat). The cross-instance soak of the README:
//! `loadgen --instances 2 --conns 5000 --rate 10 --soak-secs 120`.
//!
//! `ulimit -n` must allow conns + a margin in this process and in the server.

mod servers;

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::{SinkExt, StreamExt};
use serde_json::json;
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
    peer: Option<String>,
    node: String,
    conns: usize,
    messages: usize,
    rate: f64,
    burst: usize,
    burst_rate: f64,
    max_secs: u64,
    /// Matchraum instances; more than one run on PostgreSQL + Redis, subscribers split
    /// between them and the sender on the first, so every delivery to the others crosses
    /// the bus.
    instances: usize,
    /// Soak: one sustained phase of `rate` messages per second for this long, with the
    /// servers' memory sampled every 10 s (replaces `--messages` and `--burst`).
    soak_secs: Option<u64>,
}

fn args() -> Args {
    let mut a = Args {
        server: "target/release/matchraum".into(),
        peer: None,
        node: "node".into(),
        conns: 1000,
        messages: 100,
        rate: 10.0,
        burst: 0,
        burst_rate: 40.0,
        max_secs: 300,
        instances: 1,
        soak_secs: None,
    };
    let v: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i + 1 < v.len() {
        let x = &v[i + 1];
        match v[i].as_str() {
            "--server" => a.server = x.clone(),
            "--peer" => a.peer = Some(x.clone()),
            "--node" => a.node = x.clone(),
            "--conns" => a.conns = x.parse().expect("--conns N"),
            "--messages" => a.messages = x.parse().expect("--messages N"),
            "--rate" => a.rate = x.parse().expect("--rate per second"),
            "--burst" => a.burst = x.parse().expect("--burst N"),
            "--burst-rate" => a.burst_rate = x.parse().expect("--burst-rate per second"),
            "--max-secs" => a.max_secs = x.parse().expect("--max-secs N"),
            "--instances" => a.instances = x.parse().expect("--instances N"),
            "--soak-secs" => a.soak_secs = Some(x.parse().expect("--soak-secs N")),
            other => panic!("unknown argument {other}"),
        }
        i += 2;
    }
    if let Some(secs) = a.soak_secs {
        a.messages = (a.rate * secs as f64).round() as usize;
        a.burst = 0;
        a.max_secs = a.max_secs.max(secs + 60);
    }
    assert!((1..=4).contains(&a.instances), "--instances: 1 to 4");
    assert!(
        a.conns <= 50_000 && a.messages + a.burst <= 100_000,
        "bounded: at most 50000 connections and 100000 messages"
    );
    assert!(
        a.peer.as_deref().is_none_or(|p| p == "node"),
        "--peer node is the only peer"
    );
    a
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_micros() as u64
}

/// What one run against one server measured.
struct Row {
    server: String,
    held: u64,
    kib_per_conn: f64,
    /// Deliveries per second of the saturation phase (of the first without one).
    per_sec: f64,
    p50: f64,
    p99: f64,
    lost: u64,
}

/// Sends `n` messages at `rate` per second; returns the send time of the first.
async fn send_phase<S>(sink: &mut S, channel_id: i64, n: usize, rate: f64, tag: &str) -> u64
where
    S: futures_util::Sink<Message> + Unpin,
    S::Error: std::fmt::Debug,
{
    let first = now_micros();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(0.001)));
    for i in 0..n {
        tick.tick().await;
        let frame = json!({"type": "send", "channel_id": channel_id,
            "client_msg_id": format!("{tag}{i}"), "body": format!("t={}", now_micros())});
        sink.send(Message::text(frame.to_string())).await.unwrap();
    }
    first
}

/// VmRSS of every instance, summed.
fn rss_kib(servers: &[servers::Started]) -> u64 {
    servers.iter().map(|s| servers::vm_rss_kib(s.pid)).sum()
}

/// Samples the servers' memory every 10 s until `stop`; the soak's growth check.
fn sample_memory(
    servers: &[servers::Started],
    stop: Arc<tokio::sync::Notify>,
) -> tokio::task::JoinHandle<Vec<(u64, u64)>> {
    let pids: Vec<u32> = servers.iter().map(|s| s.pid).collect();
    tokio::spawn(async move {
        let (start, mut samples) = (Instant::now(), Vec::new());
        let mut tick = tokio::time::interval(Duration::from_secs(10));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.notified() => return samples,
            }
            let kib = pids.iter().map(|p| servers::vm_rss_kib(*p)).sum();
            samples.push((start.elapsed().as_secs(), kib));
        }
    })
}

/// Growth of the sampled memory after a 30 s warm-up, in KiB per minute.
fn report_memory(samples: &[(u64, u64)]) {
    let series: Vec<String> = samples
        .iter()
        .map(|(t, kib)| format!("{t}s {:.1}", *kib as f64 / 1024.0))
        .collect();
    println!("server VmRSS MiB:        {}", series.join(", "));
    let warm: Vec<&(u64, u64)> = samples.iter().filter(|(t, _)| *t >= 30).collect();
    if let (Some(first), Some(last)) = (warm.first(), warm.last()) {
        let minutes = (last.0 - first.0).max(1) as f64 / 60.0;
        let growth = (last.1 as f64 - first.1 as f64) / minutes;
        println!(
            "memory growth:           {growth:.0} KiB/min after warm-up ({:.1} → {:.1} MiB)",
            first.1 as f64 / 1024.0,
            last.1 as f64 / 1024.0
        );
    }
}

async fn run(a: &Args, name: &str, servers: &[servers::Started]) -> Row {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let s = &servers[0];
    let rss_before = rss_kib(servers);
    let expected = a.messages + a.burst;
    let held = Arc::new(AtomicU64::new(0));
    let delivered = Arc::new(AtomicU64::new(0));
    // (send timestamp, latency µs, delivery time) of every first delivery.
    let latencies: Arc<Mutex<Vec<(u64, u32, u64)>>> =
        Arc::new(Mutex::new(Vec::with_capacity(a.conns * expected)));
    let lost_total = Arc::new(AtomicU64::new(0));
    let (done_tx, mut done_rx) = tokio::sync::mpsc::channel::<()>(a.conns);
    let (phase_tx, mut phase_rx) = tokio::sync::mpsc::channel::<()>(a.conns);
    let stop = Arc::new(tokio::sync::Notify::new());
    let started = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(256));
    let mut handles = Vec::with_capacity(a.conns);
    let (phase1, channel_id) = (a.messages, s.channel_id);
    for i in 0..a.conns {
        let permit = sem.clone().acquire_owned().await.unwrap();
        let (url, held, delivered, latencies, lost_total, done_tx, phase_tx, stop) = (
            servers[i % servers.len()].ws_url.clone(),
            held.clone(),
            delivered.clone(),
            latencies.clone(),
            lost_total.clone(),
            done_tx.clone(),
            phase_tx.clone(),
            stop.clone(),
        );
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
                    let _ = phase_tx.send(()).await;
                    let _ = done_tx.send(()).await;
                    return;
                }
            };
            let sub = json!({"type": "subscribe", "channel_id": channel_id});
            ws.send(Message::text(sub.to_string())).await.unwrap();
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
            // Tallied per connection and merged once: shared counters touched on every
            // delivery would bounce between the cores the server also needs.
            let mut lat = Vec::with_capacity(expected);
            let mut phase_told = phase1 == 0;
            if phase_told {
                let _ = phase_tx.send(()).await;
            }
            loop {
                let msg = tokio::select! {
                    m = ws.next() => m,
                    _ = stop.notified() => break,
                };
                match msg {
                    Some(Ok(Message::Text(t))) => {
                        let s = t.as_str();
                        let Some(i) = s.find("\"body\":\"t=") else {
                            continue;
                        };
                        let rest = &s[i + 10..];
                        let end = rest.find('"').unwrap_or(0);
                        let Ok(sent) = rest[..end].parse::<u64>() else {
                            continue;
                        };
                        let now = now_micros();
                        if seen.insert(sent) {
                            let l = now.saturating_sub(sent).min(u32::MAX as u64) as u32;
                            lat.push((sent, l, now));
                        }
                        if !phase_told && seen.len() == phase1 {
                            phase_told = true;
                            let _ = phase_tx.send(()).await;
                        }
                        if seen.len() == expected {
                            break;
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
            if !phase_told {
                let _ = phase_tx.send(()).await;
            }
            lost_total.fetch_add((expected - seen.len()) as u64, Ordering::Relaxed);
            delivered.fetch_add(seen.len() as u64, Ordering::Relaxed);
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
    let rss_idle = rss_kib(servers);

    // Sender.
    let mut req = s.ws_url.clone().into_client_request().unwrap();
    req.headers_mut()
        .insert("authorization", s.sender_auth.parse().unwrap());
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
    let wait_until = Instant::now() + Duration::from_secs(a.max_secs);
    let sampling = Arc::new(tokio::sync::Notify::new());
    let sampler = a
        .soak_secs
        .map(|_| sample_memory(servers, sampling.clone()));
    let first_send = send_phase(&mut sink, channel_id, a.messages, a.rate, "l").await;
    let send_secs = (now_micros() - first_send) as f64 / 1e6;
    // The saturation phase starts once every subscriber has the first phase (bounded).
    let mut ready = 0;
    while ready < a.conns {
        match tokio::time::timeout_at(wait_until.into(), phase_rx.recv()).await {
            Ok(Some(())) => ready += 1,
            _ => break,
        }
    }
    let burst_start = send_phase(&mut sink, channel_id, a.burst, a.burst_rate, "b").await;
    let mut finished = 0;
    while finished < a.conns {
        match tokio::time::timeout_at(wait_until.into(), done_rx.recv()).await {
            Ok(Some(())) => finished += 1,
            _ => break,
        }
    }
    let rss_busy = rss_kib(servers);
    sampling.notify_waiters();
    let samples = match sampler {
        Some(h) => h.await.unwrap_or_default(),
        None => Vec::new(),
    };
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
    let all = std::mem::take(&mut *latencies.lock().unwrap());
    let burst_from = if a.burst > 0 { burst_start } else { u64::MAX };
    let (one, burst): (Vec<_>, Vec<_>) = all.into_iter().partition(|e| e.0 < burst_from);
    let mut lat: Vec<u32> = one.iter().map(|e| e.1).collect();
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return f64::NAN;
        }
        lat[((lat.len() - 1) as f64 * p) as usize] as f64 / 1000.0
    };
    let rate_of = |v: &[(u64, u32, u64)], from: u64| -> f64 {
        let last = v.iter().map(|e| e.2).max().unwrap_or(from);
        v.len() as f64 / ((last.saturating_sub(from)) as f64 / 1e6).max(1e-6)
    };
    let (one_rate, burst_rate) = (rate_of(&one, first_send), rate_of(&burst, burst_start));
    let expected_total = (a.conns * expected) as u64;
    let lost = expected_total.saturating_sub(total);
    let kib_per_conn = (rss_idle.saturating_sub(rss_before)) as f64 / conns_held.max(1) as f64;
    println!(
        "== {name}: {} connections; {} messages at {}/s, then {} at {}/s",
        a.conns, a.messages, a.rate, a.burst, a.burst_rate
    );
    println!("connections held:        {conns_held} (opened in {connect_secs:.1} s)");
    println!("server VmRSS:            before {rss_before} KiB, idle with connections {rss_idle} KiB, after sending {rss_busy} KiB");
    println!("memory per idle conn:    {kib_per_conn:.1} KiB");
    println!("deliveries:              {total} of {expected_total} (first phase sent in {send_secs:.2} s)");
    println!(
        "deliveries/s:            first phase {one_rate:.0}; saturation phase {}",
        if a.burst > 0 {
            format!("{burst_rate:.0}")
        } else {
            "-".into()
        }
    );
    println!(
        "latency ms (first phase): p50 {:.1}  p99 {:.1}  max {:.1}",
        pct(0.5),
        pct(0.99),
        pct(1.0)
    );
    report_spread(&one);
    if a.soak_secs.is_some() {
        report_memory(&samples);
    }
    println!("subscribers unfinished:  {stuck}");
    println!("messages lost:           {lost}");
    Row {
        server: name.to_owned(),
        held: conns_held,
        kib_per_conn,
        per_sec: if a.burst > 0 { burst_rate } else { one_rate },
        p50: pct(0.5),
        p99: pct(0.99),
        lost,
    }
}

/// Per message of the first phase: latency of its first and of its last delivery. The
/// first is the path before the fan-out (frame in, store, publish); last − first is the
/// fan-out itself.
fn report_spread(one: &[(u64, u32, u64)]) {
    let mut per_msg: std::collections::HashMap<u64, (u32, u32)> = Default::default();
    for &(sent, l, _) in one {
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
    println!("per message ms:          first delivery p50 {first_p50:.1} max {first_max:.1}; fan-out (last - first) p50 {spread_p50:.1} max {spread_max:.1}");
}

#[tokio::main]
async fn main() {
    let a = args();
    let mut rows = vec![];
    if a.instances == 1 {
        let backing = servers::Backing::sqlite();
        let one = servers::matchraum(&a.server, a.conns, &backing).await;
        rows.push(run(&a, "matchraum", &[one]).await);
    } else {
        let backing = servers::Backing::postgres_redis().await;
        let mut all = vec![servers::matchraum(&a.server, a.conns, &backing).await];
        for _ in 1..a.instances {
            let next = servers::another(&a.server, a.conns, &backing, &all[0]).await;
            all.push(next);
        }
        let name = format!("matchraum × {} (PostgreSQL + Redis)", a.instances);
        rows.push(run(&a, &name, &all).await);
    }
    if a.peer.is_some() {
        rows.push(run(&a, "node ws", &[servers::node(&a.node).await]).await);
    }
    println!();
    println!("| server | connections held | memory per idle connection | deliveries/s | 1 → {} p50 / p99 | lost |", a.conns);
    println!("| --- | --- | --- | --- | --- | --- |");
    for r in &rows {
        println!(
            "| {} | {} | {:.1} KiB | {:.0} | {:.1} / {:.1} ms | {} |",
            r.server, r.held, r.kib_per_conn, r.per_sec, r.p50, r.p99, r.lost
        );
    }
    if rows.iter().any(|r| r.lost > 0) {
        std::process::exit(1);
    }
}
