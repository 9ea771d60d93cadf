//! Matching against the real model, on SQLite and PostgreSQL: explained answers,
//! filters, clear errors, persisted vectors, and an index that follows writes.

use std::time::Duration;

use matchraum::catalog::model::{NeedInput, OrganisationInput, SolutionInput, UsageInput};
use matchraum::catalog::store::{needs, organisations, solutions, usages, Changed};
use matchraum::catalog::vocab::*;
use matchraum::matching::model::{MatchFilters, Mode};
use matchraum::matching::Matcher;
use matchraum_tests::ws::Ws;
use matchraum_tests::{
    assert_problem, attach_app, eventually, fresh_db, on_both_backends, spawn_app_with, start_app,
    test_config, Backend, Role, TestApp, TestDb,
};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{json, Value};

on_both_backends!(
    match_explains_solutions_providers_and_peers,
    filters_narrow_the_answer,
    bad_match_input_gets_clear_problems,
    vectors_are_persisted_and_reused,
    index_follows_catalogue_writes,
    a_posted_need_notifies_providers_users_and_peers,
    a_write_through_one_instance_is_matched_by_another,
);

struct Seeded {
    krz: i64,
    city: i64,
    village: i64,
    wohnsitz: i64,
    kita: i64,
}

fn org(name: &str, kind: OrganisationKind, land: &str) -> OrganisationInput {
    OrganisationInput {
        name: name.into(),
        kind,
        land: Some(land.into()),
        region_code: None,
        website: None,
        email: None,
        description: None,
        source: None,
        source_id: None,
        extra: None,
    }
}

fn solution(title: &str, summary: &str, provider: i64) -> SolutionInput {
    SolutionInput {
        title: title.into(),
        summary: Some(summary.into()),
        provider_id: Some(provider),
        ..SolutionInput::default()
    }
}

async fn seed(db: &TestDb) -> Seeded {
    let c = &db.conn;
    let krz = organisations::create(
        c,
        org(
            "Rechenzentrum West",
            OrganisationKind::ItDienstleister,
            "Nordrhein-Westfalen",
        ),
    )
    .await
    .unwrap()
    .id;
    let bayern = organisations::create(
        c,
        org("Digitalagentur Süd", OrganisationKind::Land, "Bayern"),
    )
    .await
    .unwrap()
    .id;
    let city = organisations::create(
        c,
        org(
            "Stadt Beispielhausen",
            OrganisationKind::Kommune,
            "Nordrhein-Westfalen",
        ),
    )
    .await
    .unwrap()
    .id;
    let village = organisations::create(
        c,
        org("Gemeinde Musterdorf", OrganisationKind::Kommune, "Bayern"),
    )
    .await
    .unwrap()
    .id;
    let mut w = solution(
        "Online-Wohnsitzanmeldung",
        "Bürger melden ihren Wohnsitz nach einem Umzug online an, mit Anbindung an das Meldewesen.",
        krz,
    );
    w.maturity = Maturity::InProduction;
    w.standards = vec!["XMeld".into(), "FIT-Connect".into()];
    w.kind = SolutionKind::OnlineService;
    let wohnsitz = solutions::create(c, w).await.unwrap().id;
    let mut k = solution(
        "Kita-Platz-Vergabe",
        "Eltern beantragen Betreuungsplätze in Kindertagesstätten online.",
        bayern,
    );
    k.maturity = Maturity::Pilot;
    let kita = solutions::create(c, k).await.unwrap().id;
    solutions::create(
        c,
        solution(
            "Sperrmüll-Termine",
            "Abholtermine für Sperrmüll online buchen.",
            bayern,
        ),
    )
    .await
    .unwrap();
    solutions::create(
        c,
        solution(
            "Hundesteuer",
            "An- und Abmeldung eines Hundes zur Hundesteuer.",
            krz,
        ),
    )
    .await
    .unwrap();
    usages::create(
        c,
        UsageInput {
            solution_id: wohnsitz,
            organisation_id: city,
            since: None,
            context: None,
            status: UsageStatus::InUse,
            experience: Some("Weniger Andrang im Bürgerbüro.".into()),
            version: None,
        },
        usages::Claimant::IMPORT,
    )
    .await
    .unwrap();
    needs::create(
        c,
        NeedInput {
            organisation_id: village,
            title: "Wohnsitzanmeldung online".into(),
            description:
                "Wir suchen eine Online-Lösung für die Anmeldung des Wohnsitzes nach einem Umzug."
                    .into(),
            status: NeedStatus::Open,
            visibility: Visibility::Public,
        },
    )
    .await
    .unwrap();
    Seeded {
        krz,
        city,
        village,
        wohnsitz,
        kita,
    }
}

/// Seeds first, then starts the server, so the start-up sync indexes the seed.
async fn seeded_app(b: Backend) -> (String, reqwest::Client, TestDb, Seeded) {
    matchraum::telemetry::init(matchraum::config::LogFormat::Pretty, "warn");
    let db = fresh_db(b).await;
    let seeded = seed(&db).await;
    let TestApp {
        address,
        client,
        db,
        ..
    } = start_app(db, |_| {}).await;
    (address, client, db, seeded)
}

async fn post_match(client: &reqwest::Client, addr: &str, body: Value) -> reqwest::Response {
    client
        .post(format!("{addr}/api/v1/match"))
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn match_explains_solutions_providers_and_peers(b: Backend) {
    let (addr, client, _db, s) = seeded_app(b).await;
    let res = post_match(&client, &addr, json!({"text": "Wie können Bürger nach dem Umzug ihre neue Wohnung digital anmelden?", "limit": 3})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let top = &body["solutions"][0];
    assert_eq!(top["id"], s.wohnsitz, "{body:#}");
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

async fn vectors_are_persisted_and_reused(b: Backend) {
    use matchraum::matching::store::entity::Entity as Embeddings;
    let (_addr, _client, db, _s) = seeded_app(b).await;
    let rows = Embeddings::find().all(&db.conn).await.unwrap();
    assert_eq!(
        rows.len(),
        4 + 1,
        "four solutions and one need are embedded"
    );
    // A second instance on the same database reuses every stored vector.
    let matcher = load_matcher();
    let report = matcher.sync_all(&db.conn).await.unwrap();
    assert_eq!((report.embedded, report.reused), (0, 5));
    let after = Embeddings::find().all(&db.conn).await.unwrap();
    assert_eq!(rows, after, "nothing was re-embedded or rewritten");
}

fn load_matcher() -> Matcher {
    let cfg = test_config("sqlite::memory:");
    Matcher::load(&cfg.model_dir, &cfg.ort_lib, 2).expect("model (run `make setup`)")
}

async fn index_follows_catalogue_writes(b: Backend) {
    let db = fresh_db(b).await;
    let s = seed(&db).await;
    let matcher = load_matcher();
    matcher.sync_all(&db.conn).await.unwrap();
    let find = |text: &'static str| {
        let m = &matcher;
        async move {
            let q = m.embed_query(text).await.unwrap();
            m.rank(text, Some(&q), Mode::Hybrid, &MatchFilters::default(), 3)
                .unwrap()
        }
    };
    let text = "Genehmigung für Drohnenflüge über der Stadt beantragen";
    assert!(find(text).await.iter().all(|r| r.score > 0.0));
    let created = solutions::create(
        &db.conn,
        solution(
            "Drohnen-Aufstiegsgenehmigung",
            "Antrag auf Genehmigung von Drohnenflügen.",
            s.krz,
        ),
    )
    .await
    .unwrap();
    matcher
        .apply(&db.conn, &[Changed::Solution(created.id)])
        .await
        .unwrap();
    assert_eq!(find(text).await[0].id, created.id);
    solutions::delete(&db.conn, created.id).await.unwrap();
    matcher
        .apply(&db.conn, &[Changed::SolutionDeleted(created.id)])
        .await
        .unwrap();
    assert!(find(text).await.iter().all(|r| r.id != created.id));
    use matchraum::matching::store::entity::Entity as Embeddings;
    assert_eq!(
        Embeddings::find().count(&db.conn).await.unwrap(),
        5,
        "the deleted solution's vector is gone"
    );
    // Deleting an organisation removes its needs from the peer index.
    organisations::delete(&db.conn, s.village).await.unwrap();
    matcher
        .apply(&db.conn, &[Changed::Organisation(s.village)])
        .await
        .unwrap();
    let q = matcher
        .embed_query("Wohnsitzanmeldung online nach Umzug")
        .await
        .unwrap();
    assert!(matcher.similar_needs(&q, 5, 0.0, &[]).is_empty());
}

async fn a_posted_need_notifies_providers_users_and_peers(b: Backend) {
    let (address, client, db, s) = seeded_app(b).await;
    let kreis = organisations::create(
        &db.conn,
        org("Kreis Probe", OrganisationKind::Kreis, "Niedersachsen"),
    )
    .await
    .unwrap()
    .id;
    let app = TestApp {
        address,
        client,
        db,
        matching: true,
        metrics_address: None,
    };
    let seeker = app.user(Role::Seeker, Some(kreis)).await;
    let provider = app.user(Role::Provider, Some(s.krz)).await;
    // Signed-in members hear of it at once, on any socket, subscribed or not.
    let mut provider_ws = Ws::connect(&app, Some(&provider)).await;
    let mut seeker_ws = Ws::connect(&app, Some(&seeker)).await;
    let need = json!({"organisation_id": kreis, "title": "Umzug digital melden",
        "description": "Bürgerinnen und Bürger sollen ihren neuen Wohnsitz nach einem Umzug online anmelden können."});
    let res = app
        .request(reqwest::Method::POST, "/api/v1/needs", Some(&seeker))
        .json(&need)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let need_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();

    let inbox = |org: i64, user| {
        let rb = app.request(
            reqwest::Method::GET,
            &format!("/api/v1/organisations/{org}/notifications"),
            user,
        );
        async move { rb.send().await.unwrap() }
    };
    let live = provider_ws.expect("notification").await;
    assert_eq!(live["kind"], "need", "{live}");
    assert_eq!(live["need_id"], need_id);
    assert_eq!(live["organisation_id"], s.krz);
    assert_eq!(live["reason"], "provider");
    let quiet = seeker_ws.try_recv(Duration::from_millis(300)).await;
    assert!(
        quiet.is_none(),
        "the posting organisation is not told: {quiet:?}"
    );
    let items: Value = inbox(s.krz, Some(&provider)).await.json().await.unwrap();
    assert_eq!(items[0]["need_id"], need_id, "{items}");
    assert_eq!(items[0]["reason"], "provider");
    assert_eq!(items[0]["solution_id"], s.wohnsitz);
    let user = app.user(Role::Seeker, Some(s.city)).await;
    let items: Value = inbox(s.city, Some(&user)).await.json().await.unwrap();
    assert_eq!(items[0]["reason"], "user", "{items}");
    let peer = app.user(Role::Seeker, Some(s.village)).await;
    let items: Value = inbox(s.village, Some(&peer)).await.json().await.unwrap();
    assert_eq!(items[0]["reason"], "similar_need", "{items}");
    let items: Value = inbox(kreis, Some(&seeker)).await.json().await.unwrap();
    assert_eq!(
        items,
        json!([]),
        "an organisation is not told about its own need"
    );

    assert_problem(inbox(s.krz, None).await, 401, "unauthorized").await;
    assert_problem(inbox(s.krz, Some(&seeker)).await, 403, "forbidden").await;

    // A need visible only to its organisation tells nobody else.
    let private = json!({"organisation_id": kreis, "title": "Kita-Plätze vergeben", "visibility": "organisation",
        "description": "Eltern sollen Betreuungsplätze in Kindertagesstätten online beantragen."});
    let res = app
        .request(reqwest::Method::POST, "/api/v1/needs", Some(&seeker))
        .json(&private)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let private_id = res.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    use matchraum::matching::notify::entity::{Column, Entity as Notifications};
    use sea_orm::{ColumnTrait, QueryFilter};
    let told = |id: i64| {
        Notifications::find()
            .filter(Column::NeedId.eq(id))
            .count(&app.db.conn)
    };
    assert_eq!(told(private_id).await.unwrap(), 0);
    // As a match peer, the private need shows only to members of its organisation.
    let ask = json!({"text": "Betreuungsplätze in Kindertagesstätten online beantragen"});
    let peers_of = |user| {
        let rb = app
            .request(reqwest::Method::POST, "/api/v1/match", user)
            .json(&ask);
        async move {
            let body: Value = rb.send().await.unwrap().json().await.unwrap();
            body["peers"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|p| {
                    p["similar_needs"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|n| n["id"].as_i64().unwrap())
                })
                .collect::<Vec<i64>>()
        }
    };
    // The indexer embeds new needs in the background: wait until it has this one.
    let seen = eventually(|| async { peers_of(Some(&seeker)).await.contains(&private_id) }).await;
    assert!(
        seen,
        "a member sees their organisation's private need as a peer"
    );
    assert!(
        !peers_of(None).await.contains(&private_id),
        "anonymous callers do not"
    );
    assert!(
        !peers_of(Some(&provider)).await.contains(&private_id),
        "other organisations do not"
    );
    assert!(
        told(need_id).await.unwrap() >= 3,
        "provider, user and peer were told of the public need"
    );

    // Made visible to its organisation only, the need leaves every other inbox.
    let mut narrowed = need.clone();
    narrowed["visibility"] = json!("organisation");
    let res = app
        .request(
            reqwest::Method::PUT,
            &format!("/api/v1/needs/{need_id}"),
            Some(&seeker),
        )
        .json(&narrowed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for (org, member) in [(s.krz, &provider), (s.city, &user), (s.village, &peer)] {
        let items: Value = inbox(org, Some(member)).await.json().await.unwrap();
        assert!(
            items
                .as_array()
                .unwrap()
                .iter()
                .all(|n| n["need_id"] != need_id),
            "organisation {org} still holds the private need: {items}"
        );
    }
    assert_eq!(told(need_id).await.unwrap(), 0);
}

async fn a_write_through_one_instance_is_matched_by_another(b: Backend) {
    let fast = |c: &mut matchraum::config::Config| c.index_refresh_secs = 1;
    let a = spawn_app_with(b, fast).await.as_operator().await;
    let other = attach_app(&a, fast).await;
    let text = "Genehmigung für Drohnenflüge über der Stadt beantragen";
    let body = json!({"title": "Drohnen-Aufstiegsgenehmigung", "summary": "Antrag auf Genehmigung von Drohnenflügen."});
    let created: Value = a
        .post_json("/api/v1/solutions", &body)
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_i64().unwrap();
    let top = |app: &TestApp| {
        let rb = app
            .client
            .post(app.url("/api/v1/match"))
            .json(&json!({"text": text, "limit": 1}));
        async move {
            rb.send().await.unwrap().json::<Value>().await.unwrap()["solutions"][0]["id"].as_i64()
        }
    };
    // The other instance follows within a few refresh periods, without a restart.
    let found = eventually(|| async { top(&other).await == Some(id) }).await;
    assert!(found, "the second instance matches the new solution");
    assert_eq!(
        a.delete(&format!("/api/v1/solutions/{id}")).await.status(),
        204
    );
    let gone = eventually(|| async { top(&other).await != Some(id) }).await;
    assert!(gone, "and forgets it once deleted");
}

/// Similar questions in a Q&A channel are ranked by the model; each answered question is
/// embedded once per text and stored, not again on every call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn similar_questions_embed_each_question_once() {
    use matchraum::matching::store::entity::{Column, Entity as Embeddings};
    use reqwest::Method;
    use sea_orm::{ColumnTrait, QueryFilter};

    let app = spawn_app_with(Backend::Postgres, |c| {
        matchraum_tests::ws::rt_config(c);
        c.matching = true;
    })
    .await;
    let call = |method: Method, path: String, user: &matchraum_tests::TestUser, body: Value| {
        let rb = app.request(method, &path, Some(user)).json(&body);
        async move {
            let res = rb.send().await.unwrap();
            assert!(res.status().is_success(), "{path}: {}", res.status());
            res.json::<Value>().await.unwrap()
        }
    };
    let op = app.operator().await;
    let org = call(
        Method::POST,
        "/api/v1/organisations".into(),
        &op,
        json!({"name": "Stadt Musterstadt", "kind": "kommune"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let sol = call(
        Method::POST,
        "/api/v1/solutions".into(),
        &op,
        json!({"title": "Online-Wohnsitzanmeldung", "kind": "online_service", "provider_id": org}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let provider = app.user(Role::Provider, Some(org)).await;
    let seeker = app.user(Role::Seeker, None).await;
    let qa = call(
        Method::POST,
        "/api/v1/channels".into(),
        &provider,
        json!({"kind": "qa", "visibility": "public", "name": "Fragen", "solution_id": sol}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    call(
        Method::POST,
        format!("/api/v1/channels/{qa}/join"),
        &seeker,
        json!(null),
    )
    .await;
    let ask = |title: &str, body: &str| {
        call(
            Method::POST,
            format!("/api/v1/channels/{qa}/messages"),
            &seeker,
            json!({"title": title, "body": body}),
        )
    };
    let q1 = ask(
        "Anbindung Meldewesen",
        "Wie wird das Fachverfahren für das Meldewesen angebunden?",
    )
    .await["message"]["id"]
        .as_i64()
        .unwrap();
    let q2 = ask(
        "Gebühren",
        "Welche Kosten entstehen für die Kommune im Betrieb?",
    )
    .await["message"]["id"]
        .as_i64()
        .unwrap();
    for q in [q1, q2] {
        let answer = call(
            Method::POST,
            format!("/api/v1/channels/{qa}/messages"),
            &provider,
            json!({"body": "Siehe Handbuch.", "reply_to": q}),
        )
        .await["message"]["id"]
            .clone();
        call(
            Method::POST,
            format!("/api/v1/messages/{q}/accept"),
            &seeker,
            json!({"answer_id": answer}),
        )
        .await;
    }

    let similar = |text: &str| {
        let path = format!(
            "/api/v1/channels/{qa}/questions/similar?text={}",
            text.replace(' ', "%20")
        );
        call(Method::GET, path, &seeker, json!(null))
    };
    let stored = || async {
        Embeddings::find()
            .filter(Column::ItemKind.eq("question"))
            .all(&app.db.conn)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.item_id, r.text_hash, r.updated_at))
            .collect::<Vec<_>>()
    };
    let found = similar("Anbindung des Meldewesens an unser Fachverfahren").await;
    assert_eq!(found[0]["question"]["id"], q1, "{found}");
    let first = stored().await;
    assert_eq!(first.len(), 2, "both answered questions are stored once");

    let found = similar("Was kostet der Betrieb die Kommune?").await;
    assert_eq!(found[0]["question"]["id"], q2, "{found}");
    assert_eq!(stored().await, first, "nothing is embedded again");

    // An edited question is embedded again, the other is not.
    call(
        Method::PATCH,
        format!("/api/v1/messages/{q1}"),
        &seeker,
        json!({"body": "Wie melden wir Hunde zur Hundesteuer an?"}),
    )
    .await;
    similar("Hundesteuer anmelden").await;
    let after = stored().await;
    let changed: Vec<i64> = after
        .iter()
        .filter(|r| !first.contains(r))
        .map(|r| r.0)
        .collect();
    assert_eq!(changed, vec![q1]);
}
