//! Evaluates mpbake's `node` blocks: `endpoint` (a URL or a docker context) and `platforms`.

use std::collections::BTreeMap;

use super::context::Context;
use crate::diag::{Diagnostic, Diagnostics};
use crate::frontend::eval::Evaluator;
use crate::frontend::value::Value;
use crate::ir::{BuildNode, Platform};

/// Every node block, evaluated; a node without an endpoint or platforms is an error.
pub fn evaluate(ctx: &Context, diags: &mut Diagnostics) -> BTreeMap<String, BuildNode> {
    let mut out = BTreeMap::new();
    for (name, block) in &ctx.defs.nodes {
        let mut node = BuildNode { name: name.clone(), span: Some(block.name_span()), ..BuildNode::default() };
        for attr in &block.body.attrs {
            let value = match Evaluator::new(ctx).eval(&attr.expr) {
                Ok(v) => v,
                Err(d) => {
                    diags.push(d);
                    continue;
                }
            };
            let wrong = |what: &str| {
                Diagnostic::error("spec::type", format!("node `{}` must be {what}", attr.name)).with_label(attr.expr.span, "here")
            };
            match (attr.name.as_str(), value) {
                ("endpoint", v) => match v.to_template_string() {
                    Some(s) if !s.is_empty() => node.endpoint = s,
                    _ => diags.push(wrong("a string: unix://PATH, tcp://HOST:PORT, ssh://USER@HOST or a docker context's name")),
                },
                ("platforms", Value::List(items)) => {
                    for item in items {
                        match item.to_template_string().map(|s| Platform::parse(&s)) {
                            Some(Ok(p)) => node.platforms.push(p),
                            Some(Err(e)) => {
                                diags.push(Diagnostic::error("spec::invalid-platform", e.0).with_label(attr.expr.span, "in this list"))
                            }
                            None => diags.push(wrong("a list of platforms")),
                        }
                    }
                }
                ("platforms", _) => diags.push(wrong("a list of platforms, e.g. [\"linux/arm64\"]")),
                (other, _) => diags.push(
                    Diagnostic::warning("spec::unknown-attribute", format!("nodes have no attribute `{other}`"))
                        .with_label(attr.name_span, "ignored")
                        .with_help("nodes take `endpoint` and `platforms`"),
                ),
            }
        }
        if node.endpoint.is_empty() || node.platforms.is_empty() {
            diags.push(
                Diagnostic::error("spec::incomplete-node", format!("node `{name}` needs an `endpoint` and `platforms`"))
                    .with_label(block.name_span(), "this node")
                    .with_help("node \"arm1\" {\n  endpoint  = \"ssh://builder@arm1\"\n  platforms = [\"linux/arm64\"]\n}"),
            );
            continue;
        }
        out.insert(name.clone(), node);
    }
    out
}
