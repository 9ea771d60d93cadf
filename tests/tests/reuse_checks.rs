//! The documented reuse check (issue 12) on SQLite and PostgreSQL: saved from a search with
//! a snapshot of each candidate, decided, given an outcome, closed (then frozen: 409), and
//! exported as Markdown and printable HTML; only the organisation's members (and
//! operators, read-only) see it; bad input is a clear 4xx; creation is rate limited.

use matchraum_tests::ws::channel;
use matchraum_tests::{
    assert_problem, on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    a_check_is_decided_closed_frozen_and_exported,
    only_the_organisation_sees_and_changes_its_checks,
    bad_input_gets_clear_problems,
    creating_checks_is_rate_limited,
    the_demand_radar_groups_by_meaning,
    the_demand_radar_groups_by_words,
);

/// The flows need no model: an instance without the matcher starts faster.
async fn app(b: Backend) -> TestApp {
    spawn_app_with(b, |c| c.matching.enabled = false).await
}

async fn call(
    app: &TestApp,
    user: Option<&TestUser>,
    m: Method,
    path: impl Into<String>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut rb = app.request(m, &path.into(), user);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

async fn created(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

/// A seeker organisation, a provider with two solutions (one used twice), and a member.
struct World {
    org: i64,
    member: TestUser,
    operator: TestUser,
    used: i64,
    unused: i64,
}

async fn world(app: &TestApp) -> World {
    let operator = app.operator().await;
    let op = Some(&operator);
    let mk_org = |name: &'static str| {
        call(
            app,
            op,
            Method::POST,
            "/api/v1/organisations",
            Some(json!({"name": name, "kind": "kommune", "land": "Hessen"})),
        )
    };
    let org = created(mk_org("Stadt <Musterstadt>").await).await["id"]
        .as_i64()
        .unwrap();
    let provider = created(mk_org("Dataport").await).await["id"]
        .as_i64()
        .unwrap();
    let user_a = created(mk_org("Stadt Kassel").await).await["id"]
        .as_i64()
        .unwrap();
    let user_b = created(mk_org("Stadt Fulda").await).await["id"]
        .as_i64()
        .unwrap();
    let solution = |title: &str, maturity: &str| {
        call(
            app,
            op,
            Method::POST,
            "/api/v1/solutions",
            Some(
                json!({"title": title, "kind": "software", "maturity": maturity, "provider_id": provider}),
            ),
        )
    };
    let used = created(solution("Wohnsitz online", "in_production").await).await["id"]
        .as_i64()
        .unwrap();
    let unused = created(solution("Melde-Assistent", "pilot").await).await["id"]
        .as_i64()
        .unwrap();
    for o in [user_a, user_b] {
        created(
            call(
                app,
                op,
                Method::POST,
                "/api/v1/usages",
                Some(json!({"organisation_id": o, "solution_id": used, "status": "in_use"})),
            )
            .await,
        )
        .await;
    }
    let member = app.user(Role::Seeker, Some(org)).await;
    World {
        org,
        member,
        operator,
        used,
        unused,
    }
}

fn check_body(w: &World) -> Value {
    json!({
        "organisation_id": w.org,
        "problem_text": "Wir suchen eine Online-Lösung für die Wohnsitzanmeldung\n<script>alert(1)</script>",
        "filters": {"kind": ["software"], "land": ["Hessen"]},
        "candidates": [
            {"solution_id": w.used, "score": 0.0328, "similarity": 0.83, "matched_terms": ["wohnsitz"]},
            {"solution_id": w.unused, "score": 0.0161}
        ]
    })
}

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

async fn only_the_organisation_sees_and_changes_its_checks(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let c = created(
        call(
            &app,
            Some(&w.member),
            Method::POST,
            "/api/v1/reuse-checks",
            Some(check_body(&w)),
        )
        .await,
    )
    .await;
    let path = format!("/api/v1/reuse-checks/{}", c["id"]);
    let outsider = app.user(Role::Provider, None).await;
    let o = Some(&outsider);
    for p in [
        path.clone(),
        format!("{path}/export.md"),
        format!("{path}/export.html"),
    ] {
        assert_problem(call(&app, o, Method::GET, &p, None).await, 404, "not-found").await;
        assert_problem(
            call(&app, None, Method::GET, &p, None).await,
            401,
            "unauthorized",
        )
        .await;
    }
    let decide = json!({"decision": "fits", "reason": "x"});
    assert_problem(
        call(
            &app,
            o,
            Method::PUT,
            &format!("{path}/candidates/{}", w.used),
            Some(decide.clone()),
        )
        .await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        call(&app, o, Method::POST, &format!("{path}/close"), None).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        call(
            &app,
            o,
            Method::POST,
            "/api/v1/reuse-checks",
            Some(check_body(&w)),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        call(
            &app,
            o,
            Method::GET,
            &format!("/api/v1/reuse-checks?organisation_id={}", w.org),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // Operators read, but the record is the organisation's to write.
    let op = Some(&w.operator);
    assert_eq!(call(&app, op, Method::GET, &path, None).await.status(), 200);
    assert_problem(
        call(
            &app,
            op,
            Method::PUT,
            &format!("{path}/candidates/{}", w.used),
            Some(decide.clone()),
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    // A second member of the organisation edits it too.
    let colleague = app.user(Role::Seeker, Some(w.org)).await;
    let res = call(
        &app,
        Some(&colleague),
        Method::PUT,
        &format!("{path}/candidates/{}", w.used),
        Some(decide),
    )
    .await;
    assert_eq!(res.status(), 200);

    // A read-only token of a member reads but does not write.
    let res = w
        .member
        .with_cookie(app.client.post(app.url("/api/v1/me/tokens")))
        .json(&json!({"name": "lesen", "scopes": ["read"]}))
        .send()
        .await
        .unwrap();
    let token: Value = res.json().await.unwrap();
    let token = token["token"].as_str().unwrap();
    let get = app
        .client
        .get(app.url(&path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 200);
    let patch = app
        .client
        .patch(app.url(&path))
        .bearer_auth(token)
        .json(&json!({"title": "Neu"}))
        .send()
        .await
        .unwrap();
    assert_problem(patch, 403, "forbidden").await;
}

async fn bad_input_gets_clear_problems(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let me = Some(&w.member);
    let post = |body: Value| call(&app, me, Method::POST, "/api/v1/reuse-checks", Some(body));
    let mut body = check_body(&w);
    body["candidates"] = json!([]);
    assert_problem(post(body).await, 422, "validation-failed").await;
    let mut body = check_body(&w);
    body["candidates"] = json!([{"solution_id": 999999}]);
    let err = assert_problem(post(body).await, 422, "validation-failed").await;
    assert!(err["detail"].as_str().unwrap().contains("999999"), "{err}");
    let mut body = check_body(&w);
    body["candidates"] = json!([{"solution_id": w.used}, {"solution_id": w.used}]);
    assert_problem(post(body).await, 422, "validation-failed").await;
    let mut body = check_body(&w);
    body["filters"] = json!(["kind"]);
    assert_problem(post(body).await, 422, "validation-failed").await;
    let mut body = check_body(&w);
    body["problem_text"] = json!("   ");
    assert_problem(post(body).await, 422, "validation-failed").await;
    let mut body = check_body(&w);
    body["surprise"] = json!(1);
    assert_problem(post(body).await, 422, "invalid-body").await;

    let c = created(post(check_body(&w)).await).await;
    let path = format!("/api/v1/reuse-checks/{}", c["id"]);
    let patch = |body: Value| call(&app, me, Method::PATCH, &path, Some(body));
    assert_problem(
        patch(json!({"outcome": {"kind": "build_new"}})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        patch(json!({"outcome": {"kind": "reuse_solution"}})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        patch(json!({"outcome": {"kind": "reuse_solution", "solution_id": 999999}})).await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        patch(json!({"outcome": {"kind": "maybe"}})).await,
        422,
        "invalid-body",
    )
    .await;
    assert_problem(patch(json!({"title": ""})).await, 422, "validation-failed").await;

    // A community outcome names a channel the member may read; a private one of others
    // is refused like a missing one.
    let stranger = app.user(Role::Seeker, None).await;
    let private = channel(&app, &stranger, "community", "members").await;
    let err = assert_problem(
        patch(json!({"outcome": {"kind": "join_community", "channel_id": private}})).await,
        422,
        "validation-failed",
    )
    .await;
    assert!(
        err["detail"]
            .as_str()
            .unwrap()
            .contains("outcome.channel_id"),
        "{err}"
    );
    let open = channel(&app, &stranger, "community", "public").await;
    let res = patch(json!({"outcome": {"kind": "join_community", "channel_id": open}})).await;
    assert_eq!(res.status(), 200);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["outcome"]["label"], "Wohnsitzanmeldung");
    let res = patch(json!({"outcome": {"kind": "reuse_solution", "solution_id": w.used}})).await;
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["outcome"]["label"], "Wohnsitz online");
    assert_eq!(c["outcome"]["channel_id"], Value::Null);

    let decide = |sid: i64, body: Value| {
        call(
            &app,
            me,
            Method::PUT,
            format!("{path}/candidates/{sid}"),
            Some(body),
        )
    };
    assert_problem(
        decide(w.used, json!({"decision": "perhaps"})).await,
        422,
        "invalid-body",
    )
    .await;
    let other = created(
        call(
            &app,
            Some(&w.operator),
            Method::POST,
            "/api/v1/solutions",
            Some(json!({"title": "Nicht gezeigt", "kind": "software"})),
        )
        .await,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    assert_problem(
        decide(other, json!({"decision": "fits"})).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        call(&app, me, Method::GET, "/api/v1/reuse-checks/999999", None).await,
        404,
        "not-found",
    )
    .await;
}

async fn creating_checks_is_rate_limited(b: Backend) {
    let app = spawn_app_with(b, |c| {
        c.rate.reuse_checks_per_account = 2;
        c.matching.enabled = false;
    })
    .await;
    let w = world(&app).await;
    for _ in 0..2 {
        created(
            call(
                &app,
                Some(&w.member),
                Method::POST,
                "/api/v1/reuse-checks",
                Some(check_body(&w)),
            )
            .await,
        )
        .await;
    }
    let res = call(
        &app,
        Some(&w.member),
        Method::POST,
        "/api/v1/reuse-checks",
        Some(check_body(&w)),
    )
    .await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "rate-limited").await;
}

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
