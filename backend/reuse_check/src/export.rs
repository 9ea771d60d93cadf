//! The check as a German document for a funding application or a procurement file:
//! Markdown ([`markdown`]) and a printable HTML page ([`html`], every user-written text
//! escaped; styled by [`STYLESHEET`], served separately so that the page's CSP allows no
//! inline code at all).
//!
//! PDF is left to the browser's "print to PDF" of the HTML page: the Rust PDF crates either
//! lay out text by hand (printpdf: no line breaking, no tables) or are unmaintained
//! (genpdf), and an HTML-to-PDF engine would mean a browser on the server.

use chrono::{DateTime, Utc};

use crate::model::{Candidate, Decision, OutcomeKind, ReuseCheck};

pub use matchraum_catalog::labels::{kind_label, maturity_label};

pub fn decision_label(d: Decision) -> &'static str {
    match d {
        Decision::Fits => "Passt",
        Decision::FitsWithChanges => "Passt mit Anpassungen",
        Decision::DoesNotFit => "Passt nicht",
    }
}

fn filter_label(key: &str) -> &str {
    match key {
        "kind" => "Art der Lösung",
        "maturity" => "Reifegrad",
        "reuse_model" => "Nachnutzungsmodell",
        "licence" => "Lizenz",
        "costs_model" => "Kostenmodell",
        "standard" => "Standard",
        "land" => "Land des Anbieters",
        "provider_kind" => "Art des Anbieters",
        other => other,
    }
}

/// A filter value in German where it is a known vocabulary code.
fn filter_value(key: &str, v: &str) -> String {
    match key {
        "kind" => v.parse().map(kind_label).unwrap_or(v).to_owned(),
        "maturity" => v.parse().map(maturity_label).unwrap_or(v).to_owned(),
        _ => v.to_owned(),
    }
}

/// The filters that were set, as (label, values) pairs.
pub fn filters(check: &ReuseCheck) -> Vec<(String, String)> {
    let Some(obj) = check.filters.as_object() else {
        return Vec::new();
    };
    obj.iter()
        .filter_map(|(k, v)| {
            let values: Vec<String> = match v {
                serde_json::Value::Array(a) => a
                    .iter()
                    .map(|x| match x {
                        serde_json::Value::String(s) => filter_value(k, s),
                        other => other.to_string(),
                    })
                    .collect(),
                serde_json::Value::Null => Vec::new(),
                serde_json::Value::String(s) => vec![filter_value(k, s)],
                other => vec![other.to_string()],
            };
            (!values.is_empty()).then(|| (filter_label(k).to_owned(), values.join(", ")))
        })
        .collect()
}

pub fn date_time(t: DateTime<Utc>) -> String {
    t.format("%d.%m.%Y, %H:%M UTC").to_string()
}

pub fn date(t: DateTime<Utc>) -> String {
    t.format("%d.%m.%Y").to_string()
}

fn decimal(v: f64, digits: usize) -> String {
    format!("{v:.digits$}").replace('.', ",")
}

/// Score, similarity and matched words, as one line (None when the search gave none).
fn evidence(c: &Candidate) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(s) = c.similarity {
        parts.push(format!("semantische Ähnlichkeit {}", decimal(s, 2)));
    }
    if let Some(s) = c.score {
        parts.push(format!("Rangwert {}", decimal(s, 4)));
    }
    if !c.matched_terms.is_empty() {
        parts.push(format!("passende Begriffe: {}", c.matched_terms.join(", ")));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// The outcome in one German sentence (without its reason).
pub fn outcome_sentence(check: &ReuseCheck) -> String {
    let Some(o) = &check.outcome else {
        return "Noch kein Ergebnis festgehalten.".into();
    };
    let label = o.label.as_deref().unwrap_or("");
    match o.kind {
        OutcomeKind::ReuseSolution => format!(
            "Nachnutzung der Lösung „{label}“ (Katalog-Nr. {})",
            o.solution_id.unwrap_or_default()
        ),
        OutcomeKind::JoinCommunity => format!("Beitritt zur Community „{label}“"),
        OutcomeKind::BuildNew => "Neuentwicklung, weil keine geprüfte Lösung passt".into(),
    }
}

fn status_line(check: &ReuseCheck) -> String {
    match check.closed_at {
        Some(t) => format!("abgeschlossen am {}", date_time(t)),
        None => "in Bearbeitung (Entwurf, noch nicht abgeschlossen)".into(),
    }
}

/// Escapes text for Markdown: characters that would start markup are backslash-escaped,
/// line breaks kept as hard breaks.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        if matches!(
            ch,
            '\\' | '`'
                | '*'
                | '_'
                | '{'
                | '}'
                | '['
                | ']'
                | '<'
                | '>'
                | '('
                | ')'
                | '#'
                | '+'
                | '-'
                | '!'
                | '|'
                | '~'
        ) {
            out.push('\\');
        }
        if ch == '\n' {
            out.push_str("  \n");
        } else if ch != '\r' {
            out.push(ch);
        }
    }
    out
}

/// The check as Markdown.
pub fn markdown(check: &ReuseCheck, now: DateTime<Utc>) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "# Vorrangprüfung: {}\n", md(&check.title));
    let _ = writeln!(s, "| Angabe | Wert |\n| --- | --- |");
    let _ = writeln!(s, "| Organisation | {} |", md(&check.organisation_name));
    let _ = writeln!(s, "| Vorgang | Vorrangprüfung Nr. {} |", check.id);
    let _ = writeln!(s, "| Angelegt | {} |", date_time(check.created_at));
    let _ = writeln!(s, "| Stand | {} |", md(&status_line(check)));
    let _ = writeln!(s, "| Exportiert | {} |\n", date_time(now));

    let _ = writeln!(s, "## Gesuchte Lösung\n");
    for line in check.problem_text.lines() {
        let _ = writeln!(s, "> {}", md(line));
    }
    let f = filters(check);
    if f.is_empty() {
        let _ = writeln!(s, "\nFilter der Suche: keine\n");
    } else {
        let _ = writeln!(s, "\nFilter der Suche:\n");
        for (k, v) in f {
            let _ = writeln!(s, "- {}: {}", md(&k), md(&v));
        }
        s.push('\n');
    }

    let _ = writeln!(
        s,
        "## Geprüfte Lösungen ({})\n\nReifegrad, Anbieter und Nachnutzungen wie im Katalog am {}.\n",
        check.candidates.len(),
        date(check.created_at)
    );
    for c in &check.candidates {
        let _ = writeln!(s, "### {}. {}\n", c.position, md(&c.title));
        let _ = writeln!(s, "- Katalog-Nr.: {}", c.solution_id);
        let _ = writeln!(s, "- Art: {}", kind_label(c.kind));
        if let Some(p) = &c.provider_name {
            let _ = writeln!(s, "- Anbieter: {}", md(p));
        }
        let _ = writeln!(s, "- Reifegrad: {}", maturity_label(c.maturity));
        let _ = writeln!(s, "- Nachnutzungen im Katalog: {}", c.usage_count);
        if let Some(e) = evidence(c) {
            let _ = writeln!(s, "- Treffer: {}", md(&e));
        }
        let _ = writeln!(
            s,
            "- Entscheidung: **{}**",
            c.decision.map(decision_label).unwrap_or("noch offen")
        );
        let _ = writeln!(
            s,
            "- Begründung: {}\n",
            c.reason.as_deref().map(md).unwrap_or_else(|| "–".into())
        );
    }

    let _ = writeln!(s, "## Ergebnis\n\n**{}**\n", md(&outcome_sentence(check)));
    if let Some(r) = check.outcome.as_ref().and_then(|o| o.reason.as_deref()) {
        let _ = writeln!(s, "Begründung: {}\n", md(r));
    }
    let _ = writeln!(s, "---\n\nErstellt mit Matchraum.");
    s
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text with its line breaks as `<br>`.
fn paragraphs(s: &str) -> String {
    s.lines().map(escape_html).collect::<Vec<_>>().join("<br>")
}

/// The printable page; `stylesheet` is the URL of [`STYLESHEET`].
pub fn html(check: &ReuseCheck, now: DateTime<Utc>, stylesheet: &str) -> String {
    use std::fmt::Write;
    let e = escape_html;
    let mut s = String::new();
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"de\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Vorrangprüfung: {}</title>\n<link rel=\"stylesheet\" href=\"{}\">\n</head>\n<body>\n<main>\n",
        e(&check.title),
        e(stylesheet)
    );
    let _ = write!(
        s,
        "<p class=\"hint\">Zum Drucken oder Speichern als PDF die Druckfunktion des Browsers verwenden (Strg+P).</p>\n\
         <h1>Vorrangprüfung: {}</h1>\n<table class=\"facts\">\n",
        e(&check.title)
    );
    for (k, v) in [
        ("Organisation", check.organisation_name.clone()),
        ("Vorgang", format!("Vorrangprüfung Nr. {}", check.id)),
        ("Angelegt", date_time(check.created_at)),
        ("Stand", status_line(check)),
        ("Exportiert", date_time(now)),
    ] {
        let _ = writeln!(
            s,
            "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
            e(k),
            e(&v)
        );
    }
    let _ = write!(
        s,
        "</table>\n<h2>Gesuchte Lösung</h2>\n<blockquote>{}</blockquote>\n",
        paragraphs(&check.problem_text)
    );
    let f = filters(check);
    if f.is_empty() {
        s.push_str("<p>Filter der Suche: keine</p>\n");
    } else {
        s.push_str("<p>Filter der Suche:</p>\n<ul>\n");
        for (k, v) in f {
            let _ = writeln!(s, "<li>{}: {}</li>", e(&k), e(&v));
        }
        s.push_str("</ul>\n");
    }
    let _ = write!(
        s,
        "<h2>Geprüfte Lösungen ({})</h2>\n<p>Reifegrad, Anbieter und Nachnutzungen wie im Katalog am {}.</p>\n",
        check.candidates.len(),
        date(check.created_at)
    );
    for c in &check.candidates {
        let _ = write!(
            s,
            "<section class=\"candidate\">\n<h3>{}. {}</h3>\n<dl>\n",
            c.position,
            e(&c.title)
        );
        let mut row = |k: &str, v: String| {
            let _ = writeln!(s, "<dt>{}</dt><dd>{}</dd>", e(k), v);
        };
        row("Katalog-Nr.", c.solution_id.to_string());
        row("Art", e(kind_label(c.kind)));
        if let Some(p) = &c.provider_name {
            row("Anbieter", e(p));
        }
        row("Reifegrad", e(maturity_label(c.maturity)));
        row("Nachnutzungen im Katalog", c.usage_count.to_string());
        if let Some(ev) = evidence(c) {
            row("Treffer", e(&ev));
        }
        row(
            "Entscheidung",
            format!(
                "<strong>{}</strong>",
                e(c.decision.map(decision_label).unwrap_or("noch offen"))
            ),
        );
        row(
            "Begründung",
            c.reason
                .as_deref()
                .map(paragraphs)
                .unwrap_or_else(|| "–".into()),
        );
        s.push_str("</dl>\n</section>\n");
    }
    let _ = write!(
        s,
        "<h2>Ergebnis</h2>\n<p><strong>{}</strong></p>\n",
        e(&outcome_sentence(check))
    );
    if let Some(r) = check.outcome.as_ref().and_then(|o| o.reason.as_deref()) {
        let _ = writeln!(s, "<p>Begründung: {}</p>", paragraphs(r));
    }
    s.push_str("<footer><p>Erstellt mit Matchraum.</p></footer>\n</main>\n</body>\n</html>\n");
    s
}

/// The export page's stylesheet: readable on screen, A4 on paper.
pub const STYLESHEET: &str = r#"
body { font-family: "Fira Sans", Arial, sans-serif; color: #171a2b; margin: 0; line-height: 1.5; }
main { max-width: 48rem; margin: 2rem auto; padding: 0 1rem; overflow-wrap: anywhere; }
h1 { font-size: 1.75rem; margin: 0 0 1rem; }
h2 { font-size: 1.3rem; margin: 2rem 0 0.5rem; border-bottom: 1px solid #8f94a8; }
h3 { font-size: 1.1rem; margin: 1.25rem 0 0.25rem; }
table.facts { border-collapse: collapse; }
table.facts th, table.facts td { text-align: left; padding: 0.2rem 1rem 0.2rem 0; vertical-align: top; }
blockquote { margin: 0; padding: 0.5rem 1rem; border-left: 4px solid #0d47a1; background: #f2f4f8; }
dl { display: grid; grid-template-columns: minmax(0, max-content) minmax(0, 1fr); gap: 0.1rem 1rem; margin: 0; }
@media (max-width: 30rem) { dl { grid-template-columns: minmax(0, 1fr); } dd { margin-bottom: 0.4rem; } }
dt { font-weight: 600; }
dd { margin: 0; }
.candidate { break-inside: avoid; }
.hint { background: #fff4ce; padding: 0.5rem 1rem; }
footer { margin-top: 2rem; color: #4b4f63; font-size: 0.9rem; }
@media print {
  @page { size: A4; margin: 20mm 18mm; }
  body { font-size: 11pt; }
  main { margin: 0; max-width: none; padding: 0; }
  .hint { display: none; }
  blockquote { background: none; }
  h2, h3 { break-after: avoid; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Outcome;
    use matchraum_catalog::vocab::{Maturity, SolutionKind};

    fn check() -> ReuseCheck {
        let t = "2026-12-03T10:00:00Z".parse().unwrap();
        ReuseCheck {
            id: 4,
            organisation_id: 1,
            organisation_name: "Stadt <Musterstadt>".into(),
            created_by: Some(1),
            title: "Wohnsitz & Meldung".into(),
            problem_text: "Wir suchen *etwas*\n<script>alert(1)</script>".into(),
            filters: serde_json::json!({"kind": ["software"], "licence": [], "land": ["Bayern"]}),
            candidates: vec![Candidate {
                solution_id: 9,
                position: 1,
                title: "OpenRathaus [beta]".into(),
                kind: SolutionKind::Software,
                maturity: Maturity::InProduction,
                provider_name: Some("Dataport".into()),
                usage_count: 3,
                score: Some(0.0312),
                similarity: Some(0.714),
                matched_terms: vec!["wohnsitz".into()],
                decision: Some(Decision::DoesNotFit),
                reason: Some("Kein <Meldewesen>-Anschluss".into()),
            }],
            outcome: Some(Outcome {
                kind: OutcomeKind::BuildNew,
                solution_id: None,
                channel_id: None,
                label: None,
                reason: Some("Nichts passt".into()),
            }),
            shared_in_radar: false,
            created_at: t,
            updated_at: t,
            closed_at: Some(t),
            closed_by: Some(1),
        }
    }

    #[test]
    fn html_escapes_every_user_text() {
        let h = html(&check(), Utc::now(), "/x.css");
        assert!(!h.contains("<script>"), "{h}");
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(h.contains("Stadt &lt;Musterstadt&gt;"));
        assert!(h.contains("Kein &lt;Meldewesen&gt;-Anschluss"));
        assert!(h.contains("Wohnsitz &amp; Meldung"));
        assert!(
            !h.contains("<style") && !h.contains(" style="),
            "no inline styles"
        );
    }

    #[test]
    fn markdown_has_every_part_in_german() {
        let m = markdown(&check(), Utc::now());
        assert!(m.starts_with("# Vorrangprüfung: Wohnsitz & Meldung"), "{m}");
        assert!(
            m.contains("| Organisation | Stadt \\<Musterstadt\\> |"),
            "{m}"
        );
        assert!(m.contains("> Wir suchen \\*etwas\\*"), "{m}");
        assert!(m.contains("- Art der Lösung: Software"), "{m}");
        assert!(m.contains("- Land des Anbieters: Bayern"), "{m}");
        assert!(!m.contains("Lizenz"), "empty filters are left out: {m}");
        assert!(m.contains("### 1. OpenRathaus \\[beta\\]"), "{m}");
        assert!(m.contains("- Reifegrad: Im Betrieb"), "{m}");
        assert!(m.contains("- Nachnutzungen im Katalog: 3"), "{m}");
        assert!(m.contains("semantische Ähnlichkeit 0,71"), "{m}");
        assert!(m.contains("- Entscheidung: **Passt nicht**"), "{m}");
        assert!(
            m.contains("**Neuentwicklung, weil keine geprüfte Lösung passt**"),
            "{m}"
        );
        assert!(m.contains("Begründung: Nichts passt"), "{m}");
        assert!(m.contains("abgeschlossen am 03.12.2026, 10:00 UTC"), "{m}");
    }
}
