//! The public demand radar: unsolved problems grouped by meaning (with the model) or by words.

use super::*;

on_both_backends!(
    the_demand_radar_groups_by_meaning,
    the_demand_radar_groups_by_words,
);

/// A member of a new organisation closes a check on `problem` with `outcome`.
async fn closed_check(
    app: &TestApp,
    w: &World,
    org_name: &str,
    problem: &str,
    outcome: Value,
    share: bool,
    close: bool,
) -> i64 {
    let org = created(
        call(
            app,
            Some(&w.operator),
            Method::POST,
            "/api/v1/organisations",
            Some(json!({"name": org_name, "kind": "kommune"})),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let m = app.user(Role::Seeker, Some(org)).await;
    let me = Some(&m);
    let body = json!({"organisation_id": org, "problem_text": problem, "candidates": [{"solution_id": w.used}]});
    let id = created(call(app, me, Method::POST, "/api/v1/reuse-checks", Some(body)).await).await
        ["id"]
        .as_i64()
        .unwrap();
    let path = format!("/api/v1/reuse-checks/{id}");
    let res = call(
        app,
        me,
        Method::PUT,
        &format!("{path}/candidates/{}", w.used),
        Some(json!({"decision": "does_not_fit", "reason": "Fachverfahren fehlt"})),
    )
    .await;
    assert_eq!(res.status(), 200);
    let res = call(
        app,
        me,
        Method::PATCH,
        &path,
        Some(json!({"outcome": outcome, "shared_in_radar": share})),
    )
    .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    if close {
        assert_eq!(
            call(app, me, Method::POST, &format!("{path}/close"), None)
                .await
                .status(),
            200
        );
    }
    org
}

async fn demand_radar(b: Backend, matching: bool) {
    let app = spawn_app_with(b, |c| c.matching.enabled = matching).await;
    app.wait_for_semantic("ready").await;
    let w = world(&app).await;
    let build = json!({"kind": "build_new", "reason": "Keine Lösung bindet das Meldewesen an"});
    let a = "Digitale Wohnsitzanmeldung mit Anbindung an das Meldewesen-Fachverfahren";
    let b2 = "Wohnsitzanmeldung digital mit Anbindung an unser Meldewesen-Fachverfahren gesucht";
    closed_check(&app, &w, "Stadt Aheim", a, build.clone(), true, true).await;
    closed_check(&app, &w, "Stadt Beheim", b2, build.clone(), true, true).await;
    // Not shared, not closed, or not "build new": not on the radar.
    closed_check(&app, &w, "Stadt Geheim", a, build.clone(), false, true).await;
    closed_check(&app, &w, "Stadt Offen", a, build.clone(), true, false).await;
    let reuse = json!({"kind": "reuse_solution", "solution_id": w.used});
    closed_check(&app, &w, "Stadt Nachnutzer", a, reuse, true, true).await;
    // An open public need about something else stands alone; a private one is left out.
    let op = Some(&w.operator);
    for (title, visibility) in [
        (
            "Hundesteuer online bezahlen und Hundemarken bestellen",
            "public",
        ),
        ("Geheimer Bedarf zur Wohnsitzanmeldung", "organisation"),
    ] {
        created(
            call(
                &app,
                op,
                Method::POST,
                "/api/v1/needs",
                Some(json!({"organisation_id": w.org, "title": title, "description": "Bürgerinnen und Bürger sollen das online erledigen.", "visibility": visibility})),
            )
            .await,
        )
        .await;
    }

    let res = app.get("/api/v1/demand-radar").await;
    assert_eq!(res.status(), 200, "public, no sign-in");
    let radar: Value = res.json().await.unwrap();
    let text = radar.to_string();
    assert_eq!(
        radar["grouping"],
        if matching { "semantic" } else { "words" },
        "{radar}"
    );
    for hidden in [
        "Stadt Geheim",
        "Stadt Offen",
        "Stadt Nachnutzer",
        "Geheimer Bedarf",
    ] {
        assert!(
            !text.contains(hidden),
            "{hidden} must not be on the radar: {radar}"
        );
    }
    let groups = radar["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2, "{radar}");
    let top = &groups[0];
    assert_eq!(top["organisation_count"], 2, "{radar}");
    assert_eq!(top["build_new_count"], 2);
    assert_eq!(top["need_count"], 0);
    let names: Vec<&str> = top["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2);
    assert!(
        names.contains(&"Stadt Aheim") && names.contains(&"Stadt Beheim"),
        "{names:?}"
    );
    assert!(
        top["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["need_id"].is_null()),
        "check ids stay private"
    );
    let need = &groups[1];
    assert_eq!(need["need_count"], 1);
    assert_eq!(
        need["title"],
        "Hundesteuer online bezahlen und Hundemarken bestellen"
    );
    assert!(need["items"][0]["need_id"].is_i64());
}

async fn the_demand_radar_groups_by_meaning(b: Backend) {
    demand_radar(b, true).await
}

async fn the_demand_radar_groups_by_words(b: Backend) {
    demand_radar(b, false).await
}
