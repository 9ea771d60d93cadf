//! Login limits per address and per account.

use matchraum_tests::{assert_problem, on_both_backends, spawn_app_with, Backend};

use super::header;

on_both_backends!(guessing_from_one_address_does_not_lock_the_owner_out);

/// Five wrong passwords from one address used to lock the account for everyone; now only that
/// address waits, the owner signs in from another, and a per-account total still stops
/// guessing spread over many addresses.
async fn guessing_from_one_address_does_not_lock_the_owner_out(b: Backend) {
    let app = spawn_app_with(b, |c| {
        c.matching.enabled = false;
        c.http.trust_forwarded_for = true;
        c.rate.login_per_account = 5;
        c.rate.login_per_account_total = 12;
        // Limits count in fixed slots of the window: a long window keeps a slot boundary
        // from falling between the attempts (it did once in a loaded run with 60 s).
        c.rate.window_secs = 3600;
    })
    .await;
    let u = app.user(matchraum_tests::Role::Seeker, None).await; // one login from 127.0.0.1
    let login = |ip: &str, pw: &str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .header("x-forwarded-for", ip)
            .json(&serde_json::json!({"email": u.email, "password": pw}))
            .send()
    };
    for i in 0..5 {
        let res = login("203.0.113.7", &format!("Falsch Falsch {i}"))
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "attempt {i}");
    }
    let res = login("203.0.113.7", matchraum_tests::PASSWORD)
        .await
        .unwrap();
    assert!(header(&res, "retry-after").is_some());
    assert_problem(res, 429, "rate-limited").await;
    // The owner, elsewhere, is not locked out.
    let res = login("198.51.100.20", matchraum_tests::PASSWORD)
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "owner from another address");
    // Guessing spread over many addresses meets the account's total (12 in this test:
    // 1 + 5 + 1 counted attempts so far, the refused one is not counted; 5 more fill it).
    for i in 0..5 {
        let res = login(&format!("192.0.2.{i}"), "Falsch Falsch x")
            .await
            .unwrap();
        assert_eq!(res.status(), 401, "distributed attempt {i}");
    }
    let res = login("192.0.2.200", matchraum_tests::PASSWORD)
        .await
        .unwrap();
    assert_problem(res, 429, "rate-limited").await;
}
