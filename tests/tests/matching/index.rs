//! The index behind matching: vectors persisted and reused, an index that follows
//! catalogue writes on this and on another instance, and question embeddings stored once.

use super::*;

on_both_backends!(
    vectors_are_persisted_and_reused,
    index_follows_catalogue_writes,
    a_write_through_one_instance_is_matched_by_another,
);

fn load_matcher() -> Matcher {
    let cfg = test_config("sqlite::memory:");
    Matcher::load(&cfg.matching.model_dir, &cfg.matching.ort_lib, 2)
        .expect("model (run `make setup`)")
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

async fn a_write_through_one_instance_is_matched_by_another(b: Backend) {
    let fast = |c: &mut matchraum::config::Config| c.matching.index_refresh_secs = 1;
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
        c.matching.enabled = true;
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
