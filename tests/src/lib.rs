//! Shared harness of the black-box suites: a fresh database per test (PostgreSQL on
//! 127.0.0.1:5432 or a temporary SQLite file) and the real server on a free port.
//!
//! A database that is down fails the test loudly; nothing is skipped.

pub mod ws;

use std::path::PathBuf;

use matchraum::config::Config;
use matchraum::startup::Application;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// Where PostgreSQL is; override with `MATCHRAUM_TEST_PG` (a server URL without database).
pub fn pg_server() -> String {
    std::env::var("MATCHRAUM_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestDb {
    pub url: String,
    pub conn: DatabaseConnection,
    _dir: Option<tempfile::TempDir>,
}

/// A new, empty, migrated database of its own.
pub async fn fresh_db(backend: Backend) -> TestDb {
    let db = empty_db(backend).await;
    matchraum::db::migrate(&db.conn)
        .await
        .expect("migrate test database");
    db
}

/// A new database of its own without any table (not even migrated).
pub async fn empty_db(backend: Backend) -> TestDb {
    let (url, dir) = match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("test.sqlite").display()
            );
            (url, Some(dir))
        }
        Backend::Postgres => {
            let name = format!("matchraum_test_{}", uuid::Uuid::new_v4().simple());
            let admin = Database::connect(format!("{}/test", pg_server()))
                .await
                .unwrap_or_else(|e| panic!("PostgreSQL at {} is not reachable: {e}", pg_server()));
            admin
                .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                .await
                .expect("create test database");
            admin.close().await.ok();
            (format!("{}/{name}", pg_server()), None)
        }
    };
    let conn = matchraum::db::connect(&url)
        .await
        .expect("connect to test database");
    TestDb {
        url,
        conn,
        _dir: dir,
    }
}

/// The workspace root, for `models/` and `../shared/data`.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The real public catalogue data beside the repository.
pub fn shared_data() -> PathBuf {
    let p = workspace_root().join("../shared/data");
    assert!(
        p.is_dir(),
        "the shared catalogue data is missing at {}",
        p.display()
    );
    p
}

/// A port nobody listens on now (for a child process to bind).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits (at most 30 s) until the server `child` answers `GET {base}/healthz`; panics when
/// it exits first.
pub async fn wait_healthy(client: &reqwest::Client, base: &str, child: &mut std::process::Child) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("the server exited: {status}");
        }
        assert!(std::time::Instant::now() < deadline, "server did not start");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Configuration for a test server on a free port.
pub fn test_config(db_url: &str) -> Config {
    let root = workspace_root();
    let mut c = Config::default();
    c.database.url = db_url.to_owned();
    c.http.bind = "127.0.0.1:0".into();
    // Off unless a test turns it on (the default port would collide between tests).
    c.metrics.bind = String::new();
    c.log.level = "warn".into();
    // The folder the Makefile exports (the same one unless a run names another checkout).
    c.matching.model_dir = std::env::var_os("MATCHRAUM_MATCHING_MODEL_DIR")
        .map_or_else(|| root.join("models/multilingual-e5-small"), PathBuf::from);
    c.matching.ort_lib = root.join("models/onnxruntime/libonnxruntime.so");
    c.http.workers = 2;
    // Tests seed what they need; the snapshot suite turns the snapshot on.
    c.seed.snapshot = PathBuf::new();
    // Plain HTTP in tests; many accounts come from one address.
    c.http.cookie_secure = false;
    c.rate.login_per_ip = 1000;
    c.rate.register_per_ip = 1000;
    c.rate.write_per_ip = 10_000;
    c.rate.write_per_account = 10_000;
    c.rate.match_per_ip = 10_000;
    c.rate.match_per_account = 10_000;
    c
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    /// Whether the instance runs the matcher (else its semantic state is `disabled`).
    pub matching: bool,
    /// `http://127.0.0.1:PORT` of the metrics listener, when the test turned it on.
    pub metrics_address: Option<String>,
}

impl TestApp {
    /// `GET /api/v1/status` as JSON.
    pub async fn status(&self) -> serde_json::Value {
        let res = self.get("/api/v1/status").await;
        assert_eq!(res.status(), 200);
        res.json().await.expect("status is JSON")
    }

    /// Polls the status until the semantic index is in `state` (no-op without a matcher).
    pub async fn wait_for_semantic(&self, state: &str) -> serde_json::Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        loop {
            let status = self.status().await;
            if !self.matching || status["semantic"]["state"] == state {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "semantic index not {state} in time: {status}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// The metrics listener's text exposition (the test must have turned the listener on).
    pub async fn scrape_metrics(&self) -> String {
        let addr = self.metrics_address.as_ref().expect("metrics listener on");
        let res = reqwest::get(format!("{addr}/metrics")).await.unwrap();
        assert_eq!(res.status(), 200);
        let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(ct.starts_with("text/plain; version=0.0.4"), "{ct}");
        res.text().await.unwrap()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn put_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .put(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> reqwest::Response {
        self.client
            .post(self.url(path))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn delete(&self, path: &str) -> reqwest::Response {
        self.client
            .delete(self.url(path))
            .send()
            .await
            .expect("request")
    }
}

/// Starts the real server on a fresh database.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

pub async fn spawn_app_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let db = fresh_db(backend).await;
    start_app(db, tweak).await
}

/// A second instance on the database of `other` (share Redis through `tweak`), as in a
/// deployment with several replicas.
pub async fn attach_app(other: &TestApp, tweak: impl FnOnce(&mut Config)) -> TestApp {
    start_app(same_db(other).await, tweak).await
}

/// Another connection to the database of `other` (which keeps owning it).
pub async fn same_db(other: &TestApp) -> TestDb {
    other.db.another().await
}

impl TestDb {
    /// Another connection to this database (which `self` keeps owning).
    pub async fn another(&self) -> TestDb {
        let conn = matchraum::db::connect(&self.url)
            .await
            .expect("connect to test database");
        TestDb {
            url: self.url.clone(),
            conn,
            _dir: None,
        }
    }
}

/// Starts the server and waits until its semantic index is built, so that suites see
/// hybrid matches over everything the database held at start.
pub async fn start_app(db: TestDb, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let app = start_gated(db, tweak, matchraum::matching::IndexGate::open()).await;
    app.wait_for_semantic("ready").await;
    app
}

/// Starts the server with the first semantic index build held at `gate`; returns as soon
/// as it listens.
pub async fn start_gated(
    db: TestDb,
    tweak: impl FnOnce(&mut Config),
    gate: matchraum::matching::IndexGate,
) -> TestApp {
    let mut config = test_config(&db.url);
    tweak(&mut config);
    let matching = config.matching.enabled;
    let app = Application::build_with(config, gate)
        .await
        .expect("build application");
    let address = format!("http://127.0.0.1:{}", app.port());
    let metrics_address = app.metrics_port().map(|p| format!("http://127.0.0.1:{p}"));
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        matching,
        metrics_address,
    }
}

/// The status and the JSON body of a response (`null` for an empty or non-JSON body).
pub async fn status_and_json(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    let text = res.text().await.expect("response body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

impl TestApp {
    /// POSTs `body` to `path` as `user` and returns the created resource (asserting 201).
    pub async fn created(
        &self,
        path: &str,
        user: &TestUser,
        body: serde_json::Value,
    ) -> serde_json::Value {
        let res = self
            .request(reqwest::Method::POST, path, Some(user))
            .json(&body)
            .send()
            .await
            .expect("request");
        let (status, v) = status_and_json(res).await;
        assert_eq!(status, 201, "POST {path}: {v}");
        v
    }
}

/// Asserts a problem+json answer with the given status and `type`, returns the body.
pub async fn assert_problem(res: reqwest::Response, status: u16, type_: &str) -> serde_json::Value {
    let got = res.status().as_u16();
    let url = res.url().to_string();
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body: serde_json::Value = res.json().await.expect("problem body is JSON");
    assert_eq!(got, status, "unexpected status for {url}: {body}");
    assert_eq!(ct, "application/problem+json");
    assert_eq!(body["type"], format!("/problems/{type_}"), "body: {body}");
    assert_eq!(body["status"], status);
    assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    body
}

/// Runs one async scenario on SQLite and on PostgreSQL as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Backend::Sqlite).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Backend::Postgres).await
                }
            }
        )+
    };
}

// ---- accounts ------------------------------------------------------------------------

pub use matchraum::auth::PlatformRole as Role;

/// A password that satisfies the policy.
pub const PASSWORD: &str = "Korrekt Pferd Batterie 9";

/// A signed-in account: its session cookie (with CSRF token) and a bearer token with the
/// scopes `read`, `write` and `moderate` (plus `admin` for operators).
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub email: String,
    /// `Cookie` header value with the session and CSRF cookies.
    pub cookie: String,
    pub csrf: String,
    pub token: String,
}

impl TestUser {
    /// A request authenticated by the session cookie, with the CSRF header.
    pub fn with_cookie(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.header("cookie", &self.cookie)
            .header("x-csrf-token", &self.csrf)
    }

    /// A request authenticated by the bearer token.
    pub fn with_token(&self, rb: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        rb.bearer_auth(&self.token)
    }
}

/// Turns the `Set-Cookie` headers of a login answer into a `Cookie` header value.
pub fn cookies_of(res: &reqwest::Response) -> String {
    res.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .collect::<Vec<_>>()
        .join("; ")
}

impl TestApp {
    /// The id of the bearer token the harness created for `user`.
    pub async fn token_id(&self, user: &TestUser) -> i64 {
        let list: serde_json::Value = user
            .with_cookie(self.client.get(self.url("/api/v1/me/tokens")))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        list[0]["id"].as_i64().expect("the harness token")
    }

    /// Revokes `user`'s harness token through the API (signed in by cookie); the status.
    pub async fn revoke_token(&self, user: &TestUser) -> u16 {
        let id = self.token_id(user).await;
        user.with_cookie(
            self.client
                .delete(self.url(&format!("/api/v1/me/tokens/{id}"))),
        )
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
    }
}

impl TestApp {
    /// Registers (through the API), then gives the account `role` and, with `org`, a
    /// membership (directly in the database), then signs in and creates a token.
    pub async fn user(&self, role: Role, org: Option<i64>) -> TestUser {
        self.user_in(role, org, matchraum::auth::OrgRole::Member)
            .await
    }

    pub async fn user_in(
        &self,
        role: Role,
        org: Option<i64>,
        org_role: matchraum::auth::OrgRole,
    ) -> TestUser {
        let email = format!("{}@example.org", uuid::Uuid::new_v4().simple());
        let res = self
            .post_json(
                "/api/v1/auth/register",
                &serde_json::json!({"email": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(res.status(), 202, "register: {:?}", res.text().await);
        let id = matchraum::auth::store::find_by_email(&self.db.conn, &email)
            .await
            .unwrap()
            .expect("registered account")
            .id;
        if role != Role::Seeker {
            matchraum::auth::store::set_role(&self.db.conn, id, role)
                .await
                .expect("set role");
        }
        if let Some(org) = org {
            matchraum::auth::store::add_member(&self.db.conn, id, org, org_role)
                .await
                .expect("add membership");
        }
        self.login(&email, PASSWORD).await
    }

    /// The platform operator, created like `matchraum user create --operator`.
    pub async fn operator(&self) -> TestUser {
        let email = format!("op-{}@example.org", uuid::Uuid::new_v4().simple());
        matchraum::auth::store::create_user(&self.db.conn, &email, PASSWORD, Role::Operator)
            .await
            .expect("bootstrap operator");
        self.login(&email, PASSWORD).await
    }

    /// Signs in through the API and creates a token with every scope the role allows.
    pub async fn login(&self, email: &str, password: &str) -> TestUser {
        let res = self
            .post_json(
                "/api/v1/auth/login",
                &serde_json::json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(res.status(), 200, "login: {:?}", res.headers());
        let cookie = cookies_of(&res);
        let body: serde_json::Value = res.json().await.unwrap();
        let id = body["user"]["id"].as_i64().unwrap();
        let csrf = body["csrf_token"].as_str().unwrap().to_owned();
        // `moderate` acts only where the account may moderate (its own channels).
        let mut scopes = vec!["read", "write", "moderate"];
        if body["user"]["role"] == "operator" {
            scopes.push("admin");
        }
        let mut user = TestUser {
            id,
            email: email.to_owned(),
            cookie,
            csrf,
            token: String::new(),
        };
        let res = user
            .with_cookie(self.client.post(self.url("/api/v1/me/tokens")))
            .json(&serde_json::json!({"name": "tests", "scopes": scopes}))
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), 201, "create token: {:?}", res.text().await);
        user.token = res.json::<serde_json::Value>().await.unwrap()["token"]
            .as_str()
            .unwrap()
            .to_owned();
        user
    }

    /// Makes every request of `self.client` carry an operator's bearer token (for suites
    /// about the catalogue rather than about permissions).
    pub async fn as_operator(mut self) -> Self {
        let op = self.operator().await;
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            format!("Bearer {}", op.token).parse().unwrap(),
        );
        self.client = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap();
        self
    }

    /// A request with `method` to `path`, as `user` by bearer token (or anonymous).
    pub fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        user: Option<&TestUser>,
    ) -> reqwest::RequestBuilder {
        let rb = self.client.request(method, self.url(path));
        match user {
            Some(u) => u.with_token(rb),
            None => rb,
        }
    }
}

/// The value of the sample named `name` whose labels include every `k="v"` of `labels`.
pub fn metric_sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| {
            let (series, _) = l.rsplit_once(' ').unwrap_or((l, ""));
            let (n, rest) = series.split_once('{').unwrap_or((series, ""));
            n == name && labels.iter().all(|kv| rest.contains(kv))
        })
        .and_then(|l| l.rsplit_once(' ')?.1.parse().ok())
}

/// Polls `check` every 100 ms for up to 10 s: for effects that background tasks (the
/// indexer, another instance) make visible a little later. True once `check` holds.
pub async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}
