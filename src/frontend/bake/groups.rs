//! Evaluates `group` blocks (a later definition of a name replaces an earlier one, as in bake)
//! and checks every member.

use std::collections::BTreeMap;

use indexmap::IndexMap;

use super::context::Context;
use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::frontend::eval::Evaluator;
use crate::frontend::value::Value;
use crate::ir::Group;
use crate::source::Span;

/// Groups with their member names and the span of each member reference.
pub fn evaluate(
    ctx: &Context,
    matrix_groups: &IndexMap<String, (Vec<String>, Span)>,
    diags: &mut Diagnostics,
) -> IndexMap<String, (Group, Vec<Span>)> {
    let mut out: IndexMap<String, (Group, Vec<Span>)> = IndexMap::new();
    for (name, (members, span)) in matrix_groups {
        let group = Group { name: name.clone(), description: None, targets: members.clone(), span: *span };
        out.insert(name.clone(), (group, vec![*span; members.len()]));
    }
    for (name, blocks) in &ctx.defs.groups {
        let Some(block) = blocks.last() else { continue };
        super::targets::check_name(name, block.name_span(), diags);
        for attr in blocks.iter().flat_map(|b| &b.body.attrs).filter(|a| matches!(a.name.as_str(), "name" | "matrix")) {
            diags.push(
                Diagnostic::error("spec::invalid-name", format!("`{}` is not supported for groups", attr.name))
                    .with_label(attr.name_span, "only targets take it")
                    .with_help("list the targets in `targets`; a matrix target's label is already a group of its targets"),
            );
        }
        let (group, spans) = out
            .entry(name.clone())
            .or_insert_with(|| (Group { name: name.clone(), description: None, targets: Vec::new(), span: block.name_span() }, Vec::new()));
        {
            for attr in block.body.attrs.iter().filter(|a| !matches!(a.name.as_str(), "name" | "matrix")) {
                let value = match Evaluator::new(ctx).eval(&attr.expr) {
                    Ok(v) => v,
                    Err(d) => {
                        diags.push(d);
                        continue;
                    }
                };
                match (attr.name.as_str(), value) {
                    ("targets", Value::List(items)) => {
                        for item in items {
                            match item.to_template_string() {
                                Some(t) if !group.targets.contains(&t) => {
                                    group.targets.push(t);
                                    spans.push(attr.expr.span);
                                }
                                Some(_) => {}
                                None => diags.push(
                                    Diagnostic::error("spec::type", "group `targets` must hold names").with_label(attr.expr.span, "here"),
                                ),
                            }
                        }
                    }
                    ("description", v) => group.description = v.to_template_string(),
                    ("targets", v) => diags.push(
                        Diagnostic::error("spec::type", format!("group `targets` must be a list, got {}", v.type_name()))
                            .with_label(attr.expr.span, "here")
                            .with_help("targets = [\"app\", \"db\"]"),
                    ),
                    (other, _) => diags.push(
                        Diagnostic::warning("spec::unknown-attribute", format!("groups have no attribute `{other}`"))
                            .with_label(attr.name_span, "ignored")
                            .with_help("groups take `targets` and `description`"),
                    ),
                }
            }
        }
    }
    out
}

/// Checks that every member names a target or group, and that groups do not contain themselves.
/// The targets and groups `wanted` reaches (globs match names; a group its members, to any
/// depth), or `None` when a name matches nothing: then everything is checked, so the unknown
/// name is reported with every name to suggest.
pub fn select(wanted: &[String], groups: &IndexMap<String, (Group, Vec<Span>)>, targets: &[String]) -> Option<(Vec<String>, Vec<String>)> {
    let default = ["default".to_string()];
    let wanted = if wanted.is_empty() { &default[..] } else { wanted };
    let known: std::collections::HashSet<&str> = targets.iter().map(String::as_str).collect();
    let (mut out_targets, mut out_groups) = (Vec::new(), Vec::new());
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut queue: Vec<String> = Vec::new();
    for name in wanted {
        if name.contains(['*', '?', '[']) {
            let glob = glob::Pattern::new(name).ok()?;
            let matched: Vec<&String> = groups.keys().chain(targets).filter(|n| glob.matches(n)).collect();
            if matched.is_empty() {
                return None;
            }
            queue.extend(matched.into_iter().cloned());
        } else if groups.contains_key(name) || known.contains(name.as_str()) {
            queue.push(name.clone());
        } else {
            return None;
        }
    }
    while let Some(name) = queue.pop() {
        match groups.get(&name) {
            Some((group, _)) if !out_groups.contains(&name) => {
                queue.extend(group.targets.iter().cloned());
                out_groups.push(name);
            }
            // a group seen already: its name may also be a target's (bake then takes the target)
            _ => {
                if known.contains(name.as_str()) && seen.insert(name.clone()) {
                    out_targets.push(name);
                }
            }
        }
    }
    Some((out_targets, out_groups))
}

/// Checks group members (of the `only` groups when given) and cycles.
pub fn check(groups: &IndexMap<String, (Group, Vec<Span>)>, only: Option<&[String]>, targets: &[&str], diags: &mut Diagnostics) {
    for (group, spans) in groups.values().filter(|(g, _)| only.is_none_or(|o| o.contains(&g.name))) {
        for (member, span) in group.targets.iter().zip(spans) {
            if !targets.contains(&member.as_str()) && !groups.contains_key(member) {
                let candidates = targets.iter().copied().chain(groups.keys().map(String::as_str));
                let help = did_you_mean(member, candidates).map(|s| format!("did you mean `{s}`?"));
                diags.push(
                    Diagnostic::error("spec::unknown-target", format!("group `{}` lists unknown target `{member}`", group.name))
                        .with_label(*span, "no target or group of this name")
                        .with_help_opt(help),
                );
            }
        }
    }
    let edges: BTreeMap<&str, Vec<&str>> =
        groups.iter().map(|(n, (g, _))| (n.as_str(), g.targets.iter().map(String::as_str).collect())).collect();
    for (name, (group, _)) in groups.iter().filter(|(n, _)| only.is_none_or(|o| o.contains(n))) {
        if let Some(cycle) = find_cycle(name, &edges, targets, &mut vec![name.as_str()]) {
            diags.push(
                Diagnostic::error("spec::group-cycle", format!("group cycle: {}", cycle.join(" → ")))
                    .with_label(group.span, "this group contains itself")
                    .with_help("remove one of the group references"),
            );
            return;
        }
    }
}

/// A group path back to `start`; a member naming a group being expanded means the target of
/// that name when there is one, as in bake (`group "foo" { targets = ["foo"] }`).
fn find_cycle<'a>(start: &str, edges: &BTreeMap<&'a str, Vec<&'a str>>, targets: &[&str], path: &mut Vec<&'a str>) -> Option<Vec<String>> {
    let current = *path.last()?;
    for &next in edges.get(current).into_iter().flatten() {
        if path.contains(&next) && targets.contains(&next) {
            continue;
        }
        if next == start {
            return Some(path.iter().chain([&next]).map(|s| s.to_string()).collect());
        }
        if edges.contains_key(next) && !path.contains(&next) {
            path.push(next);
            if let Some(c) = find_cycle(start, edges, targets, path) {
                return Some(c);
            }
            path.pop();
        }
    }
    None
}
