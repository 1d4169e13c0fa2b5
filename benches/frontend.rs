//! Front-end and planning speed on a generated spec of 1,000 targets (inherits chains, matrix,
//! variables, functions): parse + evaluate + print (goal < 50 ms), and parse + evaluate + plan
//! for both platforms of every target (goal < 100 ms) on the 2-core reference machine.

use std::collections::BTreeMap;

use criterion::{Criterion, criterion_group, criterion_main};
use mimalloc::MiMalloc;
use mpbake::emit::bake_json;
use mpbake::frontend::bake::Options;
use mpbake::frontend::evaluate_texts;
use mpbake::ir::Platform;
use mpbake::plan::{Inputs, plan};

/// The allocator the `mpbake` binary uses, so the numbers are the binary's.
#[global_allocator]
static GLOBAL: MiMalloc = MiMalloc;

/// The Dockerfile every generated target builds: a cross-compiling builder and a final stage.
const DOCKERFILE: &str = "ARG GO_VERSION=1.22\nFROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nARG APP\nARG TARGETOS TARGETARCH\nRUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build -o /out/app ./cmd/${APP}\n\nFROM alpine:3.20\nRUN adduser -D app\nCOPY --from=build /out/app /usr/local/bin/app\nUSER app\nENTRYPOINT [\"/usr/local/bin/app\"]\n";

/// 20 variables, 10 inheritance chains of 10 bases, 900 plain targets and 10 matrix targets of
/// 10 combinations each: 1,000 buildable targets.
fn generate() -> String {
    let mut s = String::new();
    s.push_str("variable \"REGISTRY\" { default = \"registry.example\" }\n");
    for i in 0..19 {
        s.push_str(&format!("variable \"V{i}\" {{ default = \"${{REGISTRY}}/v{i}\" }}\n"));
    }
    s.push_str("function \"tag\" {\n  params = [name, v]\n  result = \"${REGISTRY}/${name}:${v}\"\n}\n");
    for chain in 0..10 {
        for depth in 0..10 {
            let inherits = if depth == 0 { String::new() } else { format!("inherits = [\"base-{chain}-{}\"]\n", depth - 1) };
            s.push_str(&format!(
                "target \"base-{chain}-{depth}\" {{\n{inherits}  args = {{ LEVEL{depth} = \"{depth}\", CHAIN = \"{chain}\" }}\n  labels = {{ \"l{depth}\" = V{} }}\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}}\n",
                (chain + depth) % 19
            ));
        }
    }
    for i in 0..900 {
        s.push_str(&format!(
            "target \"app-{i}\" {{\n  inherits = [\"base-{}-9\"]\n  dockerfile = \"apps/{i}/Dockerfile\"\n  tags = [tag(\"app-{i}\", \"1.0\"), \"${{V{}}}:latest\"]\n  args = {{ APP = \"app-{i}\", UPPER = upper(\"app-{i}\") }}\n}}\n",
            i % 10,
            i % 19
        ));
    }
    for m in 0..10 {
        s.push_str(&format!(
            "target \"mx-{m}\" {{\n  inherits = [\"base-{m}-5\"]\n  matrix = {{ a = [\"1\", \"2\", \"3\", \"4\", \"5\"], b = [\"x\", \"y\"] }}\n  name = \"mx-{m}-${{a}}-${{b}}\"\n  tags = [tag(\"mx-{m}\", \"${{a}}${{b}}\")]\n}}\n"
        ));
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = generate();
    let run = || {
        let (_, spec, diags) = evaluate_texts(&[("bench.hcl", &text)], &Options::default());
        assert!(!diags.has_errors(), "{:?}", diags.items.first().map(|d| &d.message));
        let names: Vec<String> = spec.targets.keys().filter(|n| !n.starts_with("base-")).cloned().collect();
        assert_eq!(names.len(), 1000);
        bake_json::render(&spec, &names, &BTreeMap::new(), None)
    };
    c.bench_function("parse+evaluate+print 1000 targets", |b| b.iter(run));

    let mut sources = mpbake::source::SourceMap::default();
    let id = sources.add("Dockerfile", DOCKERFILE);
    let dockerfile = mpbake::frontend::dockerfile::parse(id, DOCKERFILE).unwrap_or_default();
    let planned = || {
        let (_, spec, diags) = evaluate_texts(&[("bench.hcl", &text)], &Options::default());
        assert!(!diags.has_errors());
        let names: Vec<String> = spec.targets.keys().filter(|n| !n.starts_with("base-")).cloned().collect();
        let dockerfiles = names.iter().map(|n| (n.clone(), dockerfile.clone())).collect();
        let inputs = Inputs {
            spec: &spec,
            dockerfiles: &dockerfiles,
            build_platform: Platform::parse("linux/amd64").unwrap_or_else(|_| Platform::host()),
            base_triggers: Default::default(),
        };
        let mut diags = mpbake::diag::Diagnostics::default();
        let p = plan(&inputs, &names, &mut diags);
        assert!(!diags.has_errors() && p.summary.emulated == 1 && p.summary.nodes > 4000, "{:?}", p.summary);
        p.summary.nodes
    };
    c.bench_function("parse+evaluate+plan 1000 targets x 2 platforms", |b| b.iter(planned));
}

criterion_group!(benches, bench);
criterion_main!(benches);
