//! What a match answers: solutions, providers and peers with their reasons, filters that
//! narrow it, and clear problems for bad input.

use super::*;

on_both_backends!(
    match_explains_solutions_providers_and_peers,
    filters_narrow_the_answer,
    bad_match_input_gets_clear_problems,
);

async fn match_explains_solutions_providers_and_peers(b: Backend) {
    let (addr, client, _db, s) = seeded_app(b).await;
    let res = post_match(&client, &addr, json!({"text": "Wie können Bürger nach dem Umzug ihre neue Wohnung digital anmelden?", "limit": 3})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let top = &body["solutions"][0];
    assert_eq!(top["id"], s.wohnsitz, "{body:#}");
    // Freshness as in the catalogue: verified a month ago, the others never.
    assert_eq!(top["stale"], false);
    assert!(body["solutions"].as_array().unwrap()[1..]
        .iter()
        .all(|x| x["stale"] == true));
    // What each entry misses of its kind's minimum requirements, as in the catalogue.
    for x in body["solutions"].as_array().unwrap() {
        let entry: Value = client
            .get(format!("{addr}/api/v1/solutions/{}", x["id"]))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(x["missing"].is_array(), "{x}");
        assert_eq!(x["missing"], entry["missing"], "{}", x["title"]);
    }
    assert!(
        body["solutions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| !x["missing"].as_array().unwrap().is_empty()),
        "the seeded entries miss something: {body:#}"
    );
    let ex = &top["explanation"];
    assert!(ex["semantic_similarity"].as_f64().unwrap() > 0.5);
    assert!(ex["lexical_rank"].is_number());
    let terms: Vec<String> = ex["matched_terms"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            f["terms"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t.as_str().unwrap().to_owned())
        })
        .collect();
    assert!(terms.iter().any(|t| t == "Umzug"), "{terms:?}");
    assert_eq!(ex["used_by"][0]["organisation"]["id"], s.city);
    assert_eq!(top["provider"]["id"], s.krz);
    assert!(body["providers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["organisation"]["id"] == s.krz));
    let peers = body["peers"].as_array().unwrap();
    assert!(
        peers
            .iter()
            .any(|p| p["organisation"]["id"] == s.city && p["uses_solution_ids"][0] == s.wohnsitz),
        "{peers:?}"
    );
    assert!(
        peers.iter().any(|p| p["organisation"]["id"] == s.village
            && p["similar_needs"].as_array().unwrap().len() == 1),
        "{peers:?}"
    );

    for mode in ["lexical", "vector"] {
        let body: Value = post_match(
            &client,
            &addr,
            json!({"text": "Wohnsitz nach Umzug anmelden", "mode": mode}),
        )
        .await
        .json()
        .await
        .unwrap();
        assert_eq!(body["mode"], mode);
        assert_eq!(body["solutions"][0]["id"], s.wohnsitz, "{mode}: {body:#}");
    }
}

async fn filters_narrow_the_answer(b: Backend) {
    let (addr, client, _db, s) = seeded_app(b).await;
    let text = "Online-Antrag für Bürger";
    let ids = |v: &Value| {
        v["solutions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let body: Value = post_match(
        &client,
        &addr,
        json!({"text": text, "filters": {"maturity": ["pilot"]}}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(ids(&body), [s.kita]);
    let body: Value = post_match(
        &client,
        &addr,
        json!({"text": text, "filters": {"standard": ["fit-connect"]}}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(ids(&body), [s.wohnsitz]);
    let body: Value = post_match(
        &client,
        &addr,
        json!({"text": text, "filters": {"land": ["Bayern"], "provider_kind": ["land"]}}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(ids(&body).len(), 2);
    assert!(!ids(&body).contains(&s.wohnsitz));
    let body: Value = post_match(
        &client,
        &addr,
        json!({"text": text, "filters": {"land": ["Bremen"]}}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(ids(&body).is_empty());
}

async fn bad_match_input_gets_clear_problems(b: Backend) {
    let (addr, client, _db, _s) = seeded_app(b).await;
    let cases = [
        (
            json!({"text": "   "}),
            422,
            "validation-failed",
            Some("text"),
        ),
        (
            json!({"text": "x".repeat(4_001)}),
            422,
            "validation-failed",
            Some("text"),
        ),
        (
            json!({"text": "Wohnsitz ".repeat(120_000)}),
            413,
            "payload-too-large",
            None,
        ),
        (
            json!({"text": "a", "filters": {"maturity": ["beta"]}}),
            422,
            "invalid-body",
            None,
        ),
        (
            json!({"text": "a", "filters": {"colour": ["red"]}}),
            422,
            "invalid-body",
            None,
        ),
        (
            json!({"text": "a", "filters": {"land": ["Atlantis"]}}),
            422,
            "validation-failed",
            Some("filters.land"),
        ),
        (
            json!({"text": "a", "mode": "magic"}),
            422,
            "invalid-body",
            None,
        ),
        (
            json!({"text": "a", "limit": 0}),
            422,
            "validation-failed",
            Some("limit"),
        ),
        (
            json!({"text": "a", "limit": 51}),
            422,
            "validation-failed",
            Some("limit"),
        ),
        (json!({"limit": 5}), 422, "invalid-body", None),
    ];
    for (body, status, type_, field) in cases {
        let p = assert_problem(post_match(&client, &addr, body).await, status, type_).await;
        if let Some(field) = field {
            assert_eq!(p["field"], field);
        }
    }
}
