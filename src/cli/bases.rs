//! The registry images a build starts from: their hosts, resolved once before planning (with
//! their ONBUILD triggers), and which of them each target is built on.

use std::collections::BTreeMap;

use super::planned;
use crate::exec;
use crate::ir::{ImageRef, Platform};
use crate::plan::{Action, Plan};

/// The plan's registry bases resolved once, by (reference, platform); the engine takes what
/// the registry answered (errors too) instead of asking again.
pub(super) fn resolve_bases(registry: &crate::oci::Registry, plan: &Plan) -> exec::Resolved {
    let mut wanted: BTreeMap<(String, String), (ImageRef, &Platform)> = BTreeMap::new();
    for node in &plan.nodes {
        let Action::From { reference } = &node.action else { continue };
        if let (false, Ok(image)) = (reference == "scratch", ImageRef::parse(reference)) {
            wanted.entry((reference.clone(), node.exec_platform.to_string())).or_insert((image, &node.exec_platform));
        }
    }
    // all at once, as the build's FROM steps asked before
    std::thread::scope(|scope| {
        let asked: Vec<_> = wanted
            .into_iter()
            .map(|(key, (image, platform))| (key, scope.spawn(move || crate::oci::pull::pull(registry, &image, platform))))
            .collect();
        asked.into_iter().filter_map(|(key, asking)| Some((key, asking.join().ok()?))).collect()
    })
}

/// The ONBUILD triggers of the resolved bases that have some.
pub(super) fn triggers_of(resolved: &exec::Resolved) -> BTreeMap<(String, String), Vec<String>> {
    let strings = |p: &crate::oci::pull::Pulled| -> Vec<String> {
        p.config["config"]["OnBuild"].as_array().into_iter().flatten().filter_map(|t| Some(t.as_str()?.to_string())).collect()
    };
    resolved.iter().filter_map(|(key, pulled)| Some((key.clone(), strings(pulled.as_ref().ok()?))).filter(|(_, t)| !t.is_empty())).collect()
}

/// The registries base images come from: every FROM of the plan (linked targets included) and
/// the selected inline images' bases.
pub(super) fn registry_hosts(p: &planned::Planned, plan: &Plan) -> Vec<String> {
    let inline = p.targets.iter().filter_map(|n| p.loaded.spec.targets.get(n)).flat_map(inline_bases);
    let mut hosts: Vec<String> = step_bases(plan, |_| true).chain(inline).map(|image| image.registry).collect();
    hosts.sort();
    hosts.dedup();
    hosts
}

/// The registry images a target is built on (FROM steps, inline `from`s).
pub(super) fn bases_of(name: &str, target: &crate::ir::Target, plan: &Plan) -> Vec<ImageRef> {
    step_bases(plan, |n| n.targets.contains(name)).chain(inline_bases(target)).collect()
}

/// The images of the plan's FROM steps that `keep` keeps.
fn step_bases<'a>(plan: &'a Plan, keep: impl Fn(&crate::plan::Node) -> bool + 'a) -> impl Iterator<Item = ImageRef> + 'a {
    plan.nodes.iter().filter(move |n| keep(n)).filter_map(|n| match &n.action {
        Action::From { reference } if reference != "scratch" => ImageRef::parse(reference).ok(),
        _ => None,
    })
}

/// An inline image's bases: its `from` and its platform overrides'.
fn inline_bases(target: &crate::ir::Target) -> impl Iterator<Item = ImageRef> + '_ {
    target.image.iter().flat_map(|i| i.from.iter().chain(i.platform.values().filter_map(|o| o.from.as_ref()))).filter_map(|b| match b {
        crate::ir::BaseImage::Image(r) => Some(r.clone()),
        crate::ir::BaseImage::Scratch => None,
    })
}
