//! Front-end speed: a generated spec of 1,000 targets (inherits chains, matrix, variables,
//! functions) parsed, evaluated and printed. Target: under 50 ms on the 2-core reference machine.

use std::collections::BTreeMap;

use criterion::{Criterion, criterion_group, criterion_main};
use mpbake::emit::bake_json;
use mpbake::frontend::bake::Options;
use mpbake::frontend::evaluate_texts;

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
}

criterion_group!(benches, bench);
criterion_main!(benches);
