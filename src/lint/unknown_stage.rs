//! `unknown-stage`: `COPY --from=NAME`, `RUN --mount=from=NAME` or `FROM NAME` where NAME is
//! no stage or named context but close to one: almost always a typo (else it is pulled as an image).

use super::{Context, Finding, Rule, dockerfile_targets, warning};
use crate::diag::did_you_mean;
use crate::ir::OpKind;
use crate::source::Span;

pub const RULE: Rule =
    Rule { id: "unknown-stage", summary: "a --from or FROM name is no stage but close to one (a typo pulls an image instead)", check };

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for (target, df) in dockerfile_targets(ctx) {
        let contexts: Vec<&str> = ctx.spec.targets.get(target).map(|t| t.contexts.keys().map(String::as_str).collect()).unwrap_or_default();
        let names: Vec<String> = df.stages.iter().enumerate().map(|(i, s)| s.label(i)).collect();
        let mut refs: Vec<(String, Span)> = Vec::new();
        for stage in &df.stages {
            refs.push((stage.base.clone(), stage.base_span));
            for op in &stage.ops {
                match &op.kind {
                    OpKind::Copy(c) => refs.extend(c.from.clone().map(|f| (f, c.from_span.unwrap_or(op.span)))),
                    OpKind::Run { mounts, .. } => {
                        refs.extend(mounts.iter().filter_map(|m| m.get("from")).map(|f| (f.to_string(), op.span)))
                    }
                    _ => {}
                }
            }
        }
        for (name, span) in refs {
            let lowered = name.to_lowercase();
            if name.contains(['/', ':', '.', '@', '$'])
                || names.contains(&lowered)
                || contexts.contains(&name.as_str())
                || lowered == "scratch"
            {
                continue;
            }
            let Some(suggestion) = did_you_mean(&lowered, names.iter().map(String::as_str)) else { continue };
            let diagnostic = warning("lint::unknown-stage", format!("there is no stage `{name}`; it will be pulled as an image"))
                .with_label(span, "not a stage of this Dockerfile")
                .with_help(format!("did you mean `{suggestion}`? (docs/rules/unknown-stage.md)"));
            out.push(Finding { target: target.clone(), diagnostic });
        }
    }
    out
}
