//! What a reaction may be: one emoji (with its modifiers and joiners), nothing else, so that
//! no markup, control characters or paths reach clients or storage keys.

/// Longest accepted reaction, in bytes (family and flag sequences fit).
pub const MAX_BYTES: usize = 32;

/// True for a short sequence of emoji characters: pictographs, optionally with variation
/// selectors, skin tones, zero-width joiners, keycaps, regional-indicator flags and tags.
pub fn is_emoji(s: &str) -> bool {
    if s.is_empty() || s.len() > MAX_BYTES {
        return false;
    }
    let chars: Vec<char> = s.chars().collect();
    let mut pictographs = 0;
    for (i, &c) in chars.iter().enumerate() {
        if is_pictograph(c) {
            pictographs += 1;
        } else if is_keycap_base(c) {
            // `1️⃣`: a digit, `#` or `*` only as the base of a keycap.
            let rest = &chars[i + 1..];
            let keycap = matches!(rest, ['\u{20E3}', ..] | ['\u{FE0F}', '\u{20E3}', ..]);
            if !keycap {
                return false;
            }
            pictographs += 1;
        } else if !is_modifier(c) {
            return false;
        }
    }
    pictographs > 0
}

fn is_pictograph(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF // cards, enclosed, flags' letters, pictographs, emoticons, transport …
        | 0x2600..=0x27BF // miscellaneous symbols, dingbats
        | 0x2300..=0x23FF // ⌚ ⏰ …
        | 0x2B00..=0x2BFF // ⬆ ⭐ …
        | 0x2190..=0x21FF // ↔ …
        | 0x25A0..=0x25FF // ▶ ◀ …
        | 0x2934 | 0x2935 | 0x3030 | 0x303D | 0x3297 | 0x3299
        | 0x00A9 | 0x00AE | 0x203C | 0x2049 | 0x2122 | 0x2139)
}

fn is_keycap_base(c: char) -> bool {
    c.is_ascii_digit() || c == '#' || c == '*'
}

fn is_modifier(c: char) -> bool {
    matches!(c as u32,
        0x200D // zero-width joiner
        | 0xFE0E | 0xFE0F // text / emoji presentation
        | 0x20E3 // combining keycap
        | 0x1F3FB..=0x1F3FF // skin tones (also inside the pictograph range)
        | 0xE0020..=0xE007F) // tags (subdivision flags)
}

#[cfg(test)]
mod tests {
    use super::is_emoji;

    #[test]
    fn emoji_and_their_sequences_are_accepted() {
        for ok in [
            "👍",
            "❤️",
            "🎉",
            "👍🏽",
            "👩‍💻",
            "👨‍👩‍👧‍👦",
            "🇩🇪",
            "1️⃣",
            "#⃣",
            "✅",
            "🏴󠁧󠁢󠁳󠁣󠁴󠁿",
            "⭐",
            "©️",
        ] {
            assert!(is_emoji(ok), "{ok:?}");
        }
    }

    #[test]
    fn markup_text_control_characters_and_paths_are_refused() {
        for bad in [
            "",
            "<script>",
            "<script>alert(1)</script>",
            "a",
            "ok",
            "1",
            "\u{0}",
            "👍\u{0}",
            "../../x",
            "👍 ",
            " ",
            "\u{200D}",
            "\u{FE0F}",
            "👍<b>",
            "%2e%2e",
            "\n",
            "👍👍👍👍👍👍👍👍👍",
        ] {
            assert!(!is_emoji(bad), "{bad:?}");
        }
    }
}
