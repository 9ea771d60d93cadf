//! Registration and login without user enumeration, sessions and CSRF, login guessing,
//! and the revocation of sessions and tokens across instances.

use super::*;

on_both_backends!(
    registration_login_and_sessions,
    csrf_is_required_for_cookie_writes,
    login_brute_force_is_rate_limited,
    revocation_holds_across_instances,
);

async fn registration_login_and_sessions(b: Backend) {
    let app = app(b).await;
    let reg = |email: &str, pw: &str| {
        app.client
            .post(app.url("/api/v1/auth/register"))
            .json(&json!({"email": email, "password": pw}))
    };
    // Password policy.
    for weak in ["kurz1A", "nurkleinbuchstaben", "123456789012345"] {
        let p = assert_problem(
            send(reg("anna@example.org", weak)).await,
            422,
            "validation-failed",
        )
        .await;
        assert_eq!(p["field"], "password");
    }
    let p = assert_problem(
        send(reg("not-an-address", PASSWORD)).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(p["field"], "email");
    let res = send(reg(" Anna@Example.org ", PASSWORD)).await;
    assert_eq!(res.status(), 202);
    let first: Value = res.json().await.unwrap();
    // Registering a taken address answers exactly like a new one (no enumeration),
    // and leaves the existing account and its password alone.
    let res = send(reg("anna@example.org", "Ein anderes Passwort 7")).await;
    assert_eq!(res.status(), 202);
    assert_eq!(res.json::<Value>().await.unwrap(), first);
    let anna = app.login("anna@example.org", PASSWORD).await;
    let me: Value = send(app.request(Method::GET, "/api/v1/me", Some(&anna)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "anna@example.org");
    assert_eq!(me["role"], "seeker");
    assert!(me.get("password_hash").is_none());

    // No enumeration: unknown address and wrong password answer identically.
    let login = |email: &str, pw: &str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": email, "password": pw}))
    };
    let unknown = assert_problem(
        send(login("nobody@example.org", PASSWORD)).await,
        401,
        "unauthorized",
    )
    .await;
    let wrong = assert_problem(
        send(login("anna@example.org", "Falsches Passwort 1")).await,
        401,
        "unauthorized",
    )
    .await;
    assert_eq!(unknown, wrong);

    // A session: HttpOnly, SameSite=Lax session cookie; a readable CSRF cookie.
    let res = send(login("ANNA@example.org", PASSWORD)).await;
    assert_eq!(res.status(), 200);
    let set: Vec<String> = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let session = set
        .iter()
        .find(|c| c.starts_with("matchraum_session="))
        .unwrap();
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax"));
    assert!(!session.contains("Secure"), "tests turn Secure off");
    let csrf_cookie = set
        .iter()
        .find(|c| c.starts_with("matchraum_csrf="))
        .unwrap();
    assert!(!csrf_cookie.contains("HttpOnly"));
    let cookie = cookies_of(&res);
    let body: Value = res.json().await.unwrap();
    let csrf = body["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(body["user"]["email"], "anna@example.org");

    let me = |c: &str| app.client.get(app.url("/api/v1/me")).header("cookie", c);
    let got: Value = send(me(&cookie)).await.json().await.unwrap();
    assert_eq!(got["id"], body["user"]["id"]);
    assert_problem(app.get("/api/v1/me").await, 401, "unauthorized").await;
    assert_problem(
        send(
            app.client
                .get(app.url("/api/v1/me"))
                .bearer_auth("mr_pat_invalid"),
        )
        .await,
        401,
        "unauthorized",
    )
    .await;

    // Logout ends the session at once.
    let res = send(
        app.client
            .post(app.url("/api/v1/auth/logout"))
            .header("cookie", &cookie)
            .header("x-csrf-token", &csrf),
    )
    .await;
    assert_eq!(res.status(), 204);
    assert_problem(send(me(&cookie)).await, 401, "unauthorized").await;
}

async fn csrf_is_required_for_cookie_writes(b: Backend) {
    let app = app(b).await;
    let op = app.operator().await;
    let city = org(&app, &op, "Stadt A").await;
    let u = app.user(Role::Seeker, Some(city)).await;
    let need = json!({"organisation_id": city, "title": "Digitale Hundesteuer", "description": "Wir suchen."});
    let post = || app.client.post(app.url("/api/v1/needs")).json(&need);
    // Cookie without the header: refused.
    let res = send(post().header("cookie", &u.cookie)).await;
    assert_problem(res, 403, "forbidden").await;
    // Cookie with a wrong header: refused.
    let res = send(
        post()
            .header("cookie", &u.cookie)
            .header("x-csrf-token", "forged"),
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
    // Cookie with the right header, and a bearer token without any: allowed.
    assert_eq!(status(u.with_cookie(post())).await, 201);
    assert_eq!(status(u.with_token(post())).await, 201);
    // Reads need no CSRF header.
    assert_eq!(
        status(
            app.client
                .get(app.url("/api/v1/me"))
                .header("cookie", &u.cookie)
        )
        .await,
        200
    );
}

async fn login_brute_force_is_rate_limited(b: Backend) {
    let app = spawn_app_with(b, |c| {
        c.matching.enabled = false;
        c.rate.login_per_account = 3;
        // A long window: three attempts that straddle a minute boundary would count in two
        // fixed windows and never reach the limit.
        c.rate.window_secs = 3600;
    })
    .await;
    let u = app.user(Role::Seeker, None).await; // one successful login used
    let login = |pw: &str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({"email": u.email, "password": pw}))
    };
    assert_eq!(status(login("Falsch Falsch 1")).await, 401);
    assert_eq!(status(login("Falsch Falsch 2")).await, 401);
    let res = send(login("Falsch Falsch 3")).await;
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry));
    assert_problem(res, 429, "rate-limited").await;
    // Even the right password waits: the account is under attack.
    assert_problem(send(login(PASSWORD)).await, 429, "rate-limited").await;
    // Other accounts are unaffected.
    app.user(Role::Seeker, None).await;
}

async fn revocation_holds_across_instances(b: Backend) {
    let redis = |c: &mut matchraum::config::Config| {
        c.matching.enabled = false;
        c.redis.url = Some("redis://127.0.0.1:6379".into());
    };
    let one = spawn_app_with(b, redis).await;
    let two = attach_app(&one, redis).await;
    let u = one.user(Role::Seeker, None).await;
    // The token and the session work on both instances.
    for app in [&one, &two] {
        assert_eq!(
            status(app.request(Method::GET, "/api/v1/me", Some(&u))).await,
            200
        );
        assert_eq!(
            status(
                app.client
                    .get(app.url("/api/v1/me"))
                    .header("cookie", &u.cookie)
            )
            .await,
            200
        );
    }
    // Revoked on one, refused by the other at once.
    let tokens: Value = send(one.request(Method::GET, "/api/v1/me/tokens", Some(&u)))
        .await
        .json()
        .await
        .unwrap();
    let id = tokens[0]["id"].as_i64().unwrap();
    assert!(tokens[0].get("token").is_none() && tokens[0].get("token_hash").is_none());
    let res = send(
        u.with_cookie(
            one.client
                .delete(one.url(&format!("/api/v1/me/tokens/{id}"))),
        ),
    )
    .await;
    assert_eq!(res.status(), 204);
    assert_problem(
        send(two.request(Method::GET, "/api/v1/me", Some(&u))).await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        send(one.request(Method::GET, "/api/v1/me", Some(&u))).await,
        401,
        "unauthorized",
    )
    .await;
    // Logged out on two, refused by one.
    assert_eq!(
        status(u.with_cookie(two.client.post(two.url("/api/v1/auth/logout")))).await,
        204
    );
    assert_problem(
        send(
            one.client
                .get(one.url("/api/v1/me"))
                .header("cookie", &u.cookie),
        )
        .await,
        401,
        "unauthorized",
    )
    .await;
}
