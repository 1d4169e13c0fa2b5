//! Bake attributes `mpbake build` does not apply yet: each set one is a warning naming the
//! target and the attribute (an error with `--strict`), so nothing is ignored silently.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Spec, Target};

/// The types of composable entries (`type=registry`, the short forms' types), listed once.
fn types(entries: &[crate::ir::Composable]) -> String {
    let mut types: Vec<&str> = entries.iter().map(|e| e.get("type").map_or("registry", String::as_str)).collect();
    types.dedup();
    types.iter().map(|t| format!("type={t}")).collect::<Vec<_>>().join(", ")
}

/// The attributes `target` sets that the build would not apply (with the types they name),
/// and what to do instead.
fn unhonoured(t: &Target) -> Vec<(&'static str, String, &'static str)> {
    let mut out = Vec::new();
    let mut note = |set: bool, attr: &'static str, detail: String, instead: &'static str| {
        if set {
            out.push((attr, detail, instead));
        }
    };
    let skipped = |entries: &[crate::ir::Composable], writing: bool| -> Vec<String> {
        entries.iter().filter_map(|e| crate::share::entry(e, writing).err()).collect()
    };
    let (from, to) = (skipped(&t.cache_from, false), skipped(&t.cache_to, true));
    let instead = "mpbake shares caches through type=local and type=registry (docs/cache.md)";
    note(!from.is_empty(), "cache-from", format!(" ({})", from.join("; ")), instead);
    note(!to.is_empty(), "cache-to", format!(" ({})", to.join("; ")), instead);
    note(!t.attest.is_empty(), "attest", format!(" ({})", types(&t.attest)), "no attestations are made");
    let network = t.network.as_deref().filter(|n| !matches!(*n, "none" | "default" | "host"));
    note(network.is_some(), "network", format!(" ({})", network.unwrap_or_default()), "RUN takes none, default or host");
    let call = t.call.as_deref().filter(|c| *c != "build" && *c != "check");
    note(call.is_some(), "call", format!(" ({})", call.unwrap_or_default()), "`call` takes build or check");
    out
}

/// A warning for every attribute of `targets` the build would not apply.
pub fn warn(spec: &Spec, targets: &[String], diags: &mut Diagnostics) {
    for target in targets.iter().filter_map(|n| spec.targets.get(n)) {
        for (attr, detail, instead) in unhonoured(target) {
            diags.push(
                Diagnostic::warning(
                    "build::unhonoured-attribute",
                    format!("target `{}` sets `{attr}`{detail}, which `mpbake build` does not apply yet", target.name),
                )
                .with_label(target.span, "in this target")
                .with_help(format!("{instead}; `mpbake emit` passes it on to BuildKit")),
            );
        }
    }
}
