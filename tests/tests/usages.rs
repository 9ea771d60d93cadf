//! Verified usages and experience reports on SQLite and PostgreSQL: a usage said by
//! someone outside the using organisation is a claim until a member confirms it; members
//! reject claims about themselves; confirmations fall due; experience reports are written
//! by the using organisation; every change is audited.

use matchraum_tests::{
    assert_problem, eventually, on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    claims_are_confirmed_or_rejected_by_the_using_organisation,
    a_confirmation_falls_due_after_the_configured_months,
    experience_reports_are_written_by_the_using_organisation,
    demo_and_imported_usages_are_claims_from_a_source,
    usage_claims_are_rate_limited_per_account,
    matches_explain_confirmed_usage_as_evidence,
    imports_add_claims_and_never_undo_a_verdict,
);

async fn app(b: Backend) -> TestApp {
    spawn_app_with(b, |c| c.matching.enabled = false).await
}

async fn send(
    app: &TestApp,
    m: Method,
    path: &str,
    user: Option<&TestUser>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut rb = app.request(m, path, user);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let res = rb.send().await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn created(app: &TestApp, path: &str, user: &TestUser, body: Value) -> Value {
    let (status, v) = send(app, Method::POST, path, Some(user), Some(body)).await;
    assert_eq!(status, 201, "POST {path}: {v}");
    v
}

struct World {
    op: TestUser,
    city: i64,
    provider: i64,
    solution: i64,
    other_solution: i64,
}

async fn world(app: &TestApp) -> World {
    let op = app.operator().await;
    let city = created(
        app,
        "/api/v1/organisations",
        &op,
        json!({"name": "Stadt Kassel", "kind": "kommune", "land": "Hessen"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let provider = created(
        app,
        "/api/v1/organisations",
        &op,
        json!({"name": "ekom21", "kind": "it_dienstleister", "land": "Hessen"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let solution = created(
        app,
        "/api/v1/solutions",
        &op,
        json!({"title": "Hundesteuer online", "provider_id": provider}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let other_solution = created(
        app,
        "/api/v1/solutions",
        &op,
        json!({"title": "Kita-Portal", "provider_id": provider}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    World {
        op,
        city,
        provider,
        solution,
        other_solution,
    }
}

async fn audit_actions(app: &TestApp, op: &TestUser) -> Vec<(String, String)> {
    let (_, log) = send(app, Method::GET, "/api/v1/audit?limit=500", Some(op), None).await;
    log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_owned(),
                e["target"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn claims_are_confirmed_or_rejected_by_the_using_organisation(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let vendor = app.user(Role::Provider, Some(w.provider)).await;
    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    let loner = app.user(Role::Seeker, None).await;
    let claim = json!({"organisation_id": w.city, "since": "2023-04-01", "version": "2.3", "context": "Steueramt, 40.000 Hunde"});
    let path = format!("/api/v1/solutions/{}/usages", w.solution);

    // The provider says the city uses it: a claim, never a fact.
    let u = created(&app, &path, &vendor, claim.clone()).await;
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
    let own = created(
        &app,
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
    let u = created(
        &app,
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

async fn experience_reports_are_written_by_the_using_organisation(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    let outsider = app.user(Role::Seeker, Some(w.provider)).await;
    let usage = created(
        &app,
        &format!("/api/v1/solutions/{}/usages", w.solution),
        &clerk,
        json!({"organisation_id": w.city}),
    )
    .await;
    let path = format!("/api/v1/usages/{}/experiences", usage["id"]);
    let report = json!({
        "context": "Steueramt mit 12 Beschäftigten",
        "effort_person_days": 25.5,
        "cost_one_off_eur": 12000,
        "cost_recurring_eur": 3000,
        "cost_per_case_eur": 0.4,
        "went_well": "Schnelle Einführung",
        "pitfalls": "Schnittstelle zum Kassenverfahren",
        "integration_notes": "FIT-Connect, XTA zum Fachverfahren",
        "willing_to_talk": true,
        "contact": "steueramt@kassel.example"
    });
    assert_problem(
        app.request(Method::POST, &path, Some(&outsider))
            .json(&report)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.request(Method::POST, &path, Some(&w.op))
            .json(&report)
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    for (bad, field) in [
        (json!({"willing_to_talk": true, "context": "x"}), "contact"),
        (json!({"cost_one_off_eur": -5}), "cost_one_off_eur"),
        (json!({}), "context"),
    ] {
        let p = assert_problem(
            app.request(Method::POST, &path, Some(&clerk))
                .json(&bad)
                .send()
                .await
                .unwrap(),
            422,
            "validation-failed",
        )
        .await;
        assert_eq!(p["field"], field, "{bad}");
    }
    let e = created(&app, &path, &clerk, report).await;
    assert_eq!(e["solution_id"], w.solution);
    assert_eq!(e["organisation_id"], w.city);
    assert_eq!(e["effort_person_days"], 25.5);

    let list_path = format!("/api/v1/solutions/{}/experiences", w.solution);
    let (_, anonymous) = send(&app, Method::GET, &list_path, None, None).await;
    assert_eq!(anonymous.as_array().unwrap().len(), 1);
    assert_eq!(
        anonymous[0]["contact"],
        Value::Null,
        "contacts only for signed-in callers"
    );
    assert_eq!(anonymous[0]["willing_to_talk"], true);
    let (_, signed_in) = send(&app, Method::GET, &list_path, Some(&outsider), None).await;
    assert_eq!(signed_in[0]["contact"], "steueramt@kassel.example");
    let (_, none) = send(
        &app,
        Method::GET,
        &format!("/api/v1/solutions/{}/experiences", w.other_solution),
        None,
        None,
    )
    .await;
    assert_eq!(none, json!([]));

    let item = format!("/api/v1/experiences/{}", e["id"]);
    assert_problem(
        app.request(Method::PUT, &item, Some(&outsider))
            .json(&json!({"context": "gehackt"}))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let (st, changed) = send(
        &app,
        Method::PUT,
        &item,
        Some(&clerk),
        Some(json!({"context": "Steueramt", "pitfalls": "keine"})),
    )
    .await;
    assert_eq!(st, 200, "{changed}");
    assert_eq!(
        changed["cost_one_off_eur"],
        Value::Null,
        "PUT replaces the report"
    );
    assert_problem(
        app.request(Method::DELETE, &item, Some(&outsider))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_eq!(
        app.request(Method::DELETE, &item, Some(&w.op))
            .send()
            .await
            .unwrap()
            .status(),
        204,
        "operators may remove reports"
    );
    let (_, after) = send(&app, Method::GET, &list_path, None, None).await;
    assert_eq!(after, json!([]));

    let log = audit_actions(&app, &w.op).await;
    let target = format!("experience:{}", e["id"]);
    for action in [
        "experience.created",
        "experience.updated",
        "experience.deleted",
    ] {
        assert!(
            log.iter().any(|(a, t)| a == action && *t == target),
            "{action}: {log:?}"
        );
    }
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
    created(
        &app,
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

async fn matches_explain_confirmed_usage_as_evidence(b: Backend) {
    let app = spawn_app_with(b, |c| c.matching.enabled = true).await;
    let w = world(&app).await;
    let op = &w.op;
    let other_city = created(
        &app,
        "/api/v1/organisations",
        op,
        json!({"name": "Stadt Darmstadt", "kind": "kommune", "land": "Hessen"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let county = created(
        &app,
        "/api/v1/organisations",
        op,
        json!({"name": "Kreis Fulda", "kind": "kreis", "land": "Hessen"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let seeker_city = created(
        &app,
        "/api/v1/organisations",
        op,
        json!({"name": "Stadt Gießen", "kind": "kommune", "land": "Hessen"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/solutions/{}/usages", w.solution);
    for org in [w.city, other_city, county] {
        let member = app.user(Role::Seeker, Some(org)).await;
        created(&app, &path, &member, json!({"organisation_id": org})).await;
    }
    // A claim about the provider is no evidence.
    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    created(&app, &path, &clerk, json!({"organisation_id": w.provider})).await;

    let seeker = app.user(Role::Seeker, Some(seeker_city)).await;
    let ask = |evidence: bool| {
        app.request(Method::POST, "/api/v1/match", Some(&seeker))
            .json(&json!({"text": "Hundesteuer online anmelden", "mode": "lexical", "usage_evidence": evidence}))
            .send()
    };
    // The indexer takes the new solution in a moment later.
    let (ask_ref, sol) = (&ask, w.solution);
    let found = eventually(move || async move {
        let answer: Value = ask_ref(true).await.unwrap().json().await.unwrap();
        answer["solutions"]
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["id"] == sol))
    })
    .await;
    assert!(found, "the solution is never matched");
    let answer: Value = ask(true).await.unwrap().json().await.unwrap();
    let hit = answer["solutions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == w.solution)
        .expect("the solution matches");
    let e = &hit["explanation"]["usage_evidence"];
    assert_eq!(e["confirmed"], 3, "{e}");
    assert_eq!(e["claimed"], 1, "{e}");
    assert_eq!(
        e["group"],
        json!({"kind": "kommune", "land": "Hessen", "count": 2, "like_seeker": true})
    );
    let used_by = hit["explanation"]["used_by"].as_array().unwrap();
    assert_eq!(
        used_by
            .iter()
            .filter(|u| u["verification"] == "claimed")
            .count(),
        1
    );

    let answer: Value = ask(false).await.unwrap().json().await.unwrap();
    let hit = answer["solutions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == w.solution)
        .unwrap();
    assert_eq!(
        hit["explanation"]["usage_evidence"],
        Value::Null,
        "switched off"
    );
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
