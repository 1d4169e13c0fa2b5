//! BuildKit's variable expansion in instruction words: `$V`, `${V}`, `${V:-x}`, `${V-x}`,
//! `${V:+x}`, `${V+x}`, `${V:?msg}`, with the escape character protecting `$`.

/// The longest an expanded word may be, and how deeply `${…}` may nest: limits that no real
/// Dockerfile meets, and that keep `ENV A=$A$A` repeated, or a 20,000-deep nesting, from
/// taking gigabytes.
const MAX_EXPANDED: usize = 1 << 20;
const MAX_DEPTH: usize = 64;

/// Expands `word`; `lookup` gives a variable's value (None: unset).
pub fn expand(word: &str, lookup: &dyn Fn(&str) -> Option<String>, escape: char) -> Result<String, String> {
    expand_at(word, lookup, escape, 0)
}

fn expand_at(word: &str, lookup: &dyn Fn(&str) -> Option<String>, escape: char, depth: usize) -> Result<String, String> {
    if depth > MAX_DEPTH {
        return Err(format!("`${{…}}` nests more than {MAX_DEPTH} deep"));
    }
    if !word.contains('$') {
        return Ok(word.to_string());
    }
    let mut out = String::new();
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if out.len() > MAX_EXPANDED {
            return Err(format!("the expansion is longer than {} MiB", MAX_EXPANDED >> 20));
        }
        let c = chars[i];
        if c == escape && chars.get(i + 1) == Some(&'$') {
            out.push('$');
            i += 2;
            continue;
        }
        if c != '$' {
            out.push(c);
            i += 1;
            continue;
        }
        match chars.get(i + 1) {
            Some('{') => {
                let close = matching_brace(&chars, i + 2).ok_or_else(|| format!("missing `}}` in `{word}`"))?;
                let inner: String = chars[i + 2..close].iter().collect();
                out.push_str(&braced(&inner, lookup, escape, depth)?);
                i = close + 1;
            }
            Some(n) if n.is_ascii_alphanumeric() || *n == '_' => {
                let end = (i + 1..chars.len()).find(|&j| !(chars[j].is_ascii_alphanumeric() || chars[j] == '_')).unwrap_or(chars.len());
                let name: String = chars[i + 1..end].iter().collect();
                out.push_str(&lookup(&name).unwrap_or_default());
                i = end;
            }
            _ => {
                out.push('$');
                i += 1;
            }
        }
    }
    match out.len() > MAX_EXPANDED {
        true => Err(format!("the expansion is longer than {} MiB", MAX_EXPANDED >> 20)),
        false => Ok(out),
    }
}

fn matching_brace(chars: &[char], from: usize) -> Option<usize> {
    let mut depth = 1;
    for (j, c) in chars.iter().enumerate().skip(from) {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => {}
        }
    }
    None
}

fn braced(inner: &str, lookup: &dyn Fn(&str) -> Option<String>, escape: char, depth: usize) -> Result<String, String> {
    let name_end = inner.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(inner.len());
    let (name, rest) = inner.split_at(name_end);
    if name.is_empty() {
        return Err(format!("`${{{inner}}}` has no variable name"));
    }
    let value = lookup(name);
    let set_nonempty = value.as_deref().is_some_and(|v| !v.is_empty());
    let (op, arg) = if let Some(a) = rest.strip_prefix(":-") {
        (":-", a)
    } else if let Some(a) = rest.strip_prefix(":+") {
        (":+", a)
    } else if let Some(a) = rest.strip_prefix(":?") {
        (":?", a)
    } else if rest.is_empty() {
        ("", "")
    } else {
        rest.split_at(1)
    };
    let word = |w: &str| expand_at(w, lookup, escape, depth + 1);
    Ok(match op {
        "" => value.unwrap_or_default(),
        ":-" => {
            if set_nonempty {
                value.unwrap_or_default()
            } else {
                word(arg)?
            }
        }
        "-" => match value {
            Some(v) => v,
            None => word(arg)?,
        },
        ":+" => {
            if set_nonempty {
                word(arg)?
            } else {
                String::new()
            }
        }
        "+" => {
            if value.is_some() {
                word(arg)?
            } else {
                String::new()
            }
        }
        ":?" => match value.filter(|v| !v.is_empty()) {
            Some(v) => v,
            None => return Err(format!("{name}: {}", if arg.is_empty() { "is not set" } else { arg })),
        },
        other => return Err(format!("unsupported modifier `{other}` in `${{{inner}}}`")),
    })
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
        assert!(expand("$B$B", &lookup, '\\').is_err_and(|e| e.contains("longer than 1 MiB")));
    }

    #[test]
    fn finds_references() {
        assert_eq!(referenced("GOOS=$TARGETOS GOARCH=${TARGETARCH:-amd64} \\$X", '\\'), ["TARGETOS", "TARGETARCH"]);
    }
}
