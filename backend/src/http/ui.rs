//! The web UI: files of the built frontend (`ui_dir`, default `frontend/dist`) at `/`.
//!
//! Hashed files under `/assets/` are cached for a year; everything else (`index.html`,
//! the favicon) is revalidated on every use. Paths without a file extension are routes of
//! the single-page app and get `index.html`. `/api/...` is never answered with HTML, so an
//! unknown API route stays a problem+json 404.

use std::path::{Path, PathBuf};

use actix_files::NamedFile;
use actix_web::http::header::{self, CacheControl, CacheDirective};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};

use super::problem::{no_route, ApiError};
use crate::state::AppState;

const ASSETS_PREFIX: &str = "/assets/";
const YEAR_SECS: u32 = 365 * 24 * 60 * 60;

/// Logs at start-up whether the UI can be served, so that a missing build is obvious.
pub fn check_dir(dir: &Path) {
    if dir.join("index.html").is_file() {
        tracing::info!(dir = %dir.display(), "serving the web UI");
    } else {
        tracing::warn!(
            dir = %dir.display(),
            "the web UI is not built (no index.html): run `make run`, or `npm --prefix frontend ci && npm --prefix frontend run build`, or set MATCHRAUM_HTTP_UI_DIR"
        );
    }
}

/// What a request path asks for, decided before touching the file system.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    /// A file below the UI folder (relative, checked to stay inside).
    File { rel: PathBuf, immutable: bool },
    /// A route of the single-page app.
    App,
    /// Not something the UI answers (API paths, odd names).
    None,
}

fn classify(path: &str) -> Target {
    if path == "/api" || path.starts_with("/api/") {
        return Target::None;
    }
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let Some(last) = segments.last() else {
        return Target::App;
    };
    if !last.contains('.') && !path.starts_with(ASSETS_PREFIX) {
        return Target::App;
    }
    // Only plain names: no dot-files, no `..`, no percent-escapes or backslashes.
    let plain = |s: &&str| {
        !s.starts_with('.')
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    if !segments.iter().all(plain) {
        return Target::None;
    }
    Target::File {
        rel: segments.iter().collect(),
        immutable: path.starts_with(ASSETS_PREFIX),
    }
}

fn cache(immutable: bool) -> CacheControl {
    if immutable {
        CacheControl(vec![
            CacheDirective::Public,
            CacheDirective::MaxAge(YEAR_SECS),
            CacheDirective::Extension("immutable".into(), None),
        ])
    } else {
        CacheControl(vec![CacheDirective::NoCache])
    }
}

async fn file(req: &HttpRequest, path: PathBuf, immutable: bool) -> Option<HttpResponse> {
    let f = NamedFile::open_async(&path).await.ok()?;
    if f.metadata().is_dir() {
        return None;
    }
    let mut res = f.use_etag(true).use_last_modified(true).into_response(req);
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        cache(immutable)
            .to_string()
            .parse()
            .expect("static header value"),
    );
    Some(res)
}

/// The page shown when the UI folder has no `index.html`.
fn not_built(dir: &Path) -> HttpResponse {
    let body = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Matchraum</title>\
         <h1>The web UI is not built</h1><p>No <code>index.html</code> in <code>{}</code>. \
         Run <code>make run</code> (or <code>npm --prefix frontend ci &amp;&amp; npm --prefix \
         frontend run build</code>), or point <code>MATCHRAUM_HTTP_UI_DIR</code> at a build. \
         The API is at <a href=\"/api/v1/openapi.json\">/api/v1/openapi.json</a>.</p></html>",
        html_escape(&dir.display().to_string())
    );
    HttpResponse::ServiceUnavailable()
        .insert_header(cache(false))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The default service: UI files and app routes for GET/HEAD, problem+json 404 otherwise.
pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return no_route().await;
    }
    let dir = &state.config.http.ui_dir;
    match classify(req.path()) {
        Target::None => no_route().await,
        Target::File { rel, immutable } => match file(&req, dir.join(rel), immutable).await {
            Some(res) => Ok(res),
            None => no_route().await,
        },
        Target::App => match file(&req, dir.join("index.html"), false).await {
            Some(res) => Ok(res),
            None => Ok(not_built(dir)),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, immutable: bool) -> Target {
        Target::File {
            rel: rel.into(),
            immutable,
        }
    }

    #[test]
    fn paths_are_classified_before_the_file_system_is_touched() {
        assert_eq!(classify("/"), Target::App);
        assert_eq!(classify("/loesungen/42"), Target::App);
        assert_eq!(classify("/kanaele/7/"), Target::App);
        assert_eq!(classify("/favicon.svg"), file("favicon.svg", false));
        assert_eq!(
            classify("/assets/index-abc123.js"),
            file("assets/index-abc123.js", true)
        );
        assert_eq!(classify("/api/v1/nope"), Target::None);
        assert_eq!(classify("/api"), Target::None);
        assert_eq!(classify("/assets/../../etc/passwd"), Target::None);
        assert_eq!(classify("/assets/%2e%2e/secret.txt"), Target::None);
        assert_eq!(classify("/.env.local"), Target::None);
        assert_eq!(classify("/assets/a\\b.js"), Target::None);
    }
}
