//! Bake attributes `mpbake build` does not apply yet: each set one is a warning naming the
//! target and the attribute (an error with `--strict`), so nothing is ignored silently.

use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Spec, Target};

/// The attributes `target` sets that the build would not apply, with what to do instead.
fn unhonoured(t: &Target) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let mut note = |set: bool, attr: &'static str, instead: &'static str| {
        if set {
            out.push((attr, instead));
        }
    };
    note(!t.cache_from.is_empty(), "cache-from", "mpbake's own store caches steps");
    note(!t.cache_to.is_empty(), "cache-to", "mpbake's own store caches steps");
    note(!t.attest.is_empty(), "attest", "no attestations are made");
    note(t.network.as_deref().is_some_and(|n| !matches!(n, "none" | "default" | "host")), "network", "RUN takes none, default or host");
    note(t.call.as_deref().is_some_and(|c| c != "build" && c != "check"), "call", "`call` takes build or check");
    out
}

/// A warning for every attribute of `targets` the build would not apply.
pub fn warn(spec: &Spec, targets: &[String], diags: &mut Diagnostics) {
    for target in targets.iter().filter_map(|n| spec.targets.get(n)) {
        for (attr, instead) in unhonoured(target) {
            diags.push(
                Diagnostic::warning(
                    "build::unhonoured-attribute",
                    format!("target `{}` sets `{attr}`, which `mpbake build` does not apply yet", target.name),
                )
                .with_label(target.span, "in this target")
                .with_help(format!("{instead}; `mpbake emit` passes it on to BuildKit")),
            );
        }
    }
}
