//! The servers loadgen drives: Matchraum's release binary on a fresh SQLite file, or
//! several instances on a fresh PostgreSQL database and Redis (with a signed-in sender and
//! one public channel made through the API), or the reference server on Node's `ws`
//! package (`tests/peers/node-ws`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use matchraum_tests::{free_port, wait_healthy};
use serde_json::{json, Value};

/// A started server, killed on drop.
pub struct Started {
    child: Child,
    pub pid: u32,
    /// `ws://127.0.0.1:PORT/api/v1/ws`
    pub ws_url: String,
    pub channel_id: i64,
    /// `Authorization` of the sender's socket.
    pub sender_auth: String,
}

impl Drop for Started {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

/// Where Matchraum instances keep their state: one SQLite file and the in-process bus, or
/// (for several instances) a fresh PostgreSQL database and Redis under a fresh prefix.
pub struct Backing {
    database_url: String,
    redis: Option<(String, String)>,
    _dir: Option<tempfile::TempDir>,
}

impl Backing {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("load.sqlite").display()
        );
        Backing {
            database_url,
            redis: None,
            _dir: Some(dir),
        }
    }

    /// A new database on the PostgreSQL of the test suites and the shared Redis.
    pub async fn postgres_redis() -> Self {
        let db = matchraum_tests::empty_db(matchraum_tests::Backend::Postgres).await;
        let redis = std::env::var("MATCHRAUM_TEST_REDIS")
            .unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        let prefix = format!("loadgen-{}", uuid::Uuid::new_v4().simple());
        Backing {
            database_url: db.url.clone(),
            redis: Some((redis, prefix)),
            _dir: None,
        }
    }
}

/// Matchraum: no model, no rate limits, room for every socket from 127.0.0.1; with one
/// signed-in sender and one public channel made through the API.
pub async fn matchraum(binary: &str, conns: usize, backing: &Backing) -> Started {
    let (child, base) = spawn_matchraum(binary, conns, backing).await;
    let (channel_id, sender_auth) = prepare(&base).await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    started(child, &port, channel_id, sender_auth)
}

/// One more instance on the same backing as `first` (same accounts and channel).
pub async fn another(binary: &str, conns: usize, backing: &Backing, first: &Started) -> Started {
    let (child, base) = spawn_matchraum(binary, conns, backing).await;
    let port = base.rsplit(':').next().unwrap().to_owned();
    started(child, &port, first.channel_id, first.sender_auth.clone())
}

fn started(child: Child, port: &str, channel_id: i64, sender_auth: String) -> Started {
    Started {
        pid: child.id(),
        child,
        ws_url: format!("ws://127.0.0.1:{port}/api/v1/ws"),
        channel_id,
        sender_auth,
    }
}

async fn spawn_matchraum(binary: &str, conns: usize, backing: &Backing) -> (Child, String) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = Command::new(binary);
    cmd.arg("serve")
        .env("MATCHRAUM_DATABASE_URL", &backing.database_url)
        .env("MATCHRAUM_HTTP_BIND", format!("127.0.0.1:{port}"))
        .env("MATCHRAUM_METRICS_BIND", "")
        .env("MATCHRAUM_SEED_SNAPSHOT", "")
        .env("MATCHRAUM_MATCHING_ENABLED", "false")
        .env("MATCHRAUM_LOG_LEVEL", "warn")
        .env("MATCHRAUM_HTTP_COOKIE_SECURE", "false")
        .env("MATCHRAUM_RATE_REGISTER_PER_IP", "0")
        .env("MATCHRAUM_RATE_LOGIN_PER_IP", "0")
        .env("MATCHRAUM_RATE_WRITE_PER_IP", "0")
        .env("MATCHRAUM_RATE_WRITE_PER_ACCOUNT", "0")
        .env("MATCHRAUM_WS_RATE_PER_SEC", "0")
        .env("MATCHRAUM_WS_MAX_PER_IP", (conns + 10).to_string())
        .env_remove("MATCHRAUM_REDIS_URL")
        .env_remove("MATCHRAUM_REDIS_CLUSTER")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    if let Some((url, prefix)) = &backing.redis {
        cmd.env("MATCHRAUM_REDIS_URL", url)
            .env("MATCHRAUM_REDIS_PREFIX", prefix);
    }
    let mut child = cmd
        .spawn()
        .expect("start the server binary (build it: cargo build --release -p matchraum)");
    wait_healthy(&reqwest::Client::new(), &base, &mut child).await;
    (child, base)
}

/// One signed-in sender (a bearer token) and one public channel.
async fn prepare(base: &str) -> (i64, String) {
    let client = reqwest::Client::new();
    let (email, password) = ("load@example.org", "Korrekt Pferd Batterie 9");
    let creds = json!({"email": email, "password": password});
    let r = api(
        &client,
        base,
        "/api/v1/auth/register",
        None,
        None,
        creds.clone(),
    )
    .await;
    assert!(r.status().is_success(), "register: {}", r.status());
    let r = api(&client, base, "/api/v1/auth/login", None, None, creds).await;
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
        base,
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
        base,
        "/api/v1/channels",
        Some(&token),
        None,
        json!({"kind": "community", "visibility": "public", "name": "Last"}),
    )
    .await;
    let channel_id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    (channel_id, format!("Bearer {token}"))
}

fn peer_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/node-ws")
}

/// The reference server on Node's `ws` (installs its pinned dependency with `npm ci` once).
pub async fn node(node: &str) -> Started {
    let dir = peer_dir();
    if !dir.join("node_modules/ws").is_dir() {
        let ok = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefer-offline"])
            .current_dir(&dir)
            .status()
            .expect("npm runs");
        assert!(ok.success(), "npm ci in {} failed", dir.display());
    }
    let port = free_port();
    let mut child = Command::new(node)
        .arg(dir.join("server.js"))
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start node (install Node.js >= 20)");
    let client = reqwest::Client::new();
    wait_healthy(&client, &format!("http://127.0.0.1:{port}"), &mut child).await;
    started(child, &port.to_string(), 1, "Bearer peer".into())
}

pub fn vm_rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
