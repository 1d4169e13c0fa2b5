//! Privileges a build asks for, refused unless granted with `--allow` as buildx refuses them:
//! `network.host` (bake's `network = "host"`, `RUN --network=host`) and `security.insecure`
//! (`RUN --security=insecure`), `ssh` (forwarding the default agent); a RUN needs its target's
//! `entitlements` too, as BuildKit does.

use std::collections::BTreeSet;

use crate::diag::Diagnostic;
use crate::ir::Spec;
use crate::plan::{Action, Plan};

/// The entitlements mpbake grants, with what each lets a build do (buildx's words).
const GRANTED: [(&str, &str); 3] = [
    ("network.host", "running build containers that can access host network"),
    ("security.insecure", "running privileged containers that can make system changes"),
    ("ssh", "forwarding default SSH agent socket"),
];

/// `--allow` keys buildx knows; the ones mpbake does not grant are accepted and have no effect.
const BUILDX_KEYS: [&str; 7] = ["network.host", "security.insecure", "device", "ssh", "fs", "fs.read", "fs.write"];

/// Whether `value` (an `--allow` value) names an entitlement buildx knows.
pub fn known(value: &str) -> bool {
    BUILDX_KEYS.contains(&value.split_once('=').map_or(value, |(k, _)| k)) || value == "buildx.local-delete"
}

/// The entitlements `target` asks for: its `entitlements`, `network.host` for `network =
/// "host"`, and `ssh` for an ssh entry that forwards the default agent (no paths), as buildx.
fn asked(target: &crate::ir::Target) -> BTreeSet<&str> {
    let mut asked: BTreeSet<&str> = target.entitlements.iter().map(String::as_str).collect();
    if target.network.as_deref() == Some("host") {
        asked.insert("network.host");
    }
    if target.ssh.iter().any(|entry| entry.get("paths").is_none_or(|p| p.is_empty())) {
        asked.insert("ssh");
    }
    asked
}

/// An error for each privilege the named targets ask for and `allowed` does not grant, and for
/// each RUN whose target does not ask for the privilege the RUN needs.
pub fn check(spec: &Spec, names: &[String], plan: &Plan, allowed: &[String], diags: &mut Vec<Diagnostic>) {
    for target in names.iter().filter_map(|n| spec.targets.get(n)) {
        for (key, what) in GRANTED.iter().filter(|(key, _)| asked(target).contains(key) && !allowed.iter().any(|a| a == key)) {
            diags.push(
                Diagnostic::error("build::entitlement-not-granted", format!("target `{}` asks for `{key}`: {what}", target.name))
                    .with_label(target.span, "in this target")
                    .with_help(format!("pass `--allow {key}` to grant it, as buildx asks")),
            );
        }
    }
    let mut seen = BTreeSet::new();
    for node in &plan.nodes {
        let Action::Run { network, limits, .. } = &node.action else { continue };
        let needs = [
            (network.as_deref() == Some("host"), "network.host", "--network=host"),
            (limits.insecure, "security.insecure", "--security=insecure"),
        ];
        for (_, key, flag) in needs.into_iter().filter(|(needed, _, _)| *needed) {
            for target in node.targets.iter().filter_map(|t| spec.targets.get(t)).filter(|t| !asked(t).contains(key)) {
                if !seen.insert((node.span.map(|s| (s.file, s.start)), key, target.name.clone())) {
                    continue;
                }
                let mut d = Diagnostic::error(
                    "build::entitlement-not-granted",
                    format!("`RUN {flag}` needs the `{key}` entitlement, which target `{}` does not ask for", target.name),
                )
                .with_help(format!(
                    "add `entitlements = [\"{key}\"]` to target `{}` and pass `--allow {key}`, as BuildKit requires",
                    target.name
                ));
                if let Some(span) = node.span {
                    d = d.with_label(span, "this step");
                }
                diags.push(d);
            }
        }
    }
}
