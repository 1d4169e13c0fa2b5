//! `early-target-arg`: `ARG TARGETARCH` (or another TARGET* arg) declared in a build-platform
//! stage before RUNs that don't use it: RUN sees every declared ARG, so those RUNs stop being
//! shared and run once per target platform.

use super::{Context, Finding, Rule, dockerfile_targets, is_build_platform, warning};
use crate::frontend::dockerfile::expand::referenced;
use crate::ir::OpKind;

pub const RULE: Rule =
    Rule { id: "early-target-arg", summary: "ARG TARGET* declared before RUNs that don't use it makes them run per platform", check };

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for (target, df) in dockerfile_targets(ctx) {
        for stage in df.stages.iter().filter(|s| is_build_platform(s.platform.as_deref())) {
            for (i, op) in stage.ops.iter().enumerate() {
                let OpKind::Arg(decls) = &op.kind else { continue };
                for decl in decls.iter().filter(|d| d.name.starts_with("TARGET")) {
                    let rest = &stage.ops[i + 1..];
                    let first_use = rest.iter().position(|o| referenced(&o.text, '\\').contains(&decl.name)).unwrap_or(rest.len());
                    let needless = rest[..first_use].iter().filter(|o| matches!(o.kind, OpKind::Run { .. })).count();
                    if needless == 0 {
                        continue;
                    }
                    let fix = match rest.get(first_use) {
                        Some(user) => {
                            format!("move `ARG {}` down to just before `{}`", decl.name, user.text.lines().next().unwrap_or("").trim())
                        }
                        None => format!("remove `ARG {}`: nothing uses it", decl.name),
                    };
                    let diagnostic = warning(
                        "lint::early-target-arg",
                        format!("`ARG {}` makes the next {needless} RUN(s) run once per target platform instead of once", decl.name),
                    )
                    .with_label(op.span, "declared here, before RUNs that don't use it")
                    .with_help(format!("{fix} (docs/rules/early-target-arg.md)"));
                    out.push(Finding { target: target.clone(), diagnostic });
                }
            }
        }
    }
    out
}
