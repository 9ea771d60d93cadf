//! Who learns of interest: the public aggregate, names for the provider, live notices, and needs' visibility.

use super::*;

on_both_backends!(
    the_aggregate_is_public_and_names_are_for_the_provider_only,
    the_provider_hears_of_interest_live_and_in_its_inbox,
    interest_in_needs_follows_the_need_visibility,
);

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
