//! Expressing, changing and withdrawing an organisation's interest, refused input, and its limit.

use super::*;

on_both_backends!(
    members_express_change_and_withdraw_their_organisations_interest,
    bad_input_and_foreign_organisations_are_refused,
    expressing_interest_is_rate_limited_per_account,
);

async fn members_express_change_and_withdraw_their_organisations_interest(b: Backend) {
    let s = scene(b).await;
    let (kassel, anna) = &s.orgs[0];
    let path = format!("/api/v1/solutions/{}/interest", s.solution);
    let first = json_of(
        express(
            &s.app,
            anna,
            s.solution,
            json!({"level": "interested", "planned_start": "2027-03-01",
            "expected_size": 201000, "size_unit": "inhabitants", "comment": "  Ab Frühjahr 2027 "}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(first["organisation_id"], *kassel);
    assert_eq!(first["solution_id"], s.solution);
    assert_eq!(first["level"], "interested");
    assert_eq!(first["planned_start"], "2027-03-01");
    assert_eq!(first["expected_size"], 201000.0);
    assert_eq!(first["size_unit"], "inhabitants");
    assert_eq!(first["comment"], "Ab Frühjahr 2027", "comments are trimmed");
    assert_eq!(first["submitted_by"], anna.id);

    // Changing it keeps the one interest of the organisation.
    let changed = json_of(
        express(
            &s.app,
            anna,
            s.solution,
            json!({"level": "letter_of_intent"}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(changed["id"], first["id"]);
    assert_eq!(changed["level"], "letter_of_intent");
    assert_eq!(changed["planned_start"], Value::Null);
    let own = json_of(
        call(&s.app, Method::GET, &path, Some(anna), None).await,
        200,
    )
    .await;
    assert_eq!(own["level"], "letter_of_intent");
    // Another member of the same organisation sees (and may change) the same interest.
    let colleague = s.app.user(Role::Seeker, Some(*kassel)).await;
    let seen = json_of(
        call(&s.app, Method::GET, &path, Some(&colleague), None).await,
        200,
    )
    .await;
    assert_eq!(seen["id"], first["id"]);

    let gone = call(&s.app, Method::DELETE, &path, Some(anna), None).await;
    assert_eq!(gone.status(), 204);
    assert_problem(
        call(&s.app, Method::GET, &path, Some(anna), None).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        call(&s.app, Method::DELETE, &path, Some(anna), None).await,
        404,
        "not-found",
    )
    .await;

    // Every change is in the audit log, with the organisation and the level.
    let log = json_of(
        call(
            &s.app,
            Method::GET,
            "/api/v1/audit?limit=50",
            Some(&s.op),
            None,
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<(&str, &str)> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"].as_str().unwrap().starts_with("interest."))
        .map(|e| (e["action"].as_str().unwrap(), e["target"].as_str().unwrap()))
        .collect();
    let target = format!("solution:{}", s.solution);
    assert_eq!(
        actions,
        vec![
            ("interest.withdrawn", target.as_str()),
            ("interest.changed", target.as_str()),
            ("interest.expressed", target.as_str()),
        ]
    );
    let changed_entry = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "interest.changed")
        .unwrap();
    assert_eq!(changed_entry["actor_id"], anna.id);
    assert_eq!(changed_entry["detail"]["organisation"], *kassel);
    assert_eq!(changed_entry["detail"]["level"], "letter_of_intent");
    assert_eq!(changed_entry["detail"]["before"], "interested");
}

async fn bad_input_and_foreign_organisations_are_refused(b: Backend) {
    let s = scene(b).await;
    let (kassel, anna) = &s.orgs[0];
    let (fuldatal, _) = &s.orgs[1];
    let path = format!("/api/v1/solutions/{}/interest", s.solution);
    let ok_body = json!({"level": "watching"});

    let anonymous = s
        .app
        .client
        .put(s.app.url(&path))
        .json(&ok_body)
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401, "unauthorized").await;
    // Acting for an organisation one does not belong to.
    let foreign = format!("{path}?organisation={fuldatal}");
    assert_problem(
        call(
            &s.app,
            Method::PUT,
            &foreign,
            Some(anna),
            Some(ok_body.clone()),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Without an organisation at all.
    let loner = s.app.user(Role::Seeker, None).await;
    assert_problem(
        call(
            &s.app,
            Method::PUT,
            &path,
            Some(&loner),
            Some(ok_body.clone()),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Several organisations: choose one.
    matchraum::auth::store::add_member(
        &s.app.db.conn,
        anna.id,
        *fuldatal,
        matchraum::auth::OrgRole::Member,
    )
    .await
    .unwrap();
    let res = call(
        &s.app,
        Method::PUT,
        &path,
        Some(anna),
        Some(ok_body.clone()),
    )
    .await;
    let p = assert_problem(res, 422, "validation-failed").await;
    assert_eq!(p["field"], "organisation");
    let chosen = format!("{path}?organisation={kassel}");
    json_of(
        call(
            &s.app,
            Method::PUT,
            &chosen,
            Some(anna),
            Some(ok_body.clone()),
        )
        .await,
        201,
    )
    .await;

    // The provider does not express interest in its own solution.
    let res = express(&s.app, &s.provider, s.solution, ok_body.clone()).await;
    assert_eq!(
        assert_problem(res, 422, "validation-failed").await["field"],
        "organisation"
    );
    // Unknown levels and fields, sizes without units, overlong comments.
    for (body, status, kind) in [
        (json!({"level": "maybe"}), 422, "invalid-body"),
        (
            json!({"level": "watching", "budget": 5}),
            422,
            "invalid-body",
        ),
        (
            json!({"level": "watching", "planned_start": "März"}),
            422,
            "invalid-body",
        ),
        (
            json!({"level": "watching", "expected_size": 10}),
            422,
            "validation-failed",
        ),
        (
            json!({"level": "watching", "size_unit": "users"}),
            422,
            "validation-failed",
        ),
        (
            json!({"level": "watching", "expected_size": -3, "size_unit": "users"}),
            422,
            "validation-failed",
        ),
        (
            json!({"level": "watching", "comment": "x".repeat(2001)}),
            422,
            "validation-failed",
        ),
    ] {
        let res = call(&s.app, Method::PUT, &chosen, Some(anna), Some(body.clone())).await;
        assert_problem(res, status, kind).await;
    }
    assert_problem(
        call(&s.app, Method::PUT, &chosen, Some(anna), None).await,
        415,
        "unsupported-media-type",
    )
    .await;
    // Unknown solutions, bad ids and unknown query parameters.
    assert_problem(
        call(
            &s.app,
            Method::PUT,
            &format!("/api/v1/solutions/999999/interest?organisation={kassel}"),
            Some(anna),
            Some(ok_body.clone()),
        )
        .await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        call(
            &s.app,
            Method::GET,
            "/api/v1/solutions/999999/interests",
            None,
            None,
        )
        .await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        call(
            &s.app,
            Method::GET,
            "/api/v1/solutions/abc/interests",
            None,
            None,
        )
        .await,
        404,
        "invalid-path",
    )
    .await;
    assert_problem(
        call(
            &s.app,
            Method::GET,
            &format!("{path}?org=1"),
            Some(anna),
            None,
        )
        .await,
        400,
        "invalid-query",
    )
    .await;
    // A read-only token reads but does not express.
    let res = anna
        .with_cookie(s.app.client.post(s.app.url("/api/v1/me/tokens")))
        .json(&json!({"name": "lesen", "scopes": ["read"]}))
        .send()
        .await
        .unwrap();
    let token = json_of(res, 201).await["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = s
        .app
        .client
        .put(s.app.url(&chosen))
        .bearer_auth(&token)
        .json(&ok_body)
        .send()
        .await
        .unwrap();
    assert_problem(res, 403, "forbidden").await;
    let res = s
        .app
        .client
        .get(s.app.url(&chosen))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn expressing_interest_is_rate_limited_per_account(b: Backend) {
    let s = scene_with(b, |c| {
        c.rate.interest_per_account = 2;
        c.rate.window_secs = 3600;
    })
    .await;
    let (_, anna) = &s.orgs[0];
    for level in ["watching", "interested"] {
        let res = express(&s.app, anna, s.solution, json!({"level": level})).await;
        assert!(res.status().is_success(), "{:?}", res.text().await);
    }
    let res = express(
        &s.app,
        anna,
        s.solution,
        json!({"level": "letter_of_intent"}),
    )
    .await;
    let limited = res.headers().get("retry-after").cloned();
    assert_problem(res, 429, "rate-limited").await;
    assert!(limited.is_some());
    // Another account is not affected.
    let (_, ben) = &s.orgs[1];
    let res = express(&s.app, ben, s.solution, json!({"level": "watching"})).await;
    assert_eq!(res.status(), 201);
}
