//! BuildKit's shell-lexer test data (tests/fixtures/buildkit-shell), run against mpbake's
//! lexer the way BuildKit's lex_test.go runs it: `envVarTest` through ProcessWord with
//! PWD=/home, SHELL=bash, KOREAN=한국어 and an empty NULL; `wordsTest` through ProcessWords
//! with the environment its `ENV` lines build up.

use mpbake::frontend::dockerfile::shell::{process_word, process_words};

fn data(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/buildkit-shell").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn env_var_test_as_buildkit_runs_it() {
    let env = |name: &str| match name {
        "PWD" => Some("/home".to_string()),
        "SHELL" => Some("bash".to_string()),
        "KOREAN" => Some("한국어".to_string()),
        "NULL" => Some(String::new()),
        _ => None,
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for (n, line) in data("envVarTest").lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.trim().split('|').collect();
        assert_eq!(parts.len(), 3, "line {}: {line}", n + 1);
        let (platform, source, expected) = (parts[0].trim(), parts[1].trim(), parts[2].trim());
        if platform == "W" {
            continue;
        }
        checked += 1;
        let got = process_word(source, &env, '\\');
        let ok = match (expected, &got) {
            ("error", Err(_)) => true,
            (want, Ok(word)) => word == want,
            _ => false,
        };
        if !ok {
            failures.push(format!("line {}: {source:?} gave {got:?}, BuildKit gives {expected:?}", n + 1));
        }
    }
    assert!(checked > 200, "only {checked} lines read");
    assert!(failures.is_empty(), "{} of {checked} differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn words_test_as_buildkit_runs_it() {
    let mut env: Vec<(String, String)> = Vec::new();
    let mut failures = Vec::new();
    for (n, line) in data("wordsTest").lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("ENV ") {
            let (k, v) = rest.trim_start().split_once('=').unwrap_or((rest, ""));
            env.push((k.to_string(), v.to_string()));
            continue;
        }
        let Some((test, expected)) = line.split_once('|') else { panic!("line {}: {line}", n + 1) };
        let expected: Vec<&str> = expected.trim_start().split(',').collect();
        let lookup = |name: &str| env.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        let got = process_words(test.trim(), &lookup, '\\').unwrap_or_else(|_| vec!["error".to_string()]);
        if got != expected {
            failures.push(format!("line {}: {test:?} gave {got:?}, BuildKit gives {expected:?}", n + 1));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
