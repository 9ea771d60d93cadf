//! The review register ("Einer prüft für alle") on SQLite and PostgreSQL: entering a
//! review, uploading its file (bounded, type checked by content), downloading it only as an
//! attachment, visibility, "we reused this review" once per organisation, expiry, audit.

use matchraum::reviews::content::zip_stored_entry;
use matchraum_tests::{
    assert_problem, on_both_backends, spawn_app_with, Backend, Role, TestApp, TestUser,
};
use reqwest::Method;
use serde_json::{json, Value};

on_both_backends!(
    reviews_are_entered_uploaded_and_downloaded_as_attachments,
    visibility_hides_reviews_from_those_who_may_not_see_them,
    organisations_mark_a_review_as_reused_once,
);

const MAX_FILE: usize = 4096;

async fn app(b: Backend) -> TestApp {
    spawn_app_with(b, |c| {
        c.matching.enabled = false;
        c.reviews.max_file_bytes = MAX_FILE;
    })
    .await
}

async fn json_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn created(app: &TestApp, path: &str, user: &TestUser, body: Value) -> Value {
    let (status, v) = json_of(
        app.request(Method::POST, path, Some(user))
            .json(&body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 201, "POST {path}: {v}");
    v
}

struct World {
    op: TestUser,
    /// Member of the reviewing Land ministry.
    reviewer: TestUser,
    /// Member of a Kommune that reuses the review.
    city_clerk: TestUser,
    ministry: i64,
    city: i64,
    solution: i64,
}

async fn world(app: &TestApp) -> World {
    let op = app.operator().await;
    let ministry = created(
        app,
        "/api/v1/organisations",
        &op,
        json!({"name": "Innenministerium Hessen", "kind": "land", "land": "Hessen"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let city = created(
        app,
        "/api/v1/organisations",
        &op,
        json!({"name": "Stadt Fulda", "kind": "kommune", "land": "Hessen"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let solution = created(
        app,
        "/api/v1/solutions",
        &op,
        json!({"title": "Online-Wohnsitzanmeldung"}),
    )
    .await["id"]
        .as_i64()
        .unwrap();
    let reviewer = app.user(Role::Seeker, Some(ministry)).await;
    let city_clerk = app.user(Role::Seeker, Some(city)).await;
    World {
        op,
        reviewer,
        city_clerk,
        ministry,
        city,
        solution,
    }
}

fn review(org: i64, visibility: &str) -> Value {
    json!({
        "kind": "dsfa",
        "organisation_id": org,
        "reviewed_on": "2025-03-01",
        "valid_until": "2028-03-01",
        "summary": "DSFA nach Art. 35 DSGVO: Restrisiko tragbar.",
        "version": "4.2",
        "visibility": visibility
    })
}

async fn upload(
    app: &TestApp,
    user: &TestUser,
    id: i64,
    name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> reqwest::Response {
    app.request(
        Method::PUT,
        &format!("/api/v1/reviews/{id}/file?name={}", urlencode(name)),
        Some(user),
    )
    .header("content-type", content_type)
    .body(bytes)
    .send()
    .await
    .unwrap()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'.' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn reviews_are_entered_uploaded_and_downloaded_as_attachments(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let list = format!("/api/v1/solutions/{}/reviews", w.solution);

    // Only the reviewing organisation's members (and operators) enter its reviews.
    assert_problem(
        app.request(Method::POST, &list, Some(&w.city_clerk))
            .json(&review(w.ministry, "public"))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    assert_problem(
        app.request(Method::POST, &list, None)
            .json(&review(w.ministry, "public"))
            .send()
            .await
            .unwrap(),
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        app.request(
            Method::POST,
            "/api/v1/solutions/999999/reviews",
            Some(&w.reviewer),
        )
        .json(&review(w.ministry, "public"))
        .send()
        .await
        .unwrap(),
        404,
        "not-found",
    )
    .await;
    let mut bad = review(w.ministry, "public");
    bad["valid_until"] = json!("2024-01-01");
    let p = assert_problem(
        app.request(Method::POST, &list, Some(&w.reviewer))
            .json(&bad)
            .send()
            .await
            .unwrap(),
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(p["field"], "valid_until");
    let mut bad = review(w.ministry, "public");
    bad["kind"] = json!("horoscope");
    assert_problem(
        app.request(Method::POST, &list, Some(&w.reviewer))
            .json(&bad)
            .send()
            .await
            .unwrap(),
        422,
        "invalid-body",
    )
    .await;
    let mut bad = review(w.ministry, "public");
    bad["link"] = json!("javascript:alert(1)");
    let p = assert_problem(
        app.request(Method::POST, &list, Some(&w.reviewer))
            .json(&bad)
            .send()
            .await
            .unwrap(),
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(p["field"], "link");

    let r = created(&app, &list, &w.reviewer, review(w.ministry, "public")).await;
    let id = r["id"].as_i64().unwrap();
    assert_eq!(r["kind"], "dsfa");
    assert_eq!(r["expired"], false);
    assert_eq!(r["file"], Value::Null);
    assert_eq!(r["reused_by"], json!([]));

    // An expired review is flagged.
    let mut old = review(w.ministry, "public");
    old["kind"] = json!("accessibility_bitv");
    old["reviewed_on"] = json!("2019-05-01");
    old["valid_until"] = json!("2021-05-01");
    let expired = created(&app, &list, &w.reviewer, old).await;
    assert_eq!(expired["expired"], true);

    // Files: checked by content, bounded, the reviewing organisation only.
    let pdf = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
    assert_problem(
        upload(
            &app,
            &w.city_clerk,
            id,
            "dsfa.pdf",
            "application/pdf",
            pdf.clone(),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
    let p = assert_problem(
        upload(
            &app,
            &w.reviewer,
            id,
            "dsfa.pdf",
            "application/pdf",
            b"MZ\x90\x00 not a pdf".to_vec(),
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(p["field"], "file");
    let docx = zip_stored_entry(b"[Content_Types].xml", b"<Types/>");
    assert_problem(
        upload(
            &app,
            &w.reviewer,
            id,
            "dsfa.odt",
            "application/vnd.oasis.opendocument.text",
            docx,
        )
        .await,
        422,
        "validation-failed",
    )
    .await;
    assert_problem(
        upload(
            &app,
            &w.reviewer,
            id,
            "big.md",
            "text/markdown",
            vec![b'a'; MAX_FILE + 1],
        )
        .await,
        413,
        "payload-too-large",
    )
    .await;
    assert_problem(
        upload(
            &app,
            &w.reviewer,
            999_999,
            "x.pdf",
            "application/pdf",
            pdf.clone(),
        )
        .await,
        404,
        "not-found",
    )
    .await;

    // A PDF sent as text/html is still a PDF, and named so.
    let (st, r) = json_of(
        upload(
            &app,
            &w.reviewer,
            id,
            "Prüfbericht <DSFA>.exe",
            "text/html",
            pdf.clone(),
        )
        .await,
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["file"]["content_type"], "application/pdf");
    assert_eq!(r["file"]["size"], pdf.len());
    assert_eq!(r["file"]["name"], "Prüfbericht <DSFA>.exe.pdf");

    let res = app
        .request(Method::GET, &format!("/api/v1/reviews/{id}/file"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''Pr%C3%BCfbericht%20%3CDSFA%3E.exe.pdf"),
        "{cd}"
    );
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf);

    // ODT and Markdown are recognised too; a replaced file is the new one.
    let odt = zip_stored_entry(b"mimetype", b"application/vnd.oasis.opendocument.text");
    let (_, r) = json_of(
        upload(
            &app,
            &w.reviewer,
            id,
            "gutachten.odt",
            "application/octet-stream",
            odt.clone(),
        )
        .await,
    )
    .await;
    assert_eq!(
        r["file"]["content_type"],
        "application/vnd.oasis.opendocument.text"
    );
    let (_, r) = json_of(
        upload(
            &app,
            &w.reviewer,
            id,
            "notiz",
            "application/octet-stream",
            "# Vergabevermerk\n\nÖffentliche Ausschreibung."
                .as_bytes()
                .to_vec(),
        )
        .await,
    )
    .await;
    assert_eq!(r["file"]["content_type"], "text/markdown");
    assert_eq!(r["file"]["name"], "notiz.md");
    let res = app
        .request(Method::GET, &format!("/api/v1/reviews/{id}/file"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-type"],
        "text/markdown; charset=utf-8"
    );
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment;"));

    // A review without a file has none to download.
    assert_problem(
        app.request(
            Method::GET,
            &format!("/api/v1/reviews/{}/file", expired["id"]),
            None,
        )
        .send()
        .await
        .unwrap(),
        404,
        "not-found",
    )
    .await;

    let (_, all) = json_of(app.request(Method::GET, &list, None).send().await.unwrap()).await;
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["id"], id, "newest review first");

    // Changing and deleting: the reviewing organisation.
    let mut changed = review(w.ministry, "public");
    changed["summary"] = json!("Aktualisiert");
    assert_problem(
        app.request(
            Method::PUT,
            &format!("/api/v1/reviews/{id}"),
            Some(&w.city_clerk),
        )
        .json(&changed)
        .send()
        .await
        .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let (st, r) = json_of(
        app.request(
            Method::PUT,
            &format!("/api/v1/reviews/{id}"),
            Some(&w.reviewer),
        )
        .json(&changed)
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{r}");
    assert_eq!(r["summary"], "Aktualisiert");
    assert_eq!(
        r["file"]["name"], "notiz.md",
        "a metadata update keeps the file"
    );
    assert_eq!(
        app.request(
            Method::DELETE,
            &format!("/api/v1/reviews/{}", expired["id"]),
            Some(&w.reviewer)
        )
        .send()
        .await
        .unwrap()
        .status(),
        204
    );

    let (_, log) = json_of(
        app.request(Method::GET, "/api/v1/audit?limit=500", Some(&w.op))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    for a in [
        "review.created",
        "review.file_uploaded",
        "review.updated",
        "review.deleted",
    ] {
        assert!(actions.contains(&a), "{a}: {actions:?}");
    }
}

async fn visibility_hides_reviews_from_those_who_may_not_see_them(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let list = format!("/api/v1/solutions/{}/reviews", w.solution);
    let loner = app.user(Role::Seeker, None).await;
    let registered = created(&app, &list, &w.reviewer, review(w.ministry, "registered")).await;
    let internal = created(&app, &list, &w.reviewer, review(w.ministry, "organisation")).await;
    let md = "# Interne Notiz".as_bytes().to_vec();
    assert_eq!(
        upload(
            &app,
            &w.reviewer,
            internal["id"].as_i64().unwrap(),
            "n.md",
            "text/markdown",
            md
        )
        .await
        .status(),
        200
    );

    let count = |v: &Value| v.as_array().unwrap().len();
    let (_, anon) = json_of(app.request(Method::GET, &list, None).send().await.unwrap()).await;
    assert_eq!(count(&anon), 0);
    let (_, l) = json_of(
        app.request(Method::GET, &list, Some(&loner))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        count(&l),
        0,
        "an account of no administration sees no registered-only review"
    );
    let (_, c) = json_of(
        app.request(Method::GET, &list, Some(&w.city_clerk))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(count(&c), 1);
    assert_eq!(c[0]["id"], registered["id"]);
    let (_, m) = json_of(
        app.request(Method::GET, &list, Some(&w.reviewer))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(count(&m), 2);

    // What one may not see does not exist: the review, its file, its reuse.
    let internal_path = format!("/api/v1/reviews/{}", internal["id"]);
    assert_problem(
        app.request(Method::GET, &internal_path, Some(&w.city_clerk))
            .send()
            .await
            .unwrap(),
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.request(
            Method::GET,
            &format!("{internal_path}/file"),
            Some(&w.city_clerk),
        )
        .send()
        .await
        .unwrap(),
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.request(Method::GET, &format!("{internal_path}/file"), None)
            .send()
            .await
            .unwrap(),
        404,
        "not-found",
    )
    .await;
    assert_problem(
        app.request(
            Method::POST,
            &format!("{internal_path}/reuses"),
            Some(&w.city_clerk),
        )
        .json(&json!({"organisation_id": w.city}))
        .send()
        .await
        .unwrap(),
        404,
        "not-found",
    )
    .await;
    assert_eq!(
        app.request(Method::GET, &format!("{internal_path}/file"), Some(&w.op))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

async fn organisations_mark_a_review_as_reused_once(b: Backend) {
    let app = app(b).await;
    let w = world(&app).await;
    let r = created(
        &app,
        &format!("/api/v1/solutions/{}/reviews", w.solution),
        &w.reviewer,
        review(w.ministry, "public"),
    )
    .await;
    let reuses = format!("/api/v1/reviews/{}/reuses", r["id"]);
    let mark = |user: &TestUser, org: i64| {
        app.request(Method::POST, &reuses, Some(user))
            .json(&json!({"organisation_id": org}))
            .send()
    };

    assert_problem(mark(&w.reviewer, w.city).await.unwrap(), 403, "forbidden").await;
    let p = assert_problem(
        mark(&w.reviewer, w.ministry).await.unwrap(),
        422,
        "validation-failed",
    )
    .await;
    assert_eq!(p["field"], "organisation_id");
    let (st, marked) = json_of(mark(&w.city_clerk, w.city).await.unwrap()).await;
    assert_eq!(st, 200, "{marked}");
    assert_eq!(marked["reused_by"], json!([w.city]));
    assert_problem(mark(&w.city_clerk, w.city).await.unwrap(), 409, "conflict").await;
    let colleague = app.user(Role::Seeker, Some(w.city)).await;
    assert_problem(mark(&colleague, w.city).await.unwrap(), 409, "conflict").await;

    let (_, listed) = json_of(
        app.request(
            Method::GET,
            &format!("/api/v1/solutions/{}/reviews", w.solution),
            None,
        )
        .send()
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(listed[0]["reused_by"], json!([w.city]));

    let unmark = format!("{reuses}/{}", w.city);
    assert_problem(
        app.request(Method::DELETE, &unmark, Some(&w.reviewer))
            .send()
            .await
            .unwrap(),
        403,
        "forbidden",
    )
    .await;
    let (st, after) = json_of(
        app.request(Method::DELETE, &unmark, Some(&colleague))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(st, 200, "{after}");
    assert_eq!(after["reused_by"], json!([]));
    assert_problem(
        app.request(Method::DELETE, &unmark, Some(&colleague))
            .send()
            .await
            .unwrap(),
        404,
        "not-found",
    )
    .await;

    let (_, log) = json_of(
        app.request(Method::GET, "/api/v1/audit?limit=500", Some(&w.op))
            .send()
            .await
            .unwrap(),
    )
    .await;
    let actions: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(
        actions.contains(&"review.reused") && actions.contains(&"review.reuse_withdrawn"),
        "{actions:?}"
    );
}
