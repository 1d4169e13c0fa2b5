//! `go-build-not-cross`: `go build` in a stage that is not on $BUILDPLATFORM compiles under
//! emulation (or once per platform) instead of cross-compiling once per target on the host.

use super::{Context, Finding, Rule, dockerfile_targets, is_build_platform, warning};
use crate::ir::OpKind;

pub const RULE: Rule = Rule { id: "go-build-not-cross", summary: "go build in a stage that is not on $BUILDPLATFORM", check };

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for (target, df) in dockerfile_targets(ctx) {
        for stage in df.stages.iter().filter(|s| !is_build_platform(s.platform.as_deref())) {
            for op in &stage.ops {
                if !matches!(op.kind, OpKind::Run { .. }) {
                    continue;
                }
                let Some(at) = op.text.find("go build").or_else(|| op.text.find("go install")) else { continue };
                let diagnostic = warning("lint::go-build-not-cross", "`go build` runs on the target platform here".into())
                    .with_label(op.span.sub(at, 8), "compiled in a target-platform stage: emulated for foreign platforms")
                    .with_help("Go cross-compiles: use `FROM --platform=$BUILDPLATFORM golang:... AS build`, `ARG TARGETOS TARGETARCH`, and `RUN GOOS=$TARGETOS GOARCH=$TARGETARCH go build ...`, then COPY --from=build (docs/rules/go-build-not-cross.md)");
                out.push(Finding { target: target.clone(), diagnostic });
            }
        }
    }
    out
}
