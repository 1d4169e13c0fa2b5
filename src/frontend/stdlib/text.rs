//! Text helpers shared by the string functions: approximate grapheme clusters and Go's case rules.

/// Splits `s` into user-perceived characters, approximating Unicode grapheme clusters (as cty's
/// textseg does): combining marks, variation selectors, emoji modifiers, zero-width joiner
/// sequences, regional-indicator pairs and CR LF stay together. Hangul jamo are not joined.
pub(crate) fn graphemes(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<char> = None;
    let mut regional = 0usize;
    for (i, c) in s.char_indices() {
        if let Some(p) = prev {
            let joins = (p == '\r' && c == '\n')
                || (p != '\r' && p != '\n' && is_extend(c))
                || p == '\u{200D}'
                || (is_regional(p) && is_regional(c) && regional % 2 == 1);
            if !joins {
                out.push(&s[start..i]);
                start = i;
                regional = 0;
            }
        }
        if is_regional(c) {
            regional += 1;
        }
        prev = Some(c);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

fn is_regional(c: char) -> bool {
    ('\u{1F1E6}'..='\u{1F1FF}').contains(&c)
}

fn is_extend(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05BD | 0x05BF | 0x05C1..=0x05C2
        | 0x05C4..=0x05C5 | 0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F | 0x0670
        | 0x06D6..=0x06DC | 0x06DF..=0x06E4 | 0x06E7..=0x06E8 | 0x06EA..=0x06ED
        | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0951..=0x0957 | 0x0962..=0x0963
        | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF
        | 0x200C..=0x200D | 0x20D0..=0x20FF | 0x302A..=0x302F | 0x3099..=0x309A
        | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F
        | 0xE0100..=0xE01EF)
}

/// The number of user-perceived characters in `s`.
pub(crate) fn grapheme_count(s: &str) -> usize {
    graphemes(s).len()
}

/// Go's `unicode.ToUpper` on one rune: the simple mapping, so `ß` stays `ß`.
pub(crate) fn upper_char(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower` on one rune (the simple mapping).
pub(crate) fn lower_char(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Go's `strings.ToUpper`.
pub(crate) fn go_upper(s: &str) -> String {
    s.chars().map(upper_char).collect()
}

/// Go's `strings.ToLower`.
pub(crate) fn go_lower(s: &str) -> String {
    s.chars().map(lower_char).collect()
}

/// Go's `strings.Title`: upper-cases the first letter of each word, where words are separated
/// by anything but ASCII letters, digits and underscore, or by non-ASCII spaces and symbols.
pub(crate) fn go_title(s: &str) -> String {
    let mut prev = ' ';
    s.chars()
        .map(|c| {
            let out = if is_separator(prev) { upper_char(c) } else { c };
            prev = c;
            out
        })
        .collect()
}

fn is_separator(c: char) -> bool {
    if c.is_ascii() {
        return !(c.is_ascii_alphanumeric() || c == '_');
    }
    if c.is_alphabetic() || c.is_numeric() {
        return false;
    }
    c.is_whitespace()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clusters() {
        assert_eq!(graphemes("abc"), vec!["a", "b", "c"]);
        assert_eq!(graphemes("e\u{301}x"), vec!["e\u{301}", "x"]);
        assert_eq!(graphemes("\r\n"), vec!["\r\n"]);
        assert_eq!(grapheme_count("🇩🇪🇫🇷"), 2);
        assert_eq!(grapheme_count("👩‍👩‍👧"), 1);
        assert_eq!(grapheme_count("👍🏽!"), 2);
        assert_eq!(grapheme_count(""), 0);
    }

    #[test]
    fn go_case_rules() {
        assert_eq!(go_upper("straße"), "STRAßE");
        assert_eq!(go_lower("HELLO Σ"), "hello σ");
        assert_eq!(go_title("hello world-foo_bar x.y"), "Hello World-Foo_bar X.Y");
    }
}
