//! Several instances on one PostgreSQL database and one Redis: messages cross instances,
//! and a Redis restart in the middle of a conversation loses nothing.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use matchraum::config::Config;
use matchraum_tests::ws::*;
use matchraum_tests::{
    attach_app, empty_db, metric_sample, spawn_app_with, start_app, Backend, Role, TestApp,
    TestUser,
};

pub(crate) fn prefix() -> String {
    format!("mrtest-{}", uuid::Uuid::new_v4().simple())
}

/// How the instances of a test reach Redis.
#[derive(Clone)]
pub(crate) enum RedisAt {
    Url(String),
    /// Seed nodes of a Redis Cluster.
    Cluster(Vec<String>),
}

impl RedisAt {
    fn apply(&self, c: &mut Config) {
        match self {
            RedisAt::Url(url) => c.redis.url = Some(url.clone()),
            RedisAt::Cluster(nodes) => c.redis.cluster = nodes.clone(),
        }
    }

    /// The bus kind `/api/v1/ws/status` reports.
    fn bus(&self) -> &'static str {
        match self {
            RedisAt::Url(_) => "redis",
            RedisAt::Cluster(_) => "redis-cluster",
        }
    }
}

async fn wait_bus_healthy(app: &TestApp, healthy: bool) {
    wait_bus(app, "redis", healthy).await
}

/// Waits until the instance's bus of `kind` is (un)healthy.
pub(crate) async fn wait_bus(app: &TestApp, kind: &str, healthy: bool) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let s: serde_json::Value = app.get("/api/v1/ws/status").await.json().await.unwrap();
        assert_eq!(s["bus"], kind);
        if s["bus_healthy"] == healthy {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "bus never became healthy={healthy}: {s}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn two_instances(redis_url: &str) -> (TestApp, TestApp) {
    two_instances_with(redis_url, rt_config).await
}

async fn two_instances_with(redis_url: &str, tweak: fn(&mut Config)) -> (TestApp, TestApp) {
    two_instances_at(&RedisAt::Url(redis_url.to_owned()), &prefix(), tweak).await
}

/// Two instances on one PostgreSQL database and the Redis `prefix`, both configured by
/// `tweak`, once their bus is up.
pub(crate) async fn two_instances_at(
    redis: &RedisAt,
    prefix: &str,
    tweak: fn(&mut Config),
) -> (TestApp, TestApp) {
    let (p, p1) = (prefix.to_owned(), prefix.to_owned());
    let r1 = redis.clone();
    let one = spawn_app_with(Backend::Postgres, move |c| {
        tweak(c);
        r1.apply(c);
        c.redis.prefix = p1;
    })
    .await;
    let r2 = redis.clone();
    let two = attach_app(&one, move |c| {
        tweak(c);
        r2.apply(c);
        c.redis.prefix = p;
    })
    .await;
    wait_bus(&one, redis.bus(), true).await;
    wait_bus(&two, redis.bus(), true).await;
    (one, two)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_sent_through_one_instance_reaches_the_other() {
    let (one, two) = two_instances_with("redis://127.0.0.1:6379", |c| {
        rt_config(c);
        c.metrics.bind = "127.0.0.1:0".into();
    })
    .await;
    let anna = one.user(Role::Seeker, None).await;
    let ben = one.user(Role::Seeker, None).await;
    let ch = channel(&one, &anna, "community", "public").await;
    join(&two, &ben, ch).await;

    let mut a = Ws::connect(&one, Some(&anna)).await;
    let mut b = Ws::connect(&two, Some(&ben)).await;
    a.subscribe(ch, None).await;
    b.subscribe(ch, None).await;
    exchange_both_ways(&mut a, &mut b, ch, 10).await;
    // Each instance timed the other's events from publish to arrival: ten messages came
    // from one, one from two.
    for (app, sent) in [(&one, 1.0), (&two, 10.0)] {
        let text = app.scrape_metrics().await;
        let count = metric_sample(&text, "matchraum_bus_lag_seconds_count", &[]).unwrap();
        let sum = metric_sample(&text, "matchraum_bus_lag_seconds_sum", &[]).unwrap();
        assert!(count >= sent, "{count} events timed, {sent} sent");
        assert!(sum / count < 1.0, "mean bus lag {} s", sum / count);
    }

    // A mention made on one instance notifies its user on the other.
    let id = a
        .say(ch, "a-mention", &format!("@user:{} siehe oben", ben.id))
        .await["message_id"]
        .clone();
    assert_eq!(b.expect("message").await["id"], id);
    let n = b.expect("notification").await;
    assert_eq!(
        (n["kind"].as_str(), &n["message_id"]),
        (Some("mention"), &id)
    );

    // Removing a member on one instance cuts them off on the other.
    let res = one
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/channels/{ch}/leave"),
            Some(&ben),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    assert_eq!(b.next_relevant().await["code"], "removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_senders_on_two_instances_are_delivered_in_order_without_gaps() {
    let (one, two) = two_instances("redis://127.0.0.1:6379").await;
    let anna = one.user(Role::Seeker, None).await;
    let ben = one.user(Role::Seeker, None).await;
    let carla = one.user(Role::Seeker, None).await;
    let ch = channel(&one, &anna, "community", "public").await;
    join(&one, &ben, ch).await;
    join(&one, &carla, ch).await;

    let mut watch_one = Ws::connect(&one, Some(&carla)).await;
    let mut watch_two = Ws::connect(&two, Some(&carla)).await;
    watch_one.subscribe(ch, None).await;
    watch_two.subscribe(ch, None).await;

    // Two senders, one per instance, as fast as they can: commits and publications
    // interleave across instances.
    const EACH: usize = 30;
    tokio::join!(
        send_burst(&one, &anna, ch, "a", EACH),
        send_burst(&two, &ben, ch, "b", EACH)
    );

    for watcher in [&mut watch_one, &mut watch_two] {
        let seqs: Vec<i64> = watcher
            .messages(2 * EACH)
            .await
            .iter()
            .map(|m| m["seq"].as_i64().unwrap())
            .collect();
        let want: Vec<i64> = (1..=(2 * EACH) as i64).collect();
        assert_eq!(seqs, want);
        watcher.expect_no_message(Duration::from_millis(300)).await;
    }
}

/// The bus carries catalogue writes: with the periodic fingerprint check off, the other
/// instance's search index follows a new and a deleted solution within a second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catalogue_write_is_matchable_on_the_other_instance_within_a_second() {
    let (one, two) = two_instances_with("redis://127.0.0.1:6379", |c| {
        rt_config(c);
        c.matching.enabled = true;
        c.matching.index_refresh_secs = 0;
    })
    .await;
    let one = one.as_operator().await;
    let text = "Genehmigung für Drohnenflüge über der Stadt beantragen";
    // Both indexes of the other instance must follow, the vectors as well as the words.
    let top_in = |mode: &'static str| {
        let rb = two
            .client
            .post(two.url("/api/v1/match"))
            .json(&serde_json::json!({"text": text, "limit": 1, "mode": mode}));
        async move {
            let body: serde_json::Value = rb.send().await.unwrap().json().await.unwrap();
            assert_eq!(body["mode"], mode, "{body}");
            body["solutions"][0]["id"].as_i64()
        }
    };
    let top = || async { tokio::join!(top_in("vector"), top_in("lexical")) };
    assert_eq!(top().await, (None, None), "the catalogue starts empty");

    let body = serde_json::json!({"title": "Drohnen-Aufstiegsgenehmigung",
        "summary": "Antrag auf Genehmigung von Drohnenflügen."});
    let res = one.post_json("/api/v1/solutions", &body).await;
    assert_eq!(res.status(), 201);
    let id = res.json::<serde_json::Value>().await.unwrap()["id"].as_i64();
    let created = until(|| async { top().await == (id, id) }).await;
    eprintln!("created on one, matched on two after {created:?}");

    let res = one
        .delete(&format!("/api/v1/solutions/{}", id.unwrap()))
        .await;
    assert_eq!(res.status(), 204);
    let deleted = until(|| async { top().await == (None, None) }).await;
    eprintln!("deleted on one, gone on two after {deleted:?}");
    assert!(
        created < Duration::from_secs(1),
        "{created:?} after the write"
    );
    assert!(
        deleted < Duration::from_secs(1),
        "{deleted:?} after the deletion"
    );
}

/// How long until `check` holds, polling every 10 ms for up to 5 s (then fails).
async fn until<F, Fut>(mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let started = std::time::Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "never happened within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    started.elapsed()
}

/// Replicas started at the same moment against one empty database: the migrations run
/// once, under the advisory lock, and every replica comes up and serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_replicas_started_together_on_an_empty_database_all_serve() {
    let db = empty_db(Backend::Postgres).await;
    let mut starting = Vec::new();
    for _ in 0..3 {
        let replica = db.another().await;
        starting.push(tokio::spawn(start_app(replica, rt_config)));
    }
    let started = std::time::Instant::now();
    for replica in starting {
        let app = replica.await.expect("the replica started");
        assert_eq!(app.get("/readyz").await.status(), 200);
        let anna = app.user(Role::Seeker, None).await;
        assert!(anna.id > 0);
    }
    eprintln!("three replicas up after {:?}", started.elapsed());
    assert!(
        matchraum::db::is_ready(&db.conn).await,
        "no migration is pending"
    );
}

/// Sends `n` messages without waiting in between, then waits for every ack.
async fn send_burst(app: &TestApp, user: &TestUser, ch: i64, tag: &str, n: usize) {
    let mut ws = Ws::connect(app, Some(user)).await;
    for i in 0..n {
        ws.send(serde_json::json!({"type": "send", "channel_id": ch,
            "client_msg_id": format!("{tag}{i}"), "body": format!("{tag} {i}")}))
            .await;
    }
    let mut acks = 0;
    while acks < n {
        let f = ws.next_relevant().await;
        assert_ne!(f["type"], "error", "{f}");
        if f["type"] == "ack" {
            acks += 1;
        }
    }
}

/// A throw-away Redis on a free port, killed on drop.
struct Redis {
    port: u16,
    child: Option<Child>,
}

impl Redis {
    fn start_on(port: u16) -> Child {
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
                "--bind",
                "127.0.0.1",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server is installed");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "redis-server did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        child
    }

    fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Redis {
            port,
            child: Some(Self::start_on(port)),
        }
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn restart(&mut self) {
        self.stop();
        self.child = Some(Self::start_on(self.port));
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_going_away_mid_conversation_loses_nothing() {
    let mut redis = Redis::start();
    let (one, two) = two_instances(&redis.url()).await;
    let Across {
        ben,
        mut a,
        mut b,
        ch,
        first,
    } = conversation_across(&one, &two).await;

    redis.stop();
    wait_bus_healthy(&one, false).await;
    // Sends still persist and are acknowledged while Redis is away.
    let mut during = Vec::new();
    for i in 1..=5 {
        during.push(
            a.say(ch, &format!("m{i}"), &format!("während {i}")).await["message_id"]
                .as_i64()
                .unwrap(),
        );
    }
    redis.restart();
    wait_bus_healthy(&one, true).await;
    wait_bus_healthy(&two, true).await;
    let after = a.say(ch, "m6", "danach").await["message_id"]
        .as_i64()
        .unwrap();

    // The connected client on the other instance gets every message exactly once.
    let mut want: Vec<i64> = during.clone();
    want.push(after);
    // ... and in order: the gap is filled before anything newer is delivered.
    let got: Vec<i64> = b
        .messages(want.len())
        .await
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(got, want);
    b.expect_no_message(Duration::from_millis(500)).await;

    // And a client that resumes from before the outage gets exactly the gap.
    let mut c = Ws::connect(&two, Some(&ben)).await;
    let (replay, _) = c.subscribe(ch, Some(first)).await;
    let ids: Vec<i64> = replay.iter().map(|m| m["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocations_and_access_changes_reach_sockets_on_the_other_instance() {
    let (one, two) = two_instances("redis://127.0.0.1:6379").await;
    let anna = one.user(Role::Seeker, None).await;
    let ch = channel(&one, &anna, "community", "public").await;
    let mut anon = Ws::connect(&two, None).await;
    anon.subscribe(ch, None).await;
    let mut a = Ws::connect(&two, Some(&anna)).await;
    a.subscribe(ch, None).await;

    // public -> members through instance one: the anonymous socket on two stops.
    let res = one
        .request(
            reqwest::Method::PATCH,
            &format!("/api/v1/channels/{ch}"),
            Some(&anna),
        )
        .json(&serde_json::json!({"visibility": "members"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let e = anon.next_relevant().await;
    assert_eq!(e["code"], "forbidden", "{e}");
    assert_eq!(e["channel_id"], ch);
    a.say(ch, "members", "nur Mitglieder").await;
    anon.expect_no_message(Duration::from_millis(500)).await;

    // Revoking the token through instance one closes its socket on two.
    assert_eq!(one.revoke_token(&anna).await, 204);
    let reason = a.expect_closed().await;
    assert!(reason.contains("4001"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_presence_snapshot_spans_instances() {
    let (one, two) = two_instances("redis://127.0.0.1:6379").await;
    let anna = one.user(Role::Seeker, None).await;
    let ben = one.user(Role::Seeker, None).await;
    let carl = one.user(Role::Seeker, None).await;
    let ch = channel(&one, &anna, "community", "public").await;

    let mut a = Ws::connect(&one, Some(&anna)).await;
    assert_eq!(a.online(ch).await, [anna.id]);
    // Ben on the other instance sees Anna; Carl on the first sees Ben.
    let mut b = Ws::connect(&two, Some(&ben)).await;
    assert_eq!(b.online(ch).await, [anna.id, ben.id]);
    let mut c = Ws::connect(&one, Some(&carl)).await;
    assert_eq!(c.online(ch).await, [anna.id, ben.id, carl.id]);
    // Anna leaves instance one: instance two stops counting her.
    a.close().await;
    assert_eq!(
        b.online_becomes(ch, &[ben.id, carl.id]).await,
        [ben.id, carl.id]
    );
    c.close().await;
}

/// However many are online across instances, a snapshot carries at most
/// `presence::MAX_SNAPSHOT` user ids, the lowest ones, so that one frame stays small.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_presence_snapshot_is_capped() {
    let p = prefix();
    let (one, _two) = two_instances_at(
        &RedisAt::Url("redis://127.0.0.1:6379".into()),
        &p,
        rt_config,
    )
    .await;
    let anna = one.user(Role::Seeker, None).await;
    let ch = channel(&one, &anna, "community", "public").await;
    // 250 users of a third instance, entered in the channel's presence set as it would.
    let cap = matchraum::realtime::presence::MAX_SNAPSHOT;
    let expires = (std::time::SystemTime::now() + Duration::from_secs(600))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        .to_string();
    let mut args = vec!["ZADD".to_owned(), format!("{p}:presence:{ch}")];
    let others: Vec<i64> = (0..250).map(|i| 1_000_000 + i).collect();
    for u in &others {
        args.extend([expires.clone(), format!("elsewhere:{u}")]);
    }
    let out = Command::new("redis-cli")
        .args(["-p", "6379"])
        .args(&args)
        .output()
        .expect("redis-cli is installed");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "250",
        "{out:?}"
    );

    let mut a = Ws::connect(&one, Some(&anna)).await;
    let online = a.online(ch).await;
    let mut want = vec![anna.id];
    want.extend(&others[..cap - 1]);
    assert_eq!(online.len(), cap);
    assert_eq!(online, want, "the lowest ids, ascending");
    a.close().await;
    // The shared Redis keeps no trace of the made-up instance.
    Command::new("redis-cli")
        .args(["-p", "6379", "DEL", &format!("{p}:presence:{ch}")])
        .output()
        .expect("redis-cli is installed");
}
