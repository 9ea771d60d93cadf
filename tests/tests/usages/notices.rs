//! A usage claim tells the using organisation live, with the usage to confirm or reject;
//! deciding reads the notice. The inbox marks notices read one by one or all at once (for
//! every member of the organisation, by members only) and counts the unread ones. A
//! confirmation that falls due asks the organisation again, once per due date.

use matchraum_tests::ws::Ws;

use super::*;

on_both_backends!(
    a_usage_claim_tells_the_using_organisation_live_until_it_decides,
    notices_are_marked_read_by_members_only,
    a_due_usage_asks_its_organisation_again_once_per_due_date,
);

async fn unread(app: &TestApp, u: &TestUser) -> u64 {
    let (status, body) = send(app, Method::GET, "/api/v1/notices/unread", Some(u), None).await;
    assert_eq!(status, 200, "{body}");
    body["unread"].as_u64().unwrap()
}

async fn claimed_notices(app: &TestApp, u: &TestUser, org: i64) -> Vec<Value> {
    notices_of(app, u, org, "usage_claimed").await
}

async fn notices_of(app: &TestApp, u: &TestUser, org: i64, event: &str) -> Vec<Value> {
    let path = format!("/api/v1/organisations/{org}/notices");
    let (status, body) = send(app, Method::GET, &path, Some(u), None).await;
    assert_eq!(status, 200, "{body}");
    body.as_array()
        .unwrap()
        .iter()
        .filter(|n| n["event"] == event)
        .cloned()
        .collect()
}

async fn claim(app: &TestApp, u: &TestUser, solution: i64, org: i64) -> i64 {
    let path = format!("/api/v1/solutions/{solution}/usages");
    app.created(&path, u, json!({"organisation_id": org})).await["id"]
        .as_i64()
        .unwrap()
}

async fn a_usage_claim_tells_the_using_organisation_live_until_it_decides(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let vendor = app.user(Role::Provider, Some(w.provider)).await;
    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    let mut clerk_ws = Ws::connect(&app, Some(&clerk)).await;
    let mut vendor_ws = Ws::connect(&app, Some(&vendor)).await;

    let usage = claim(&app, &vendor, w.solution, w.city).await;
    let live = clerk_ws.expect("notification").await;
    assert_eq!(live["kind"], "organisation", "{live}");
    assert_eq!(live["event"], "usage_claimed");
    assert_eq!(live["organisation_id"], w.city);
    assert_eq!(live["usage_id"], usage);
    assert_eq!(live["solution_id"], w.solution);
    assert_eq!(live["other_organisation_id"], w.provider);
    assert!(
        vendor_ws
            .try_recv(std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "the claimant is not told"
    );
    assert_eq!(unread(&app, &clerk).await, 1);

    // Confirming from the notice: the claim is decided, the notice read.
    let path = format!("/api/v1/usages/{usage}/confirm");
    let (status, u) = send(&app, Method::POST, &path, Some(&clerk), None).await;
    assert_eq!(
        (status, &u["verification"]),
        (200, &json!("confirmed")),
        "{u}"
    );
    assert!(claimed_notices(&app, &clerk, w.city).await[0]["read_at"].is_string());
    assert_eq!(unread(&app, &clerk).await, 0);

    // Rejecting another claim reads its notice too.
    let other = claim(&app, &vendor, w.other_solution, w.city).await;
    assert_eq!(clerk_ws.expect("notification").await["usage_id"], other);
    let path = format!("/api/v1/usages/{other}/reject");
    let (status, _) = send(&app, Method::POST, &path, Some(&clerk), None).await;
    assert_eq!(status, 200);
    assert_eq!(unread(&app, &clerk).await, 0);

    // A member recording the organisation's own usage is told nothing.
    let third = app
        .created(
            "/api/v1/solutions",
            &w.op,
            json!({"title": "Ratsinfo", "provider_id": w.provider}),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    claim(&app, &clerk, third, w.city).await;
    assert!(clerk_ws
        .try_recv(std::time::Duration::from_millis(300))
        .await
        .is_none());
    assert_eq!(claimed_notices(&app, &clerk, w.city).await.len(), 2);
}

async fn notices_are_marked_read_by_members_only(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let vendor = app.user(Role::Provider, Some(w.provider)).await;
    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    let colleague = app.user(Role::Seeker, Some(w.city)).await;
    claim(&app, &vendor, w.solution, w.city).await;
    claim(&app, &vendor, w.other_solution, w.city).await;
    assert_eq!(unread(&app, &colleague).await, 2);
    let notices = claimed_notices(&app, &clerk, w.city).await;
    let first = notices[0]["id"].as_i64().unwrap();
    let path = format!("/api/v1/notices/{first}/read");

    // Outsiders and operators looking in cannot mark them; a missing one is a 404.
    for u in [&vendor, &w.op] {
        let (status, p) = send(&app, Method::POST, &path, Some(u), None).await;
        assert_eq!(
            (status, &p["type"]),
            (403, &json!("/problems/forbidden")),
            "{p}"
        );
    }
    let (status, _) = send(&app, Method::POST, &path, None, None).await;
    assert_eq!(status, 401);
    let (status, p) = send(
        &app,
        Method::POST,
        "/api/v1/notices/999999/read",
        Some(&clerk),
        None,
    )
    .await;
    assert_eq!(
        (status, &p["type"]),
        (404, &json!("/problems/not-found")),
        "{p}"
    );

    // One member marks one: read for the colleague as well; marking again changes nothing.
    for _ in 0..2 {
        let (status, _) = send(&app, Method::POST, &path, Some(&clerk), None).await;
        assert_eq!(status, 204);
    }
    assert_eq!(unread(&app, &colleague).await, 1);
    let notices = claimed_notices(&app, &colleague, w.city).await;
    let read: Vec<bool> = notices.iter().map(|n| n["read_at"].is_string()).collect();
    assert_eq!(read, [true, false], "newest first: {notices:?}");

    // All at once.
    let all = format!("/api/v1/organisations/{}/notices/read", w.city);
    let (status, _) = send(&app, Method::POST, &all, Some(&vendor), None).await;
    assert_eq!(status, 403);
    let (status, _) = send(&app, Method::POST, &all, Some(&colleague), None).await;
    assert_eq!(status, 204);
    assert_eq!(unread(&app, &clerk).await, 0);
    assert_eq!(
        unread(&app, &vendor).await,
        0,
        "the claimant's inbox is empty"
    );
}

async fn a_due_usage_asks_its_organisation_again_once_per_due_date(b: Backend) {
    // Confirmations fall due at once, and the sweep runs every second.
    let app = spawn_app_with(b, |c| {
        c.matching.enabled = false;
        c.catalog.usage_reconfirm_months = 0;
        c.catalog.stale_sweep_secs = 1;
    })
    .await;
    let w = world(&app).await;
    let vendor = app.user(Role::Provider, Some(w.provider)).await;
    let clerk = app.user(Role::Seeker, Some(w.city)).await;
    let mut clerk_ws = Ws::connect(&app, Some(&clerk)).await;
    // A member's own usage is confirmed at once; a claim is not, and is never due.
    let own = claim(&app, &clerk, w.solution, w.city).await;
    claim(&app, &vendor, w.other_solution, w.city).await;
    // The claim is told at once, the due usage at the next sweep: in either order.
    let mut frames = vec![
        clerk_ws.expect("notification").await,
        clerk_ws.expect("notification").await,
    ];
    frames.sort_by_key(|f| f["event"].as_str().unwrap_or_default().to_owned());
    let [claimed, due] = <[Value; 2]>::try_from(frames).unwrap();
    assert_eq!(claimed["event"], "usage_claimed", "{claimed}");
    assert_eq!(due["kind"], "organisation", "{due}");
    assert_eq!(due["event"], "usage_reconfirm_due");
    assert_eq!(
        (
            &due["usage_id"],
            &due["solution_id"],
            &due["organisation_id"]
        ),
        (&json!(own), &json!(w.solution), &json!(w.city))
    );
    // Sweeps at once (as on two replicas) and the periodic one: asked once.
    use matchraum::services::freshness::sweep_due_usages;
    let now = chrono::Utc::now();
    let (x, y) = tokio::join!(
        sweep_due_usages(&app.db.conn, now),
        sweep_due_usages(&app.db.conn, now)
    );
    assert_eq!(x.unwrap().len() + y.unwrap().len(), 0);
    let quiet = clerk_ws
        .try_recv(std::time::Duration::from_millis(1500))
        .await;
    assert!(quiet.is_none(), "asked twice: {quiet:?}");
    let asked = notices_of(&app, &clerk, w.city, "usage_reconfirm_due").await;
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["read_at"], Value::Null);
    assert!(
        notices_of(&app, &vendor, w.provider, "usage_reconfirm_due")
            .await
            .is_empty(),
        "the provider is not asked"
    );

    // "Ja, wir nutzen sie noch": confirmed anew, the notice read; the new due date (at
    // once, with 0 months) asks once more.
    let path = format!("/api/v1/usages/{own}/confirm");
    let (status, u) = send(&app, Method::POST, &path, Some(&clerk), None).await;
    assert_eq!(
        (status, &u["verification"]),
        (200, &json!("confirmed")),
        "{u}"
    );
    let again = clerk_ws.expect("notification").await;
    assert_eq!(again["event"], "usage_reconfirm_due", "{again}");
    let asked = notices_of(&app, &clerk, w.city, "usage_reconfirm_due").await;
    let read: Vec<bool> = asked.iter().map(|n| n["read_at"].is_string()).collect();
    assert_eq!(read, [false, true], "newest first: {asked:?}");
}
