//! The web UI's files at `/`: cache rules, single-page-app fallback, strict CSP, and API
//! paths that stay problem+json.

use matchraum_tests::{assert_problem, spawn_app_with, Backend, TestApp};

struct Ui {
    app: TestApp,
    _dir: tempfile::TempDir,
}

/// The status line of a GET sent as raw bytes: HTTP clients normalise `..` and `%2e%2e`
/// away before sending, an attacker's client does not.
async fn raw_status(app: &TestApp, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.address.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(
        !text.contains("outside the UI folder"),
        "{path} leaked: {text}"
    );
    text.lines().next().unwrap_or("").to_owned()
}

const INDEX: &str = "<!doctype html><title>Matchraum</title><div id=\"app\"></div>";

async fn app_with_ui() -> Ui {
    let dir = tempfile::tempdir().unwrap();
    // The UI folder is a subfolder; its parent holds a file that must never be served.
    std::fs::write(dir.path().join("secret.txt"), "outside the UI folder").unwrap();
    let ui_dir = dir.path().join("dist");
    std::fs::create_dir(&ui_dir).unwrap();
    for (name, body) in [
        ("index.html", INDEX),
        ("favicon.svg", "<svg/>"),
        ("assets/index-3f2a1b.js", "export {};"),
        ("assets/index-9c8d7e.css", "body{}"),
    ] {
        let path = ui_dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    let app = spawn_app_with(Backend::Sqlite, move |c| {
        c.matching.enabled = false;
        c.http.ui_dir = ui_dir;
    })
    .await;
    Ui { app, _dir: dir }
}

fn header(res: &reqwest::Response, name: &str) -> String {
    res.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn hashed_assets_are_immutable_and_index_is_revalidated() {
    let ui = app_with_ui().await;
    let js = ui.app.get("/assets/index-3f2a1b.js").await;
    assert_eq!(js.status(), 200);
    assert_eq!(
        header(&js, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&js, "content-type").contains("javascript"));
    let css = ui.app.get("/assets/index-9c8d7e.css").await;
    assert!(header(&css, "content-type").starts_with("text/css"));
    // The UI's files are compressed for clients that accept it; API answers are not.
    let gz = ui
        .app
        .client
        .get(ui.app.url("/assets/index-3f2a1b.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&gz, "content-encoding"), "gzip");
    let api = ui
        .app
        .client
        .get(ui.app.url("/api/v1/solutions"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 200);
    assert_eq!(header(&api, "content-encoding"), "");

    let index = ui.app.get("/").await;
    assert_eq!(index.status(), 200);
    assert_eq!(header(&index, "cache-control"), "no-cache");
    assert!(header(&index, "content-type").starts_with("text/html"));
    let etag = header(&index, "etag");
    assert!(!etag.is_empty());
    let csp = header(&index, "content-security-policy");
    assert!(csp.contains("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(index.text().await.unwrap(), INDEX);

    // Revalidation is cheap: the same ETag answers 304.
    let again = ui
        .app
        .client
        .get(ui.app.url("/"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let icon = ui.app.get("/favicon.svg").await;
    assert_eq!(icon.status(), 200);
    assert_eq!(header(&icon, "cache-control"), "no-cache");
}

#[tokio::test]
async fn app_routes_fall_back_to_index_but_api_and_missing_files_do_not() {
    let ui = app_with_ui().await;
    for path in ["/loesungen/42", "/kanaele/7", "/konto", "/bedarfe?q=x"] {
        let res = ui.app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(header(&res, "cache-control"), "no-cache", "{path}");
        assert_eq!(res.text().await.unwrap(), INDEX, "{path}");
    }
    // An unknown API route stays a problem+json 404, for every method.
    assert_problem(ui.app.get("/api/v1/nope").await, 404, "not-found").await;
    assert_problem(ui.app.get("/api/v2/solutions").await, 404, "not-found").await;
    let post = ui
        .app
        .post_json("/api/v1/nope", &serde_json::json!({}))
        .await;
    assert_problem(post, 404, "not-found").await;
    // A missing asset is a 404, never index.html under a year-long cache.
    assert_problem(ui.app.get("/assets/gone-123.js").await, 404, "not-found").await;
    assert_problem(ui.app.get("/robots.txt").await, 404, "not-found").await;
    // Nothing outside the folder, however the path is spelled; no dot-files.
    for path in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
    ] {
        let status = raw_status(&ui.app, path).await;
        assert!(
            status.contains(" 404 ") || status.contains(" 400 "),
            "{path}: {status}"
        );
    }
    assert_problem(ui.app.get("/.env").await, 404, "not-found").await;
    // Writes to app routes are not routes.
    let res = ui.app.post_json("/konto", &serde_json::json!({})).await;
    assert_problem(res, 404, "not-found").await;
}

#[tokio::test]
async fn a_missing_build_says_how_to_make_one() {
    let app = spawn_app_with(Backend::Sqlite, |c| {
        c.matching.enabled = false;
        c.http.ui_dir = "/nonexistent/matchraum-ui".into();
    })
    .await;
    let res = app.get("/").await;
    assert_eq!(res.status(), 503);
    assert!(header(&res, "content-type").starts_with("text/html"));
    let body = res.text().await.unwrap();
    assert!(body.contains("make run"), "{body}");
    assert!(body.contains("MATCHRAUM_HTTP_UI_DIR"), "{body}");
    // The API is unaffected.
    assert_eq!(app.get("/healthz").await.status(), 200);
}
