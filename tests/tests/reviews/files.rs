//! Entering reviews, uploading their documents (checked by content) and downloading them as attachments.

use super::*;

on_both_backends!(reviews_are_entered_uploaded_and_downloaded_as_attachments,);

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

    let r = app
        .created(&list, &w.reviewer, review(w.ministry, "public"))
        .await;
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
    let expired = app.created(&list, &w.reviewer, old).await;
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
    let (st, r) = status_and_json(
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
    let (_, r) = status_and_json(
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
    let (_, r) = status_and_json(
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

    let (_, all) =
        status_and_json(app.request(Method::GET, &list, None).send().await.unwrap()).await;
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
    let (st, r) = status_and_json(
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

    let (_, log) = status_and_json(
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
