//! Usage claims: confirmed or rejected by the using organisation, falling due again, from imports, and limited.

use super::*;

on_both_backends!(
    claims_are_confirmed_or_rejected_by_the_using_organisation,
    a_confirmation_falls_due_after_the_configured_months,
    demo_and_imported_usages_are_claims_from_a_source,
    usage_claims_are_rate_limited_per_account,
    imports_add_claims_and_never_undo_a_verdict,
);

async fn claims_are_confirmed_or_rejected_by_the_using_organisation(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let vendor = app.user(Role::Provider, Some(w.provider)).await;
    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    let loner = app.user(Role::Seeker, None).await;
    let claim = json!({"organisation_id": w.city, "since": "2023-04-01", "version": "2.3", "context": "Steueramt, 40.000 Hunde"});
    let path = format!("/api/v1/solutions/{}/usages", w.solution);

    // The provider says the city uses it: a claim, never a fact.
    let u = app.created(&path, &vendor, claim.clone()).await;
    let id = u["id"].as_i64().unwrap();
    assert_eq!(u["verification"], "claimed");
    assert_eq!(u["origin"], "person");
    assert_eq!(u["version"], "2.3");
    assert_eq!(u["solution_id"], w.solution);
    assert_eq!(u["confirmation_due"], false);
    assert_eq!(u["decided_at"], Value::Null);

    // Bad claims.
    assert_problem(
        app.request(Method::POST, &path, Some(&vendor))
            .json(&claim)
            .send()
            .await
            .unwrap(),
        409,
        "conflict",
    )
    .await;
    assert_problem(
        app.request(Method::POST, &path, None)
            .json(&claim)
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        app.request(Method::POST, &path, Some(&loner))
            .json(&claim)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.request(
            Method::POST,
            "/api/v1/solutions/999999/usages",
            Some(&vendor),
        )
        .json(&claim)
        .send()
        .await
        .unwrap(),
        404,
        "not-found",
    )
    .await;
    let p = assert_problem(
        app.request(
            Method::POST,
            &format!("/api/v1/solutions/{}/usages", w.other_solution),
            Some(&vendor),
        )
        .json(&json!({"organisation_id": 999_999}))
        .send()
        .await
        .unwrap(),
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(p["field"], "organisation_id");
    assert_problem(
        app.request(Method::POST, &path, Some(&vendor))
            .json(&json!({"organisation_id": w.city, "verification": "confirmed"}))
            .send()
            .await
            .unwrap(),
        422,
        "invalid-body",
    )
    .await;

    // Only the city's members decide: not the claimant, not an operator.
    let confirm = format!("/api/v1/usages/{id}/confirm");
    let reject = format!("/api/v1/usages/{id}/reject");
    assert_problem(
        app.request(Method::POST, &confirm, Some(&vendor))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.request(Method::POST, &confirm, Some(&w.op))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.request(Method::POST, "/api/v1/usages/999999/confirm", Some(&clerk))
            .send()
            .await
            .unwrap(),
        404,
        "not-found",
    )
    .await;

    let (st, u) = send(&app, Method::POST, &confirm, Some(&clerk), None).await;
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["verification"], "confirmed");
    assert_eq!(u["confirmation_due"], false);
    let decided = u["decided_at"].as_str().unwrap();
    let due = u["reconfirm_due_at"].as_str().unwrap();
    let year = |s: &str| s[..4].parse::<i32>().unwrap();
    assert_eq!(
        year(due),
        year(decided) + 1,
        "12 months by default: {decided} → {due}"
    );
    assert_eq!(&due[4..10], &decided[4..10]);

    let (_, confirmed) = send(
        &app,
        Method::GET,
        &format!(
            "/api/v1/usages?solution_id={}&verification=confirmed",
            w.solution
        ),
        None,
        None,
    )
    .await;
    assert_eq!(confirmed["total"], 1);

    // The city rejects it after all.
    let (st, u) = send(&app, Method::POST, &reject, Some(&clerk), None).await;
    assert_eq!(st, 200, "{u}");
    assert_eq!(u["verification"], "rejected");
    assert_eq!(u["reconfirm_due_at"], Value::Null);
    let (_, rejected) = send(
        &app,
        Method::GET,
        "/api/v1/usages?verification=rejected",
        None,
        None,
    )
    .await;
    assert_eq!(rejected["total"], 1);
    let (_, confirmed) = send(
        &app,
        Method::GET,
        "/api/v1/usages?verification=confirmed",
        None,
        None,
    )
    .await;
    assert_eq!(confirmed["total"], 0);

    // A member recording the city's own usage confirms it at once.
    let own = app
        .created(
            "/api/v1/usages",
            &clerk,
            json!({"solution_id": w.other_solution, "organisation_id": w.city}),
        )
        .await;
    assert_eq!(own["verification"], "confirmed");
    assert!(own["decided_at"].is_string());

    let log = audit_actions(&app, &w.op).await;
    let has = |action: &str, target: &str| log.iter().any(|(a, t)| a == action && t == target);
    let target = format!("usage:{id}");
    assert!(has("usage.claimed", &target), "{log:?}");
    assert!(has("usage.confirmed", &target), "{log:?}");
    assert!(has("usage.rejected", &target), "{log:?}");
    assert!(
        has("usage.confirmed", &format!("usage:{}", own["id"])),
        "{log:?}"
    );
}

async fn a_confirmation_falls_due_after_the_configured_months(b: Backend) {
    // Zero months: every confirmation is due at once, as a year-old one would be.
    let app = spawn_app_with(b, |c| {
        c.matching.enabled = false;
        c.catalog.usage_reconfirm_months = 0;
    })
    .await;
    let w = world(&app).await;
    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    let u = app
        .created(
            &format!("/api/v1/solutions/{}/usages", w.solution),
            &clerk,
            json!({"organisation_id": w.city}),
        )
        .await;
    assert_eq!(u["verification"], "confirmed");
    let (_, got) = send(
        &app,
        Method::GET,
        &format!("/api/v1/usages/{}", u["id"]),
        None,
        None,
    )
    .await;
    assert_eq!(got["confirmation_due"], true, "{got}");
    assert_eq!(
        got["verification"], "confirmed",
        "a due confirmation is still a confirmation"
    );
}

async fn demo_and_imported_usages_are_claims_from_a_source(b: Backend) {
    let app = spawn_app_with(b, |c| {
        c.matching.enabled = false;
        c.seed.demo = true;
    })
    .await;
    let (_, page) = send(&app, Method::GET, "/api/v1/usages?limit=500", None, None).await;
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for u in items {
        assert_eq!(u["verification"], "claimed", "{u}");
        assert_eq!(u["origin"], "import", "{u}");
    }
}

async fn usage_claims_are_rate_limited_per_account(b: Backend) {
    let app = spawn_app_with(b, |c| {
        c.matching.enabled = false;
        c.rate.usage_claims_per_account = 1;
        c.rate.window_secs = 3600;
    })
    .await;
    let w = world(&app).await;
    let vendor = app.user(Role::Provider, Some(w.provider)).await;
    app.created(
        &format!("/api/v1/solutions/{}/usages", w.solution),
        &vendor,
        json!({"organisation_id": w.city}),
    )
    .await;
    assert_problem(
        app.request(
            Method::POST,
            &format!("/api/v1/solutions/{}/usages", w.other_solution),
            Some(&vendor),
        )
        .json(&json!({"organisation_id": w.city}))
        .send()
        .await
        .unwrap(),
        429,
        "rate-limited",
    )
    .await;
}

async fn imports_add_claims_and_never_undo_a_verdict(b: Backend) {
    use matchraum::catalog::model::UsageInput;
    use matchraum::catalog::store::usages;
    use matchraum::catalog::vocab::UsageStatus;

    let app = app(b).await;
    let w = world(&app).await;
    // What the importer writes for a publiccode.yml `usedBy` entry.
    let imported = || UsageInput {
        solution_id: w.solution,
        organisation_id: w.city,
        since: None,
        context: None,
        status: UsageStatus::InUse,
        experience: None,
        version: None,
    };
    let id = usages::upsert_pair(&app.db.conn, imported())
        .await
        .unwrap()
        .id();
    let (_, u) = send(
        &app,
        Method::GET,
        &format!("/api/v1/usages/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(
        (u["verification"].as_str(), u["origin"].as_str()),
        (Some("claimed"), Some("import"))
    );

    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    let (st, _) = send(
        &app,
        Method::POST,
        &format!("/api/v1/usages/{id}/reject"),
        Some(&clerk),
        None,
    )
    .await;
    assert_eq!(st, 200);
    // The next import run finds the same usedBy entry: the rejection stands.
    usages::upsert_pair(&app.db.conn, imported()).await.unwrap();
    let (_, u) = send(
        &app,
        Method::GET,
        &format!("/api/v1/usages/{id}"),
        None,
        None,
    )
    .await;
    assert_eq!(u["verification"], "rejected", "{u}");
}
