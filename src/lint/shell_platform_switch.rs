//! `shell-platform-switch`: RUN choosing files with `if [ "$TARGETPLATFORM" = ... ]` or
//! `case $TARGETARCH in`, which runs under emulation and fails only at run time when wrong.

use regex::Regex;

use super::{Context, Finding, Rule, dockerfile_targets, warning};
use crate::ir::OpKind;

pub const RULE: Rule = Rule {
    id: "shell-platform-switch",
    summary: "a RUN switches on the target platform in shell instead of selecting files per platform",
    check,
};

fn check(ctx: &Context) -> Vec<Finding> {
    let Ok(pattern) = Regex::new(r#"(?:\[\[?|test|case)\s*"?\$\{?TARGET(?:PLATFORM|ARCH|OS|VARIANT)\}?"?"#) else { return Vec::new() };
    let mut out = Vec::new();
    for (target, df) in dockerfile_targets(ctx) {
        for op in df.stages.iter().flat_map(|s| &s.ops) {
            if !matches!(op.kind, OpKind::Run { .. }) {
                continue;
            }
            if let Some(m) = pattern.find(&op.text) {
                let span = op.span.sub(m.start(), m.len());
                let diagnostic = warning("lint::shell-platform-switch", "this RUN picks per-platform files in shell".into())
                    .with_label(span, "switches on the target platform")
                    .with_help("declare the choice in the spec instead — no RUN, no emulation, checked for every platform: `file \"/usr/local/bin/x\" { source = \"dist/x.${TARGETARCH}\" }` (docs/rules/shell-platform-switch.md)");
                out.push(Finding { target: target.clone(), diagnostic });
            }
        }
    }
    out
}
