//! The operators' account directory (`GET /api/v1/users`) on SQLite and PostgreSQL:
//! operators only, paged and bounded, searchable, each address shown once; a role change
//! from it lands in the audit log, which names the accounts.

use matchraum_tests::{assert_problem, on_both_backends, spawn_app_with, Backend, Role, TestApp};
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    only_operators_list_accounts,
    the_directory_pages_and_bounds,
    search_and_names_show_each_address_once,
);

async fn app(b: Backend) -> TestApp {
    spawn_app_with(b, |c| c.matching.enabled = false).await
}

async fn get(app: &TestApp, path: &str, user: &matchraum_tests::TestUser) -> reqwest::Response {
    app.request(Method::GET, path, Some(user))
        .send()
        .await
        .expect("request")
}

async fn only_operators_list_accounts(b: Backend) {
    let app = app(b).await;
    let op = app.operator().await;
    let res = app.get("/api/v1/users").await;
    assert_problem(res, 401, "unauthorized").await;
    for role in [Role::Seeker, Role::Provider, Role::CommunityManager] {
        let user = app.user(role, None).await;
        assert_problem(get(&app, "/api/v1/users", &user).await, 403, "forbidden").await;
        // The session cookie has no more rights than the token.
        let res = user
            .with_cookie(app.client.get(app.url("/api/v1/users")))
            .send()
            .await
            .unwrap();
        assert_problem(res, 403, "forbidden").await;
    }
    let res = get(&app, "/api/v1/users", &op).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let page: Value = res.json().await.unwrap();
    assert_eq!(page["total"], 4, "{page}");
    assert_eq!(page["limit"], 50);
    let roles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        ["operator", "seeker", "provider", "community_manager"]
    );
}

async fn the_directory_pages_and_bounds(b: Backend) {
    let app = app(b).await;
    let op = app.operator().await;
    for _ in 0..4 {
        app.user(Role::Seeker, None).await;
    }
    let page = |q: &'static str| {
        let app = &app;
        let op = &op;
        async move {
            let res = get(app, &format!("/api/v1/users?{q}"), op).await;
            assert_eq!(res.status(), 200, "{q}");
            res.json::<Value>().await.unwrap()
        }
    };
    let ids = |p: &Value| -> Vec<i64> {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["id"].as_i64().unwrap())
            .collect()
    };
    let first = page("limit=2").await;
    let second = page("limit=2&offset=2").await;
    let last = page("limit=2&offset=4").await;
    assert_eq!(first["total"], 5);
    assert_eq!(
        (ids(&first).len(), ids(&second).len(), ids(&last).len()),
        (2, 2, 1)
    );
    let all = [ids(&first), ids(&second), ids(&last)].concat();
    let sorted = {
        let mut s = all.clone();
        s.sort_unstable();
        s.dedup();
        s
    };
    assert_eq!(all, sorted, "ascending and without repeats across pages");
    assert_eq!(page("offset=99").await["items"], json!([]));
    assert_eq!(
        page("limit=200").await["items"].as_array().unwrap().len(),
        5
    );
    // Bounds: a page of 1 to 200, an offset JavaScript can represent, no unknown filters.
    for bad in ["limit=0", "limit=201"] {
        let p = assert_problem(
            get(&app, &format!("/api/v1/users?{bad}"), &op).await,
            422,
            "validation-failed",
        )
        .await;
        assert_eq!(p["field"], "limit", "{bad}");
    }
    for bad in ["offset=9007199254740992", "limit=-1", "role=operator"] {
        assert_problem(
            get(&app, &format!("/api/v1/users?{bad}"), &op).await,
            400,
            "invalid-query",
        )
        .await;
    }
    let long = "x".repeat(201);
    let p = assert_problem(
        get(&app, &format!("/api/v1/users?q={long}"), &op).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(p["field"], "q");
}

async fn search_and_names_show_each_address_once(b: Backend) {
    let app = app(b).await;
    let op = app.operator().await;
    let res = app
        .post_json(
            "/api/v1/auth/register",
            &json!({"email": "erika@amt.example.org", "password": matchraum_tests::PASSWORD,
                "display_name": "Erika Mustermann"}),
        )
        .await;
    assert_eq!(res.status(), 202);
    let plain = app.user(Role::Seeker, None).await;
    let find = |q: String| {
        let app = &app;
        let op = &op;
        async move {
            let res = get(app, &format!("/api/v1/users?q={q}"), op).await;
            assert_eq!(res.status(), 200);
            res.json::<Value>().await.unwrap()
        }
    };
    // Case-insensitive, in the display name or the address; the name is the display name
    // and the address comes once, beside it.
    for q in ["MUSTER", "amt.example"] {
        let p = find(q.into()).await;
        assert_eq!(p["total"], 1, "{q}: {p}");
        assert_eq!(p["items"][0]["name"], "Erika Mustermann");
        assert_eq!(p["items"][0]["email"], "erika@amt.example.org");
    }
    // Without a display name the address is the name, and not repeated.
    let p = find(plain.email.clone()).await;
    assert_eq!(p["total"], 1);
    assert_eq!(p["items"][0]["name"], plain.email.as_str());
    assert!(p["items"][0]["email"].is_null(), "{p}");
    // LIKE wildcards are plain characters.
    assert_eq!(find("%25".into()).await["total"], 0);
    assert_eq!(find("_".into()).await["total"], 0);

    // A role change of a listed account is in the audit log with both roles.
    let res = app
        .request(
            Method::PUT,
            &format!("/api/v1/users/{}/role", plain.id),
            Some(&op),
        )
        .json(&json!({"role": "provider"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        find(plain.email.clone()).await["items"][0]["role"],
        "provider"
    );
    let audit: Value = get(&app, "/api/v1/audit?action=user.role_changed", &op)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"][0]["target"], format!("user:{}", plain.id));
    assert_eq!(
        audit["items"][0]["detail"],
        json!({"from": "seeker", "to": "provider"})
    );
    assert_eq!(audit["items"][0]["actor_id"], op.id);
    // Both accounts are named, as the directory names them.
    assert_eq!(audit["items"][0]["target_name"], plain.email.as_str());
    assert_eq!(
        audit["items"][0]["actor_name"],
        find(op.email.clone()).await["items"][0]["name"]
    );
    // A deleted account keeps its id in the log but no name.
    let res = plain
        .with_cookie(app.client.delete(app.url("/api/v1/me")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let audit: Value = get(&app, "/api/v1/audit?action=user.role_changed", &op)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"][0]["target"], format!("user:{}", plain.id));
    assert!(audit["items"][0].get("target_name").is_none(), "{audit}");
}
