//! A check from saving to closing: decisions, the outcome, the freeze and the export.

use super::*;

on_both_backends!(a_check_is_decided_closed_frozen_and_exported,);

async fn a_check_is_decided_closed_frozen_and_exported(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let me = Some(&w.member);
    let c = created(
        call(
            &app,
            me,
            Method::POST,
            "/api/v1/reuse-checks",
            Some(check_body(&w)),
        )
        .await,
    )
    .await;
    let id = c["id"].as_i64().unwrap();
    let path = format!("/api/v1/reuse-checks/{id}");
    assert_eq!(c["organisation_name"], "Stadt <Musterstadt>");
    assert!(c["title"]
        .as_str()
        .unwrap()
        .starts_with("Wir suchen eine Online-Lösung"));
    assert_eq!(c["closed_at"], Value::Null);
    let cands = c["candidates"].as_array().unwrap();
    assert_eq!(cands.len(), 2);
    assert_eq!(cands[0]["solution_id"], w.used);
    assert_eq!(cands[0]["position"], 1);
    assert_eq!(
        cands[0]["title"], "Wohnsitz online",
        "snapshotted from the catalogue"
    );
    assert_eq!(cands[0]["maturity"], "in_production");
    assert_eq!(cands[0]["provider_name"], "Dataport");
    assert_eq!(cands[0]["usage_count"], 2);
    assert_eq!(cands[0]["matched_terms"], json!(["wohnsitz"]));
    assert_eq!(cands[1]["usage_count"], 0);
    assert_eq!(cands[1]["decision"], Value::Null);

    // A later change in the catalogue does not rewrite what was shown.
    let res = call(
        &app,
        Some(&w.operator),
        Method::PUT,
        &format!("/api/v1/solutions/{}", w.used),
        Some(json!({"title": "Umbenannt", "kind": "software", "maturity": "retired"})),
    )
    .await;
    assert_eq!(res.status(), 200);

    // Closing needs every decision with a reason, and an outcome.
    let close = format!("{path}/close");
    assert_problem(
        call(&app, me, Method::POST, &close, None).await,
        422,
        "validation-failed",
    )
    .await;
    let decide = |sid: i64, decision: &str, reason: &str| {
        call(
            &app,
            me,
            Method::PUT,
            format!("{path}/candidates/{sid}"),
            Some(json!({"decision": decision, "reason": reason})),
        )
    };
    let res = decide(
        w.used,
        "does_not_fit",
        "Keine Anbindung an unser Meldewesen",
    )
    .await;
    assert_eq!(res.status(), 200);
    let after: Value = res.json().await.unwrap();
    assert_eq!(after["candidates"][0]["decision"], "does_not_fit");
    assert_eq!(after["candidates"][0]["title"], "Wohnsitz online");
    let res = decide(w.unused, "fits_with_changes", "").await;
    assert_eq!(res.status(), 200, "a reason can follow later");
    let body = json!({"outcome": {"kind": "build_new", "reason": "Keine Lösung bindet das Fachverfahren an"}});
    assert_eq!(
        call(&app, me, Method::PATCH, &path, Some(body.clone()))
            .await
            .status(),
        200
    );
    let err = assert_problem(
        call(&app, me, Method::POST, &close, None).await,
        422,
        "validation-failed",
    )
    .await;
    assert!(
        err["detail"].as_str().unwrap().contains("Melde-Assistent"),
        "{err}"
    );
    assert_eq!(
        decide(w.unused, "does_not_fit", "Nur Pilot, kein Betrieb")
            .await
            .status(),
        200
    );

    let res = call(&app, me, Method::POST, &close, None).await;
    assert_eq!(res.status(), 200);
    let closed: Value = res.json().await.unwrap();
    assert!(closed["closed_at"].is_string());
    assert_eq!(closed["closed_by"], w.member.id);
    assert_eq!(closed["outcome"]["kind"], "build_new");

    // Frozen: every change is a conflict.
    assert_problem(decide(w.used, "fits", "doch").await, 409, "conflict").await;
    assert_problem(
        call(&app, me, Method::PATCH, &path, Some(body)).await,
        409,
        "conflict",
    )
    .await;
    assert_problem(
        call(&app, me, Method::POST, &close, None).await,
        409,
        "conflict",
    )
    .await;

    // Audited: created, decided three times, updated, closed.
    let audit: Value = call(
        &app,
        Some(&w.operator),
        Method::GET,
        "/api/v1/audit?limit=100",
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    let target = format!("reuse_check:{id}");
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["target"] == target.as_str())
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "reuse_check.closed",
            "reuse_check.decided",
            "reuse_check.updated",
            "reuse_check.decided",
            "reuse_check.decided",
            "reuse_check.created"
        ],
        "{audit}"
    );

    // Markdown export.
    let res = call(&app, me, Method::GET, &format!("{path}/export.md"), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "text/markdown; charset=utf-8"
    );
    assert_eq!(
        res.headers()["content-disposition"],
        format!("attachment; filename=\"vorrangpruefung-{id}.md\"").as_str()
    );
    let md = res.text().await.unwrap();
    for part in [
        "# Vorrangprüfung: Wir suchen eine Online",
        "| Organisation | Stadt \\<Musterstadt\\> |",
        "abgeschlossen am ",
        "> Wir suchen eine Online\\-Lösung für die Wohnsitzanmeldung",
        "- Art der Lösung: Software",
        "- Land des Anbieters: Hessen",
        "## Geprüfte Lösungen (2)",
        "### 1. Wohnsitz online",
        "- Reifegrad: Im Betrieb",
        "- Nachnutzungen im Katalog: 2",
        "- Anbieter: Dataport",
        "semantische Ähnlichkeit 0,83",
        "- Entscheidung: **Passt nicht**",
        "- Begründung: Keine Anbindung an unser Meldewesen",
        "### 2. Melde\\-Assistent",
        "- Reifegrad: Pilotbetrieb",
        "**Neuentwicklung, weil keine geprüfte Lösung passt**",
        "Begründung: Keine Lösung bindet das Fachverfahren an",
    ] {
        assert!(md.contains(part), "missing {part:?} in\n{md}");
    }
    assert!(
        !md.contains("Umbenannt"),
        "the export shows what was checked"
    );

    // Printable HTML: escaped, its own strict CSP, a stylesheet of this origin.
    let res = call(&app, me, Method::GET, &format!("{path}/export.html"), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/html; charset=utf-8");
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.starts_with("default-src 'none'; style-src 'self'"),
        "{csp}"
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\">"));
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("Stadt &lt;Musterstadt&gt;"));
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/api/v1/reuse-checks/export.css\">"));
    let css = app.get("/api/v1/reuse-checks/export.css").await;
    assert_eq!(css.status(), 200);
    assert!(css.text().await.unwrap().contains("@media print"));

    // The organisation's list.
    let list: Value = call(
        &app,
        me,
        Method::GET,
        &format!("/api/v1/reuse-checks?organisation_id={}", w.org),
        None,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list[0]["candidates"], 2);
    assert_eq!(list[0]["decided"], 2);
    assert_eq!(list[0]["outcome"], "build_new");
}
