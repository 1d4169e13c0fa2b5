//! `mpbake emit`: the emitted Dockerfiles and docker-bake.json read back with our own front end
//! to an equivalent plan (round trip), selections become platform stages, fixes are applied.

mod common;

use common::{Workspace, repo};
use serde_json::Value;

fn plan(ws: &Workspace, args: &[&str]) -> Value {
    let mut all = vec!["plan", "--format", "json", "--build-platform", "linux/amd64"];
    all.extend_from_slice(args);
    ws.run(&all, &[]).json()
}

/// (op, class, platforms) of every RUN and COPY node, sorted: what a build actually does.
fn work(plan: &Value) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = plan["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["op"].as_str().is_some_and(|o| o.starts_with("RUN") || o.starts_with("COPY")))
        .map(|n| (n["op"].as_str().unwrap_or("").replace("--link ", ""), n["class"].to_string(), n["platforms"].to_string()))
        .collect();
    out.sort();
    out
}

#[test]
fn go_hello_round_trips_to_the_same_plan() {
    let dir = repo().join("examples/go-hello");
    let ws = Workspace::new();
    let spec = dir.join("mpbake.hcl");
    let context = format!("*.context={}", dir.display());
    let original = plan(&ws, &["-f", spec.to_str().unwrap_or_default(), "--set", &context]);
    let run = ws.run(&["emit", "-f", spec.to_str().unwrap_or_default(), "--set", &context, "-o", "out"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let emitted = plan(&ws, &["-f", "out/docker-bake.json"]);
    assert_eq!(emitted["summary"], original["summary"], "{emitted}");
    assert_eq!(work(&emitted), work(&original));
}

#[test]
fn per_arch_selections_become_platform_stages_without_run() {
    let dir = repo().join("examples/per-arch-binaries");
    let ws = Workspace::new();
    let spec = dir.join("mpbake.hcl");
    let run = ws.run(&["emit", "-f", spec.to_str().unwrap_or_default(), "-o", "out"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let text = std::fs::read_to_string(ws.path().join("out/xxx.Dockerfile")).unwrap_or_default();
    assert!(!text.contains("RUN"), "{text}");
    assert!(text.contains("ARG TARGETOS TARGETARCH TARGETVARIANT\nCOPY --chmod=0755 dist/xxx.${TARGETARCH} /usr/local/bin/xxx"), "{text}");
    let emitted = plan(&ws, &["-f", "out/docker-bake.json"]);
    assert_eq!(emitted["summary"]["emulated"], 0);
    let copies: Vec<_> = work(&emitted).into_iter().filter(|(op, _, _)| op.contains("dist/xxx")).collect();
    assert_eq!(copies.len(), 2, "{copies:?}");
    assert!(copies.iter().any(|(op, _, p)| op.contains("xxx.arm64") && p.contains("linux/arm64") && !p.contains("amd64")), "{copies:?}");
    let original = plan(&Workspace::new(), &["-f", spec.to_str().unwrap_or_default()]);
    assert_eq!(work(&emitted), work(&original), "the emitted COPYs are the spec's selections");
    let bake: Value =
        serde_json::from_str(&std::fs::read_to_string(ws.path().join("out/docker-bake.json")).unwrap_or_default()).unwrap_or_default();
    assert!(bake["target"]["xxx"].get("mpbake").is_none());
    assert_eq!(bake["target"]["xxx"]["platforms"].as_array().map(Vec::len), Some(2));
}

#[test]
fn fix_moves_args_drops_redundant_platforms_and_cross_compiles_go() {
    let df = "FROM --platform=$BUILDPLATFORM alpine AS assets\nARG TARGETARCH\nRUN echo build assets > /a\nRUN echo $TARGETARCH > /arch\n\nFROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n\nFROM alpine AS unused\nRUN exit 1\n\nFROM --platform=$TARGETPLATFORM alpine\nCOPY --from=assets /a /a\nCOPY --from=build /app /app\n";
    let ws = Workspace::with(&[
        ("Dockerfile", df),
        ("docker-bake.hcl", "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}\n"),
    ]);
    let before = plan(&ws, &[]);
    assert_eq!(before["summary"]["emulated"], 1);
    let run = ws.run(&["emit", "--fix", "-o", "out"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let log = run.stderr();
    for change in [
        "dropped unused stages: unused",
        "removed redundant --platform=$TARGETPLATFORM",
        "moved `ARG TARGETARCH` past 1 RUN(s)",
        "go build cross-compiles",
    ] {
        assert!(log.contains(change), "missing `{change}` in:\n{log}");
    }
    let after = plan(&ws, &["-f", "out/docker-bake.json"]);
    assert_eq!(after["summary"]["emulated"], 0, "{after}");
    let shared_assets = work(&after).into_iter().filter(|(op, _, p)| op == "RUN echo build assets > /a" && p.contains(',')).count();
    assert_eq!(shared_assets, 1, "the asset step is shared once ARG TARGETARCH moved down");
    let check = ws.run(&["check", "-f", "out/docker-bake.json", "--build-platform", "linux/amd64"], &[]);
    assert_eq!(check.code(), 0);
    assert!(check.stderr().contains("no problems found"), "{}", check.stderr());
}

#[test]
fn without_fix_the_dockerfile_keeps_its_instructions() {
    let df = "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM alpine\nCOPY --from=0 /app /app\n";
    let ws = Workspace::with(&[("Dockerfile", df), ("docker-bake.hcl", "target \"default\" {}\n")]);
    assert_eq!(ws.run(&["emit", "-o", "out"], &[]).code(), 0);
    let text = std::fs::read_to_string(ws.path().join("out/default.Dockerfile")).unwrap_or_default();
    assert!(text.contains("FROM golang:1.22 AS build\nRUN go build -o /app ."), "{text}");
    assert!(text.contains("COPY --from=build /app /app"), "index references follow the stage names: {text}");
}

#[test]
fn selections_that_no_template_covers_become_platform_stages() {
    let spec = "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm/v7\"]\n  from = \"busybox\"\n  file \"/bin/x\" {\n    source = \"dist/x-${TARGETARCH}\"\n    select = { \"linux/arm/v7\" = \"dist/x-armhf\" }\n  }\n}\n";
    let ws = Workspace::with(&[("mpbake.hcl", spec)]);
    let run = ws.run(&["emit", "-o", "out"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("--build-arg MPBAKE_PLATFORM"), "{}", run.stderr());
    let text = std::fs::read_to_string(ws.path().join("out/default.Dockerfile")).unwrap_or_default();
    assert!(text.contains("ARG MPBAKE_PLATFORM=${TARGETOS}-${TARGETARCH}${TARGETVARIANT}"), "{text}");
    assert!(text.contains("FROM scratch AS mpbake-files-linux-armv7\nCOPY dist/x-armhf /bin/x"), "{text}");
    assert!(text.contains("FROM mpbake-files-${MPBAKE_PLATFORM} AS mpbake-files"), "{text}");
    let emitted = plan(&ws, &["-f", "out/docker-bake.json"]);
    let copies: Vec<_> = work(&emitted).into_iter().filter(|(op, _, _)| op.contains("dist/x-")).collect();
    assert!(copies.iter().any(|(op, _, p)| op.contains("x-armhf") && p.contains("linux/arm/v7") && !p.contains("amd64")), "{copies:?}");
    let buildkit = ws.run(&["emit", "--engine", "buildkit", "-o", "bk"], &[]);
    assert_eq!(buildkit.code(), 0);
    let text = std::fs::read_to_string(ws.path().join("bk/default.Dockerfile")).unwrap_or_default();
    assert!(text.starts_with("# syntax=docker/dockerfile:1") && text.contains("COPY --link dist/x-armhf /bin/x"), "{text}");
}

#[test]
fn copy_link_only_for_buildkit() {
    let df = "FROM scratch AS files\nCOPY a /a\nFROM busybox\nCOPY --from=files /a /a\n";
    let ws = Workspace::with(&[("Dockerfile", df), ("docker-bake.hcl", "target \"default\" {}\n")]);
    assert_eq!(ws.run(&["emit", "-o", "portable"], &[]).code(), 0);
    let portable = std::fs::read_to_string(ws.path().join("portable/default.Dockerfile")).unwrap_or_default();
    assert!(!portable.contains("--link") && !portable.contains("# syntax"), "{portable}");
    let run = ws.run(&["emit", "--engine", "buildkit", "-o", "bk"], &[]);
    assert!(run.stderr().contains("COPY --link on 1 step(s)"), "{}", run.stderr());
    let buildkit = std::fs::read_to_string(ws.path().join("bk/default.Dockerfile")).unwrap_or_default();
    assert!(buildkit.contains("FROM scratch AS files\nCOPY --link a /a"), "{buildkit}");
}

#[test]
fn pin_fails_clearly_when_the_registry_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(9);
    let spec = format!("target \"default\" {{\n  from = \"127.0.0.1:{port}/base:1\"\n}}\n");
    let ws = Workspace::with(&[("mpbake.hcl", &spec)]);
    let run = ws.run(&["emit", "--pin", "-o", "out"], &[]);
    assert_eq!(run.code(), 2, "an unreachable registry is the environment's failure: {}", run.stderr());
    assert!(run.stderr().contains(&format!("pinning 127.0.0.1:{port}/base:1")), "{}", run.stderr());
    assert!(!ws.path().join("out").exists(), "nothing is written when pinning fails");
}

#[test]
fn dockerignore_patterns_key_context_copies_and_travel_with_the_emitted_dockerfile() {
    let ws = Workspace::with(&[("Dockerfile", "FROM alpine\nCOPY . /src\n"), ("docker-bake.hcl", "target \"default\" {}\n")]);
    let copy_key = |ws: &Workspace| {
        plan(ws, &[])["nodes"].as_array().and_then(|n| n.iter().find(|n| n["op"] == "COPY . /src").map(|n| n["key"].clone()))
    };
    let before = copy_key(&ws);
    ws.write(".dockerignore", "# build output\nout/\n\n*.md\n");
    let after = copy_key(&ws);
    assert!(before.is_some() && before != after, "the ignore patterns are part of the COPY's key");
    assert_eq!(ws.run(&["emit", "-o", "out"], &[]).code(), 0);
    assert_eq!(std::fs::read_to_string(ws.path().join("out/default.Dockerfile.dockerignore")).unwrap_or_default(), "out/\n*.md\n");
}
