//! `mpbake plan` through the CLI: sharing of build-platform stages across platforms,
//! emulation analysis against the build host, no-exec file selections, links and cycles.

mod common;

use common::{Workspace, repo};
use serde_json::{Value, json};

fn plan_json(ws: &Workspace, args: &[&str]) -> Value {
    let mut all = vec!["plan", "--format", "json"];
    all.extend_from_slice(args);
    ws.run(&all, &[]).json()
}

fn nodes_with<'a>(plan: &'a Value, op_prefix: &str) -> Vec<&'a Value> {
    plan["nodes"]
        .as_array()
        .map(|n| n.iter().filter(|n| n["op"].as_str().is_some_and(|o| o.starts_with(op_prefix))).collect())
        .unwrap_or_default()
}

#[test]
fn go_hello_builder_runs_once_and_nothing_is_emulated() {
    let dir = repo().join("examples/go-hello");
    let ws = Workspace::new();
    for build in ["linux/amd64", "linux/arm64"] {
        let plan = plan_json(
            &ws,
            &[
                "-f",
                dir.join("mpbake.hcl").to_str().unwrap_or_default(),
                "--set",
                &format!("*.context={}", dir.display()),
                "--build-platform",
                build,
            ],
        );
        assert_eq!(plan["summary"]["emulated"], 0, "{plan}");
        assert_eq!(plan["build_platform"], build);
        let builder_from = nodes_with(&plan, "FROM localhost:5000/golang");
        assert_eq!(builder_from.len(), 1, "the builder's base is one node for both platforms");
        assert_eq!(builder_from[0]["platforms"], json!(["linux/amd64", "linux/arm64"]));
        assert_eq!(nodes_with(&plan, "COPY go.mod")[0]["platforms"].as_array().map(Vec::len), Some(2));
        // ARG TARGETOS TARGETARCH comes before the RUN: the compile is per platform, natively
        let runs = nodes_with(&plan, "RUN");
        assert_eq!(runs.len(), 2);
        assert!(runs.iter().all(|r| r["class"] == "native" && r["exec_platform"] == build), "{runs:?}");
        assert_eq!(plan["summary"]["shared"], 3);
    }
}

#[test]
fn a_run_in_a_target_platform_stage_is_emulated_for_foreign_platforms() {
    let ws = Workspace::with(&[
        ("Dockerfile", "FROM alpine\nRUN echo hi > /x\nCOPY a /a\n"),
        ("docker-bake.hcl", "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}\n"),
    ]);
    let plan = plan_json(&ws, &["--build-platform", "linux/amd64"]);
    let runs = nodes_with(&plan, "RUN");
    let class_of = |p: &str| runs.iter().find(|r| r["exec_platform"] == p).map(|r| r["class"].clone());
    assert_eq!(class_of("linux/amd64"), Some(json!("native")));
    assert_eq!(class_of("linux/arm64"), Some(json!("emulated")));
    assert_eq!(plan["summary"]["emulated"], 1);
    let plan = plan_json(&ws, &["--build-platform", "linux/arm64"]);
    assert_eq!(
        nodes_with(&plan, "RUN").iter().find(|r| r["exec_platform"] == "linux/amd64").map(|r| r["class"].clone()),
        Some(json!("emulated"))
    );
}

#[test]
fn the_seed_shell_switch_dockerfile_emulates_and_the_spec_does_not() {
    let dir = repo().join("examples/per-arch-binaries");
    let ws = Workspace::with(&[
        ("Dockerfile", &std::fs::read_to_string(dir.join("Dockerfile.seed")).unwrap_or_default()),
        ("docker-bake.hcl", "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}\n"),
    ]);
    let seed = plan_json(&ws, &["--build-platform", "linux/amd64"]);
    assert_eq!(seed["summary"]["emulated"], 1, "{seed}");
    let spec =
        plan_json(&Workspace::new(), &["-f", dir.join("mpbake.hcl").to_str().unwrap_or_default(), "--build-platform", "linux/amd64"]);
    assert_eq!(spec["summary"]["emulated"], 0);
    assert_eq!(spec["summary"]["no_exec"], spec["summary"]["nodes"], "per-arch selections run nothing: {spec}");
    let copies = nodes_with(&spec, "COPY --chmod=0755 dist/xxx.");
    assert_eq!(copies.len(), 2);
}

#[test]
fn declaring_target_args_early_makes_later_runs_per_platform() {
    let df_late = "FROM --platform=$BUILDPLATFORM alpine AS b\nRUN apk add make\nARG TARGETARCH\nRUN make ARCH=$TARGETARCH\n";
    let df_early = "FROM --platform=$BUILDPLATFORM alpine AS b\nARG TARGETARCH\nRUN apk add make\nRUN make ARCH=$TARGETARCH\n";
    let spec = "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}\n";
    let late = plan_json(&Workspace::with(&[("Dockerfile", df_late), ("docker-bake.hcl", spec)]), &[]);
    let early = plan_json(&Workspace::with(&[("Dockerfile", df_early), ("docker-bake.hcl", spec)]), &[]);
    assert_eq!(nodes_with(&late, "RUN apk").len(), 1, "shared when TARGETARCH is declared after it");
    assert_eq!(nodes_with(&early, "RUN apk").len(), 2, "per platform once TARGETARCH is in its environment");
}

#[test]
fn identical_steps_of_two_targets_collapse_and_unreachable_stages_are_pruned() {
    let ws = Workspace::with(&[
        (
            "Dockerfile",
            "FROM alpine AS unused\nRUN exit 1\nFROM alpine AS base\nRUN echo shared\nFROM base AS a\nRUN echo a\nFROM base AS b\nRUN echo b\n",
        ),
        (
            "docker-bake.hcl",
            "group \"default\" { targets = [\"a\", \"b\"] }\ntarget \"a\" {\n  target = \"a\"\n  platforms = [\"linux/amd64\"]\n}\ntarget \"b\" {\n  target = \"b\"\n  platforms = [\"linux/amd64\"]\n}\n",
        ),
    ]);
    let plan = plan_json(&ws, &["--build-platform", "linux/amd64"]);
    let shared = nodes_with(&plan, "RUN echo shared");
    assert_eq!(shared.len(), 1);
    assert_eq!(shared[0]["targets"], json!(["a", "b"]));
    assert!(nodes_with(&plan, "RUN exit 1").is_empty(), "the unused stage is not planned");
    assert_eq!(plan["summary"]["nodes"], 4);
}

#[test]
fn target_links_and_cycles() {
    let ws = Workspace::with(&[
        ("base.Dockerfile", "FROM alpine\nRUN echo base\n"),
        ("app.Dockerfile", "FROM base\nRUN echo app\n"),
        (
            "docker-bake.hcl",
            "target \"base\" { dockerfile = \"base.Dockerfile\" }\ntarget \"default\" {\n  dockerfile = \"app.Dockerfile\"\n  contexts = { base = \"target:base\" }\n}\n",
        ),
    ]);
    let plan = plan_json(&ws, &[]);
    assert_eq!(nodes_with(&plan, "RUN echo").len(), 2);
    let ws = Workspace::with(&[
        ("Dockerfile", "FROM other\n"),
        ("docker-bake.hcl", "target \"a\" { contexts = { other = \"target:b\" } }\ntarget \"b\" { contexts = { other = \"target:a\" } }\n"),
    ]);
    let run = ws.run(&["plan", "a"], &[]);
    assert_eq!(run.code(), 1);
    // caught in the spec, as bake catches it, before any Dockerfile is read
    assert!(run.stderr().contains("targets link each other in a loop: a → b → a"), "{}", run.stderr());
}

#[test]
fn missing_dockerfiles_and_stages_are_diagnosed() {
    let ws = Workspace::with(&[("docker-bake.hcl", "target \"default\" {}\n")]);
    let run = ws.run(&["plan"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("plan::missing-dockerfile"), "{}", run.stderr());
    let ws = Workspace::with(&[
        ("Dockerfile", "FROM alpine AS builder\n"),
        ("docker-bake.hcl", "target \"default\" { target = \"buidler\" }\n"),
    ]);
    let run = ws.run(&["plan"], &[]);
    assert!(run.stderr().contains("did you mean `builder`?"), "{}", run.stderr());
}

#[test]
fn text_and_dot_formats() {
    let dir = repo().join("examples/per-arch-binaries/mpbake.hcl");
    let ws = Workspace::new();
    let text = ws.run(&["plan", "-f", dir.to_str().unwrap_or_default(), "--build-platform", "linux/amd64"], &[]).stdout();
    assert!(text.contains("6 nodes: 0 shared, 6 per-platform, 0 emulated, 6 no-exec"), "{text}");
    let dot = ws.run(&["plan", "-f", dir.to_str().unwrap_or_default(), "--format", "dot"], &[]).stdout();
    assert!(dot.starts_with("digraph plan {") && dot.contains("->"), "{dot}");
}

#[test]
fn a_mistyped_instruction_gets_a_suggestion() {
    let ws = Workspace::with(&[("Dockerfile", "FROM scratch\nRUNN echo hi\n"), ("docker-bake.hcl", "target \"default\" {}\n")]);
    let run = ws.run(&["plan"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("Dockerfile:2:1") && run.stderr().contains("did you mean `RUN`?"), "{}", run.stderr());
}
