//! A solution as a schema.org `SoftwareApplication`, for the data block embedded in its
//! page (search engines read it there). Only known facts: `operatingSystem` "Web" for
//! online services and SaaS or the platforms a publiccode.yml names, an `Offer` of price 0
//! only where the costs model says free.

use serde_json::{json, Value};

use super::{spdx_url, web, Urls};
use matchraum_catalog::labels::kind_label;
use matchraum_catalog::model::{Organisation, Solution};
use matchraum_catalog::vocab::{CostsModel, SolutionKind};

/// What the solution runs on, where the catalogue knows it.
fn operating_system(s: &Solution) -> Option<String> {
    if matches!(s.kind, SolutionKind::OnlineService | SolutionKind::Saas) {
        return Some("Web".into());
    }
    let platforms: Vec<String> = s
        .extra
        .get("publiccode")
        .and_then(|d| d.get("platforms"))
        .and_then(Value::as_array)?
        .iter()
        .filter_map(Value::as_str)
        .map(|p| match p {
            "web" => "Web".to_owned(),
            "windows" => "Windows".to_owned(),
            "mac" => "macOS".to_owned(),
            "linux" => "Linux".to_owned(),
            "ios" => "iOS".to_owned(),
            "android" => "Android".to_owned(),
            other => other.to_owned(),
        })
        .collect();
    (!platforms.is_empty()).then(|| platforms.join(", "))
}

/// The `SoftwareApplication` of a solution, `@id` and `url` our page of it.
pub fn software_application(s: &Solution, provider: Option<&Organisation>, urls: &Urls) -> Value {
    let page = urls.solution_page(s.id);
    let mut app = json!({
        "@context": "https://schema.org",
        "@type": "SoftwareApplication",
        "@id": page,
        "url": page,
        "name": s.title,
        "applicationCategory": kind_label(s.kind),
        "dateModified": s.updated_at.to_rfc3339(),
    });
    if let Some(d) = s.summary.as_deref().or(s.description.as_deref()) {
        app["description"] = json!(d);
    }
    if let Some(t) = &s.themenfeld {
        app["applicationSubCategory"] = json!(t);
    }
    if let Some(os) = operating_system(s) {
        app["operatingSystem"] = json!(os);
    }
    if s.costs_model == Some(CostsModel::Free) {
        app["offers"] = json!({"@type": "Offer", "price": "0", "priceCurrency": "EUR"});
    }
    if let Some(l) = s.licence.as_deref() {
        app["license"] = json!(spdx_url(l).unwrap_or_else(|| l.to_owned()));
    }
    if let Some(p) = provider {
        let mut org = json!({
            "@type": "Organization",
            "@id": urls.organisation_page(p.id),
            "name": p.name,
        });
        if let Some(site) = web(p.website.as_deref()) {
            org["sameAs"] = json!(site);
        }
        app["provider"] = org;
    }
    if !s.tags.is_empty() {
        app["keywords"] = json!(s.tags.join(", "));
    }
    if !s.languages.is_empty() {
        app["inLanguage"] = json!(s.languages);
    }
    if let Some(site) = web(s.url.as_deref()) {
        app["sameAs"] = json!(site);
    }
    app
}

/// JSON for an HTML `<script type="application/ld+json">` element: `<`, `>` and `&` as JSON
/// escapes, so that no `</script`, `<!--` or `<script` in a text can end or change the
/// script data state; the JSON means the same.
pub fn script_data(v: &Value) -> String {
    let json = serde_json::to_string(v).expect("JSON serialises");
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            // Line terminators for old JavaScript parsers reading the block as code.
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_leave_the_script_element_and_parses_back() {
        let v = json!({"name": "</script><script>alert(1)</script><!-- & </SCRIPT \u{2028}"});
        let out = script_data(&v);
        assert!(!out.contains('<') && !out.contains('>'), "{out}");
        assert!(!out.to_lowercase().contains("</script"));
        let back: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(back, v);
    }
}
