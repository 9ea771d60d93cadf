//! Bundling (Bündler) on SQLite and PostgreSQL: a bundler's admins propose "bundles for",
//! the client's admins accept or decline; the bundler sees its clients' interests and
//! submits one bundled expression that counts once per client.

use matchraum_tests::ws::Ws;
use matchraum_tests::{assert_problem, on_both_backends, Backend, Role, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

use crate::interest::{call, express, json_of, organisation, scene_with, Scene};

on_both_backends!(
    a_bundler_collects_accepted_clients_interest_and_submits_it_once_per_client,
    only_admins_propose_and_answer_and_outsiders_see_nothing,
);

pub(crate) struct Bundler {
    pub org: i64,
    pub admin: TestUser,
    /// (client organisation, its admin)
    pub clients: Vec<(i64, TestUser)>,
}

/// A bundling organisation with its admin and two client organisations (not yet asked).
pub(crate) async fn bundler(s: &Scene) -> Bundler {
    let org = organisation(&s.app, &s.op, "Hessischer Städtetag", "intermediaer").await;
    let admin = s
        .app
        .user_in(Role::Seeker, Some(org), matchraum::auth::OrgRole::OrgAdmin)
        .await;
    let mut clients = Vec::new();
    for name in ["Gemeinde Ahnatal", "Gemeinde Baunatal"] {
        let id = organisation(&s.app, &s.op, name, "kommune").await;
        let a = s
            .app
            .user_in(Role::Seeker, Some(id), matchraum::auth::OrgRole::OrgAdmin)
            .await;
        clients.push((id, a));
    }
    Bundler {
        org,
        admin,
        clients,
    }
}

pub(crate) async fn propose(
    s: &Scene,
    b: &Bundler,
    client: i64,
    u: &TestUser,
) -> reqwest::Response {
    call(
        &s.app,
        Method::POST,
        &format!("/api/v1/organisations/{}/bundlings", b.org),
        Some(u),
        Some(json!({ "client_id": client })),
    )
    .await
}

async fn a_bundler_collects_accepted_clients_interest_and_submits_it_once_per_client(
    backend: Backend,
) {
    let s = scene_with(backend, |_| {}).await;
    let b = bundler(&s).await;
    let (ahnatal, ahnatal_admin) = &b.clients[0];
    let (baunatal, baunatal_admin) = &b.clients[1];
    let mut client_ws = Ws::connect(&s.app, Some(ahnatal_admin)).await;

    let proposed = json_of(propose(&s, &b, *ahnatal, &b.admin).await, 201).await;
    assert_eq!(proposed["state"], "proposed");
    assert_eq!(proposed["bundler_name"], "Hessischer Städtetag");
    assert_eq!(proposed["client_name"], "Gemeinde Ahnatal");
    let live = client_ws.expect("notification").await;
    assert_eq!(live["event"], "bundling_proposed");
    assert_eq!(live["other_organisation_id"], b.org);
    assert_problem(propose(&s, &b, *ahnatal, &b.admin).await, 409, "conflict").await;
    let second = json_of(propose(&s, &b, *baunatal, &b.admin).await, 201).await;

    // The clients answer: one accepts, one declines.
    let id = proposed["id"].as_i64().unwrap();
    let accepted = json_of(
        call(
            &s.app,
            Method::POST,
            &format!("/api/v1/bundlings/{id}/accept"),
            Some(ahnatal_admin),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(accepted["state"], "accepted");
    assert_eq!(accepted["answered_by"], ahnatal_admin.id);
    let id2 = second["id"].as_i64().unwrap();
    json_of(
        call(
            &s.app,
            Method::POST,
            &format!("/api/v1/bundlings/{id2}/decline"),
            Some(baunatal_admin),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_problem(
        call(
            &s.app,
            Method::POST,
            &format!("/api/v1/bundlings/{id2}/accept"),
            Some(baunatal_admin),
            None,
        )
        .await,
        409,
        "conflict",
    )
    .await;

    // The bundler sees its accepted client's own interest, not the declined one's.
    json_of(
        express(
            &s.app,
            ahnatal_admin,
            s.solution,
            json!({"level": "interested"}),
        )
        .await,
        201,
    )
    .await;
    json_of(
        express(
            &s.app,
            baunatal_admin,
            s.solution,
            json!({"level": "interested"}),
        )
        .await,
        201,
    )
    .await;
    let seen = json_of(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/organisations/{}/client-interests", b.org),
            Some(&b.admin),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(seen.as_array().unwrap().len(), 1, "{seen}");
    assert_eq!(seen[0]["solution_id"], s.solution);
    assert_eq!(seen[0]["solution_title"], "Online-Wohnsitzanmeldung");
    let names: Vec<&str> = seen[0]["interests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["organisation_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Gemeinde Ahnatal"]);

    // A bundled expression for a client that did not accept is refused as a whole.
    let path = format!(
        "/api/v1/organisations/{}/bundled-interests/solutions/{}",
        b.org, s.solution
    );
    let res = call(
        &s.app,
        Method::PUT,
        &path,
        Some(&b.admin),
        Some(json!({"client_ids": [ahnatal, baunatal], "interest": {"level": "letter_of_intent"}})),
    )
    .await;
    assert_eq!(
        assert_problem(res, 422, "validation-failed").await["field"],
        "client_ids"
    );
    let before = json_of(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/solutions/{}/interests", s.solution),
            None,
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(before["summary"]["organisations"], 2);

    // Submitted for the accepted client: its interest, bundled, counted once.
    let mut provider_ws = Ws::connect(&s.app, Some(&s.provider)).await;
    let res = call(&s.app, Method::PUT, &path, Some(&b.admin),
        Some(json!({"client_ids": [ahnatal, ahnatal], "interest": {"level": "letter_of_intent", "comment": "Gebündelt"}}))).await;
    let submitted = json_of(res, 200).await;
    assert_eq!(submitted.as_array().unwrap().len(), 1);
    assert_eq!(submitted[0]["organisation_id"], *ahnatal);
    assert_eq!(submitted[0]["bundled_by"], b.org);
    assert_eq!(submitted[0]["submitted_by"], b.admin.id);
    let after = json_of(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/solutions/{}/interests", s.solution),
            Some(&s.provider),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        after["summary"]["organisations"], 2,
        "the client counts once: {after}"
    );
    assert_eq!(after["summary"]["by_level"][2]["count"], 1);
    let bundled: Vec<&Value> = after["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["bundled_by"] == b.org)
        .collect();
    assert_eq!(bundled.len(), 1);
    assert_eq!(bundled[0]["organisation_name"], "Gemeinde Ahnatal");
    let live = provider_ws.expect("notification").await;
    assert_eq!(live["event"], "interest_expressed");
    assert_eq!(live["other_organisation_id"], b.org);

    // Both sides list it; either side's admin ends it; the interest stays the client's.
    let listed = json_of(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/organisations/{ahnatal}/bundlings"),
            Some(ahnatal_admin),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(listed[0]["state"], "accepted");
    assert_eq!(
        call(
            &s.app,
            Method::DELETE,
            &format!("/api/v1/bundlings/{id}"),
            Some(ahnatal_admin),
            None
        )
        .await
        .status(),
        204
    );
    let res = call(
        &s.app,
        Method::PUT,
        &path,
        Some(&b.admin),
        Some(json!({"client_ids": [ahnatal], "interest": {"level": "watching"}})),
    )
    .await;
    assert_problem(res, 422, "validation-failed").await;
    let own = json_of(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/solutions/{}/interest", s.solution),
            Some(ahnatal_admin),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(own["bundled_by"], b.org);

    // Every step is audited.
    let log = json_of(
        call(
            &s.app,
            Method::GET,
            "/api/v1/audit?limit=100",
            Some(&s.op),
            None,
        )
        .await,
        200,
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .filter(|a| a.starts_with("bundling."))
        .collect();
    assert_eq!(
        actions,
        vec![
            "bundling.ended",
            "bundling.declined",
            "bundling.accepted",
            "bundling.proposed",
            "bundling.proposed"
        ]
    );
}

async fn only_admins_propose_and_answer_and_outsiders_see_nothing(backend: Backend) {
    let s = scene_with(backend, |_| {}).await;
    let b = bundler(&s).await;
    let (ahnatal, ahnatal_admin) = &b.clients[0];
    let bundler_member = s.app.user(Role::Seeker, Some(b.org)).await;
    let client_member = s.app.user(Role::Seeker, Some(*ahnatal)).await;
    let (_, outsider) = &s.orgs[0];

    assert_problem(
        propose(&s, &b, *ahnatal, &bundler_member).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        propose(&s, &b, b.org, &b.admin).await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        propose(&s, &b, 999_999, &b.admin).await,
        422,
        "validation-failed",
    )
    .await;
    let res = call(
        &s.app,
        Method::POST,
        &format!("/api/v1/organisations/{}/bundlings", b.org),
        Some(&b.admin),
        Some(json!({"client": ahnatal})),
    )
    .await;
    assert_problem(res, 422, "invalid-body").await;

    let id = json_of(propose(&s, &b, *ahnatal, &b.admin).await, 201).await["id"]
        .as_i64()
        .unwrap();
    let accept = format!("/api/v1/bundlings/{id}/accept");
    assert_problem(
        call(&s.app, Method::POST, &accept, Some(&client_member), None).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        call(&s.app, Method::POST, &accept, Some(&b.admin), None).await,
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        call(&s.app, Method::POST, &accept, Some(outsider), None).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        call(
            &s.app,
            Method::POST,
            "/api/v1/bundlings/999999/accept",
            Some(ahnatal_admin),
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
            Method::DELETE,
            &format!("/api/v1/bundlings/{id}"),
            Some(&client_member),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;

    for path in [
        format!("/api/v1/organisations/{}/bundlings", b.org),
        format!("/api/v1/organisations/{}/client-interests", b.org),
    ] {
        assert_problem(
            call(&s.app, Method::GET, &path, Some(outsider), None).await,
            403,
            "forbidden",
        )
        .await;
        assert_problem(
            call(&s.app, Method::GET, &path, None, None).await,
            401,
            "unauthorized",
        )
        .await;
    }
    // Members read (but do not change) their organisation's bundlings.
    let listed = json_of(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/organisations/{}/bundlings", b.org),
            Some(&bundler_member),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(listed[0]["state"], "proposed");
    // A member of the bundler submits only for accepted clients, and outsiders not at all.
    let path = format!(
        "/api/v1/organisations/{}/bundled-interests/solutions/{}",
        b.org, s.solution
    );
    let body = json!({"client_ids": [ahnatal], "interest": {"level": "watching"}});
    assert_problem(
        call(
            &s.app,
            Method::PUT,
            &path,
            Some(&bundler_member),
            Some(body.clone()),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        call(&s.app, Method::PUT, &path, Some(outsider), Some(body)).await,
        403,
        "forbidden",
    )
    .await;
    let empty = json!({"client_ids": [], "interest": {"level": "watching"}});
    assert_problem(
        call(&s.app, Method::PUT, &path, Some(&b.admin), Some(empty)).await,
        422,
        "validation-failed",
    )
    .await;
}
