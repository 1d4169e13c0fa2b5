//! Instruction words expanded as BuildKit expands them, and the variables a word reads.

/// Expands `word` as BuildKit's ProcessWord does (quotes and escapes removed in the same pass,
/// see `shell`); `lookup` gives a variable's value (None: unset).
pub fn expand(word: &str, lookup: &dyn Fn(&str) -> Option<String>, escape: char) -> Result<String, String> {
    super::shell::process_word(word, lookup, escape)
}

/// Expands a `COPY <<EOF` body: variables only, its quotes kept, as BuildKit does.
pub fn expand_heredoc(text: &str, lookup: &dyn Fn(&str) -> Option<String>, escape: char) -> Result<String, String> {
    super::shell::process_keeping_quotes(text, lookup, escape)
}

/// The variable names a word reads, in order (for deciding what a step depends on).
pub fn referenced(word: &str, escape: char) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    if !word.contains('$') {
        return names;
    }
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == escape && chars.get(i + 1) == Some(&'$') {
            i += 2;
            continue;
        }
        if chars[i] == '$' {
            let start = if chars.get(i + 1) == Some(&'{') { i + 2 } else { i + 1 };
            let end = (start..chars.len()).find(|&j| !(chars[j].is_ascii_alphanumeric() || chars[j] == '_')).unwrap_or(chars.len());
            if end > start {
                let name: String = chars[start..end].iter().collect();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            i = end.max(i + 1);
            continue;
        }
        i += 1;
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("a".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    #[test]
    fn expands_buildkit_forms() {
        let x = |w: &str| expand(w, &env, '\\').unwrap_or_else(|e| e);
        assert_eq!(x("$A/${A}x"), "a/ax");
        assert_eq!(x("${NOPE:-d}|${EMPTY:-d}|${EMPTY-d}|${NOPE-d}"), "d|d||d");
        assert_eq!(x("${A:+set}|${NOPE:+set}|${EMPTY+set}"), "set||set");
        assert_eq!(x("\\$A"), "$A");
        assert_eq!(x("${NOPE:-${A}}"), "a");
        assert!(expand("${NOPE:?needed}", &env, '\\').is_err());
        assert!(expand("${A", &env, '\\').is_err());
    }

    #[test]
    fn deep_nesting_and_huge_results_are_refused() {
        let deep = format!("{}x{}", "${NOPE:-".repeat(20_000), "}".repeat(20_000));
        assert!(expand(&deep, &env, '\\').is_err_and(|e| e.contains("nests more than")));
        let big = "x".repeat(600_000);
        let lookup = |name: &str| (name == "B").then(|| big.clone());
        assert!(expand("$B$B", &lookup, '\\').is_err_and(|e| e.contains("adds more than 1 MiB")));
    }

    #[test]
    fn finds_references() {
        assert_eq!(referenced("GOOS=$TARGETOS GOARCH=${TARGETARCH:-amd64} \\$X", '\\'), ["TARGETOS", "TARGETARCH"]);
    }
}
