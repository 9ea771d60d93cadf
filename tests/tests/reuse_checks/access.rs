//! Who sees and changes a check, bad input, and the limit on saving checks.

use super::*;

on_both_backends!(
    only_the_organisation_sees_and_changes_its_checks,
    bad_input_gets_clear_problems,
    creating_checks_is_rate_limited,
);

async fn only_the_organisation_sees_and_changes_its_checks(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let c = created(
        call(
            &app,
            Some(&w.member),
            Method::POST,
            "/api/v1/reuse-checks",
            Some(check_body(&w)),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/reuse-checks/{}", c["id"]);
    let outsider = app.user(Role::Provider, None).await;
    let o = Some(&outsider);
    for p in [
        path.clone(),
        format!("{path}/export.md"),
        format!("{path}/export.html"),
    ] {
        assert_problem(call(&app, o, Method::GET, &p, None).await, 404, "not-found").await;
        assert_problem(
            call(&app, None, Method::GET, &p, None).await,
            401,
            "unauthorized",
        )
        .await;
    }
    let decide = json!({"decision": "fits", "reason": "x"});
    assert_problem(
        call(
            &app,
            o,
            Method::PUT,
            &format!("{path}/candidates/{}", w.used),
            Some(decide.clone()),
        )
        .await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        call(&app, o, Method::POST, &format!("{path}/close"), None).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        call(
            &app,
            o,
            Method::POST,
            "/api/v1/reuse-checks",
            Some(check_body(&w)),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        call(
            &app,
            o,
            Method::GET,
            &format!("/api/v1/reuse-checks?organisation_id={}", w.org),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // Operators read, but the record is the organisation's to write.
    let op = Some(&w.operator);
    assert_eq!(call(&app, op, Method::GET, &path, None).await.status(), 200);
    assert_problem(
        call(
            &app,
            op,
            Method::PUT,
            &format!("{path}/candidates/{}", w.used),
            Some(decide.clone()),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // A second member of the organisation edits it too.
    let colleague = app.user(Role::Seeker, Some(w.org)).await;
    let res = call(
        &app,
        Some(&colleague),
        Method::PUT,
        &format!("{path}/candidates/{}", w.used),
        Some(decide),
    )
    .await;
    assert_eq!(res.status(), 200);

    // A read-only token of a member reads but does not write.
    let res = w
        .member
        .with_cookie(app.client.post(app.url("/api/v1/me/tokens")))
        .json(&json!({"name": "lesen", "scopes": ["read"]}))
        .send()
        .await
        .unwrap();
    let token: Value = res.json().await.unwrap();
    let token = token["token"].as_str().unwrap();
    let get = app
        .client
        .get(app.url(&path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 200);
    let patch = app
        .client
        .patch(app.url(&path))
        .bearer_auth(token)
        .json(&json!({"title": "Neu"}))
        .send()
        .await
        .unwrap();
    assert_problem(patch, 403, "forbidden").await;
}

async fn bad_input_gets_clear_problems(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let me = Some(&w.member);
    let post = |body: Value| call(&app, me, Method::POST, "/api/v1/reuse-checks", Some(body));
    let mut body = check_body(&w);
    body["candidates"] = json!([]);
    assert_problem(post(body).await, 422, "validation-failed").await;
    let mut body = check_body(&w);
    body["candidates"] = json!([{"solution_id": 999999}]);
    let err = assert_problem(post(body).await, 422, "validation-failed").await;
    assert!(err["detail"].as_str().unwrap().contains("999999"), "{err}");
    let mut body = check_body(&w);
    body["candidates"] = json!([{"solution_id": w.used}, {"solution_id": w.used}]);
    assert_problem(post(body).await, 422, "validation-failed").await;
    let mut body = check_body(&w);
    body["filters"] = json!(["kind"]);
    assert_problem(post(body).await, 422, "validation-failed").await;
    let mut body = check_body(&w);
    body["problem_text"] = json!("   ");
    assert_problem(post(body).await, 422, "validation-failed").await;
    let mut body = check_body(&w);
    body["surprise"] = json!(1);
    assert_problem(post(body).await, 422, "invalid-body").await;

    let c = created(post(check_body(&w)).await).await;
    let path = format!("/api/v1/reuse-checks/{}", c["id"]);
    let patch = |body: Value| call(&app, me, Method::PATCH, &path, Some(body));
    assert_problem(
        patch(json!({"outcome": {"kind": "build_new"}})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        patch(json!({"outcome": {"kind": "reuse_solution"}})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        patch(json!({"outcome": {"kind": "reuse_solution", "solution_id": 999999}})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        patch(json!({"outcome": {"kind": "maybe"}})).await,
        422,
        "invalid-body",
    )
    .await;
    assert_problem(patch(json!({"title": ""})).await, 422, "validation-failed").await;

    // A community outcome names a channel the member may read; a private one of others
    // is refused like a missing one.
    let stranger = app.user(Role::Seeker, None).await;
    let private = channel(&app, &stranger, "community", "members").await;
    let err = assert_problem(
        patch(json!({"outcome": {"kind": "join_community", "channel_id": private}})).await,
        422,
        "validation-failed",
    )
    .await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap()
            .contains("outcome.channel_id"),
        "{err}"
    );
    let open = channel(&app, &stranger, "community", "public").await;
    let res = patch(json!({"outcome": {"kind": "join_community", "channel_id": open}})).await;
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["outcome"]["label"], "Wohnsitzanmeldung");
    let res = patch(json!({"outcome": {"kind": "reuse_solution", "solution_id": w.used}})).await;
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["outcome"]["label"], "Wohnsitz online");
    assert_eq!(c["outcome"]["channel_id"], Value::Null);

    let decide = |sid: i64, body: Value| {
        call(
            &app,
            me,
            Method::PUT,
            format!("{path}/candidates/{sid}"),
            Some(body),
        )
    };
    assert_problem(
        decide(w.used, json!({"decision": "perhaps"})).await,
        422,
        "invalid-body",
    )
    .await;
    let other = created(
        call(
            &app,
            Some(&w.operator),
            Method::POST,
            "/api/v1/solutions",
            Some(json!({"title": "Nicht gezeigt", "kind": "software"})),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    assert_problem(
        decide(other, json!({"decision": "fits"})).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        call(&app, me, Method::GET, "/api/v1/reuse-checks/999999", None).await,
        404,
        "not-found",
    )
    .await;
}

async fn creating_checks_is_rate_limited(b: Backend) {
    let app = spawn_app_with(b, |c| {
        c.rate.reuse_checks_per_account = 2;
        c.matching.enabled = false;
    })
    .await;
    let w = world(&app).await;
    for _ in 0..2 {
        created(
            call(
                &app,
                Some(&w.member),
                Method::POST,
                "/api/v1/reuse-checks",
                Some(check_body(&w)),
            )
            .await,
        )
        .await;
    }
    let res = call(
        &app,
        Some(&w.member),
        Method::POST,
        "/api/v1/reuse-checks",
        Some(check_body(&w)),
    )
    .await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "rate-limited").await;
}
