//! Interest in solutions and needs (Interessenbekundung) on SQLite and PostgreSQL: members
//! express their organisation's interest, change and withdraw it; everybody sees the
//! aggregate, the provider's members see names; the provider hears of it live; bad input,
//! foreign organisations and floods are refused with problem+json.

use std::time::Duration;

use matchraum_tests::ws::{rt_config, Ws};
use matchraum_tests::{
    assert_problem, on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    members_express_change_and_withdraw_their_organisations_interest,
    the_aggregate_is_public_and_names_are_for_the_provider_only,
    the_provider_hears_of_interest_live_and_in_its_inbox,
    interest_in_needs_follows_the_need_visibility,
    bad_input_and_foreign_organisations_are_refused,
    expressing_interest_is_rate_limited_per_account,
);

/// A catalogue with a provider, its solution and three interested organisations.
pub(crate) struct Scene {
    pub app: TestApp,
    pub op: TestUser,
    pub provider_org: i64,
    pub solution: i64,
    /// (organisation, a member of it)
    pub orgs: Vec<(i64, TestUser)>,
    pub provider: TestUser,
}

pub(crate) async fn call(
    app: &TestApp,
    m: Method,
    path: &str,
    u: Option<&TestUser>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut rb = app.request(m, path, u);
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    rb.send().await.unwrap()
}

pub(crate) async fn json_of(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let url = res.url().to_string();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{url}: {body}");
    body
}

pub(crate) async fn create(app: &TestApp, op: &TestUser, path: &str, body: Value) -> i64 {
    json_of(
        call(app, Method::POST, path, Some(op), Some(body)).await,
        201,
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

pub(crate) async fn organisation(app: &TestApp, op: &TestUser, name: &str, kind: &str) -> i64 {
    create(
        app,
        op,
        "/api/v1/organisations",
        json!({"name": name, "kind": kind, "land": "Hessen"}),
    )
    .await
}

pub(crate) async fn scene_with(
    b: Backend,
    tweak: impl FnOnce(&mut matchraum::config::Config),
) -> Scene {
    let app = spawn_app_with(b, |c| {
        rt_config(c);
        tweak(c);
    })
    .await;
    let op = app.operator().await;
    let provider_org = organisation(&app, &op, "ekom21", "it_dienstleister").await;
    let solution = create(
        &app,
        &op,
        "/api/v1/solutions",
        json!({"title": "Online-Wohnsitzanmeldung", "kind": "online_service", "provider_id": provider_org}),
    )
    .await;
    let mut orgs = Vec::new();
    for (name, kind) in [
        ("Stadt Kassel", "kommune"),
        ("Gemeinde Fuldatal", "kommune"),
        ("Land Hessen", "land"),
    ] {
        let id = organisation(&app, &op, name, kind).await;
        orgs.push((id, app.user(Role::Seeker, Some(id)).await));
    }
    let provider = app.user(Role::Provider, Some(provider_org)).await;
    Scene {
        app,
        op,
        provider_org,
        solution,
        orgs,
        provider,
    }
}

async fn scene(b: Backend) -> Scene {
    scene_with(b, |_| {}).await
}

pub(crate) async fn express(
    app: &TestApp,
    u: &TestUser,
    solution: i64,
    body: Value,
) -> reqwest::Response {
    call(
        app,
        Method::PUT,
        &format!("/api/v1/solutions/{solution}/interest"),
        Some(u),
        Some(body),
    )
    .await
}

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

async fn the_aggregate_is_public_and_names_are_for_the_provider_only(b: Backend) {
    let s = scene(b).await;
    let levels = ["letter_of_intent", "interested", "letter_of_intent"];
    for ((_, u), level) in s.orgs.iter().zip(levels) {
        json_of(
            express(&s.app, u, s.solution, json!({"level": level})).await,
            201,
        )
        .await;
    }
    let path = format!("/api/v1/solutions/{}/interests", s.solution);

    let public = json_of(call(&s.app, Method::GET, &path, None, None).await, 200).await;
    assert_eq!(public["summary"]["organisations"], 3);
    assert_eq!(
        public["summary"]["by_level"],
        json!([{"level": "watching", "count": 0}, {"level": "interested", "count": 1},
               {"level": "letter_of_intent", "count": 2}])
    );
    assert_eq!(
        public["summary"]["by_kind"],
        json!([{"kind": "kommune", "count": 2}, {"kind": "land", "count": 1}])
    );
    assert_eq!(
        public["entries"],
        Value::Null,
        "no names for anonymous callers"
    );
    assert_eq!(public["owner_view"], false);
    assert_eq!(public["mine"], json!([]));

    // A member of an interested organisation sees its own interest, not the others' names.
    let (kassel, anna) = &s.orgs[0];
    let member = json_of(
        call(&s.app, Method::GET, &path, Some(anna), None).await,
        200,
    )
    .await;
    assert_eq!(member["entries"], Value::Null);
    assert_eq!(member["mine"].as_array().unwrap().len(), 1);
    assert_eq!(member["mine"][0]["organisation_id"], *kassel);

    // The provider's members and operators see who, strongest level first.
    for viewer in [&s.provider, &s.op] {
        let named = json_of(
            call(&s.app, Method::GET, &path, Some(viewer), None).await,
            200,
        )
        .await;
        assert_eq!(named["owner_view"], true);
        let names: Vec<(&str, &str)> = named["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["organisation_name"].as_str().unwrap(),
                    e["level"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            names,
            vec![
                ("Land Hessen", "letter_of_intent"),
                ("Stadt Kassel", "letter_of_intent"),
                ("Gemeinde Fuldatal", "interested"),
            ]
        );
    }

    // Withdrawing changes the aggregate at once.
    let own = format!("/api/v1/solutions/{}/interest", s.solution);
    assert_eq!(
        call(&s.app, Method::DELETE, &own, Some(anna), None)
            .await
            .status(),
        204
    );
    let after = json_of(call(&s.app, Method::GET, &path, None, None).await, 200).await;
    assert_eq!(after["summary"]["organisations"], 2);
    assert_eq!(after["summary"]["by_level"][2]["count"], 1);
    assert_eq!(
        after["summary"]["by_kind"],
        json!([{"kind": "kommune", "count": 1}, {"kind": "land", "count": 1}])
    );
}

async fn the_provider_hears_of_interest_live_and_in_its_inbox(b: Backend) {
    let s = scene(b).await;
    let (kassel, anna) = &s.orgs[0];
    let mut provider_ws = Ws::connect(&s.app, Some(&s.provider)).await;
    let mut anna_ws = Ws::connect(&s.app, Some(anna)).await;
    json_of(
        express(&s.app, anna, s.solution, json!({"level": "interested"})).await,
        201,
    )
    .await;

    let live = provider_ws.expect("notification").await;
    assert_eq!(live["kind"], "organisation", "{live}");
    assert_eq!(live["event"], "interest_expressed");
    assert_eq!(live["organisation_id"], s.provider_org);
    assert_eq!(live["solution_id"], s.solution);
    assert_eq!(live["other_organisation_id"], *kassel);
    let quiet = anna_ws.try_recv(Duration::from_millis(300)).await;
    assert!(
        quiet.is_none(),
        "the interested side is not told: {quiet:?}"
    );

    // A new comment at the same level tells nobody again; a new level does.
    json_of(
        express(
            &s.app,
            anna,
            s.solution,
            json!({"level": "interested", "comment": "Noch offen"}),
        )
        .await,
        200,
    )
    .await;
    let again = provider_ws.try_recv(Duration::from_millis(300)).await;
    assert!(again.is_none(), "{again:?}");
    json_of(
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
    assert_eq!(
        provider_ws.expect("notification").await["event"],
        "interest_expressed"
    );

    let inbox_path = format!("/api/v1/organisations/{}/notices", s.provider_org);
    let inbox = json_of(
        call(&s.app, Method::GET, &inbox_path, Some(&s.provider), None).await,
        200,
    )
    .await;
    let items = inbox.as_array().unwrap();
    assert_eq!(items.len(), 2, "{inbox}");
    assert!(items.iter().all(|n| n["event"] == "interest_expressed"
        && n["other_organisation_id"] == *kassel
        && n["read_at"].is_null()));
    // Only the organisation's members read its inbox.
    assert_problem(
        call(&s.app, Method::GET, &inbox_path, Some(anna), None).await,
        403,
        "forbidden",
    )
    .await;
}

async fn interest_in_needs_follows_the_need_visibility(b: Backend) {
    let s = scene(b).await;
    let (kassel, anna) = &s.orgs[0];
    let (fuldatal, ben) = &s.orgs[1];
    let public = create(&s.app, &s.op, "/api/v1/needs", json!({"organisation_id": kassel,
        "title": "Digitale Hundesteuer", "description": "Anmeldung und Abmeldung von Hunden online."})).await;
    let private = create(
        &s.app,
        &s.op,
        "/api/v1/needs",
        json!({"organisation_id": kassel,
        "title": "Internes Vorhaben", "description": "Nur für uns.", "visibility": "organisation"}),
    )
    .await;

    let path = format!("/api/v1/needs/{public}/interest");
    let same = json_of(
        call(
            &s.app,
            Method::PUT,
            &path,
            Some(ben),
            Some(json!({"level": "interested",
        "comment": "Wir haben das gleiche Problem"})),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(same["need_id"], public);
    assert_eq!(same["organisation_id"], *fuldatal);
    // The need's organisation sees who; others the aggregate.
    let list = format!("/api/v1/needs/{public}/interests");
    let named = json_of(
        call(&s.app, Method::GET, &list, Some(anna), None).await,
        200,
    )
    .await;
    assert_eq!(
        named["entries"][0]["organisation_name"],
        "Gemeinde Fuldatal"
    );
    let anonymous = json_of(call(&s.app, Method::GET, &list, None, None).await, 200).await;
    assert_eq!(anonymous["summary"]["organisations"], 1);
    assert_eq!(anonymous["entries"], Value::Null);

    // A private need does not exist for outsiders, whatever they try.
    for (m, p) in [
        (Method::PUT, format!("/api/v1/needs/{private}/interest")),
        (Method::GET, format!("/api/v1/needs/{private}/interests")),
    ] {
        let body = (m == Method::PUT).then(|| json!({"level": "watching"}));
        assert_problem(call(&s.app, m, &p, Some(ben), body).await, 404, "not-found").await;
    }
    assert_problem(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/needs/{private}/interests"),
            None,
            None,
        )
        .await,
        404,
        "not-found",
    )
    .await;
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
