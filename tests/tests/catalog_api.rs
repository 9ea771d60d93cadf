//! The catalogue API on SQLite and PostgreSQL: CRUD, lists, and a clear 4xx for bad input
//! (as an operator; permissions are the subject of `auth.rs`).

use matchraum_tests::{assert_problem, on_both_backends, spawn_app, Backend, TestApp};
use serde_json::{json, Value};

on_both_backends!(
    health_and_readiness,
    organisation_crud_round_trip,
    solution_lists_filter_sort_and_page,
    usages_and_needs_reference_existing_entries,
    bad_input_gets_clear_problems,
    openapi_describes_every_route,
);

async fn create(app: &TestApp, path: &str, body: Value) -> Value {
    let res = app.post_json(path, &body).await;
    assert_eq!(
        res.status().as_u16(),
        201,
        "create {path}: {:?}",
        res.text().await
    );
    res.json().await.unwrap()
}

async fn org(app: &TestApp, name: &str, kind: &str) -> i64 {
    create(
        app,
        "/api/v1/organisations",
        json!({"name": name, "kind": kind, "land": "Bayern"}),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

async fn health_and_readiness(b: Backend) {
    let app = spawn_app(b).await.as_operator().await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().contains_key("x-request-id"));
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
}

async fn organisation_crud_round_trip(b: Backend) {
    let app = spawn_app(b).await.as_operator().await;
    let created = create(
        &app,
        "/api/v1/organisations",
        json!({"name": "  Stadt Köln ", "kind": "kommune", "land": "Nordrhein-Westfalen", "region_code": "05315000"}),
    )
    .await;
    let id = created["id"].as_i64().unwrap();
    assert_eq!(created["name"], "Stadt Köln", "names are trimmed");
    let got: Value = app
        .get(&format!("/api/v1/organisations/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["region_code"], "05315000");

    let res = app
        .put_json(
            &format!("/api/v1/organisations/{id}"),
            &json!({"name": "Stadt Köln", "kind": "kreis"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["kind"], "kreis");
    assert_eq!(updated["land"], Value::Null, "PUT replaces the whole entry");
    assert_eq!(updated["created_at"], created["created_at"]);

    assert_eq!(
        app.delete(&format!("/api/v1/organisations/{id}"))
            .await
            .status(),
        204
    );
    assert_problem(
        app.get(&format!("/api/v1/organisations/{id}")).await,
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.delete(&format!("/api/v1/organisations/{id}")).await,
        404,
        "not-found",
    )
    .await;
}

async fn solution_lists_filter_sort_and_page(b: Backend) {
    let app = spawn_app(b).await.as_operator().await;
    let provider = org(&app, "IT-Dienstleister Süd", "it_dienstleister").await;
    for (title, maturity, standards) in [
        (
            "Online-Wohnsitzanmeldung",
            "in_production",
            json!(["XMeld", "FIT-Connect"]),
        ),
        ("Kita-Portal", "pilot", json!(["OpenAPI"])),
        (
            "Bauantrag digital",
            "in_production",
            json!(["XBau", "FIT-Connect"]),
        ),
    ] {
        create(
            &app,
            "/api/v1/solutions",
            json!({"title": title, "maturity": maturity, "kind": "online_service", "standards": standards, "provider_id": provider}),
        )
        .await;
    }
    let page: Value = app
        .get("/api/v1/solutions?maturity=in_production&sort=-title")
        .await
        .json()
        .await
        .unwrap();
    let titles: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Online-Wohnsitzanmeldung", "Bauantrag digital"]);
    assert_eq!(page["total"], 2);

    let page: Value = app
        .get("/api/v1/solutions?standard=FIT-Connect&limit=1&offset=1&sort=title")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2);
    assert_eq!(page["items"][0]["title"], "Online-Wohnsitzanmeldung");

    let page: Value = app
        .get("/api/v1/solutions?q=kita")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"][0]["title"], "Kita-Portal");

    let page: Value = app
        .get(&format!("/api/v1/solutions?provider_id={provider}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    let s = &page["items"][0];
    assert!(s["completeness"].as_f64().unwrap() > 0.0);
}

async fn usages_and_needs_reference_existing_entries(b: Backend) {
    let app = spawn_app(b).await.as_operator().await;
    let city = org(&app, "Gemeinde Musterdorf", "kommune").await;
    let sol = create(
        &app,
        "/api/v1/solutions",
        json!({"title": "Hundesteuer online"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let usage = json!({"solution_id": sol, "organisation_id": city, "status": "in_use", "since": "2024-01-31", "experience": "Läuft stabil."});
    let created = create(&app, "/api/v1/usages", usage.clone()).await;
    assert_eq!(created["since"], "2024-01-31");
    assert_problem(
        app.post_json("/api/v1/usages", &usage).await,
        409,
        "conflict",
    )
    .await;
    let list: Value = app
        .get(&format!("/api/v1/usages?solution_id={sol}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);

    let bad = json!({"solution_id": 999_999, "organisation_id": city});
    let p = assert_problem(
        app.post_json("/api/v1/usages", &bad).await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(p["field"], "solution_id");

    let need = create(
        &app,
        "/api/v1/needs",
        json!({"organisation_id": city, "title": "Digitale Hundesteuer", "description": "Wir suchen eine Lösung.", "visibility": "organisation"}),
    )
    .await;
    assert_eq!(need["status"], "open");
    let list: Value = app
        .get("/api/v1/needs?visibility=organisation")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);

    // Deleting the organisation removes its usages and needs with it.
    assert_eq!(
        app.delete(&format!("/api/v1/organisations/{city}"))
            .await
            .status(),
        204
    );
    let list: Value = app.get("/api/v1/usages").await.json().await.unwrap();
    assert_eq!(list["total"], 0);
    let list: Value = app.get("/api/v1/needs").await.json().await.unwrap();
    assert_eq!(list["total"], 0);
}

async fn bad_input_gets_clear_problems(b: Backend) {
    let app = spawn_app(b).await.as_operator().await;
    for path in [
        "/api/v1/organisations",
        "/api/v1/solutions",
        "/api/v1/usages",
        "/api/v1/needs",
    ] {
        assert_problem(
            app.post_raw(path, "application/json", b"{\"na".to_vec())
                .await,
            400,
            "malformed-json",
        )
        .await;
        assert_problem(
            app.post_raw(path, "application/json", vec![b'{', 0xff, 0xfe, b'}'])
                .await,
            400,
            "malformed-json",
        )
        .await;
        assert_problem(
            app.post_raw(path, "text/plain", b"{}".to_vec()).await,
            415,
            "unsupported-media-type",
        )
        .await;
        assert_problem(
            app.post_json(path, &json!({"title": 42, "name": 42})).await,
            422,
            "invalid-body",
        )
        .await;
        assert_problem(
            app.post_json(path, &json!("just a string")).await,
            422,
            "invalid-body",
        )
        .await;
        let huge = vec![b' '; 2 * 1024 * 1024];
        assert_problem(
            app.post_raw(path, "application/json", huge).await,
            413,
            "payload-too-large",
        )
        .await;
        assert_problem(app.get(&format!("{path}/abc")).await, 404, "invalid-path").await;
        assert_problem(app.get(&format!("{path}/424242")).await, 404, "not-found").await;
        assert_problem(
            app.get(&format!("{path}?limit=0")).await,
            422,
            "validation-failed",
        )
        .await;
        assert_problem(
            app.get(&format!("{path}?sort=password")).await,
            422,
            "validation-failed",
        )
        .await;
        assert_problem(
            app.get(&format!("{path}?bogus=1")).await,
            400,
            "invalid-query",
        )
        .await;
        assert_problem(
            app.get(&format!("{path}?limit=-1")).await,
            400,
            "invalid-query",
        )
        .await;
    }
    let p = assert_problem(
        app.post_json("/api/v1/solutions", &json!({"title": "x".repeat(501)}))
            .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(p["field"], "title");
    assert_problem(
        app.post_json(
            "/api/v1/solutions",
            &json!({"title": "ok", "maturity": "beta"}),
        )
        .await,
        422,
        "invalid-body",
    )
    .await;
    assert_problem(
        app.post_json(
            "/api/v1/solutions",
            &json!({"title": "ok", "unknown_field": 1}),
        )
        .await,
        422,
        "invalid-body",
    )
    .await;
    assert_problem(
        app.post_json(
            "/api/v1/solutions",
            &json!({"title": "ok", "provider_id": 77}),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        app.post_json("/api/v1/solutions", &json!({"title": "ok", "extra": [1]}))
            .await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        app.post_json("/api/v1/solutions", &json!({"title": "a\u{0}b"}))
            .await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        app.get("/api/v1/solutions?maturity=beta").await,
        400,
        "invalid-query",
    )
    .await;
    assert_problem(app.get("/api/v1/nothing-here").await, 404, "not-found").await;
    // Nothing of the refused requests was stored.
    let page: Value = app.get("/api/v1/solutions").await.json().await.unwrap();
    assert_eq!(page["total"], 0);
}

async fn openapi_describes_every_route(b: Backend) {
    let app = spawn_app(b).await.as_operator().await;
    let doc: Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/organisations",
        "/api/v1/solutions/{id}",
        "/api/v1/usages",
        "/api/v1/needs/{id}",
        "/api/v1/solutions/{id}/publiccode",
        "/api/v1/match",
        "/api/v1/organisations/{id}/notifications",
        "/api/v1/auth/login",
        "/api/v1/channels",
        "/api/v1/matches/channel",
        "/readyz",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
    for schema in ["Problem", "MatchResponse", "Explanation", "Solution"] {
        assert!(
            doc["components"]["schemas"][schema].is_object(),
            "missing schema {schema}"
        );
    }
}
