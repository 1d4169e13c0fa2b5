//! Where each target platform is built: on a node that builds its platform when there is one
//! (several nodes of a platform take its targets in turn, each job keeping the others as
//! fallbacks), else here. Inline images have no RUN and are always assembled here.

use std::collections::BTreeMap;

use super::Node;
use crate::diag::Diagnostic;
use crate::ir::{Dockerfile, Platform, Spec};
use crate::plan::{Class, Plan};

/// (target, platform) → the nodes to try, in order; a target platform not listed is built here.
#[derive(Debug, Default, Clone)]
pub struct Placement {
    pub remote: BTreeMap<(String, String), Vec<usize>>,
}

/// Places every platform of the Dockerfile targets among `targets`.
pub fn place(plan: &Plan, dockerfiles: &BTreeMap<String, Dockerfile>, targets: &[String], nodes: &[Node]) -> Placement {
    let mut placement = Placement::default();
    let mut turns: BTreeMap<String, usize> = BTreeMap::new();
    for name in targets.iter().filter(|n| dockerfiles.contains_key(*n)) {
        for platform in plan.targets.get(name).into_iter().flat_map(|t| t.platforms.keys()) {
            let Ok(parsed) = Platform::parse(platform) else { continue };
            let able: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].builds(&parsed)).collect();
            if able.is_empty() {
                continue;
            }
            let turn = turns.entry(platform.clone()).or_default();
            let mut order = able.clone();
            order.rotate_left(*turn % able.len());
            *turn += 1;
            placement.remote.insert((name.clone(), platform.clone()), order);
        }
    }
    placement
}

/// How a named context reaches a node: an image by its reference, a local directory inside
/// the context tar; None for what a node cannot be sent (another target's result, a git or
/// HTTP source, an OCI layout).
pub enum Sent<'a> {
    Image(&'a str),
    Dir(&'a str),
}

pub fn sent(value: &str) -> Option<Sent<'_>> {
    match value.strip_prefix("docker-image://") {
        Some(reference) => Some(Sent::Image(reference)),
        None if value.contains("://") || value.starts_with("target:") || value.starts_with("git@") => None,
        None => Some(Sent::Dir(value)),
    }
}

/// What a node cannot be given yet: named contexts that are another target's result or a
/// remote source (dockerd 20.10's Dockerfile frontend has no named contexts, so mpbake writes
/// images and directories into the node's Dockerfile and tar; those it cannot), an error at the target.
pub fn unsupported(spec: &Spec, placement: &Placement) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (name, platform) in placement.remote.keys() {
        let Some(target) = spec.targets.get(name) else { continue };
        if !seen.insert(name) {
            continue;
        }
        let help = format!("build {platform} of `{name}` here (drop the node for {platform}), or leave the target out of this build");
        let unsent: Vec<String> = target.contexts.iter().filter(|(_, v)| sent(v).is_none()).map(|(k, v)| format!("{k}={v}")).collect();
        if !unsent.is_empty() {
            found.push(
                Diagnostic::error(
                    "build::node-unsupported",
                    format!(
                        "target `{name}` has named contexts a node cannot be sent yet ({}): only images and local directories",
                        unsent.join(", ")
                    ),
                )
                .with_label(target.span, "built on a node")
                .with_help(help),
            );
        }
    }
    found
}

/// How each target platform is built, for `plan`: a node's name, or here (and whether a RUN is
/// emulated, with the flag that would move it to a node).
pub fn describe(plan: &Plan, placement: &Placement, nodes: &[Node]) -> BTreeMap<(String, String), String> {
    let mut out = BTreeMap::new();
    for (name, target) in &plan.targets {
        for platform in target.platforms.keys() {
            let key = (name.clone(), platform.clone());
            let text = match placement.remote.get(&key) {
                Some(order) => {
                    let names: Vec<String> = order.iter().map(|&i| format!("{} ({})", nodes[i].name, nodes[i].endpoint)).collect();
                    format!("node {}", names.join(", then "))
                }
                None => {
                    let emulated = plan
                        .nodes
                        .iter()
                        .filter(|n| n.class == Class::Emulated && n.targets.contains(name) && n.platforms.contains(platform))
                        .count();
                    match emulated {
                        0 => "here".to_string(),
                        n => format!("here, {n} RUN emulated (a native node: --node {platform}=ssh://USER@HOST)"),
                    }
                }
            };
            out.insert(key, text);
        }
    }
    out
}

/// `plan --format json`'s `placement`: target → platform → the nodes to try (none: built here).
pub fn to_json(plan: &Plan, placement: &Placement, nodes: &[Node]) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    for (name, target) in &plan.targets {
        let platforms: serde_json::Map<String, serde_json::Value> = target
            .platforms
            .keys()
            .map(|platform| {
                let order = placement.remote.get(&(name.clone(), platform.clone()));
                let names: Vec<&str> = order.into_iter().flatten().map(|&i| nodes[i].name.as_str()).collect();
                (platform.clone(), serde_json::json!(names))
            })
            .collect();
        out.insert(name.clone(), serde_json::Value::Object(platforms));
    }
    serde_json::Value::Object(out)
}
