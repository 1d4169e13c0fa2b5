//! `redundant-target-platform`: `FROM --platform=$TARGETPLATFORM` says what FROM does anyway.

use super::{Context, Finding, Rule, dockerfile_targets, warning};

pub const RULE: Rule = Rule { id: "redundant-target-platform", summary: "FROM --platform=$TARGETPLATFORM is the default", check };

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for (target, df) in dockerfile_targets(ctx) {
        for stage in &df.stages {
            if !matches!(stage.platform.as_deref(), Some("$TARGETPLATFORM" | "${TARGETPLATFORM}")) {
                continue;
            }
            let Some(span) = stage.platform_span else { continue };
            let diagnostic = warning("lint::redundant-target-platform", "`--platform=$TARGETPLATFORM` is redundant".into())
                .with_label(span, "stages build for the target platform by default")
                .with_help("remove the flag (docs/rules/redundant-target-platform.md)");
            out.push(Finding { target: target.clone(), diagnostic });
        }
    }
    out
}
