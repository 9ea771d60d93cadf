//! The web UI: files of the built frontend (`ui_dir`, default `frontend/dist`) at `/`.
//!
//! Hashed files under `/assets/` are cached for a year; everything else (`index.html`,
//! the favicon) is revalidated on every use. Paths without a file extension are routes of
//! the single-page app and get `index.html`. `/api/...` is never answered with HTML, so an
//! unknown API route stays a problem+json 404.
//!
//! A solution's page (`/loesungen/{id}`) is `index.html` with the solution's schema.org
//! `SoftwareApplication` as a `<script type="application/ld+json">` data block in its head:
//! the app renders in the browser, search engines read the block. A data block is never
//! executed, so the strict CSP (no inline scripts) stays as it is. The page is made per
//! request, revalidated (`no-cache`) with an ETag of its own bytes.

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
        Target::App => {
            if let Some(id) = solution_page_id(req.path()) {
                if let Some(res) = solution_page(&req, &state, dir, id).await {
                    return Ok(res);
                }
            }
            match file(&req, dir.join("index.html"), false).await {
                Some(res) => Ok(res),
                None => Ok(not_built(dir)),
            }
        }
    }
}

/// The id of `/loesungen/{id}` (a trailing slash allowed).
fn solution_page_id(path: &str) -> Option<i64> {
    let rest = path.strip_prefix("/loesungen/")?;
    let digits = rest.strip_suffix('/').unwrap_or(rest);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// `html` with `block` at the end of its head (or before the body, or at the end).
fn inject(html: &str, block: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let at = lower
        .find("</head>")
        .or_else(|| lower.find("<body"))
        .unwrap_or(html.len());
    let mut out = String::with_capacity(html.len() + block.len());
    out.push_str(&html[..at]);
    out.push_str(block);
    out.push_str(&html[at..]);
    out
}

/// `index.html` with the solution's schema.org block; `None` (the plain file answers)
/// when there is no such solution or no built UI.
async fn solution_page(
    req: &HttpRequest,
    state: &AppState,
    dir: &Path,
    id: i64,
) -> Option<HttpResponse> {
    use crate::import::linked_data::schema_org;
    let (s, provider) = match super::open_data::solution_with_provider(state, id).await {
        Ok(found) => found,
        Err(crate::catalog::CatalogError::NotFound { .. }) => return None,
        Err(e) => {
            tracing::warn!(error = %e, id, "solution page without its JSON-LD");
            return None;
        }
    };
    let path = dir.join("index.html");
    let index = web::block(move || std::fs::read_to_string(path))
        .await
        .ok()?
        .ok()?;
    let data =
        schema_org::software_application(&s, provider.as_ref(), &super::open_data::urls(state));
    let block = format!(
        "<script type=\"application/ld+json\">{}</script>",
        schema_org::script_data(&data)
    );
    let body = inject(&index, &block);
    let etag = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        body.hash(&mut h);
        format!("W/\"{:016x}\"", h.finish())
    };
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut res = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    res.insert_header(cache(false))
        .insert_header((header::ETAG, etag))
        .content_type("text/html; charset=utf-8");
    Some(if matches {
        res.finish()
    } else {
        res.body(body)
    })
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

    #[test]
    fn only_numeric_solution_pages_get_their_json_ld() {
        assert_eq!(solution_page_id("/loesungen/42"), Some(42));
        assert_eq!(solution_page_id("/loesungen/42/"), Some(42));
        for p in [
            "/loesungen/",
            "/loesungen/4x",
            "/loesungen/42/x",
            "/loesungen/-1",
            "/katalog",
        ] {
            assert_eq!(solution_page_id(p), None, "{p}");
        }
        assert_eq!(solution_page_id("/loesungen/99999999999999999999"), None);
        assert_eq!(
            inject("<html><head><title>T</title></HEAD><body></body>", "<x>"),
            "<html><head><title>T</title><x></HEAD><body></body>"
        );
        assert_eq!(
            inject("<title>T</title><div>", "<x>"),
            "<title>T</title><div><x>"
        );
    }
}
