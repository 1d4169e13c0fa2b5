//! Splits Dockerfile argument text into words and `KEY=VALUE` pairs, as BuildKit's parser
//! does: quotes and escapes only decide where words end and stay in the words, for the
//! expansion (`shell`) to remove in the same pass as it expands variables.

/// Splits on whitespace outside quotes and not escaped; the words keep their quotes and escapes.
pub fn split(text: &str, escape: char) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => {
                quote = None;
                word.push(c);
            }
            // an escape keeps the next character in the word (not inside single quotes)
            (None | Some('"'), c) if c == escape => {
                word.push(c);
                word.extend(chars.next());
            }
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.push(c);
            }
            (None, c) if c.is_whitespace() => {
                if !word.is_empty() {
                    words.push(std::mem::take(&mut word));
                }
            }
            (None, c) => word.push(c),
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

/// A raw word written with another escape character (`# escape=\``), rewritten with `\\` as
/// its escape, which the expansion downstream uses: the escape becomes `\\`, a literal `\\`
/// becomes `\\\\`, except inside single quotes, where nothing escapes.
pub fn with_backslash(word: &str, escape: char) -> String {
    if escape == '\\' {
        return word.to_string();
    }
    let mut out = String::with_capacity(word.len());
    let mut single = false;
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                single = !single;
                out.push(c);
            }
            c if single => out.push(c),
            c if c == escape => {
                out.push('\\');
                out.extend(chars.next());
            }
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out
}

/// `KEY=VALUE ...` pairs; the legacy `KEY VALUE WITH SPACES` form when the first word has no `=`.
pub fn pairs(text: &str, escape: char) -> Result<Vec<(String, String)>, String> {
    let words = split(text, escape);
    if let Some(first) = words.first()
        && !first.contains('=')
    {
        let value = text.trim_start()[first.len()..].trim().to_string();
        if value.is_empty() {
            return Err(format!("`{first}` has no value: write {first}=VALUE (or `{first} VALUE`)"));
        }
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
    fn splits_where_quotes_and_escapes_say_and_keeps_them() {
        assert_eq!(split(r#"a "b c" 'd $e' f\ g \$h "\$i""#, '\\'), ["a", r#""b c""#, "'d $e'", r"f\ g", r"\$h", r#""\$i""#]);
        assert_eq!(split("  ", '\\'), Vec::<String>::new());
        assert_eq!(split(r#"A="x \" y" B=1"#, '\\'), [r#"A="x \" y""#, "B=1"]);
    }

    #[test]
    fn another_escape_is_rewritten_to_backslash() {
        assert_eq!(with_backslash(r"C:\path`$X'`\'", '`'), r"C:\\path\$X'`\'");
        assert_eq!(with_backslash(r"a\b", '\\'), r"a\b");
    }

    #[test]
    fn reads_pairs_in_both_forms() {
        assert_eq!(pairs(r#"A=1 B="two words""#, '\\'), Ok(vec![("A".into(), "1".into()), ("B".into(), r#""two words""#.into())]));
        assert_eq!(pairs("PATH /usr/bin:/bin", '\\'), Ok(vec![("PATH".into(), "/usr/bin:/bin".into())]));
        assert!(pairs("A=1 =2", '\\').is_err());
    }
}
