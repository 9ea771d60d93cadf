//! Organisation membership: invitations, roles, and the audit log of every change.

use super::*;

on_both_backends!(invitations_roles_and_audit,);

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
