//! Fixed-window rate limits per IP and per account: in Redis (`INCR` + `EXPIRE`, shared by
//! every instance; one key per window, so it works on a Redis Cluster alike) when Redis is
//! configured, in this process otherwise. If Redis fails, the in-process counter takes over
//! for that request (never fail open).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use matchraum_core::Error;

use crate::redis_link::{RedisTarget, SharedConn};

/// One limit: at most `max` hits per `window_secs`.
#[derive(Clone, Copy, Debug)]
pub struct Limit {
    pub max: u32,
    pub window_secs: u64,
}

/// The configured limits, per window of `window_secs` (0 turns a limit off); the `[rate]`
/// section of the configuration.
#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimits {
    pub window_secs: u64,
    pub login_per_ip: u32,
    /// Login attempts per (account, client IP); `login_per_account_total` counts the
    /// account's attempts from every address.
    pub login_per_account: u32,
    pub login_per_account_total: u32,
    pub register_per_ip: u32,
    pub match_per_ip: u32,
    pub match_per_account: u32,
    pub write_per_ip: u32,
    pub write_per_account: u32,
    /// People searches (inviting into a channel) per account: enough for typing a name,
    /// too few for walking the directory.
    pub people_search_per_account: u32,
    /// Usage claims per account: claims about other organisations ask their members to
    /// act, so they are limited on their own.
    pub usage_claims_per_account: u32,
    /// Review entries (with their uploads) per account.
    pub reviews_per_account: u32,
    /// Reuse checks (Vorrangprüfungen) saved per account, and per IP.
    pub reuse_checks_per_account: u32,
    /// Interest expressions (set, changed, bundled) per account.
    pub interest_per_account: u32,
}

impl Default for RateLimits {
    fn default() -> Self {
        RateLimits {
            window_secs: 60,
            login_per_ip: 30,
            login_per_account: 5,
            login_per_account_total: 100,
            register_per_ip: 10,
            match_per_ip: 60,
            match_per_account: 60,
            write_per_ip: 600,
            write_per_account: 120,
            people_search_per_account: 30,
            reuse_checks_per_account: 20,
            usage_claims_per_account: 30,
            reviews_per_account: 20,
            interest_per_account: 30,
        }
    }
}

pub struct RateLimiter {
    limits: RateLimits,
    redis: Option<SharedConn>,
    local: Mutex<HashMap<String, (u64, u32)>>,
    /// `<redis_prefix>:rl:`, so that deployments sharing one Redis count apart.
    key_prefix: String,
}

/// The backoff of login guessing from one address: over `LOGIN_BACKOFF_WINDOWS` windows it
/// gets `LOGIN_BACKOFF_FACTOR` times the per-window attempts, then waits out the long window.
const LOGIN_BACKOFF_WINDOWS: u64 = 15;
const LOGIN_BACKOFF_FACTOR: u32 = 4;

impl RateLimiter {
    /// Connects lazily-reconnecting to Redis when configured; logs and falls back to
    /// in-process counting when Redis is unreachable at start-up.
    pub async fn new(redis: Option<&RedisTarget>, redis_prefix: &str, limits: RateLimits) -> Self {
        let redis = match redis {
            Some(target) => {
                match SharedConn::connect(target, std::time::Duration::from_secs(2)).await {
                    Ok(c) => Some(c),
                    Err(e) => {
                        tracing::warn!(error = %e, "rate limits: Redis unreachable, counting in process");
                        None
                    }
                }
            }
            None => None,
        };
        RateLimiter {
            limits,
            redis,
            local: Mutex::new(HashMap::new()),
            key_prefix: format!("{redis_prefix}:rl:"),
        }
    }

    /// Counts one hit on `bucket`/`key`; refuses with 429 and `Retry-After` past the limit.
    pub async fn hit(&self, bucket: &str, key: &str, limit: Limit) -> Result<(), Error> {
        self.hit_weighted(bucket, key, limit, 1).await
    }

    /// Counts `cost` units on `bucket`/`key` (expensive requests use more of the limit).
    pub async fn hit_weighted(
        &self,
        bucket: &str,
        key: &str,
        limit: Limit,
        cost: u32,
    ) -> Result<(), Error> {
        if limit.max == 0 {
            return Ok(()); // 0 turns a limit off
        }
        let window = limit.window_secs.max(1);
        let now = now_secs();
        let slot = now / window;
        let retry_after = (slot + 1) * window - now;
        let name = format!("{}{bucket}:{key}:{slot}", self.key_prefix);
        let count = match &self.redis {
            Some(conn) => match redis_incr(conn.clone(), &name, window, cost).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "rate limits: Redis failed, counting in process");
                    self.local_incr(&name, slot, cost)
                }
            },
            None => self.local_incr(&name, slot, cost),
        };
        if count > u64::from(limit.max) {
            return Err(Error::RateLimited { retry_after });
        }
        Ok(())
    }

    fn local_incr(&self, name: &str, slot: u64, cost: u32) -> u64 {
        let mut map = self.local.lock().expect("rate limit lock");
        if map.len() > 50_000 {
            map.retain(|_, (s, _)| *s == slot);
        }
        let e = map.entry(name.to_owned()).or_insert((slot, 0));
        if e.0 != slot {
            *e = (slot, 0);
        }
        e.1 = e.1.saturating_add(cost);
        u64::from(e.1)
    }

    /// A state-changing request of a signed-in account.
    pub async fn check_write(&self, ip: &str, user_id: i64) -> Result<(), Error> {
        let (c, w) = (&self.limits, self.limits.window_secs);
        self.hit("write-ip", ip, limit(c.write_per_ip, w)).await?;
        self.hit(
            "write-user",
            &user_id.to_string(),
            limit(c.write_per_account, w),
        )
        .await
    }

    /// A login attempt, counted per IP, per (account, IP) and per account. Guessing from one
    /// address locks only that address out of the account (first for a window, then, if it
    /// goes on, for `LOGIN_BACKOFF_WINDOWS` windows), so the owner still signs in from
    /// elsewhere; the generous per-account total stops guessing spread over many addresses.
    pub async fn check_login(&self, ip: &str, email: &str) -> Result<(), Error> {
        let (c, w) = (&self.limits, self.limits.window_secs);
        let account = super::secret::digest(email);
        let pair = format!("{account}:{ip}");
        self.hit("login-ip", ip, limit(c.login_per_ip, w)).await?;
        self.hit("login-account-ip", &pair, limit(c.login_per_account, w))
            .await?;
        self.hit(
            "login-account-ip-backoff",
            &pair,
            limit(
                c.login_per_account.saturating_mul(LOGIN_BACKOFF_FACTOR),
                w.saturating_mul(LOGIN_BACKOFF_WINDOWS),
            ),
        )
        .await?;
        self.hit(
            "login-account",
            &account,
            limit(c.login_per_account_total, w),
        )
        .await
    }

    pub async fn check_register(&self, ip: &str) -> Result<(), Error> {
        let c = &self.limits;
        self.hit("register-ip", ip, limit(c.register_per_ip, c.window_secs))
            .await
    }

    /// A match request of `cost` units (by text length), per IP and (when signed in) per
    /// account.
    pub async fn check_match(
        &self,
        ip: &str,
        user_id: Option<i64>,
        cost: u32,
    ) -> Result<(), Error> {
        let (c, w) = (&self.limits, self.limits.window_secs);
        self.hit_weighted("match-ip", ip, limit(c.match_per_ip, w), cost)
            .await?;
        if let Some(u) = user_id {
            self.hit_weighted(
                "match-user",
                &u.to_string(),
                limit(c.match_per_account, w),
                cost,
            )
            .await?;
        }
        Ok(())
    }

    /// A people search (inviting into a channel), per account.
    pub async fn check_people_search(&self, user_id: i64) -> Result<(), Error> {
        let (c, w) = (&self.limits, self.limits.window_secs);
        self.hit(
            "people-search",
            &user_id.to_string(),
            limit(c.people_search_per_account, w),
        )
        .await
    }

    /// A saved reuse check, per account and per IP.
    pub async fn check_reuse_check(&self, user_id: i64, ip: &str) -> Result<(), Error> {
        let (c, w) = (&self.limits, self.limits.window_secs);
        let l = limit(c.reuse_checks_per_account, w);
        self.hit("reuse-check-user", &user_id.to_string(), l)
            .await?;
        self.hit("reuse-check-ip", ip, l).await
    }

    /// A usage claim (or a usage recorded by its own organisation), per account.
    pub async fn check_usage_claim(&self, user_id: i64) -> Result<(), Error> {
        let (c, w) = (&self.limits, self.limits.window_secs);
        self.hit(
            "usage-claim",
            &user_id.to_string(),
            limit(c.usage_claims_per_account, w),
        )
        .await
    }

    /// A new review entry or an uploaded review file, per account.
    pub async fn check_review(&self, user_id: i64) -> Result<(), Error> {
        let (c, w) = (&self.limits, self.limits.window_secs);
        self.hit(
            "review",
            &user_id.to_string(),
            limit(c.reviews_per_account, w),
        )
        .await
    }

    /// Expressing or changing an organisation's interest (or submitting a bundle), per account.
    pub async fn check_interest(&self, user_id: i64) -> Result<(), Error> {
        let (c, w) = (&self.limits, self.limits.window_secs);
        self.hit(
            "interest",
            &user_id.to_string(),
            limit(c.interest_per_account, w),
        )
        .await
    }
}

fn limit(max: u32, window_secs: u64) -> Limit {
    Limit { max, window_secs }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn redis_incr(
    mut conn: SharedConn,
    key: &str,
    window: u64,
    cost: u32,
) -> redis::RedisResult<u64> {
    let (n,): (u64,) = redis::pipe()
        .atomic()
        .incr(key, cost)
        .expire(key, window as i64)
        .ignore()
        .query_async(&mut conn)
        .await?;
    Ok(n)
}
