//! The deploy recipes in `deploy/`, validated as far as this machine can (containers do not
//! run here): the YAML parses, every `MATCHRAUM_*` variable they name is a setting, ports
//! and probes agree, the image takes its files from where the Makefile's build puts them,
//! and the binary starts with exactly the Kubernetes environment.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use matchraum_tests::{fresh_db, workspace_root, Backend};
use serde_yaml::Value;

fn deploy() -> PathBuf {
    workspace_root().join("deploy")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Every document of a YAML file.
fn yaml_docs(p: &Path) -> Vec<Value> {
    let text = read(p);
    serde_yaml::Deserializer::from_str(&text)
        .map(|d| {
            serde::Deserialize::deserialize(d)
                .unwrap_or_else(|e| panic!("{} does not parse: {e}", p.display()))
        })
        .collect()
}

fn kube() -> BTreeMap<String, Value> {
    let mut by_kind = BTreeMap::new();
    let dir = deploy().join("kubernetes");
    for entry in std::fs::read_dir(&dir).unwrap() {
        let p = entry.unwrap().path();
        for doc in yaml_docs(&p) {
            let kind = doc["kind"].as_str().expect("kind").to_owned();
            let name = doc["metadata"]["name"].as_str().unwrap_or("").to_owned();
            by_kind.insert(format!("{kind}/{name}"), doc);
        }
    }
    by_kind
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v:?}"))
}

/// The port of `host:port`.
fn port_of(addr: &str) -> u16 {
    addr.rsplit(':')
        .next()
        .and_then(|p| {
            p.trim_end_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no port in {addr}"))
}

/// `MATCHRAUM_*` names of every setting, by the configuration's own rule.
fn settings() -> BTreeSet<String> {
    matchraum::config::Config::variables().into_iter().collect()
}

fn named_vars(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find("MATCHRAUM_") {
        let tail = &rest[i..];
        let end = tail
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len());
        let name = tail[..end].trim_end_matches('_');
        // `MATCHRAUM_<KEY>` in prose names no variable.
        if name != "MATCHRAUM" {
            out.insert(name.to_owned());
        }
        rest = &tail[end..];
    }
    out
}

fn recipe_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(deploy())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.extend(
        std::fs::read_dir(deploy().join("kubernetes"))
            .unwrap()
            .map(|e| e.unwrap().path()),
    );
    files
}

#[test]
fn every_yaml_recipe_parses_and_every_variable_is_a_documented_setting() {
    let known = settings();
    let readme = read(&workspace_root().join("README.md"));
    let mut yaml = 0;
    for p in recipe_files() {
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        if name.ends_with(".yaml") || name.ends_with(".yml") {
            assert!(!yaml_docs(&p).is_empty(), "{name} is empty");
            yaml += 1;
        }
        for var in named_vars(&read(&p)) {
            assert!(
                known.contains(&var),
                "{name} names {var}, which is no setting"
            );
            assert!(
                readme.contains(&var),
                "{name} names {var}; the README does not"
            );
        }
    }
    assert!(yaml >= 9, "compose file and Kubernetes manifests: {yaml}");
    for kind in [
        "Deployment/matchraum",
        "Service/matchraum",
        "Ingress/matchraum",
        "HorizontalPodAutoscaler/matchraum",
        "ConfigMap/matchraum",
        "Secret/matchraum",
        "PodDisruptionBudget/matchraum",
    ] {
        assert!(kube().contains_key(kind), "no {kind} in deploy/kubernetes");
    }
}

/// Every orchestrator waits longer than the instance's shutdown deadline before it kills
/// it, so that in-flight requests finish (sockets close with 1001 at once).
#[test]
fn grace_periods_outlast_the_shutdown_deadline() {
    let k = kube();
    let secs = |v: &str| -> u64 { v.trim_end_matches('s').parse().unwrap() };
    let deadline = secs(s(
        &k["ConfigMap/matchraum"]["data"]["MATCHRAUM_HTTP_SHUTDOWN_TIMEOUT_SECS"]
    ));
    let pod = &k["Deployment/matchraum"]["spec"]["template"]["spec"];
    let grace = pod["terminationGracePeriodSeconds"].as_u64().unwrap();
    assert!(
        grace > deadline,
        "Kubernetes: {grace} s grace, {deadline} s deadline"
    );

    let compose = &yaml_docs(&deploy().join("compose.yaml"))[0]["x-matchraum"];
    let deadline = secs(s(
        &compose["environment"]["MATCHRAUM_HTTP_SHUTDOWN_TIMEOUT_SECS"]
    ));
    let grace = secs(s(&compose["stop_grace_period"]));
    assert!(
        grace > deadline,
        "compose: {grace} s grace, {deadline} s deadline"
    );

    let unit = read(&deploy().join("matchraum.service"));
    let grace = unit
        .lines()
        .find_map(|l| l.strip_prefix("TimeoutStopSec="))
        .map(secs)
        .expect("TimeoutStopSec");
    let example = read(&deploy().join("matchraum.example.toml"));
    let deadline = example
        .lines()
        .find_map(|l| l.strip_prefix("shutdown_timeout_secs = "))
        .map(secs)
        .expect("shutdown_timeout_secs in the example settings");
    assert!(
        grace > deadline,
        "systemd: {grace} s grace, {deadline} s deadline"
    );
}

/// `ENV` lines of the Containerfile (one `ENV` with continuation lines).
fn containerfile() -> (String, BTreeMap<String, String>) {
    let text = read(&deploy().join("Containerfile"));
    let joined = text.replace("\\\n", " ");
    let mut env = BTreeMap::new();
    for line in joined.lines().filter(|l| l.starts_with("ENV ")) {
        for kv in line[4..].split_whitespace() {
            let (k, v) = kv.split_once('=').expect("ENV k=v");
            env.insert(k.to_owned(), v.to_owned());
        }
    }
    (joined, env)
}

#[test]
fn ports_and_probes_agree_across_the_recipes() {
    let k = kube();
    let cm = &k["ConfigMap/matchraum"]["data"];
    let http = port_of(s(&cm["MATCHRAUM_HTTP_BIND"]));
    let metrics = port_of(s(&cm["MATCHRAUM_METRICS_BIND"]));
    assert_ne!(http, metrics, "metrics never on the public port");

    let pod = &k["Deployment/matchraum"]["spec"]["template"];
    let c = &pod["spec"]["containers"][0];
    let ports: BTreeMap<&str, u64> = c["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|p| (s(&p["name"]), p["containerPort"].as_u64().unwrap()))
        .collect();
    assert_eq!(ports["http"], http as u64);
    assert_eq!(ports["metrics"], metrics as u64);
    for (probe, path) in [
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
        ("startupProbe", "/healthz"),
    ] {
        assert_eq!(s(&c[probe]["httpGet"]["path"]), path, "{probe}");
        assert_eq!(s(&c[probe]["httpGet"]["port"]), "http", "{probe}");
    }
    let ann = &pod["metadata"]["annotations"];
    assert_eq!(s(&ann["prometheus.io/port"]), metrics.to_string());
    assert_eq!(s(&ann["prometheus.io/path"]), "/metrics");
    let env_from: Vec<&str> = c["envFrom"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|e| {
            s(e.get("configMapRef")
                .or_else(|| e.get("secretRef"))
                .map(|r| &r["name"])
                .unwrap())
        })
        .collect();
    assert_eq!(env_from, ["matchraum", "matchraum"]);

    let svc = &k["Service/matchraum"]["spec"]["ports"][0];
    assert_eq!(s(&svc["targetPort"]), "http");
    let backend = &k["Ingress/matchraum"]["spec"]["rules"][0]["http"]["paths"][0]["backend"];
    assert_eq!(s(&backend["service"]["name"]), "matchraum");
    assert_eq!(s(&backend["service"]["port"]["name"]), s(&svc["name"]));
    let ann = &k["Ingress/matchraum"]["metadata"]["annotations"];
    for t in ["proxy-read-timeout", "proxy-send-timeout"] {
        let secs: u64 = s(&ann[format!("nginx.ingress.kubernetes.io/{t}").as_str()])
            .parse()
            .unwrap();
        assert!(secs >= 120, "websockets need a long {t}");
    }
    let msvc = &k["Service/matchraum-metrics"]["spec"]["ports"][0];
    assert_eq!(s(&msvc["targetPort"]), "metrics");
    assert_eq!(
        s(&k["HorizontalPodAutoscaler/matchraum"]["spec"]["scaleTargetRef"]["name"]),
        "matchraum"
    );
    assert_eq!(
        k["PodDisruptionBudget/matchraum"]["spec"]["selector"],
        k["Deployment/matchraum"]["spec"]["selector"]
    );

    // The image: the same ports, the health check on the public port.
    let (text, env) = containerfile();
    assert_eq!(env["MATCHRAUM_HTTP_BIND"], s(&cm["MATCHRAUM_HTTP_BIND"]));
    assert_eq!(
        env["MATCHRAUM_METRICS_BIND"],
        s(&cm["MATCHRAUM_METRICS_BIND"])
    );
    assert!(text.contains(&format!("EXPOSE {http} {metrics}")));
    let hc = text.lines().find(|l| l.contains("HEALTHCHECK")).unwrap();
    assert!(
        hc.contains(&format!("http://127.0.0.1:{http}/healthz")),
        "{hc}"
    );
    assert!(text.contains("USER 10001"), "the image runs as non-root");
    let sc = &pod["spec"]["securityContext"];
    assert_eq!(sc["runAsUser"].as_u64(), Some(10001));

    // Compose: both replicas, the proxy reaches them on their bind port.
    let compose = &yaml_docs(&deploy().join("compose.yaml"))[0];
    let app = &compose["x-matchraum"];
    let bind = s(&app["environment"]["MATCHRAUM_HTTP_BIND"]);
    assert_eq!(port_of(bind), http);
    let check = app["healthcheck"]["test"].as_sequence().unwrap();
    assert!(s(check.last().unwrap()).ends_with(&format!(":{http}/readyz")));
    for svc in ["postgres", "redis", "app1", "app2", "proxy"] {
        assert!(
            compose["services"].get(svc).is_some(),
            "compose has no {svc}"
        );
    }
    let caddy = read(&deploy().join("Caddyfile"));
    assert!(caddy.contains(&format!("reverse_proxy app1:{http} app2:{http}")));
    assert!(caddy.contains("health_uri /readyz"));
}

#[test]
fn the_image_takes_its_files_from_where_the_makefile_build_puts_them() {
    let makefile = read(&workspace_root().join("Makefile"));
    let (text, env) = containerfile();
    let copies: Vec<(String, String)> = text
        .lines()
        .filter(|l| l.starts_with("COPY"))
        .map(|l| {
            let parts: Vec<&str> = l.split_whitespace().collect();
            let n = parts.len();
            (parts[n - 2].to_owned(), parts[n - 1].to_owned())
        })
        .collect();
    let dest_of = |src: &str| -> String {
        copies
            .iter()
            .find(|(s, _)| s == src)
            .unwrap_or_else(|| panic!("the Containerfile copies no {src}: {copies:?}"))
            .1
            .clone()
    };
    // What `make setup` and `make run` build, relative to the repository (= /src).
    let model = "models/multilingual-e5-small";
    let ort = "models/onnxruntime/libonnxruntime.so";
    assert!(makefile.contains(&format!("$(CURDIR)/{model}")));
    assert!(makefile.contains(&format!("$(CURDIR)/{ort}")));
    assert!(makefile.contains("--release -p matchraum"));
    assert!(text.contains("RUN cargo build --release -p matchraum"));
    assert!(text.contains("RUN scripts/setup_model.sh"));
    assert_eq!(
        dest_of("/src/target/release/matchraum"),
        "/usr/local/bin/matchraum"
    );
    assert!(text.contains(r#"ENTRYPOINT ["/usr/local/bin/matchraum"]"#));
    let model_dest = dest_of(&format!("/src/{model}/"));
    assert_eq!(
        format!("{}/", env["MATCHRAUM_MATCHING_MODEL_DIR"]),
        model_dest
    );
    let ort_dest = dest_of("/src/models/onnxruntime/");
    assert_eq!(
        env["MATCHRAUM_MATCHING_ORT_LIB"],
        format!("{ort_dest}libonnxruntime.so")
    );
    // The UI: frontend/dist of `vite build` (the default `ui_dir`).
    let ui_default = matchraum::config::Config::default().http.ui_dir;
    assert_eq!(ui_default, PathBuf::from("frontend/dist"));
    assert_eq!(
        format!("{}/", env["MATCHRAUM_HTTP_UI_DIR"]),
        dest_of("/src/frontend/dist/")
    );
    let snap_default = matchraum::config::Config::default().seed.snapshot;
    let snap_dest = dest_of("data-snapshot/");
    assert_eq!(
        env["MATCHRAUM_SEED_SNAPSHOT"],
        format!(
            "{snap_dest}{}",
            snap_default.file_name().unwrap().to_string_lossy()
        )
    );
    assert!(workspace_root().join(&snap_default).is_file());
    // The Kubernetes ConfigMap points at the same paths.
    let cm = kube()["ConfigMap/matchraum"]["data"].clone();
    for key in [
        "MATCHRAUM_MATCHING_MODEL_DIR",
        "MATCHRAUM_MATCHING_ORT_LIB",
        "MATCHRAUM_HTTP_UI_DIR",
        "MATCHRAUM_SEED_SNAPSHOT",
    ] {
        assert_eq!(s(&cm[key]), env[key], "{key}");
    }
}

/// The server binary of this build (built on demand when a test run did not build it).
pub(crate) fn server_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap();
    let bin = dir.join("matchraum");
    // Always ask cargo (a no-op after the suite's own build, whose feature set this is): a
    // binary left from an older build would reject today's settings and fail for the wrong
    // reason.
    let ok = Command::new(workspace_root().join("scripts/server_binary.sh"))
        .stdout(std::process::Stdio::null())
        .status()
        .expect("scripts/server_binary.sh runs");
    assert!(ok.success(), "scripts/server_binary.sh failed");
    assert!(bin.is_file(), "no server binary at {}", bin.display());
    bin
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process, killed (if still running) when dropped.
pub(crate) struct Killed(pub(crate) std::process::Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub(crate) async fn wait_ok(
    client: &reqwest::Client,
    url: &str,
    deadline: Instant,
    child: &mut Killed,
) {
    loop {
        if let Ok(r) = client.get(url).send().await {
            if r.status() == 200 {
                return;
            }
        }
        if let Some(status) = child.0.try_wait().unwrap() {
            panic!("the server exited ({status}) before {url} answered");
        }
        assert!(
            Instant::now() < deadline,
            "{url} did not answer 200 in time"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_starts_with_exactly_the_kubernetes_environment() {
    let k = kube();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for key in ["ConfigMap/matchraum", "Secret/matchraum"] {
        let doc = &k[key];
        let data = doc.get("data").or_else(|| doc.get("stringData")).unwrap();
        for (name, value) in data.as_mapping().unwrap() {
            env.insert(s(name).to_owned(), s(value).to_owned());
        }
    }
    let documented: BTreeSet<String> = env.keys().cloned().collect();
    // What differs outside a container: addresses and where the image's files are here.
    let db = fresh_db(Backend::Postgres).await;
    let root = workspace_root();
    let (http, metrics) = (free_port(), free_port());
    for (name, value) in env.iter_mut() {
        match name.as_str() {
            "MATCHRAUM_DATABASE_URL" => *value = db.url.clone(),
            "MATCHRAUM_REDIS_URL" => *value = "redis://127.0.0.1:6379".into(),
            "MATCHRAUM_HTTP_BIND" => *value = format!("127.0.0.1:{http}"),
            "MATCHRAUM_METRICS_BIND" => *value = format!("127.0.0.1:{metrics}"),
            // The shared test Redis: a channel prefix of this test's own.
            "MATCHRAUM_REDIS_PREFIX" => {
                *value = format!("mrdeploy-{}", uuid::Uuid::new_v4().simple())
            }
            _ => {
                if let Some(rest) = value.strip_prefix("/opt/matchraum/") {
                    let local = match rest.strip_prefix("ui") {
                        Some(tail) => format!("frontend/dist{tail}"),
                        None => rest.to_owned(),
                    };
                    *value = root.join(local).display().to_string();
                }
            }
        }
    }
    assert_eq!(env.keys().cloned().collect::<BTreeSet<_>>(), documented);
    let work = tempfile::tempdir().unwrap();
    let child = Command::new(server_binary())
        .arg("serve")
        .env_clear()
        .envs(&env)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(work.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server binary");
    let mut child = Killed(child);
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(240);
    let base = format!("http://127.0.0.1:{http}");
    wait_ok(&client, &format!("{base}/healthz"), deadline, &mut child).await;
    wait_ok(&client, &format!("{base}/readyz"), deadline, &mut child).await;
    let m = format!("http://127.0.0.1:{metrics}/metrics");
    wait_ok(&client, &m, deadline, &mut child).await;
    let text = client.get(&m).send().await.unwrap().text().await.unwrap();
    assert!(text.contains("matchraum_http_requests_total"), "{text}");
    // On the public port `/metrics` is only an app route of the web UI.
    let public = client.get(format!("{base}/metrics")).send().await.unwrap();
    assert!(!public
        .text()
        .await
        .unwrap()
        .contains("matchraum_http_requests_total"));
    // The snapshot of the ConfigMap was imported into the empty database.
    let status: serde_json::Value = client
        .get(format!("{base}/api/v1/status"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        status["catalogue"]["solutions"].as_u64().unwrap() > 6000,
        "{status}"
    );
}
