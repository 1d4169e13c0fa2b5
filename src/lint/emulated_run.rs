//! `emulated-run`: a RUN that would execute under qemu for a foreign target platform.

use super::{Context, Finding, Rule, warning};
use crate::plan::Class;

pub const RULE: Rule =
    Rule { id: "emulated-run", summary: "a RUN step would run under emulation (qemu-user, typically 8–20× slower)", check };

fn check(ctx: &Context) -> Vec<Finding> {
    let host = &ctx.plan.build_platform;
    ctx.plan
        .nodes
        .iter()
        .filter(|n| n.class == Class::Emulated)
        .filter_map(|n| {
            let span = n.span?;
            let target = n.targets.iter().next()?.clone();
            let diagnostic = warning("lint::emulated-run", format!("this RUN would run under emulation for {} on a {host} host", n.exec_platform))
                .with_label(span, format!("emulated for {}: qemu-user, typically 8–20× slower than native", n.exec_platform))
                .with_help(format!("compile in a stage `FROM --platform=$BUILDPLATFORM ...` that cross-compiles for $TARGETOS/$TARGETARCH, then COPY --from it; for prebuilt binaries use a per-arch `file` selection; where the RUN needs the target's own userland, add a node for {0}: `--node {0}=ssh://USER@HOST` (docs/rules/emulated-run.md)", n.exec_platform));
            Some(Finding { target, diagnostic })
        })
        .collect()
}
