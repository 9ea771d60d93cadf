//! Who may see a review, and organisations marking it as reused.

use super::*;

on_both_backends!(
    visibility_hides_reviews_from_those_who_may_not_see_them,
    organisations_mark_a_review_as_reused_once,
);

async fn visibility_hides_reviews_from_those_who_may_not_see_them(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let list = format!("/api/v1/solutions/{}/reviews", w.solution);
    let loner = app.user(Role::Seeker, None).await;
    let registered = app
        .created(&list, &w.reviewer, review(w.ministry, "registered"))
        .await;
    let internal = app
        .created(&list, &w.reviewer, review(w.ministry, "organisation"))
        .await;
    let md = "# Interne Notiz".as_bytes().to_vec();
    assert_eq!(
        upload(
            &app,
            &w.reviewer,
            internal["id"].as_i64().unwrap(),
            "n.md",
            "text/markdown",
            md
        )
        .await
        .status(),
        200
    );

    let count = |v: &Value| v.as_array().unwrap().len();
    let (_, anon) =
        status_and_json(app.request(Method::GET, &list, None).send().await.unwrap()).await;
    assert_eq!(count(&anon), 0);
    let (_, l) = status_and_json(
        app.request(Method::GET, &list, Some(&loner))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        count(&l),
        0,
        "an account of no administration sees no registered-only review"
    );
    let (_, c) = status_and_json(
        app.request(Method::GET, &list, Some(&w.city_clerk))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(count(&c), 1);
    assert_eq!(c[0]["id"], registered["id"]);
    let (_, m) = status_and_json(
        app.request(Method::GET, &list, Some(&w.reviewer))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(count(&m), 2);

    // What one may not see does not exist: the review, its file, its reuse.
    let internal_path = format!("/api/v1/reviews/{}", internal["id"]);
    assert_problem(
        app.request(Method::GET, &internal_path, Some(&w.city_clerk))
            .send()
            .await
            .unwrap(),
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.request(
            Method::GET,
            &format!("{internal_path}/file"),
            Some(&w.city_clerk),
        )
        .send()
        .await
        .unwrap(),
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.request(Method::GET, &format!("{internal_path}/file"), None)
            .send()
            .await
            .unwrap(),
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.request(
            Method::POST,
            &format!("{internal_path}/reuses"),
            Some(&w.city_clerk),
        )
        .json(&json!({"organisation_id": w.city}))
        .send()
        .await
        .unwrap(),
        404,
        "not-found",
    )
    .await;
    assert_eq!(
        app.request(Method::GET, &format!("{internal_path}/file"), Some(&w.op))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn organisations_mark_a_review_as_reused_once(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let r = app
        .created(
            &format!("/api/v1/solutions/{}/reviews", w.solution),
            &w.reviewer,
            review(w.ministry, "public"),
        )
        .await;
    let reuses = format!("/api/v1/reviews/{}/reuses", r["id"]);
    let mark = |user: &TestUser, org: i64| {
        app.request(Method::POST, &reuses, Some(user))
            .json(&json!({"organisation_id": org}))
            .send()
    };

    assert_problem(mark(&w.reviewer, w.city).await.unwrap(), 403, "forbidden").await;
    let p = assert_problem(
        mark(&w.reviewer, w.ministry).await.unwrap(),
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(p["field"], "organisation_id");
    let (st, marked) = status_and_json(mark(&w.city_clerk, w.city).await.unwrap()).await;
    assert_eq!(st, 200, "{marked}");
    assert_eq!(marked["reused_by"], json!([w.city]));
    assert_problem(mark(&w.city_clerk, w.city).await.unwrap(), 409, "conflict").await;
    let colleague = app.user(Role::Seeker, Some(w.city)).await;
    assert_problem(mark(&colleague, w.city).await.unwrap(), 409, "conflict").await;

    let (_, listed) = status_and_json(
        app.request(
            Method::GET,
            &format!("/api/v1/solutions/{}/reviews", w.solution),
            None,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(listed[0]["reused_by"], json!([w.city]));

    let unmark = format!("{reuses}/{}", w.city);
    assert_problem(
        app.request(Method::DELETE, &unmark, Some(&w.reviewer))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let (st, after) = status_and_json(
        app.request(Method::DELETE, &unmark, Some(&colleague))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{after}");
    assert_eq!(after["reused_by"], json!([]));
    assert_problem(
        app.request(Method::DELETE, &unmark, Some(&colleague))
            .send()
            .await
            .unwrap(),
        404,
        "not-found",
    )
    .await;

    let (_, log) = status_and_json(
        app.request(Method::GET, "/api/v1/audit?limit=500", Some(&w.op))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"review.reused") && actions.contains(&"review.reuse_withdrawn"),
        "{actions:?}"
    );
}
