//! Experience reports of the using organisation, and confirmed usage as evidence in matches.

use super::*;

on_both_backends!(
    experience_reports_are_written_by_the_using_organisation,
    matches_explain_confirmed_usage_as_evidence,
);

async fn experience_reports_are_written_by_the_using_organisation(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    let outsider = app.user(Role::Seeker, Some(w.provider)).await;
    let usage = app
        .created(
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
    let e = app.created(&path, &clerk, report).await;
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

async fn matches_explain_confirmed_usage_as_evidence(b: Backend) {
    let app = spawn_app_with(b, |c| c.matching.enabled = true).await;
    let w = world(&app).await;
    let op = &w.op;
    let other_city = app
        .created(
            "/api/v1/organisations",
            op,
            json!({"name": "Stadt Darmstadt", "kind": "kommune", "land": "Hessen"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let county = app
        .created(
            "/api/v1/organisations",
            op,
            json!({"name": "Kreis Fulda", "kind": "kreis", "land": "Hessen"}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let seeker_city = app
        .created(
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
        app.created(&path, &member, json!({"organisation_id": org}))
            .await;
    }
    // A claim about the provider is no evidence.
    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    app.created(&path, &clerk, json!({"organisation_id": w.provider}))
        .await;

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
