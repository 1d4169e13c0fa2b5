//! BuildKit's Dockerfile parser corpus (tests/fixtures/buildkit-parser), parsed by mpbake:
//! every `testfiles/` Dockerfile parses, with BuildKit's instructions in BuildKit's order and
//! its ENV and LABEL pairs exactly (values raw, as BuildKit's parser leaves them for the
//! expansion); every `testfiles-negative/` Dockerfile is refused.

use std::path::{Path, PathBuf};

use mpbake::frontend::dockerfile::shell::process_word;
use mpbake::frontend::dockerfile::{escape_directive, parse};
use mpbake::ir::{Dockerfile, OpKind};
use mpbake::source::FileId;

fn corpus(set: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/buildkit-parser").join(set);
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten().map(|e| e.path()).collect();
    dirs.sort();
    dirs
}

/// The Go-quoted strings of one `result` line: `(env "a" "b\"c" "=")` → [a, b"c, =].
fn quoted(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c != '"' {
            continue;
        }
        let mut s = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some(other) => s.push(other),
                    None => {}
                },
                c => s.push(c),
            }
        }
        out.push(s);
    }
    out
}

/// BuildKit's instructions: (keyword, pairs for env/label).
fn expected(result: &str) -> Vec<(String, Vec<(String, String)>)> {
    result
        .lines()
        .filter(|l| l.starts_with('('))
        .map(|line| {
            let keyword = line[1..].split([' ', ')']).next().unwrap_or_default().to_string();
            let pairs = match keyword.as_str() {
                "env" | "label" => quoted(line).chunks(3).map(|c| (c[0].clone(), c.get(1).cloned().unwrap_or_default())).collect(),
                _ => Vec::new(),
            };
            (keyword, pairs)
        })
        .collect()
}

/// mpbake's instructions in the same shape.
fn ours(df: &Dockerfile) -> Vec<(String, Vec<(String, String)>)> {
    // one ARG instruction may declare several names: one entry per instruction
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    let mut last_span = None;
    for decl in &df.global_args {
        if last_span != Some(decl.span) {
            out.push(("arg".to_string(), Vec::new()));
            last_span = Some(decl.span);
        }
    }
    for stage in &df.stages {
        out.push(("from".into(), Vec::new()));
        for op in &stage.ops {
            let pairs = match &op.kind {
                OpKind::Env(p) | OpKind::Label(p) => p.clone(),
                _ => Vec::new(),
            };
            // MAINTAINER is kept as the label it means
            let keyword = match (&op.kind, op.text.trim_start().get(..10)) {
                (OpKind::Label(_), Some(k)) if k.eq_ignore_ascii_case("maintaine") || k.to_ascii_lowercase().starts_with("maintainer") => {
                    "maintainer".to_string()
                }
                _ => op.kind.keyword().to_lowercase(),
            };
            out.push((keyword, pairs));
        }
    }
    out
}

/// Files BuildKit's parser reads but its next stage (instructions) refuses, so a build refuses
/// them too; mpbake refuses them while parsing.
const REFUSED_LATER_BY_BUILDKIT: &[(&str, &str)] = &[
    ("flags", "COPY --user and --doit are unknown flags to BuildKit's instruction parser"),
    ("health", "HEALTHCHECK without arguments and HEALTHCHECK CONNECT are refused by BuildKit's instruction parser"),
];

/// Where mpbake still parses otherwise, with why.
const DIFFERING: &[(&str, &str)] = &[(
    "trailing-backslash",
    "an escaped escape at the end of a line (`ENV C a\\\\`) continues the line in the parse-dockerfile crate; BuildKit ends the instruction there",
)];

#[test]
fn buildkit_parser_corpus_parses_the_same() {
    let mut failures = Vec::new();
    let dirs = corpus("testfiles");
    assert!(dirs.len() >= 30, "the corpus is missing");
    for dir in &dirs {
        let name = dir.file_name().unwrap_or_default().to_string_lossy().to_string();
        let mut text = std::fs::read_to_string(dir.join("Dockerfile")).unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut result = std::fs::read_to_string(dir.join("result")).unwrap_or_else(|e| panic!("{name}: {e}"));
        // BuildKit's parser does not ask for FROM (its next stage does): give the files without one a base
        if !result.lines().any(|l| l.starts_with("(from")) {
            text = format!("FROM scratch\n{text}");
            result = format!("(from \"scratch\")\n{result}");
        }
        let difference = match parse(FileId(0), &text) {
            Err(d) => Some(format!("refused: {}", d.message)),
            Ok(df) => {
                let (want, got) = (expected(&result), ours(&df));
                let keys = |v: &[(String, Vec<(String, String)>)]| v.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>().join(" ");
                if want.iter().map(|(k, _)| k).ne(got.iter().map(|(k, _)| k)) {
                    Some(format!("instructions\n  BuildKit: {}\n  mpbake:   {}", keys(&want), keys(&got)))
                } else {
                    // with `# escape=\``, mpbake keeps words in the backslash form its expansion
                    // reads: the same word when both are expanded
                    let escape = escape_directive(&text);
                    let same = |(bk, ours): (&(String, String), &(String, String))| {
                        let no_vars = |_: &str| None;
                        let expand = |w: &str, e: char| process_word(w, &no_vars, e).ok();
                        bk == ours || (expand(&bk.0, escape) == expand(&ours.0, '\\') && expand(&bk.1, escape) == expand(&ours.1, '\\'))
                    };
                    want.iter()
                        .zip(&got)
                        .find(|((_, w), (_, g))| w.len() != g.len() || !w.iter().zip(g).all(same))
                        .map(|((k, w), (_, g))| format!("{k} pairs\n  BuildKit: {w:?}\n  mpbake:   {g:?}"))
                }
            }
        };
        let refused_later = REFUSED_LATER_BY_BUILDKIT.iter().any(|(n, _)| *n == name);
        let listed = DIFFERING.iter().any(|(n, _)| *n == name);
        match (difference, refused_later, listed) {
            (Some(d), false, false) => failures.push(format!("{name}: {d}")),
            (Some(d), true, _) if !d.starts_with("refused") => {
                failures.push(format!("{name}: BuildKit refuses it later, mpbake parses it: {d}"))
            }
            (None, true, _) => failures.push(format!("{name}: BuildKit refuses it later, mpbake parses it")),
            (None, _, true) => failures.push(format!("{name}: now parses as BuildKit does: take it out of DIFFERING")),
            _ => {}
        }
    }
    assert!(failures.is_empty(), "{} of {} differ:\n{}", failures.len(), dirs.len(), failures.join("\n"));
}

#[test]
fn buildkit_parser_negative_corpus_is_refused() {
    let accepted: Vec<String> = corpus("testfiles-negative")
        .iter()
        .filter(|dir| {
            let text = std::fs::read_to_string(dir.join("Dockerfile")).unwrap_or_default();
            parse(FileId(0), &text).is_ok_and(|df| !df.stages.is_empty())
        })
        .map(|d| d.file_name().unwrap_or_default().to_string_lossy().to_string())
        .collect();
    assert!(accepted.is_empty(), "BuildKit refuses these, mpbake parses them: {accepted:?}");
}
