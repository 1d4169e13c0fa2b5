//! Splits CSV fields the way bake and BuildKit read `type=registry,ref=x` and list overrides.

/// Splits on commas outside double quotes; quotes are removed, `""` inside quotes is a quote.
pub fn split(text: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Parses `k=v,k2=v2` into pairs; a field without `=` is returned with an empty key.
pub fn key_values(text: &str) -> Vec<(String, String)> {
    split(text)
        .into_iter()
        .filter(|f| !f.trim().is_empty())
        .map(|f| match f.split_once('=') {
            Some((k, v)) => (k.trim().to_string(), v.to_string()),
            None => (String::new(), f),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_outside_quotes() {
        assert_eq!(split("a,b"), vec!["a", "b"]);
        assert_eq!(split(r#""a,b",c"#), vec!["a,b", "c"]);
        assert_eq!(split(r#""a""b""#), vec![r#"a"b"#]);
        assert_eq!(key_values("type=registry,ref=x"), vec![("type".into(), "registry".into()), ("ref".into(), "x".into())]);
    }
}
