//! Field checks at the domain edge: sizes, emptiness and shapes, with the field named.

use super::error::CatalogError;

pub const MAX_NAME: usize = 300;
pub const MAX_TITLE: usize = 500;
pub const MAX_SHORT: usize = 200;
pub const MAX_SUMMARY: usize = 4_000;
pub const MAX_TEXT: usize = 100_000;
pub const MAX_URL: usize = 2_048;
pub const MAX_LIST_ITEMS: usize = 200;
pub const MAX_EXTRA_BYTES: usize = 256 * 1024;

/// Trims and checks an optional text; empty becomes `None`.
pub fn opt_text(
    field: &str,
    value: Option<String>,
    max: usize,
) -> Result<Option<String>, CatalogError> {
    match value.map(|v| v.trim().to_owned()) {
        Some(v) if v.is_empty() => Ok(None),
        Some(v) => {
            check_len(field, &v, max)?;
            Ok(Some(v))
        }
        None => Ok(None),
    }
}

/// Trims and checks a mandatory text.
pub fn text(field: &str, value: &str, max: usize) -> Result<String, CatalogError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(CatalogError::invalid(field, "must not be empty"));
    }
    check_len(field, v, max)?;
    Ok(v.to_owned())
}

fn check_len(field: &str, v: &str, max: usize) -> Result<(), CatalogError> {
    let n = v.chars().count();
    if n > max {
        return Err(CatalogError::invalid(
            field,
            format!("is {n} characters long, at most {max} are allowed"),
        ));
    }
    if v.chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(CatalogError::invalid(field, "contains control characters"));
    }
    Ok(())
}

/// Trims and checks an optional web address: `https:` or `http:` with a host, nothing else
/// (no `javascript:`, `data:`, relative or protocol-relative links); empty becomes `None`.
pub fn opt_url(field: &str, value: Option<String>) -> Result<Option<String>, CatalogError> {
    let v = opt_text(field, value, MAX_URL)?;
    match &v {
        Some(url) if !is_web_url(url) => Err(CatalogError::invalid(
            field,
            "must be an http:// or https:// address with a host",
        )),
        _ => Ok(v),
    }
}

/// True for `http://host…` and `https://host…` without whitespace or control characters.
pub fn is_web_url(url: &str) -> bool {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return false;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or(""); // no userinfo tricks in the host check
    !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'))
        && !url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
}

/// What an importer keeps of a source's web address: a valid one as is, a bare domain
/// (`zuelpich.de`, as some sources write them) as `https://…`, anything else dropped.
pub fn lenient_web_url(value: Option<String>) -> Option<String> {
    let v = value?.trim().to_owned();
    if is_web_url(&v) {
        return Some(v);
    }
    let bare_domain = v.contains('.')
        && v.chars().next().is_some_and(|c| c.is_alphanumeric())
        && !v.contains("://")
        && !v.contains(':');
    let candidate = format!("https://{v}");
    (bare_domain && v.chars().count() < MAX_URL && is_web_url(&candidate)).then_some(candidate)
}

/// Trims, drops empty entries and duplicates, and checks a list of short strings.
pub fn list(field: &str, values: Vec<String>) -> Result<Vec<String>, CatalogError> {
    if values.len() > MAX_LIST_ITEMS {
        return Err(CatalogError::invalid(
            field,
            format!("has more than {MAX_LIST_ITEMS} entries"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(values.len());
    for v in values {
        if let Some(v) = opt_text(field, Some(v), MAX_SHORT)? {
            if !out.contains(&v) {
                out.push(v);
            }
        }
    }
    Ok(out)
}

/// Extra source fields must be a JSON object of bounded size.
pub fn extra(value: Option<serde_json::Value>) -> Result<serde_json::Value, CatalogError> {
    let v = value.unwrap_or_else(|| serde_json::json!({}));
    if !v.is_object() {
        return Err(CatalogError::invalid("extra", "must be a JSON object"));
    }
    if v.to_string().len() > MAX_EXTRA_BYTES {
        return Err(CatalogError::invalid(
            "extra",
            format!("is larger than {MAX_EXTRA_BYTES} bytes"),
        ));
    }
    Ok(v)
}

/// The source name and the source's own id come together or not at all.
pub fn source_ref(
    source: Option<String>,
    source_id: Option<String>,
) -> Result<(Option<String>, Option<String>), CatalogError> {
    let source = opt_text("source", source, 64)?;
    let source_id = opt_text("source_id", source_id, 512)?;
    if source.is_none() != source_id.is_none() {
        return Err(CatalogError::invalid(
            "source_id",
            "source and source_id must be given together",
        ));
    }
    Ok((source, source_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_long_and_control_characters_are_refused_with_the_field_named() {
        let long = "x".repeat(MAX_TITLE + 1);
        let err = text("title", &long, MAX_TITLE).unwrap_err().to_string();
        assert!(err.starts_with("title:"), "{err}");
        assert!(text("title", "a\u{0}b", MAX_TITLE).is_err());
        assert!(text("title", "   ", MAX_TITLE).is_err());
        assert_eq!(
            list("tags", vec![" a ".into(), "a".into(), "".into()]).unwrap(),
            vec!["a"]
        );
    }

    #[test]
    fn only_http_and_https_addresses_with_a_host_are_urls() {
        for ok in [
            "https://example.org",
            "HTTP://example.org/a?b#c",
            "https://[::1]:8080/x",
            "https://straße.de/ä",
        ] {
            assert!(is_web_url(ok), "{ok}");
            assert_eq!(
                opt_url("url", Some(format!(" {ok} "))).unwrap().as_deref(),
                Some(ok)
            );
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:x",
            "//evil.example",
            "/relative",
            "https://",
            "https:///path",
            "https://exa mple.org",
            "https://example.org/\u{0}",
            "https://<script>/",
            "mailto:someone@example.org",
            "ftp://example.org",
        ] {
            assert!(!is_web_url(bad), "{bad}");
            let err = opt_url("website", Some(bad.into()))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with("website:"), "{err}");
        }
        assert_eq!(opt_url("url", Some("  ".into())).unwrap(), None);
    }

    #[test]
    fn importers_keep_bare_domains_and_drop_other_schemes() {
        let l = |s: &str| lenient_web_url(Some(s.into()));
        assert_eq!(l("zuelpich.de").as_deref(), Some("https://zuelpich.de"));
        assert_eq!(l("https://a.de/x").as_deref(), Some("https://a.de/x"));
        assert_eq!(l("mailto:x@example.org"), None);
        assert_eq!(l("javascript:alert(1)"), None);
        assert_eq!(l("http;//www.nsi.it"), None);
        assert_eq!(l("not a url"), None);
        assert_eq!(l(""), None);
    }
}
