//! The permission matrix of the catalogue for every role, and private needs that do not
//! leak to anyone outside their organisation.

use super::*;

on_both_backends!(
    permissions_of_every_role_on_the_catalogue,
    private_needs_do_not_leak,
);

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
