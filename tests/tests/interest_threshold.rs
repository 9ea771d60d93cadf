//! Thresholds of interest on SQLite and PostgreSQL: "ab N Absichtserklärungen starten wir".
//! Reaching one opens a development community channel with everyone who signed and the
//! provider's members, tells them live and audits it — once, also when the last letters of
//! intent arrive at the same time.

use std::time::Duration;

use matchraum_tests::ws::Ws;
use matchraum_tests::{assert_problem, on_both_backends, Backend, TestUser};
use reqwest::Method;
use serde_json::{json, Value};

use crate::interest::{call, express, json_of, scene_with, Scene};

on_both_backends!(
    a_reached_threshold_opens_one_community_channel_and_tells_everyone_live,
    concurrent_letters_of_intent_open_the_channel_exactly_once,
    thresholds_are_set_by_the_providers_members_and_validated,
);

async fn threshold(s: &Scene, u: &TestUser, body: Value) -> reqwest::Response {
    call(
        &s.app,
        Method::PUT,
        &format!("/api/v1/solutions/{}/threshold", s.solution),
        Some(u),
        Some(body),
    )
    .await
}

async fn overview(s: &Scene) -> Value {
    let path = format!("/api/v1/solutions/{}/interests", s.solution);
    json_of(call(&s.app, Method::GET, &path, None, None).await, 200).await
}

pub(crate) async fn audit_actions(s: &Scene, action: &str) -> Vec<Value> {
    let log = json_of(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/audit?action={action}"),
            Some(&s.op),
            None,
        )
        .await,
        200,
    )
    .await;
    log["items"].as_array().unwrap().clone()
}

pub(crate) async fn member_ids(s: &Scene, channel: i64, as_user: &TestUser) -> Vec<i64> {
    let res = call(
        &s.app,
        Method::GET,
        &format!("/api/v1/channels/{channel}/members"),
        Some(as_user),
        None,
    )
    .await;
    let body = json_of(res, 200).await;
    let list = body
        .as_array()
        .cloned()
        .unwrap_or_else(|| body["items"].as_array().unwrap().clone());
    let mut ids: Vec<i64> = list
        .iter()
        .map(|m| m["user_id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

async fn a_reached_threshold_opens_one_community_channel_and_tells_everyone_live(b: Backend) {
    let s = scene_with(b, |_| {}).await;
    let (kassel, anna) = &s.orgs[0];
    let (fuldatal, ben) = &s.orgs[1];
    let (_, clara) = &s.orgs[2];
    let set = json_of(
        threshold(
            &s,
            &s.provider,
            json!({"level": "letter_of_intent", "count": 2}),
        )
        .await,
        200,
    )
    .await;
    assert_eq!(set["progress"], 0);
    assert_eq!(set["count"], 2);
    assert_eq!(set["reached_at"], Value::Null);

    let mut provider_ws = Ws::connect(&s.app, Some(&s.provider)).await;
    let mut anna_ws = Ws::connect(&s.app, Some(anna)).await;
    let mut clara_ws = Ws::connect(&s.app, Some(clara)).await;

    json_of(
        express(
            &s.app,
            anna,
            s.solution,
            json!({"level": "letter_of_intent"}),
        )
        .await,
        201,
    )
    .await;
    assert_eq!(
        provider_ws.expect("notification").await["event"],
        "interest_expressed"
    );
    // "Interested" does not count towards a threshold of letters of intent.
    json_of(
        express(&s.app, ben, s.solution, json!({"level": "interested"})).await,
        201,
    )
    .await;
    assert_eq!(
        provider_ws.expect("notification").await["event"],
        "interest_expressed"
    );
    let t = &overview(&s).await["thresholds"][0];
    assert_eq!(
        (t["progress"].as_u64(), t["channel_id"].is_null()),
        (Some(1), true),
        "{t}"
    );

    // The second letter of intent reaches it.
    json_of(
        express(
            &s.app,
            ben,
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
    let reached = provider_ws.expect("notification").await;
    assert_eq!(reached["kind"], "organisation");
    assert_eq!(reached["event"], "threshold_reached", "{reached}");
    assert_eq!(reached["organisation_id"], s.provider_org);
    assert_eq!(reached["solution_id"], s.solution);
    let channel = reached["channel_id"].as_i64().expect("the opened channel");
    let signer_side = anna_ws.expect("notification").await;
    assert_eq!(signer_side["event"], "threshold_reached");
    assert_eq!(signer_side["organisation_id"], *kassel);
    assert_eq!(signer_side["channel_id"], channel);
    let quiet = clara_ws.try_recv(Duration::from_millis(300)).await;
    assert!(quiet.is_none(), "a non-signer is not told: {quiet:?}");

    let t = overview(&s).await["thresholds"][0].clone();
    assert_eq!(t["progress"], 2);
    assert_eq!(t["channel_id"], channel);
    assert!(t["reached_at"].is_string());

    // The channel: a members-only development community of the signers and the provider.
    let ch = json_of(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/channels/{channel}"),
            Some(anna),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(ch["kind"], "community");
    assert_eq!(ch["visibility"], "members");
    assert_eq!(ch["solution_id"], s.solution);
    assert_eq!(ch["organisation_id"], s.provider_org);
    let mut want = vec![anna.id, ben.id, s.provider.id];
    want.sort_unstable();
    assert_eq!(member_ids(&s, channel, anna).await, want);
    assert_problem(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/channels/{channel}"),
            Some(clara),
            None,
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    // Signers talk in it at once, live.
    let mut a = Ws::connect(&s.app, Some(anna)).await;
    a.subscribe(channel, None).await;
    let mut p = Ws::connect(&s.app, Some(&s.provider)).await;
    p.subscribe(channel, None).await;
    a.say(channel, "t-1", "Wann starten wir?").await;
    let heard = p.expect("message").await;
    assert_eq!(heard["body"], "Wann starten wir?");

    // Audited once, with the signers; inboxes keep it.
    let entries = audit_actions(&s, "threshold.reached").await;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["detail"]["channel"], channel);
    assert_eq!(entries[0]["detail"]["signers"], json!([kassel, fuldatal]));
    let inbox = json_of(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/organisations/{fuldatal}/notices"),
            Some(ben),
            None,
        )
        .await,
        200,
    )
    .await;
    assert_eq!(inbox[0]["event"], "threshold_reached");
    assert_eq!(inbox[0]["channel_id"], channel);

    // A later letter of intent joins the open channel; nothing is opened or announced again.
    json_of(
        express(
            &s.app,
            clara,
            s.solution,
            json!({"level": "letter_of_intent"}),
        )
        .await,
        201,
    )
    .await;
    let mut want = vec![anna.id, ben.id, clara.id, s.provider.id];
    want.sort_unstable();
    assert_eq!(member_ids(&s, channel, anna).await, want);
    assert_eq!(audit_actions(&s, "threshold.reached").await.len(), 1);
    let later = clara_ws.try_recv(Duration::from_millis(300)).await;
    assert!(later.is_none(), "{later:?}");
}

async fn concurrent_letters_of_intent_open_the_channel_exactly_once(b: Backend) {
    let s = scene_with(b, |_| {}).await;
    // Five more organisations, so that many requests race for the last places.
    let mut signers: Vec<TestUser> = s.orgs.iter().map(|(_, u)| u.clone()).collect();
    for i in 0..5 {
        let id =
            crate::interest::organisation(&s.app, &s.op, &format!("Gemeinde {i}"), "kommune").await;
        signers.push(s.app.user(matchraum_tests::Role::Seeker, Some(id)).await);
    }
    json_of(
        threshold(
            &s,
            &s.provider,
            json!({"level": "letter_of_intent", "count": 6}),
        )
        .await,
        200,
    )
    .await;
    let mut provider_ws = Ws::connect(&s.app, Some(&s.provider)).await;
    let body = json!({"level": "letter_of_intent"});
    let results = futures_util::future::join_all(
        signers
            .iter()
            .map(|u| express(&s.app, u, s.solution, body.clone())),
    )
    .await;
    for r in results {
        assert_eq!(r.status(), 201);
    }
    let t = overview(&s).await["thresholds"][0].clone();
    assert_eq!(t["progress"], 8);
    let channel = t["channel_id"].as_i64().expect("opened");
    assert_eq!(audit_actions(&s, "threshold.reached").await.len(), 1);
    let channels = json_of(
        call(
            &s.app,
            Method::GET,
            &format!("/api/v1/channels?mine=true&solution_id={}", s.solution),
            Some(&s.provider),
            None,
        )
        .await,
        200,
    )
    .await;
    let list = channels
        .as_array()
        .cloned()
        .unwrap_or_else(|| channels["items"].as_array().unwrap().clone());
    let community: Vec<&Value> = list.iter().filter(|c| c["kind"] == "community").collect();
    assert_eq!(community.len(), 1, "{channels}");
    assert_eq!(community[0]["id"], channel);
    // Every signer is a member, however the race went (late ones joined the open channel).
    let members = member_ids(&s, channel, &s.provider).await;
    for u in &signers {
        assert!(members.contains(&u.id), "{} missing in {members:?}", u.id);
    }
    // The provider hears of it once.
    let mut reached = 0;
    while let Some(f) = provider_ws.try_recv(Duration::from_millis(500)).await {
        if f["type"] == "notification" && f["event"] == "threshold_reached" {
            reached += 1;
        }
    }
    assert_eq!(reached, 1);
}

async fn thresholds_are_set_by_the_providers_members_and_validated(b: Backend) {
    let s = scene_with(b, |_| {}).await;
    let (_, anna) = &s.orgs[0];
    let path = format!("/api/v1/solutions/{}/threshold", s.solution);
    let good = json!({"level": "interested", "count": 3});
    let anonymous = s
        .app
        .client
        .put(s.app.url(&path))
        .json(&good)
        .send()
        .await
        .unwrap();
    assert_problem(anonymous, 401, "unauthorized").await;
    assert_problem(threshold(&s, anna, good.clone()).await, 403, "forbidden").await;
    for bad in [
        json!({"level": "interested", "count": 0}),
        json!({"level": "interested", "count": 10001}),
    ] {
        let p = assert_problem(
            threshold(&s, &s.provider, bad).await,
            422,
            "validation-failed",
        )
        .await;
        assert_eq!(p["field"], "count");
    }
    assert_problem(
        threshold(&s, &s.provider, json!({"level": "interested"})).await,
        422,
        "invalid-body",
    )
    .await;
    assert_problem(
        threshold(&s, &s.provider, json!({"level": "sure", "count": 2})).await,
        422,
        "invalid-body",
    )
    .await;
    // Set, changed, removed while unreached.
    json_of(threshold(&s, &s.provider, good.clone()).await, 200).await;
    let changed = json_of(
        threshold(&s, &s.provider, json!({"level": "interested", "count": 1})).await,
        200,
    )
    .await;
    assert_eq!(changed["count"], 1);
    assert_eq!(
        call(&s.app, Method::DELETE, &path, Some(&s.provider), None)
            .await
            .status(),
        204
    );
    assert_eq!(overview(&s).await["thresholds"], json!([]));
    // A threshold that is already met when it is set is reached at once.
    json_of(
        express(&s.app, anna, s.solution, json!({"level": "interested"})).await,
        201,
    )
    .await;
    let met = json_of(
        threshold(&s, &s.provider, json!({"level": "watching", "count": 1})).await,
        200,
    )
    .await;
    assert!(met["channel_id"].is_i64(), "{met}");
    assert_eq!(met["progress"], 1);
    // A reached threshold stays.
    assert_problem(threshold(&s, &s.provider, good).await, 409, "conflict").await;
    assert_problem(
        call(&s.app, Method::DELETE, &path, Some(&s.provider), None).await,
        409,
        "conflict",
    )
    .await;
    let entries = audit_actions(&s, "threshold.set").await;
    assert_eq!(entries.len(), 3);
    assert_eq!(audit_actions(&s, "threshold.removed").await.len(), 1);
}
