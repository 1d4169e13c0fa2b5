//! Here-documents in RUN, COPY and ADD (also after ONBUILD), found as BuildKit's parser finds
//! them: every `<<WORD` (`<<-WORD` strips leading tabs, a quoted word turns expansion off) in
//! the instruction's words, each body read from the following lines up to its terminator, in
//! order. The parse-dockerfile crate reads only one heredoc at the start of a command, so its
//! input gets the bodies blanked and the markers masked, with every byte offset kept.

use std::collections::BTreeMap;

/// Stands for `<<` in the text the crate parses: two bytes, as `<<` is, in no real path.
pub const MARK: &str = "\u{1}\u{1}";

/// One here-document: the delimiter word as written, its name, its body, whether COPY expands it.
#[derive(Debug, Clone, PartialEq)]
pub struct Heredoc {
    pub word: String,
    pub name: String,
    pub body: String,
    pub expand: bool,
}

/// The text for the crate, and the heredocs of each instruction by the offset of its line.
#[derive(Debug, Default)]
pub struct Extracted {
    pub masked: String,
    pub by_line: BTreeMap<usize, Vec<Heredoc>>,
}

/// Finds the here-documents of `text`; Err names an unterminated one (and its line's offset).
pub fn extract(text: &str, escape: char) -> Result<Extracted, (usize, String)> {
    let mut out = Extracted { masked: String::with_capacity(text.len()), by_line: BTreeMap::new() };
    let lines: Vec<(usize, &str)> = line_offsets(text);
    let mut i = 0;
    while i < lines.len() {
        // a logical line: physical lines joined while they end with the escape character
        let start = i;
        let mut logical = String::new();
        loop {
            let line = lines[i].1.trim_end_matches(['\n', '\r']);
            let trimmed = line.trim_end();
            i += 1;
            if !trimmed.trim_start().starts_with('#')
                && trimmed.ends_with(escape)
                && !ends_with_escaped_escape(trimmed, escape)
                && i < lines.len()
            {
                logical.push_str(&trimmed[..trimmed.len() - escape.len_utf8()]);
                continue;
            }
            logical.push_str(line);
            break;
        }
        let docs = if takes_heredocs(&logical) { heredoc_words(&logical, escape) } else { Vec::new() };
        for (_, text) in &lines[start..i] {
            out.masked.push_str(&if docs.is_empty() { text.to_string() } else { text.replace("<<", MARK) });
        }
        let mut found = Vec::new();
        for (word, name, chomp, expand) in docs {
            let mut body = String::new();
            let mut terminated = false;
            while i < lines.len() {
                let (_, line) = lines[i];
                i += 1;
                out.masked.push_str(&blank(line));
                let content = line.trim_end_matches(['\n', '\r']);
                let candidate = if chomp { content.trim_start_matches('\t') } else { content };
                if candidate == name {
                    terminated = true;
                    break;
                }
                body.push_str(if chomp { line.trim_start_matches('\t') } else { line });
            }
            if !terminated {
                return Err((lines[start].0, format!("unterminated here-document `{word}`: no line `{name}` ends it")));
            }
            found.push(Heredoc { word, name, body, expand });
        }
        if !found.is_empty() {
            out.by_line.insert(lines[start].0, found);
        }
    }
    Ok(out)
}

/// Each line with its offset, newlines kept.
fn line_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut at = 0;
    text.split_inclusive('\n')
        .map(|line| {
            let start = at;
            at += line.len();
            (start, line)
        })
        .collect()
}

fn ends_with_escaped_escape(line: &str, escape: char) -> bool {
    let run = line.chars().rev().take_while(|&c| c == escape).count();
    run % 2 == 0
}

/// Spaces for every byte of a line but its newline, so offsets stay.
fn blank(line: &str) -> String {
    let body = line.trim_end_matches(['\n', '\r']);
    format!("{}{}", " ".repeat(body.len()), &line[body.len()..])
}

/// RUN, COPY and ADD take here-documents, also as an ONBUILD trigger.
fn takes_heredocs(line: &str) -> bool {
    let mut words = line.split_whitespace().map(str::to_ascii_uppercase);
    match words.next().as_deref() {
        Some("RUN" | "COPY" | "ADD") => true,
        Some("ONBUILD") => matches!(words.next().as_deref(), Some("RUN" | "COPY" | "ADD")),
        _ => false,
    }
}

/// The `<<WORD` words of a line: (as written, name, chomp, expand), as BuildKit's
/// `^(\d*)<<(-?)\s*([^<]*)$` on each raw word.
fn heredoc_words(line: &str, escape: char) -> Vec<(String, String, bool, bool)> {
    if !line.contains("<<") {
        return Vec::new();
    }
    let no_vars = |_: &str| None;
    super::words::split(line, escape)
        .into_iter()
        .filter_map(|word| {
            let digits = word.chars().take_while(char::is_ascii_digit).count();
            let rest = word[digits..].strip_prefix("<<")?;
            let (chomp, rest) = match rest.strip_prefix('-') {
                Some(r) => (true, r),
                None => (false, rest),
            };
            let rest = rest.trim_start();
            if rest.is_empty() || rest.contains('<') {
                return None;
            }
            let name = super::shell::process_word(rest, &no_vars, escape).ok()?;
            if name.is_empty() || name.contains(char::is_whitespace) {
                return None;
            }
            let expand = !rest.contains(['"', '\'']);
            Some((word.clone(), name, chomp, expand))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_heredoc_and_keeps_offsets() {
        let text = "FROM x\nRUN <<A cat > /a && cat <<-\"B\" > /b\none\nA\n\ttwo\n\tB\nCOPY <<EOF /c\n$X\nEOF\n";
        let found = extract(text, '\\').unwrap_or_default();
        assert_eq!(found.masked.len(), text.len());
        assert!(!found.masked.contains("<<") && !found.masked.contains("one"));
        let docs: Vec<_> = found.by_line.values().flatten().map(|d| (d.name.as_str(), d.body.as_str(), d.expand)).collect();
        assert_eq!(docs, [("A", "one\n", true), ("B", "two\n", false), ("EOF", "$X\n", true)]);
        assert!(extract("FROM x\nRUN <<EOF\nno end\n", '\\').is_err());
        assert!(extract("FROM x\nRUN echo '<<not'\n", '\\').is_ok_and(|e| e.by_line.is_empty()));
    }
}
