//! Markdown → sanitised HTML, and mentions (`@user:42`).

use pulldown_cmark::{html, Options, Parser};

/// Renders CommonMark (with tables, strikethrough, task lists) and strips everything that
/// could run script or escape the message box.
pub fn render(md: &str) -> String {
    let mut opts = Options::empty();
    opts.insert(Options::ENABLE_TABLES);
    opts.insert(Options::ENABLE_STRIKETHROUGH);
    opts.insert(Options::ENABLE_TASKLISTS);
    let mut out = String::with_capacity(md.len() + md.len() / 4);
    html::push_html(&mut out, Parser::new_ext(md, opts));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&out)
        .to_string()
}

/// User ids mentioned as `@user:<id>`, without duplicates, at most 20.
pub fn mentions(md: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for (i, _) in md.match_indices("@user:") {
        let digits: String = md[i + 6..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .take(18)
            .collect();
        if let Ok(id) = digits.parse::<i64>() {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if ids.len() == 20 {
            break;
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_script_and_keeps_markdown() {
        let h = render("**fett** <script>alert(1)</script> [x](javascript:alert(1))");
        assert!(h.contains("<strong>fett</strong>"));
        assert!(!h.contains("<script"));
        assert!(!h.contains("javascript:"));
    }

    #[test]
    fn finds_mentions() {
        assert_eq!(mentions("hallo @user:4 und @user:17, @user:4"), vec![4, 17]);
        assert!(mentions("@user:x").is_empty());
    }
}
