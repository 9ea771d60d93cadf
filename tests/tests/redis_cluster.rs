//! Matchraum on a real, throw-away Redis Cluster: three masters and three replicas of
//! `redis-server` on free ports. Two instances (PostgreSQL) deliver across it, presence
//! and rate limits span them, and killing the master that owns the bus shard of a
//! conversation fails over without losing a message (and the master's return disturbs
//! nothing).

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use matchraum::config::Config;
use matchraum_tests::ws::*;
use matchraum_tests::{assert_problem, fresh_db, test_config, Backend, Role, TestApp};

use crate::deploy::{free_port, Killed};
use crate::multi_instance::{prefix, two_instances_at, wait_bus, RedisAt};

/// Short, so that a dead master fails over in about two seconds.
const NODE_TIMEOUT_MS: u32 = 1000;

struct Node {
    port: u16,
    bus_port: u16,
    process: Option<Killed>,
}

/// The cluster's processes, all killed when it is dropped (also when a test panics).
struct Cluster {
    nodes: Vec<Node>,
    dir: tempfile::TempDir,
}

/// `n` distinct free ports.
fn free_ports(n: usize) -> Vec<u16> {
    let mut ports = BTreeSet::new();
    while ports.len() < n {
        ports.insert(free_port());
    }
    ports.into_iter().collect()
}

fn wait_until(what: &str, timeout: Duration, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout;
    while !check() {
        assert!(Instant::now() < deadline, "{what} within {timeout:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `redis-cli -p port args…`, its output (empty when the node does not answer).
fn cli(port: u16, args: &[&str]) -> String {
    let out = Command::new("redis-cli")
        .args(["-h", "127.0.0.1", "-p", &port.to_string()])
        .args(args)
        .stderr(Stdio::null())
        .output()
        .expect("redis-cli is installed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

impl Cluster {
    /// Starts six nodes, joins them into three masters with one replica each, and waits
    /// until every node sees the cluster as ok and every replica has synced.
    fn start() -> Cluster {
        let dir = tempfile::tempdir().expect("temp dir");
        let ports = free_ports(12);
        let (client_ports, bus_ports) = ports.split_at(6);
        let nodes: Vec<Node> = client_ports
            .iter()
            .zip(bus_ports)
            .map(|(&port, &bus_port)| Node {
                port,
                bus_port,
                process: Some(spawn_node(dir.path(), port, bus_port)),
            })
            .collect();
        let cluster = Cluster { nodes, dir };
        for n in &cluster.nodes {
            wait_until("a node answers", Duration::from_secs(10), || {
                cli(n.port, &["ping"]).trim() == "PONG"
            });
        }
        let addrs: Vec<String> = cluster
            .nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let created = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", "1", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("redis-cli --cluster create runs");
        assert!(created.success(), "redis-cli --cluster create failed");
        cluster.wait_ok(&cluster.live_ports());
        // Replicas are assigned a moment after the slots: wait for all three, synced, so
        // that a master's death can fail over.
        wait_until("three replicas synced", Duration::from_secs(15), || {
            let synced = cluster.nodes.iter().filter(|n| {
                let info = cli(n.port, &["info", "replication"]);
                info.contains("role:slave") && info.contains("master_link_status:up")
            });
            synced.count() == 3
        });
        cluster
    }

    fn urls(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| format!("redis://127.0.0.1:{}", n.port))
            .collect()
    }

    fn live_ports(&self) -> Vec<u16> {
        self.nodes
            .iter()
            .filter(|n| n.process.is_some())
            .map(|n| n.port)
            .collect()
    }

    /// Until `ports` all say `cluster_state:ok` and know all six nodes.
    fn wait_ok(&self, ports: &[u16]) {
        wait_until("the cluster is ok", Duration::from_secs(20), || {
            ports.iter().all(|&p| {
                let info = cli(p, &["cluster", "info"]);
                info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:6")
            })
        });
    }

    /// The port of the live master that serves `key`'s hash slot, as `port` sees it.
    fn master_of(&self, port: u16, key: &str) -> Option<u16> {
        let slot: u16 = cli(port, &["cluster", "keyslot", key])
            .trim()
            .parse()
            .ok()?;
        cli(port, &["cluster", "nodes"]).lines().find_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let flags = fields.get(2)?;
            if !flags.contains("master") || flags.contains("fail") {
                return None;
            }
            let serves = fields.iter().skip(8).any(|range| {
                let (lo, hi) = range.split_once('-').unwrap_or((range, range));
                matches!((lo.parse::<u16>(), hi.parse::<u16>()), (Ok(lo), Ok(hi)) if (lo..=hi).contains(&slot))
            });
            if !serves {
                return None;
            }
            let addr = fields.get(1)?.split('@').next()?;
            addr.rsplit(':').next()?.parse().ok()
        })
    }

    /// Kills the node on `port` (SIGKILL: no goodbye to the cluster or its clients).
    fn kill(&mut self, port: u16) {
        let node = self.nodes.iter_mut().find(|n| n.port == port).unwrap();
        drop(node.process.take());
    }

    /// Starts the killed node on `port` again, with its cluster state: it rejoins (as a
    /// replica once its replica took over).
    fn restart(&mut self, port: u16) {
        let node = self.nodes.iter_mut().find(|n| n.port == port).unwrap();
        node.process = Some(spawn_node(self.dir.path(), port, node.bus_port));
        let all = self.live_ports();
        self.wait_ok(&all);
        wait_until("the restarted node serves", Duration::from_secs(10), || {
            cli(port, &["info", "replication"]).contains("master_link_status:up")
        });
    }
}

fn spawn_node(dir: &std::path::Path, port: u16, bus_port: u16) -> Killed {
    let child = Command::new("redis-server")
        .current_dir(dir)
        .args(["--port", &port.to_string()])
        .args(["--cluster-port", &bus_port.to_string()])
        .args(["--cluster-enabled", "yes"])
        .args(["--cluster-config-file", &format!("nodes-{port}.conf")])
        .args(["--cluster-node-timeout", &NODE_TIMEOUT_MS.to_string()])
        .args(["--save", "", "--appendonly", "no", "--bind", "127.0.0.1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is installed");
    Killed(child)
}

async fn two_instances(
    cluster: &Cluster,
    prefix: &str,
    tweak: fn(&mut Config),
) -> (TestApp, TestApp) {
    two_instances_at(&RedisAt::Cluster(cluster.urls()), prefix, tweak).await
}

/// Wrong-password logins for one account from one address, through `app`.
async fn failed_login(app: &TestApp) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "niemand@example.org", "password": "Falsch Falsch"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_share_messages_presence_and_rate_limits_on_a_cluster() {
    let cluster = Cluster::start();
    let (one, two) = two_instances(&cluster, &prefix(), |c| {
        rt_config(c);
        c.rate.login_per_account = 2;
        c.rate.window_secs = 3600;
    })
    .await;
    let anna = one.user(Role::Seeker, None).await;
    let ben = one.user(Role::Seeker, None).await;
    let ch = channel(&one, &anna, "community", "public").await;
    join(&two, &ben, ch).await;

    // Presence: each side's snapshot includes the other instance's subscriber.
    let mut a = Ws::connect(&one, Some(&anna)).await;
    assert_eq!(a.online(ch).await, [anna.id]);
    let mut b = Ws::connect(&two, Some(&ben)).await;
    assert_eq!(b.online(ch).await, [anna.id, ben.id]);

    // Messages cross the cluster both ways, exactly once.
    exchange_both_ways(&mut a, &mut b, ch, 5).await;

    // Anna leaves instance one: instance two stops counting her.
    a.close().await;
    let mut c = Ws::connect(&two, Some(&ben)).await;
    assert_eq!(c.online_becomes(ch, &[ben.id]).await, [ben.id]);

    // Rate limits count in the cluster: two failed logins through one instance use up
    // the window for the other.
    assert_eq!(failed_login(&one).await.status(), 401);
    assert_eq!(failed_login(&one).await.status(), 401);
    assert_problem(failed_login(&two).await, 429, "rate-limited").await;
}

/// The master that owns the conversation's bus shard dies; its replica takes over. What
/// was sent meanwhile and afterwards reaches the other instance's client exactly once and
/// in order, and a client resuming from before the failure gets exactly the gap.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_failing_over_loses_no_message() {
    let mut cluster = Cluster::start();
    let prefix = prefix();
    let (one, two) = two_instances(&cluster, &prefix, rt_config).await;
    let Across {
        ben,
        mut a,
        mut b,
        ch,
        first,
    } = conversation_across(&one, &two).await;

    let shard = matchraum::realtime::bus::shard_channel(&prefix, ch);
    let seed = cluster.nodes[0].port;
    let master = cluster
        .master_of(seed, &shard)
        .expect("a master serves the shard");
    cluster.kill(master);
    let killed = Instant::now();
    // Sends persist and are acknowledged while the shard has no master.
    let mut want = Vec::new();
    for i in 1..=5 {
        want.push(
            a.say(ch, &format!("m{i}"), &format!("während {i}")).await["message_id"]
                .as_i64()
                .unwrap(),
        );
    }
    let live = cluster.live_ports();
    let witness = live[0];
    wait_until("a replica took over", Duration::from_secs(20), || {
        cluster
            .master_of(witness, &shard)
            .is_some_and(|m| m != master)
    });
    cluster.wait_ok(&live);
    eprintln!("failed over after {:?}", killed.elapsed());
    wait_bus(&one, "redis-cluster", true).await;
    wait_bus(&two, "redis-cluster", true).await;
    want.push(
        a.say(ch, "m6", "danach").await["message_id"]
            .as_i64()
            .unwrap(),
    );

    let got: Vec<i64> = b
        .messages(want.len())
        .await
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, want);
    b.expect_no_message(Duration::from_millis(500)).await;
    eprintln!(
        "all {} delivered {:?} after the kill",
        want.len(),
        killed.elapsed()
    );

    let mut c = Ws::connect(&two, Some(&ben)).await;
    let (replay, _) = c.subscribe(ch, Some(first)).await;
    let ids: Vec<i64> = replay.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, want);

    // The old master comes back (as a replica): the conversation goes on undisturbed.
    cluster.restart(master);
    let last = a.say(ch, "m7", "wieder komplett").await["message_id"].clone();
    assert_eq!(b.expect("message").await["id"], last);
    assert_eq!(c.expect("message").await["id"], last);
    b.expect_no_message(Duration::from_millis(300)).await;
}

/// A configuration naming both a single Redis and a cluster does not start, and says why.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redis_url_and_a_cluster_together_stop_the_start() {
    let db = fresh_db(Backend::Sqlite).await;
    let mut config = test_config(&db.url);
    config.redis.url = Some("redis://127.0.0.1:6379".into());
    config.redis.cluster = vec!["redis://127.0.0.1:7000".into()];
    let err = match matchraum::startup::Application::build(config).await {
        Ok(_) => panic!("the server started with both"),
        Err(e) => e.to_string(),
    };
    assert!(
        err.contains("[redis] url") && err.contains("[redis] cluster"),
        "{err}"
    );
}
