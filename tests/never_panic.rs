//! No input, however malformed, makes the front end panic: a corpus of mutated specs (truncated,
//! bytes replaced, syntax tokens spliced in) goes through parsing, evaluation and rendering.

mod common;

use mpbake::diag::{render_human, render_json};
use mpbake::frontend::bake::Options;
use mpbake::frontend::evaluate_texts;

const SEEDS: &[(&str, &str)] = &[
    ("a.hcl", include_str!("../examples/per-arch-binaries/mpbake.hcl")),
    ("a.hcl", include_str!("../examples/go-hello/mpbake.hcl")),
    ("a.hcl", include_str!("../examples/bake-compat/docker-bake.hcl")),
    ("a.kdl", include_str!("../examples/per-arch-binaries/mpbake.kdl")),
    ("a.json", include_str!("../examples/bake-compat/docker-bake.json")),
];

const TOKENS: &[&str] =
    &["${", "}", "\"", "[", "]", "{", "%{", "<<EOF\n", "= ", "\\", "#", "é", "\u{0}", "target.", "(", "...", "?", ":", "/*"];

/// A small deterministic PRNG (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn mutants(text: &str, rng: &mut Rng) -> Vec<String> {
    let mut out = Vec::new();
    let step = (text.len() / 40).max(1);
    for cut in (0..text.len()).step_by(step) {
        out.push(text[..char_boundary(text, cut)].to_string());
    }
    for _ in 0..150 {
        let at = char_boundary(text, rng.below(text.len()));
        let token = TOKENS[rng.below(TOKENS.len())];
        let mut m = text.to_string();
        if rng.below(2) == 0 {
            m.insert_str(at, token);
        } else {
            let end = char_boundary(text, (at + rng.below(8)).min(text.len()));
            m.replace_range(at..end.max(at), token);
        }
        out.push(m);
    }
    out
}

#[test]
fn mutated_specs_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0;
    for (name, seed) in SEEDS {
        for text in mutants(seed, &mut rng) {
            let outcome = std::panic::catch_unwind(|| {
                let (sources, _spec, diags) = evaluate_texts(&[(name, &text)], &Options::default());
                let _ = render_human(&diags.items, &sources, false);
                let _ = render_json(&diags.items, &sources);
            });
            assert!(outcome.is_ok(), "panicked on {name}:\n{text}");
            checked += 1;
        }
    }
    assert!(checked > 500, "only {checked} inputs checked");
}

#[test]
fn seeds_themselves_load_cleanly() {
    for (name, seed) in SEEDS {
        let (sources, _, diags) = evaluate_texts(&[(name, seed)], &Options::default());
        assert!(!diags.has_errors(), "{name}: {}", render_human(&diags.items, &sources, false));
    }
}

/// Inputs built to blow up — a variable doubling itself, nesting far too deep, a huge matrix —
/// end at once with a spanned diagnostic.
#[test]
fn blowups_end_in_a_diagnostic() {
    let mut doubling = String::from("variable \"V0\" { default = \"ab\" }\n");
    for i in 1..40 {
        doubling.push_str(&format!("variable \"V{i}\" {{ default = \"${{V{}}}${{V{}}}\" }}\n", i - 1, i - 1));
    }
    doubling.push_str("target \"t\" { tags = [\"${V39}\"] }\n");
    let deep = format!("target \"t\" {{ args = {{ x = {}1{} }} }}\n", "[".repeat(50_000), "]".repeat(50_000));
    let deep_kdl = format!("target \"t\" {}\n", "{ n ".repeat(50_000) + &"}".repeat(50_000));
    let matrix = "target \"t\" {\n  name = \"t-${a}-${b}-${c}\"\n  matrix = { a = range(100), b = range(100), c = range(100) }\n}\n";
    for (file, text, code) in [
        ("doubling.hcl", doubling.as_str(), "spec::too-large"),
        ("deep.hcl", deep.as_str(), "spec::too-deep"),
        ("deep.kdl", deep_kdl.as_str(), "spec::too-deep"),
        ("matrix.hcl", matrix, "spec::matrix"),
    ] {
        let (_, _, diags) = mpbake::frontend::evaluate_texts(&[(file, text)], &Default::default());
        let codes: Vec<&str> = diags.items.iter().map(|d| d.code).collect();
        assert!(codes.contains(&code), "{file}: {codes:?}");
        assert!(diags.items.iter().all(|d| !d.labels.is_empty()), "{file}: every diagnostic points somewhere");
    }
}

#[test]
fn a_closed_output_pipe_ends_mpbake_quietly() {
    // `mpbake print | head -c 10`: half a megabyte, the reader gone after 10 bytes
    let spec = "target \"t\" {\n  name = \"t-${i}-${j}\"\n  matrix = { i = range(100), j = range(30) }\n  args = { A = \"a\" }\n}\n";
    let ws = common::Workspace::with(&[("docker-bake.hcl", spec)]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mpbake"))
        .args(["print", "t"])
        .current_dir(ws.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("mpbake: {e}"));
    let mut head = [0u8; 10];
    let mut stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    std::io::Read::read_exact(&mut stdout, &mut head).unwrap_or_else(|e| panic!("{e}"));
    drop(stdout);
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(141), "the status of a process stopped by SIGPIPE: {stderr}");
}
