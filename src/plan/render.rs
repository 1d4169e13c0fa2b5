//! Shows a plan: a text table for people, stable JSON for tools, Graphviz dot for pictures.

use std::fmt::Write as _;

use super::model::{Class, Plan};

/// `11 nodes: 4 shared, 7 per-platform, 0 emulated, 6 no-exec`, a table of the steps, and
/// each target platform's final step with where it is built (`placed`: by target and platform).
pub fn text(plan: &Plan, placed: &std::collections::BTreeMap<(String, String), String>) -> String {
    let s = &plan.summary;
    let mut out = format!(
        "build platform {}\n{} nodes: {} shared, {} per-platform, {} emulated, {} no-exec\n\n",
        plan.build_platform, s.nodes, s.shared, s.per_platform, s.emulated, s.no_exec
    );
    let _ = writeln!(out, "{:<12}  {:<9}  {:<28}  {:<24}  STEP", "NODE", "CLASS", "SERVES", "STAGE");
    for node in &plan.nodes {
        let serves = if node.is_shared() {
            format!("once for {} platforms", node.platforms.len())
        } else {
            node.platforms.iter().next().cloned().unwrap_or_default()
        };
        let class = match node.class {
            Class::Native => "native",
            Class::Emulated => "EMULATED",
            Class::NoExec => "no-exec",
        };
        let op: String = node.op.lines().next().unwrap_or("").chars().take(70).collect();
        let _ = writeln!(out, "{:<12}  {:<9}  {:<28}  {:<24}  {op}", node.id, class, serves, node.stage);
    }
    out.push('\n');
    for (name, target) in &plan.targets {
        for (platform, node) in &target.platforms {
            match placed.get(&(name.clone(), platform.clone())) {
                Some(place) => writeln!(out, "{name} {platform} → {node}  {place}"),
                None => writeln!(out, "{name} {platform} → {node}"),
            }
            .unwrap_or_default();
        }
    }
    out
}

/// The documented JSON form (docs/plan.md): `build_platform`, `summary`, `targets`, `nodes`.
pub fn json(plan: &Plan) -> serde_json::Value {
    serde_json::to_value(plan).unwrap_or_default()
}

/// A Graphviz digraph: shared steps bold, emulated ones red, no-exec ones grey.
pub fn dot(plan: &Plan) -> String {
    let mut out = String::from("digraph plan {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n");
    for node in &plan.nodes {
        let color = match node.class {
            Class::Native => "black",
            Class::Emulated => "red",
            Class::NoExec => "grey40",
        };
        let style = if node.is_shared() { "bold" } else { "solid" };
        let label = format!(
            "{}\\n{}\\n{}",
            node.stage,
            node.op.chars().take(48).collect::<String>().replace('"', "\\\""),
            node.platforms.iter().cloned().collect::<Vec<_>>().join(", ")
        );
        let _ = writeln!(out, "  \"{}\" [label=\"{label}\", color={color}, style={style}];", node.id);
        for dep in &node.depends_on {
            let _ = writeln!(out, "  \"{dep}\" -> \"{}\";", node.id);
        }
    }
    out.push_str("}\n");
    out
}
