//! Targets linked as `target:NAME` contexts, checked and completed as bake's loadLinks does:
//! a link to an unknown target is an error, a linked target's entitlements are the linking
//! target's too, and two multi-platform targets link only when the linking one's platforms are
//! a subset of the linked one's.

use std::collections::{BTreeMap, HashSet};

use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::ir::Target;

const NETWORK_HOST: &str = "network.host";

/// Completes `targets` (all lowered, the requested ones and what they link).
pub fn finish(targets: &mut BTreeMap<String, Target>, known: &[String], diags: &mut Diagnostics) {
    for t in targets.values_mut() {
        // bake's normalize: `network = "host"` needs the entitlement
        if t.network.as_deref() == Some("host") && !t.entitlements.iter().any(|e| e == NETWORK_HOST) {
            t.entitlements.push(NETWORK_HOST.to_string());
        }
    }
    let names: Vec<String> = targets.keys().cloned().collect();
    let mut done: HashSet<String> = HashSet::new();
    for name in &names {
        complete(name, targets, known, &mut done, &mut Vec::new(), diags);
    }
}

fn links(t: &Target) -> Vec<String> {
    t.contexts.values().filter_map(|v| v.strip_prefix("target:")).map(str::to_string).collect()
}

/// Completes one target after the targets it links (loops are reported by inherit's check).
fn complete(
    name: &str,
    targets: &mut BTreeMap<String, Target>,
    known: &[String],
    done: &mut HashSet<String>,
    path: &mut Vec<String>,
    diags: &mut Diagnostics,
) {
    if done.contains(name) || path.iter().any(|p| p == name) {
        return;
    }
    let Some(target) = targets.get(name) else { return };
    let (span, linked) = (target.span, links(target));
    path.push(name.to_string());
    for link in &linked {
        if !targets.contains_key(link) {
            if !known.contains(link) {
                let help = did_you_mean(link, known.iter().map(String::as_str)).map(|s| format!("did you mean `target:{s}`?"));
                diags.push(
                    Diagnostic::error("spec::unknown-target", format!("`{name}` links unknown target `{link}`"))
                        .with_label(span, "in this target's contexts")
                        .with_help_opt(help),
                );
            }
            continue;
        }
        complete(link, targets, known, done, path, diags);
        let (entitlements, platforms) = match targets.get(link) {
            Some(l) => (l.entitlements.clone(), l.platforms_written.clone()),
            None => continue,
        };
        let Some(target) = targets.get_mut(name) else { continue };
        for e in entitlements {
            if !target.entitlements.contains(&e) {
                target.entitlements.push(e);
            }
        }
        if target.platforms_written.len() > 1 && platforms.len() > 1 && !target.platforms_written.iter().all(|p| platforms.contains(p)) {
            diags.push(
                Diagnostic::error(
                    "spec::linked-platforms",
                    format!(
                        "target `{link}` can't be used by `{name}`: `{name}` builds {} and `{link}` only {}",
                        target.platforms_written.join(", "),
                        platforms.join(", ")
                    ),
                )
                .with_label(span, "links it as a context")
                .with_help(format!("build `{link}` for every platform of `{name}`, or `{name}` for fewer")),
            );
        }
    }
    path.pop();
    done.insert(name.to_string());
}
