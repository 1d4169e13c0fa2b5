//! `constant-platform`: `FROM --platform=linux/amd64` pins a stage to one platform for every target.

use super::{Context, Finding, Rule, dockerfile_targets, warning};

pub const RULE: Rule = Rule { id: "constant-platform", summary: "FROM --platform with a constant pins the stage to one platform", check };

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for (target, df) in dockerfile_targets(ctx) {
        for stage in &df.stages {
            let (Some(value), Some(span)) = (&stage.platform, stage.platform_span) else { continue };
            if value.contains('$') {
                continue;
            }
            let diagnostic = warning("lint::constant-platform", format!("`FROM --platform={value}` builds this stage for {value} whatever the target platform"))
                .with_label(span, "a constant platform")
                .with_help("use --platform=$BUILDPLATFORM for build tools that cross-compile, or drop the flag to build the stage for each target platform (docs/rules/constant-platform.md)");
            out.push(Finding { target: target.clone(), diagnostic });
        }
    }
    out
}
