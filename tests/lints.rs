//! Lint rules through `mpbake check`: each rule fires on its pattern with a span and a fix,
//! stays quiet on the fixed form, can be switched off, and has its doc page.

mod common;

use common::Workspace;

const SPEC: &str = "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}\n";

fn check(dockerfile: &str, spec: &str) -> (Vec<String>, String) {
    // the seed's COPY sources, so check finds them
    let ws = Workspace::with(&[("Dockerfile", dockerfile), ("docker-bake.hcl", spec), ("dist/xxx.amd64", "a"), ("dist/xxx.arm64", "b")]);
    let run = ws.run(&["check", "--format", "json", "--build-platform", "linux/amd64"], &[]);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}: {}\n{}", run.stdout(), run.stderr()));
    // the lint rules' findings (check also looks for the COPY sources, which these files lack)
    let codes = json
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["code"].as_str().filter(|c| c.starts_with("lint::")).map(String::from)).collect())
        .unwrap_or_default();
    let human = ws.run(&["check", "--build-platform", "linux/amd64"], &[]).stderr();
    (codes, human)
}

#[test]
fn the_seed_dockerfile_gets_emulation_and_shell_switch_findings() {
    let seed = include_str!("../examples/per-arch-binaries/Dockerfile.seed");
    let (codes, human) = check(seed, SPEC);
    assert!(codes.contains(&"lint::emulated-run".to_string()), "{codes:?}");
    assert!(codes.contains(&"lint::shell-platform-switch".to_string()), "{codes:?}");
    assert!(codes.contains(&"lint::redundant-target-platform".to_string()), "{codes:?}");
    insta::assert_snapshot!(human);
}

#[test]
fn constant_platform_early_arg_go_build_and_typo_stage() {
    let df = "FROM --platform=linux/amd64 golang:1.22 AS tools\nRUN go build ./cmd/tool\n\nFROM --platform=$BUILDPLATFORM golang:1.22 AS builder\nARG TARGETARCH\nRUN go mod download\nRUN GOARCH=$TARGETARCH go build -o /out/app .\n\nFROM alpine\nCOPY --from=bulder /out/app /app\n";
    let (codes, human) = check(df, SPEC);
    for code in ["lint::constant-platform", "lint::early-target-arg", "lint::go-build-not-cross", "lint::unknown-stage"] {
        assert!(codes.contains(&code.to_string()), "{code} missing from {codes:?}\n{human}");
    }
    insta::assert_snapshot!(human);
}

#[test]
fn an_undeclared_arg_in_from_is_found_with_the_closest_name() {
    let df = "ARG REGISTRY=registry.example\nFROM ${REGISTY}/busybox:1\nFROM --platform=$BUILDPLATFORM ${REGISTRY}/golang AS b\n";
    let (codes, human) = check(df, SPEC);
    assert_eq!(codes, ["lint::undefined-arg-in-from"], "{human}");
    assert!(
        human.contains("`REGISTY` is not declared") && human.contains("did you mean `REGISTRY`") && human.contains("Dockerfile:2"),
        "{human}"
    );
    let (codes, _) = check(&df.replace("REGISTY", "REGISTRY"), SPEC);
    assert!(codes.is_empty(), "declared and automatic ARGs are fine: {codes:?}");
}

#[test]
fn the_cross_compiling_form_is_clean() {
    let df = include_str!("../examples/go-hello/Dockerfile");
    let (codes, human) = check(df, SPEC);
    assert!(codes.is_empty(), "{human}");
}

#[test]
fn rules_switch_off_in_the_dockerfile_and_in_the_spec() {
    let seed = include_str!("../examples/per-arch-binaries/Dockerfile.seed");
    let skipped = format!("# check=skip=emulated-run,shell-platform-switch\n{seed}");
    let (codes, _) = check(&skipped, SPEC);
    assert_eq!(codes, ["lint::redundant-target-platform"]);
    let spec = "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n  skip-checks = [\"redundant-target-platform\", \"emulated-run\"]\n}\n";
    let (codes, _) = check(seed, spec);
    assert_eq!(codes, ["lint::shell-platform-switch"]);
}

#[test]
fn warnings_fail_check_only_under_strict() {
    let seed = include_str!("../examples/per-arch-binaries/Dockerfile.seed");
    let ws = Workspace::with(&[("Dockerfile", seed), ("docker-bake.hcl", SPEC), ("dist/xxx.amd64", "a"), ("dist/xxx.arm64", "b")]);
    assert_eq!(ws.run(&["check"], &[]).code(), 0);
    assert_eq!(ws.run(&["check", "--strict"], &[]).code(), 1);
}

#[test]
fn every_rule_has_a_doc_page() {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/rules");
    let index = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
    for rule in mpbake::lint::RULES {
        let page = std::fs::read_to_string(root.join(format!("{}.md", rule.id))).unwrap_or_default();
        assert!(page.starts_with(&format!("# {}", rule.id)), "docs/rules/{}.md missing or untitled", rule.id);
        assert!(index.contains(&format!("[{}]({}.md)", rule.id, rule.id)), "docs/rules/README.md does not list {}", rule.id);
    }
}
