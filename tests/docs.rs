//! The docs stay true to the code: the attribute tables are generated, every diagnostic code
//! is documented, and every example named in the docs exists.

use std::path::PathBuf;

fn read(path: &str) -> String {
    std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn spec_reference_has_the_generated_attribute_tables() {
    let mut doc = read("docs/spec.md");
    let generated = mpbake::frontend::bake::schema::markdown_tables();
    if std::env::var_os("MPBAKE_BLESS").is_some() {
        let start = doc.find("<!-- attributes:start -->").expect("start marker") + "<!-- attributes:start -->\n".len();
        let end = doc.find("<!-- attributes:end -->").expect("end marker");
        doc.replace_range(start..end, &generated);
        std::fs::write(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/spec.md"), &doc).expect("write docs/spec.md");
    }
    let start = doc.find("<!-- attributes:start -->").expect("start marker") + "<!-- attributes:start -->\n".len();
    let end = doc.find("<!-- attributes:end -->").expect("end marker");
    assert_eq!(&doc[start..end], generated, "docs/spec.md attribute tables are stale: run MPBAKE_BLESS=1 cargo test --test docs");
}

#[test]
fn every_diagnostic_code_is_documented() {
    let doc = read("docs/diagnostics.md");
    let code = regex_lite_codes(&walk("src"));
    assert!(code.len() > 30, "found only {} codes", code.len());
    let missing: Vec<&String> = code.iter().filter(|c| !doc.contains(&format!("`{c}`"))).collect();
    assert!(missing.is_empty(), "undocumented diagnostic codes: {missing:?}");
}

fn walk(dir: &str) -> String {
    let mut text = String::new();
    let mut stack = vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir)];
    while let Some(p) = stack.pop() {
        for entry in std::fs::read_dir(&p).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                text.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    text
}

/// Every `"spec::..."`/`"cli::..."` string literal in the sources.
fn regex_lite_codes(text: &str) -> Vec<String> {
    let mut codes = Vec::new();
    for prefix in ["\"spec::", "\"cli::", "\"plan::", "\"dockerfile::", "\"lint::", "\"build::"] {
        for (i, _) in text.match_indices(prefix) {
            let rest = &text[i + 1..];
            let end = rest.find('"').unwrap_or(0);
            let code = &rest[..end];
            if code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == ':')
                && !codes.iter().any(|c2| c2 == code)
            {
                codes.push(code.to_string());
            }
        }
    }
    codes.sort();
    codes
}

#[test]
fn every_spec_example_in_the_docs_parses() {
    let doc = read("docs/spec.md");
    let mut checked = 0;
    for (lang, file) in [("```hcl\n", "example.hcl"), ("```kdl\n", "example.kdl")] {
        for (i, _) in doc.match_indices(lang) {
            let body = &doc[i + lang.len()..];
            let block = &body[..body.find("```").unwrap_or(body.len())];
            let mut sources = mpbake::source::SourceMap::default();
            let id = sources.add(file, block);
            if let Err(d) = mpbake::frontend::parse(&sources, id) {
                panic!("{file} example does not parse: {}\n{block}", d.message);
            }
            checked += 1;
        }
    }
    assert!(checked >= 8, "only {checked} examples found");
}
