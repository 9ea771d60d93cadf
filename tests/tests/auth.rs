//! Accounts, roles and the security baseline on SQLite and PostgreSQL: registration and
//! login without user enumeration, sessions with CSRF protection, tokens and their
//! revocation across instances, the permission matrix of the catalogue, private needs that
//! do not leak, invitations, roles, the audit log, rate limits, export and deletion.

use matchraum::auth::OrgRole;
use matchraum_tests::{
    assert_problem, attach_app, cookies_of, on_both_backends, spawn_app_with, Backend, Role,
    TestApp, TestUser, PASSWORD,
};
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    registration_login_and_sessions,
    csrf_is_required_for_cookie_writes,
    permissions_of_every_role_on_the_catalogue,
    private_needs_do_not_leak,
    invitations_roles_and_audit,
    login_brute_force_is_rate_limited,
    revocation_holds_across_instances,
    export_and_delete_account,
    openapi_describes_auth,
);

async fn app(b: Backend) -> TestApp {
    spawn_app_with(b, |c| c.matching = false).await
}

async fn send(rb: reqwest::RequestBuilder) -> reqwest::Response {
    rb.send().await.expect("request")
}

async fn status(rb: reqwest::RequestBuilder) -> u16 {
    send(rb).await.status().as_u16()
}

async fn created_id(rb: reqwest::RequestBuilder) -> i64 {
    let res = send(rb).await;
    let st = res.status().as_u16();
    let body: Value = res.json().await.unwrap();
    assert_eq!(st, 201, "{body}");
    body["id"].as_i64().unwrap()
}

async fn org(app: &TestApp, op: &TestUser, name: &str) -> i64 {
    created_id(
        app.request(Method::POST, "/api/v1/organisations", Some(op))
            .json(&json!({"name": name, "kind": "kommune"})),
    )
    .await
}

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

async fn permissions_of_every_role_on_the_catalogue(b: Backend) {
    let app = app(b).await;
    let op = app.operator().await;
    let a = org(&app, &op, "Stadt A").await;
    let bb = org(&app, &op, "Stadt B").await;
    let prov_a = app.user(Role::Provider, Some(a)).await;
    let prov_b = app.user(Role::Provider, Some(bb)).await;
    let seeker_a = app.user(Role::Seeker, Some(a)).await;
    let seeker_b = app.user(Role::Seeker, Some(bb)).await;
    let admin_a = app.user_in(Role::Seeker, Some(a), OrgRole::OrgAdmin).await;
    let cm = app.user(Role::CommunityManager, None).await;
    let req = |m: Method, path: &str, u: Option<&TestUser>| app.request(m, path, u);

    // Organisations: operators create and delete; org admins update their own.
    let new_org = json!({"name": "Neu", "kind": "kommune"});
    assert_eq!(
        status(req(Method::POST, "/api/v1/organisations", None).json(&new_org)).await,
        401
    );
    for u in [&seeker_a, &prov_a, &admin_a, &cm] {
        assert_eq!(
            status(req(Method::POST, "/api/v1/organisations", Some(u)).json(&new_org)).await,
            403
        );
    }
    let path_a = format!("/api/v1/organisations/{a}");
    let path_b = format!("/api/v1/organisations/{bb}");
    let upd = json!({"name": "Stadt A (neu)", "kind": "kommune"});
    assert_eq!(
        status(req(Method::PUT, &path_a, None).json(&upd)).await,
        401
    );
    assert_eq!(
        status(req(Method::PUT, &path_a, Some(&admin_a)).json(&upd)).await,
        200
    );
    assert_eq!(
        status(req(Method::PUT, &path_b, Some(&admin_a)).json(&upd)).await,
        403
    );
    assert_eq!(
        status(req(Method::PUT, &path_a, Some(&seeker_a)).json(&upd)).await,
        403
    );
    assert_eq!(
        status(req(Method::DELETE, &path_a, Some(&admin_a))).await,
        403
    );
    assert_eq!(status(req(Method::DELETE, &path_a, None)).await, 401);

    // Solutions: providers for their own organisation, operators for all.
    let sol = |p: i64| json!({"title": "Kita-Portal", "provider_id": p});
    assert_eq!(
        status(req(Method::POST, "/api/v1/solutions", None).json(&sol(a))).await,
        401
    );
    let s_a = created_id(req(Method::POST, "/api/v1/solutions", Some(&prov_a)).json(&sol(a))).await;
    assert_eq!(
        status(req(Method::POST, "/api/v1/solutions", Some(&prov_a)).json(&sol(bb))).await,
        403
    );
    assert_eq!(
        status(req(Method::POST, "/api/v1/solutions", Some(&seeker_a)).json(&sol(a))).await,
        403
    );
    assert_eq!(
        status(req(Method::POST, "/api/v1/solutions", Some(&cm)).json(&sol(a))).await,
        403
    );
    assert_eq!(
        status(
            req(Method::POST, "/api/v1/solutions", Some(&prov_a))
                .json(&json!({"title": "ohne Anbieter"}))
        )
        .await,
        403
    );
    let sp = format!("/api/v1/solutions/{s_a}");
    assert_eq!(
        status(req(Method::PUT, &sp, Some(&prov_b)).json(&sol(bb))).await,
        403
    );
    assert_eq!(
        status(req(Method::PUT, &sp, Some(&prov_a)).json(&sol(bb))).await,
        403,
        "cannot hand over"
    );
    assert_eq!(
        status(req(Method::PUT, &sp, Some(&prov_a)).json(&sol(a))).await,
        200
    );
    assert_eq!(status(req(Method::DELETE, &sp, Some(&prov_b))).await, 403);
    assert_eq!(
        status(req(Method::GET, &sp, None)).await,
        200,
        "public read"
    );
    assert_eq!(status(req(Method::DELETE, &sp, Some(&prov_a))).await, 204);
    let s_op = created_id(
        req(Method::POST, "/api/v1/solutions", Some(&op))
            .json(&json!({"title": "Operator-Eintrag"})),
    )
    .await;

    // Usages: members of the using organisation.
    let usage = |o: i64| json!({"solution_id": s_op, "organisation_id": o});
    assert_eq!(
        status(req(Method::POST, "/api/v1/usages", None).json(&usage(a))).await,
        401
    );
    assert_eq!(
        status(req(Method::POST, "/api/v1/usages", Some(&seeker_b)).json(&usage(a))).await,
        403
    );
    let u_a =
        created_id(req(Method::POST, "/api/v1/usages", Some(&seeker_a)).json(&usage(a))).await;
    let up = format!("/api/v1/usages/{u_a}");
    assert_eq!(
        status(req(Method::PUT, &up, Some(&seeker_b)).json(&usage(bb))).await,
        403
    );
    assert_eq!(status(req(Method::DELETE, &up, Some(&seeker_b))).await, 403);
    assert_eq!(status(req(Method::DELETE, &up, Some(&seeker_a))).await, 204);

    // Needs: members of the organisation.
    let need =
        |o: i64| json!({"organisation_id": o, "title": "Hundesteuer", "description": "digital"});
    assert_eq!(
        status(req(Method::POST, "/api/v1/needs", None).json(&need(a))).await,
        401
    );
    assert_eq!(
        status(req(Method::POST, "/api/v1/needs", Some(&seeker_b)).json(&need(a))).await,
        403
    );
    let n_a = created_id(req(Method::POST, "/api/v1/needs", Some(&seeker_a)).json(&need(a))).await;
    let np = format!("/api/v1/needs/{n_a}");
    assert_eq!(
        status(req(Method::PUT, &np, Some(&seeker_b)).json(&need(bb))).await,
        403
    );
    assert_eq!(
        status(req(Method::PUT, &np, Some(&seeker_a)).json(&need(bb))).await,
        403,
        "cannot move to another organisation"
    );
    assert_eq!(status(req(Method::DELETE, &np, Some(&seeker_b))).await, 403);
    assert_eq!(status(req(Method::DELETE, &np, Some(&op))).await, 204);

    // A token with only `read` cannot write, whatever the role.
    let res = send(
        op.with_token(app.client.post(app.url("/api/v1/me/tokens")))
            .json(&json!({"name": "ro", "scopes": ["read"]})),
    )
    .await;
    assert_eq!(res.status(), 201);
    let ro: Value = res.json().await.unwrap();
    let ro_token = ro["token"].as_str().unwrap();
    assert!(ro_token.starts_with("mr_pat_"));
    let res = send(
        app.client
            .post(app.url("/api/v1/organisations"))
            .bearer_auth(ro_token)
            .json(&new_org),
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
    // Non-operators cannot mint admin tokens.
    let res = send(
        seeker_a
            .with_cookie(app.client.post(app.url("/api/v1/me/tokens")))
            .json(&json!({"name": "x", "scopes": ["admin"]})),
    )
    .await;
    assert_problem(res, 403, "forbidden").await;
}

async fn private_needs_do_not_leak(b: Backend) {
    let app = app(b).await;
    let op = app.operator().await;
    let a = org(&app, &op, "Stadt A").await;
    let bb = org(&app, &op, "Stadt B").await;
    let member_a = app.user(Role::Seeker, Some(a)).await;
    let member_b = app.user(Role::Seeker, Some(bb)).await;
    let private = created_id(
        app.request(Method::POST, "/api/v1/needs", Some(&member_a)).json(
            &json!({"organisation_id": a, "title": "Geheim", "description": "intern", "visibility": "organisation"}),
        ),
    )
    .await;
    let public = created_id(
        app.request(Method::POST, "/api/v1/needs", Some(&member_a))
            .json(&json!({"organisation_id": a, "title": "Offen", "description": "für alle"})),
    )
    .await;
    let missing = private + public + 1000;
    let get =
        |id: i64, u: Option<&TestUser>| app.request(Method::GET, &format!("/api/v1/needs/{id}"), u);

    // Outsiders see a private need exactly like one that does not exist.
    let absent = assert_problem(send(get(missing, None)).await, 404, "not-found").await;
    for u in [None, Some(&member_b)] {
        let hidden = assert_problem(send(get(private, u)).await, 404, "not-found").await;
        assert_eq!(
            hidden["detail"]
                .as_str()
                .unwrap()
                .replace(&private.to_string(), "ID"),
            absent["detail"]
                .as_str()
                .unwrap()
                .replace(&missing.to_string(), "ID"),
        );
        assert_eq!(hidden["title"], absent["title"]);
        // Writes get 404 as well, never 403.
        let upd = json!({"organisation_id": a, "title": "x", "description": "y"});
        assert_eq!(
            status(
                app.request(Method::PUT, &format!("/api/v1/needs/{private}"), u)
                    .json(&upd)
            )
            .await,
            if u.is_none() { 401 } else { 404 }
        );
        assert_eq!(
            status(app.request(Method::DELETE, &format!("/api/v1/needs/{private}"), u)).await,
            if u.is_none() { 401 } else { 404 }
        );
        assert_eq!(
            status(app.request(Method::DELETE, &format!("/api/v1/needs/{missing}"), u)).await,
            if u.is_none() { 401 } else { 404 }
        );
    }
    assert_eq!(status(get(private, Some(&member_a))).await, 200);
    assert_eq!(status(get(private, Some(&op))).await, 200);
    assert_eq!(status(get(public, None)).await, 200);

    // Lists: outsiders never see it, not even when asking for private needs.
    let total = |u: Option<&TestUser>, q: &'static str| {
        let rb = app.request(Method::GET, &format!("/api/v1/needs{q}"), u);
        async move {
            send(rb).await.json::<Value>().await.unwrap()["total"]
                .as_u64()
                .unwrap()
        }
    };
    assert_eq!(total(None, "").await, 1);
    assert_eq!(total(Some(&member_b), "").await, 1);
    assert_eq!(total(Some(&member_b), "?visibility=organisation").await, 0);
    assert_eq!(
        total(None, &*format!("?organisation_id={a}").leak()).await,
        1
    );
    assert_eq!(total(Some(&member_a), "").await, 2);
    assert_eq!(total(Some(&op), "?visibility=organisation").await, 1);
}

async fn invitations_roles_and_audit(b: Backend) {
    let app = app(b).await;
    let op = app.operator().await;
    let a = org(&app, &op, "Stadt A").await;
    let newcomer = app.user(Role::Seeker, None).await;
    let outsider = app.user(Role::Seeker, None).await;
    let invite = |u: &TestUser, body: Value| {
        app.request(
            Method::POST,
            &format!("/api/v1/organisations/{a}/invitations"),
            Some(u),
        )
        .json(&body)
    };
    // Anonymous and non-admins cannot invite.
    assert_eq!(
        status(
            app.request(
                Method::POST,
                &format!("/api/v1/organisations/{a}/invitations"),
                None
            )
            .json(&json!({}))
        )
        .await,
        401
    );
    assert_eq!(status(invite(&outsider, json!({}))).await, 403);
    // The operator invites an org admin, bound to the newcomer's address.
    let res = send(invite(
        &op,
        json!({"email": newcomer.email, "role": "org_admin"}),
    ))
    .await;
    assert_eq!(res.status(), 201);
    let inv: Value = res.json().await.unwrap();
    let code = inv["token"].as_str().unwrap().to_owned();
    let accept = |u: &TestUser, t: &str| {
        app.request(Method::POST, "/api/v1/invitations/accept", Some(u))
            .json(&json!({"token": t}))
    };
    assert_eq!(
        status(
            app.request(Method::POST, "/api/v1/invitations/accept", None)
                .json(&json!({"token": code}))
        )
        .await,
        401
    );
    assert_problem(send(accept(&outsider, &code)).await, 404, "not-found").await;
    let res = send(accept(&newcomer, &code)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["organisation_id"], a);
    assert_problem(send(accept(&newcomer, &code)).await, 404, "not-found").await;
    assert_problem(
        send(accept(&newcomer, "mr_inv_made_up")).await,
        404,
        "not-found",
    )
    .await;
    let me: Value = send(app.request(Method::GET, "/api/v1/me", Some(&newcomer)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        me["memberships"],
        json!([{"organisation_id": a, "role": "org_admin"}])
    );

    // The new org admin invites a member; that member cannot invite.
    let res = send(invite(&newcomer, json!({}))).await;
    assert_eq!(res.status(), 201);
    let code: String = res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .into();
    assert_eq!(status(accept(&outsider, &code)).await, 200);
    assert_eq!(status(invite(&outsider, json!({}))).await, 403);
    // The org admin may now update the organisation.
    assert_eq!(
        status(
            app.request(
                Method::PUT,
                &format!("/api/v1/organisations/{a}"),
                Some(&newcomer)
            )
            .json(&json!({"name": "Stadt A", "kind": "kommune"}))
        )
        .await,
        200
    );

    // Roles: operators only.
    let role_path = format!("/api/v1/users/{}/role", outsider.id);
    assert_eq!(
        status(
            app.request(Method::PUT, &role_path, Some(&newcomer))
                .json(&json!({"role": "operator"}))
        )
        .await,
        403
    );
    assert_eq!(
        status(
            app.request(Method::PUT, &role_path, None)
                .json(&json!({"role": "provider"}))
        )
        .await,
        401
    );
    let res = send(
        app.request(Method::PUT, &role_path, Some(&op))
            .json(&json!({"role": "provider"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["role"], "provider");
    // The new role holds on the next request (no stale cache): now a provider of Stadt A.
    assert_eq!(
        status(
            app.request(Method::POST, "/api/v1/solutions", Some(&outsider))
                .json(&json!({"title": "X", "provider_id": a}))
        )
        .await,
        201
    );

    // The audit log: operators only, and it has what happened.
    let bad = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": outsider.email, "password": "Falsches Passwort 1"}));
    assert_eq!(status(bad).await, 401);
    assert_eq!(
        status(app.request(Method::GET, "/api/v1/audit", Some(&newcomer))).await,
        403
    );
    assert_eq!(
        status(app.request(Method::GET, "/api/v1/audit", None)).await,
        401
    );
    let log: Value = send(app.request(Method::GET, "/api/v1/audit?limit=500", Some(&op)))
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "login.failed",
        "user.role_changed",
        "invitation.created",
        "invitation.accepted",
        "token.created",
        "account.registered",
    ] {
        assert!(actions.contains(&a), "missing {a} in {actions:?}");
    }
    let text = log.to_string();
    assert!(
        !text.contains("Falsches Passwort") && !text.contains(PASSWORD),
        "no passwords in the audit log"
    );
    assert!(
        !text.contains("mr_pat_") && !text.contains("mr_inv_"),
        "no secrets in the audit log"
    );
}

async fn login_brute_force_is_rate_limited(b: Backend) {
    let app = spawn_app_with(b, |c| {
        c.matching = false;
        c.rate_login_per_account = 3;
        // A long window: three attempts that straddle a minute boundary would count in two
        // fixed windows and never reach the limit.
        c.rate_window_secs = 3600;
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
        c.matching = false;
        c.redis_url = Some("redis://127.0.0.1:6379".into());
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

async fn export_and_delete_account(b: Backend) {
    let app = app(b).await;
    let op = app.operator().await;
    let a = org(&app, &op, "Stadt A").await;
    let u = app.user(Role::Seeker, Some(a)).await;
    let need = created_id(app.request(Method::POST, "/api/v1/needs", Some(&u)).json(
        &json!({"organisation_id": a, "title": "Bleibt", "description": "gehört der Organisation"}),
    ))
    .await;
    let res = send(app.request(Method::GET, "/api/v1/me/export", Some(&u))).await;
    assert_eq!(res.status(), 200);
    let export: Value = res.json().await.unwrap();
    assert_eq!(export["account"]["email"], u.email);
    assert_eq!(export["account"]["memberships"][0]["organisation_id"], a);
    assert_eq!(export["tokens"].as_array().unwrap().len(), 1);
    assert!(
        !export.to_string().contains("argon2"),
        "no password hash in the export"
    );

    // A token without `admin` cannot delete the account; the session can.
    assert_problem(
        send(app.request(Method::DELETE, "/api/v1/me", Some(&u))).await,
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        status(u.with_cookie(app.client.delete(app.url("/api/v1/me")))).await,
        204
    );
    assert_problem(
        send(app.request(Method::GET, "/api/v1/me", Some(&u))).await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        send(
            app.client
                .get(app.url("/api/v1/me"))
                .header("cookie", &u.cookie),
        )
        .await,
        401,
        "unauthorized",
    )
    .await;
    let login = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"email": u.email, "password": PASSWORD}));
    assert_problem(send(login).await, 401, "unauthorized").await;
    // The catalogue stays consistent: the organisation's need is still there.
    assert_eq!(
        status(app.request(Method::GET, &format!("/api/v1/needs/{need}"), None)).await,
        200
    );
    // The address can register again.
    let reg = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"email": u.email, "password": PASSWORD}));
    assert_eq!(status(reg).await, 202);
    app.login(&u.email, PASSWORD).await;
}

async fn openapi_describes_auth(b: Backend) {
    let app = app(b).await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    for p in [
        "/api/v1/auth/register",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/me/tokens",
        "/api/v1/organisations/{id}/invitations",
        "/api/v1/invitations/accept",
        "/api/v1/users/{id}/role",
        "/api/v1/audit",
    ] {
        let item = &doc["paths"][p];
        assert!(item.is_object(), "missing {p}");
        let op = item.as_object().unwrap().values().next().unwrap();
        assert_eq!(op["tags"][0], "auth", "{p}");
    }
}
