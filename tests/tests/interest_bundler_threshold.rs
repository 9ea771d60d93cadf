//! A bundler's threshold on SQLite and PostgreSQL: a bundling organisation's admins set one
//! for their accepted clients' interest in a solution ("ab 2 unserer Kommunen starten
//! wir"); only those clients count; reaching it opens a development community channel with
//! the signing clients, the bundler's and the provider's members, tells them live and is
//! audited.

use matchraum_tests::ws::Ws;
use matchraum_tests::{assert_problem, on_both_backends, Backend, Role};
use reqwest::Method;
use serde_json::{json, Value};

use crate::interest::{call, express, json_of, scene_with, Scene};
use crate::interest_bundling::{bundler, propose, Bundler};
use crate::interest_threshold::{audit_actions, member_ids};

on_both_backends!(a_bundler_threshold_counts_its_clients_and_opens_their_community);

fn path(b: &Bundler, s: &Scene) -> String {
    format!(
        "/api/v1/organisations/{}/bundled-interests/solutions/{}/threshold",
        b.org, s.solution
    )
}

async fn accepted(s: &Scene, b: &Bundler) {
    for (client, admin) in &b.clients {
        let id = json_of(propose(s, b, *client, &b.admin).await, 201).await["id"]
            .as_i64()
            .unwrap();
        let path = format!("/api/v1/bundlings/{id}/accept");
        json_of(
            call(&s.app, Method::POST, &path, Some(admin), None).await,
            200,
        )
        .await;
    }
}

async fn bundler_threshold(s: &Scene, b: &Bundler) -> Value {
    let path = format!("/api/v1/solutions/{}/interests", s.solution);
    let o = json_of(call(&s.app, Method::GET, &path, None, None).await, 200).await;
    o["thresholds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["organisation_id"] == b.org)
        .cloned()
        .expect("the bundler's threshold")
}

/// The next organisation notice of `event` (others, e.g. interest expressed, pass by).
async fn notice(ws: &mut Ws, event: &str) -> Value {
    loop {
        let f = ws.expect("notification").await;
        if f["event"] == event {
            return f;
        }
    }
}

async fn a_bundler_threshold_counts_its_clients_and_opens_their_community(backend: Backend) {
    let s = scene_with(backend, |_| {}).await;
    let b = bundler(&s).await;
    accepted(&s, &b).await;
    let (ahnatal, ahnatal_admin) = &b.clients[0];
    let (baunatal, baunatal_admin) = &b.clients[1];
    let (_, anna) = &s.orgs[0];
    let body = json!({"level": "letter_of_intent", "count": 2});

    // Only the bundler's admins set it; the provider sets its own on the solution.
    let member = s.app.user(Role::Seeker, Some(b.org)).await;
    for u in [&member, &s.provider, anna] {
        let res = call(
            &s.app,
            Method::PUT,
            &path(&b, &s),
            Some(u),
            Some(body.clone()),
        )
        .await;
        assert_problem(res, 403, "forbidden").await;
    }
    let own = format!(
        "/api/v1/organisations/{}/bundled-interests/solutions/{}/threshold",
        s.provider_org, s.solution
    );
    let provider_admin = s
        .app
        .user_in(
            Role::Provider,
            Some(s.provider_org),
            matchraum::auth::OrgRole::OrgAdmin,
        )
        .await;
    let res = call(
        &s.app,
        Method::PUT,
        &own,
        Some(&provider_admin),
        Some(body.clone()),
    )
    .await;
    assert_problem(res, 422, "validation-failed").await;
    let res = call(
        &s.app,
        Method::PUT,
        &path(&b, &s),
        Some(&b.admin),
        Some(json!({"level": "letter_of_intent", "count": 0})),
    )
    .await;
    assert_problem(res, 422, "validation-failed").await;
    let set = json_of(
        call(
            &s.app,
            Method::PUT,
            &path(&b, &s),
            Some(&b.admin),
            Some(body.clone()),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(
        (set["for_clients"].as_bool(), set["progress"].as_u64()),
        (Some(true), Some(0)),
        "{set}"
    );

    // A letter of intent from outside the clients does not count; a client's does.
    let loi = json!({"level": "letter_of_intent"});
    json_of(express(&s.app, anna, s.solution, loi.clone()).await, 201).await;
    assert_eq!(bundler_threshold(&s, &b).await["progress"], 0);
    json_of(
        express(&s.app, ahnatal_admin, s.solution, loi.clone()).await,
        201,
    )
    .await;
    let t = bundler_threshold(&s, &b).await;
    assert_eq!(
        (t["progress"].as_u64(), t["channel_id"].is_null()),
        (Some(1), true),
        "{t}"
    );

    // The second client reaches it: everyone concerned hears of it live, outsiders do not.
    let mut bundler_ws = Ws::connect(&s.app, Some(&b.admin)).await;
    let mut client_ws = Ws::connect(&s.app, Some(baunatal_admin)).await;
    let mut provider_ws = Ws::connect(&s.app, Some(&s.provider)).await;
    let mut anna_ws = Ws::connect(&s.app, Some(anna)).await;
    json_of(
        express(&s.app, baunatal_admin, s.solution, loi.clone()).await,
        201,
    )
    .await;
    let reached = notice(&mut bundler_ws, "threshold_reached").await;
    assert_eq!(reached["organisation_id"], b.org);
    assert_eq!(reached["solution_id"], s.solution);
    let channel = reached["channel_id"].as_i64().expect("the opened channel");
    for ws in [&mut client_ws, &mut provider_ws] {
        assert_eq!(notice(ws, "threshold_reached").await["channel_id"], channel);
    }
    let quiet = anna_ws
        .try_recv(std::time::Duration::from_millis(300))
        .await;
    assert!(
        quiet.is_none(),
        "a signer outside the clients is not told: {quiet:?}"
    );

    // The channel: the signing clients, the bundler's and the provider's members.
    let mut want = vec![
        ahnatal_admin.id,
        baunatal_admin.id,
        b.admin.id,
        member.id,
        s.provider.id,
        provider_admin.id,
    ];
    want.sort_unstable();
    assert_eq!(member_ids(&s, channel, &b.admin).await, want);
    let t = bundler_threshold(&s, &b).await;
    assert_eq!(
        (t["progress"].as_u64(), t["channel_id"].as_i64()),
        (Some(2), Some(channel))
    );
    let entries = audit_actions(&s, "threshold.reached").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["detail"]["for_clients"], true);
    assert_eq!(entries[0]["detail"]["signers"], json!([ahnatal, baunatal]));
    // Reached, it stays.
    let res = call(&s.app, Method::DELETE, &path(&b, &s), Some(&b.admin), None).await;
    assert_problem(res, 409, "conflict").await;
}
