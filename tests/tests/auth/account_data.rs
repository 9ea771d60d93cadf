//! A person's own data: the export and the deletion of an account, and the OpenAPI
//! description of authentication.

use super::*;

on_both_backends!(export_and_delete_account, openapi_describes_auth,);

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
