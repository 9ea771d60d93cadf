//! Rate-limit counters in a shared Redis belong to one deployment: they live under the
//! configured `redis_prefix`, so two deployments on one Redis never count each other's
//! requests, while the instances of one deployment share them.

use matchraum_tests::{assert_problem, spawn_app_with, Backend, TestApp};

const REDIS: &str = "redis://127.0.0.1:6379";

async fn deployment(prefix: &str) -> TestApp {
    let prefix = prefix.to_owned();
    spawn_app_with(Backend::Sqlite, move |c| {
        c.matching.enabled = false;
        c.http.trust_forwarded_for = true;
        c.rate.login_per_ip = 2;
        c.rate.window_secs = 3600;
        c.redis.url = Some(REDIS.into());
        c.redis.prefix = prefix;
    })
    .await
}

async fn login(app: &TestApp, ip: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", ip)
        .json(&serde_json::json!({"email": "niemand@example.org", "password": "Falsch Falsch"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_prefixes_on_one_redis_do_not_share_rate_limit_counters() {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let ip = "203.0.113.77";
    let one = deployment(&format!("mrtest-{id}-a")).await;
    let one_again = deployment(&format!("mrtest-{id}-a")).await;
    let other = deployment(&format!("mrtest-{id}-b")).await;

    assert_eq!(login(&one, ip).await.status(), 401);
    assert_eq!(login(&one, ip).await.status(), 401);
    assert_problem(login(&one, ip).await, 429, "rate-limited").await;
    // Another instance of the same deployment counts in the same Redis keys ...
    assert_problem(login(&one_again, ip).await, 429, "rate-limited").await;
    // ... another deployment on the same Redis does not.
    assert_eq!(login(&other, ip).await.status(), 401);
    assert_eq!(login(&other, ip).await.status(), 401);
    assert_problem(login(&other, ip).await, 429, "rate-limited").await;
}
