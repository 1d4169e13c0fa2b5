//! A nesting limit checked before a parser sees the text: hcl-edit and kdl descend recursively,
//! so a file nested tens of thousands deep would overflow the stack instead of failing.

use crate::diag::Diagnostic;
use crate::source::{FileId, Span};

/// How deep brackets (`{`, `[`, `(`) may nest: far beyond any real spec.
pub const MAX_DEPTH: usize = 200;

/// Refuses `text` when its brackets, outside double-quoted strings and comments (`#`, `//`,
/// `/* */`), nest deeper than `MAX_DEPTH`, pointing at the bracket that goes too deep.
pub fn check(file: FileId, text: &str) -> Result<(), Diagnostic> {
    let bytes = text.as_bytes();
    let (mut depth, mut i) = (0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'#' => i = line_end(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = line_end(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = text[i + 2..].find("*/").map_or(bytes.len(), |end| i + 2 + end + 1);
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Diagnostic::error("spec::too-deep", format!("the spec nests more than {MAX_DEPTH} levels deep"))
                        .with_label(Span::new(file, i..i + 1), "too deep here")
                        .with_help("flatten the nesting; no bake file needs this many levels"));
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..].iter().position(|b| *b == b'\n').map_or(bytes.len(), |n| from + n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_nesting_is_refused_before_parsing() {
        let deep = format!("x = {}1{}", "[".repeat(50_000), "]".repeat(50_000));
        let error = check(FileId(0), &deep).err().map(|d| (d.code, d.labels[0].span.start));
        assert_eq!(error, Some(("spec::too-deep", 4 + MAX_DEPTH as u32)));
        let quoted = format!("x = \"{}\" # {}\n", "{".repeat(500), "(".repeat(500));
        assert!(check(FileId(0), &quoted).is_ok(), "brackets in strings and comments do not count");
    }
}
