//! Graceful shutdown of the real binary: on SIGTERM it stops accepting, closes websockets
//! with 1001 "going away", lets an in-flight request finish and exits 0 within
//! `MATCHRAUM_HTTP_SHUTDOWN_TIMEOUT_SECS`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use matchraum_tests::ws::Ws;
use matchraum_tests::{fresh_db, Backend, TestApp};

use crate::deploy::{free_port, server_binary, wait_ok, Killed};

/// The binary serving a fresh PostgreSQL database, without the model, once it is ready.
struct Server {
    child: Killed,
    app: TestApp,
    port: u16,
    _work: tempfile::TempDir,
}

async fn start(shutdown_timeout_secs: u64) -> Server {
    let db = fresh_db(Backend::Postgres).await;
    let port = free_port();
    let work = tempfile::tempdir().unwrap();
    let child = Command::new(server_binary())
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs([
            ("MATCHRAUM_DATABASE_URL", db.url.clone()),
            ("MATCHRAUM_HTTP_BIND", format!("127.0.0.1:{port}")),
            ("MATCHRAUM_METRICS_BIND", String::new()),
            ("MATCHRAUM_MATCHING_ENABLED", "false".into()),
            ("MATCHRAUM_SEED_SNAPSHOT", String::new()),
            ("MATCHRAUM_HTTP_COOKIE_SECURE", "false".into()),
            ("MATCHRAUM_HTTP_WORKERS", "2".into()),
            ("MATCHRAUM_LOG_LEVEL", "info".into()),
            (
                "MATCHRAUM_HTTP_SHUTDOWN_TIMEOUT_SECS",
                shutdown_timeout_secs.to_string(),
            ),
        ])
        .current_dir(work.path())
        .stdout(Stdio::null())
        .spawn()
        .expect("start the server binary");
    let mut child = Killed(child);
    let address = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    wait_ok(&client, &format!("{address}/readyz"), deadline, &mut child).await;
    let app = TestApp {
        address,
        client,
        db,
        matching: false,
        metrics_address: None,
    };
    Server {
        child,
        app,
        port,
        _work: work,
    }
}

impl Server {
    /// Sends SIGTERM; returns when it was sent.
    fn terminate(&self) -> Instant {
        let pid = self.child.0.id().to_string();
        let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(ok.success(), "kill -TERM {pid}");
        Instant::now()
    }

    /// Waits (up to `limit`) for the process to end; its exit status.
    async fn exit_status(&mut self, limit: Duration) -> std::process::ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.0.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "the server still runs after {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A registration whose body is only half sent: the request is in flight until
    /// `finish` sends the rest.
    fn half_sent_request(&self) -> (TcpStream, Vec<u8>) {
        let body = format!(
            r#"{{"email":"{}@example.org","password":"ein langes Passwort 123"}}"#,
            uuid::Uuid::new_v4().simple()
        );
        let mut tcp = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let head = format!(
            "POST /api/v1/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        tcp.write_all(head.as_bytes()).unwrap();
        tcp.write_all(first).unwrap();
        (tcp, rest.to_vec())
    }
}

/// Sends the rest of a half-sent request; the status line of its answer.
fn finish(mut tcp: TcpStream, rest: &[u8]) -> String {
    tcp.write_all(rest).unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    while !answer.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = tcp.read(&mut buf).expect("an answer");
        assert!(n > 0, "connection closed without an answer");
        answer.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&answer).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_sockets_with_1001_finishes_requests_and_exits_in_time() {
    const DEADLINE: u64 = 5;
    let mut server = start(DEADLINE).await;
    let mut ws = Ws::connect(&server.app, None).await;
    let (slow, rest) = server.half_sent_request();
    // Let the server read the head and start waiting for the body.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signalled = server.terminate();
    let reason = ws.expect_closed().await;
    let socket_closed = signalled.elapsed();
    assert!(reason.contains("Away"), "closed with 1001: {reason}");

    // New connections are no longer served while the slow request is still open.
    let fresh = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let refused = matchraum_tests::eventually(|| async {
        fresh.get(server.app.url("/healthz")).send().await.is_err()
    })
    .await;
    assert!(refused, "the server still accepts after SIGTERM");

    // The in-flight request, finished a second after the signal, still gets its answer.
    tokio::time::sleep(Duration::from_secs(1).saturating_sub(signalled.elapsed())).await;
    let status = tokio::task::spawn_blocking(move || finish(slow, &rest))
        .await
        .unwrap();
    let answered = signalled.elapsed();
    assert!(status.contains(" 202 "), "in-flight request: {status}");

    let exit = server.exit_status(Duration::from_secs(DEADLINE + 2)).await;
    let exited = signalled.elapsed();
    eprintln!(
        "after SIGTERM: socket closed {socket_closed:?}, slow request answered {answered:?}, exited {exited:?} ({exit})"
    );
    assert!(exit.success(), "{exit}");
    assert!(
        exited < Duration::from_secs(DEADLINE),
        "exited after {exited:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_never_finishes_does_not_hold_the_exit_past_the_deadline() {
    const DEADLINE: u64 = 2;
    let mut server = start(DEADLINE).await;
    let (_stuck, _never_sent) = server.half_sent_request();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let signalled = server.terminate();
    let exit = server.exit_status(Duration::from_secs(DEADLINE + 3)).await;
    let exited = signalled.elapsed();
    eprintln!("after SIGTERM with a stuck request: exited {exited:?} ({exit})");
    assert!(exit.success(), "{exit}");
    assert!(
        exited >= Duration::from_secs(DEADLINE) - Duration::from_millis(100),
        "the stuck request was given its time: {exited:?}"
    );
    // The deadline, plus at most a second for background work after the server stopped.
    assert!(
        exited < Duration::from_secs(DEADLINE + 1),
        "exited after {exited:?}"
    );
}
