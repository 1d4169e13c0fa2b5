//! Splits Dockerfile argument text into words (quotes and escapes removed) and `KEY=VALUE`
//! pairs, as ENV, LABEL and ARG read them.

/// Splits on unquoted whitespace; `"..."` and `'...'` group; the escape character escapes the
/// next character (inside double quotes too, single quotes are literal). A `$` the quotes or an
/// escape protect stays protected, as `\$`, for the expansion that follows (which BuildKit does
/// in the same pass as the quote removal).
pub fn split(text: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    let literal = |word: &mut String, c: char| match c {
        '$' => word.push_str("\\$"),
        c => word.push(c),
    };
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('\''), c) => literal(&mut word, c),
            (_, c) if c == escape => {
                if let Some(next) = chars.next() {
                    literal(&mut word, next);
                }
                in_word = true;
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

/// One word with its quotes and escapes removed, whitespace kept (WORKDIR, USER and STOPSIGNAL
/// take their whole argument as one word, as BuildKit's ProcessWord reads it).
pub fn unquote(text: &str, escape: char) -> String {
    // quoting every run of whitespace keeps it inside the one word split gives
    let mut guarded = String::with_capacity(text.len());
    let mut quote: Option<char> = None;
    let mut chars = text.trim().chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => quote = Some(c),
            (_, c) if c == escape => {
                guarded.push(c);
                if let Some(next) = chars.next() {
                    guarded.push(next);
                }
                continue;
            }
            (None, c) if c.is_whitespace() => {
                guarded.push(escape);
            }
            _ => {}
        }
        guarded.push(c);
    }
    split(&guarded, escape).concat()
}

/// `KEY=VALUE ...` pairs; the legacy `KEY VALUE WITH SPACES` form when the first word has no `=`.
pub fn pairs(text: &str, escape: char) -> Result<Vec<(String, String)>, String> {
    let words = split(text, escape);
    if let Some(first) = words.first()
        && !first.contains('=')
    {
        let value = text.trim_start()[first.len()..].trim().to_string();
        return Ok(vec![(first.clone(), value)]);
    }
    words
        .into_iter()
        .map(|w| match w.split_once('=') {
            Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
            _ => Err(format!("`{w}` is not KEY=VALUE")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_quotes_and_escapes() {
        assert_eq!(split(r#"a "b c" 'd $e' f\ g \$h "\$i""#, '\\'), ["a", "b c", "d \\$e", "f g", "\\$h", "\\$i"]);
        assert_eq!(split("  ", '\\'), Vec::<String>::new());
    }

    #[test]
    fn one_word_keeps_its_spaces() {
        assert_eq!(unquote(r#""$D/x y""#, '\\'), "$D/x y");
        assert_eq!(unquote("/a b  c", '\\'), "/a b  c");
        assert_eq!(unquote("'$HOME'/x", '\\'), "\\$HOME/x");
    }

    #[test]
    fn reads_pairs_in_both_forms() {
        assert_eq!(pairs(r#"A=1 B="two words""#, '\\'), Ok(vec![("A".into(), "1".into()), ("B".into(), "two words".into())]));
        assert_eq!(pairs("PATH /usr/bin:/bin", '\\'), Ok(vec![("PATH".into(), "/usr/bin:/bin".into())]));
        assert!(pairs("A=1 =2", '\\').is_err());
    }
}
