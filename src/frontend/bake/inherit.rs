//! `inherits`: a target starts from its parents' merged attributes (in order), then its own,
//! with bake's per-attribute rules (maps merge by key, some lists append, the rest replace).

use std::rc::Rc;

use indexmap::IndexMap;

use super::schema::{Merge, spec};
use super::targets::{Field, RawTarget};
use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::frontend::value::Value;
use crate::source::Span;

/// Applied to each target once its own attributes are merged over its parents' (bake applies
/// `--set` there, so a parent's override reaches its children).
pub type Finish<'a> = dyn FnMut(&mut RawTarget, &mut Diagnostics) + 'a;

/// Resolves every target's inheritance chain; targets in a cycle or with a missing parent are
/// reported and left out.
pub fn resolve_all(targets: &IndexMap<String, RawTarget>, finish: &mut Finish, diags: &mut Diagnostics) -> IndexMap<String, RawTarget> {
    let mut done = IndexMap::new();
    for name in targets.keys() {
        let mut stack = Vec::new();
        resolve(name, targets, &mut done, &mut stack, finish, diags);
    }
    // keep the definition order; each resolved target is shared only by `done` by now
    let mut done: IndexMap<String, Rc<RawTarget>> = done.into_iter().filter_map(|(n, t)| t.map(|t| (n, t))).collect();
    targets.keys().filter_map(|n| done.swap_remove(n).map(|t| (n.clone(), Rc::unwrap_or_clone(t)))).collect()
}

/// Resolves the named targets and every target they link as a `target:` context, to any depth
/// (bake resolves only what a command asks for, so nothing else can fail it).
pub fn resolve_linked(
    targets: &IndexMap<String, RawTarget>,
    names: &[String],
    finish: &mut Finish,
    diags: &mut Diagnostics,
) -> IndexMap<String, RawTarget> {
    let mut done = IndexMap::new();
    let mut queue: Vec<String> = names.to_vec();
    let mut out: IndexMap<String, RawTarget> = IndexMap::new();
    while let Some(name) = queue.pop() {
        if out.contains_key(&name) {
            continue;
        }
        let Some(target) = resolve(&name, targets, &mut done, &mut Vec::new(), finish, diags) else { continue };
        if let Some(Value::Object(contexts)) = target.fields.get("contexts").map(|f| &f.value) {
            let links = contexts.values().filter_map(|v| v.as_str()?.strip_prefix("target:"));
            queue.extend(links.filter(|l| targets.contains_key(*l)).map(str::to_string));
        }
        out.insert(name, Rc::unwrap_or_clone(target));
    }
    out
}

/// Targets linking each other through `target:` contexts in a loop are an error, as in bake.
pub fn check_link_cycles(resolved: &IndexMap<String, RawTarget>, diags: &mut Diagnostics) {
    let links = |name: &str| -> Vec<String> {
        match resolved.get(name).and_then(|t| t.fields.get("contexts")).map(|f| &f.value) {
            Some(Value::Object(c)) => c.values().filter_map(|v| v.as_str()?.strip_prefix("target:").map(str::to_string)).collect(),
            _ => Vec::new(),
        }
    };
    let mut finished: std::collections::HashSet<String> = std::collections::HashSet::new();
    for start in resolved.keys() {
        // iterative depth-first search: the path, and each node's links still to visit
        let mut path: Vec<(String, Vec<String>)> = vec![(start.clone(), links(start))];
        while let Some((name, pending)) = path.last_mut() {
            let Some(next) = pending.pop() else {
                finished.insert(name.clone());
                path.pop();
                continue;
            };
            if let Some(at) = path.iter().position(|(n, _)| *n == next) {
                let chain: Vec<&str> = path[at..].iter().map(|(n, _)| n.as_str()).chain([next.as_str()]).collect();
                let (last, _) = &path[path.len() - 1];
                let mut d = Diagnostic::error("spec::link-cycle", format!("targets link each other in a loop: {}", chain.join(" → ")));
                if let Some(f) = resolved.get(last).and_then(|t| t.fields.get("contexts")) {
                    d = d.with_label(f.value_span, format!("`{last}` links `{next}` here"));
                }
                diags.push(d.with_help("a `target:` context must not lead back to the target"));
                return;
            }
            if !finished.contains(&next) && resolved.contains_key(&next) {
                let more = links(&next);
                path.push((next, more));
            }
        }
    }
}

fn resolve(
    name: &str,
    targets: &IndexMap<String, RawTarget>,
    done: &mut IndexMap<String, Option<Rc<RawTarget>>>,
    stack: &mut Vec<(String, Span)>,
    finish: &mut Finish,
    diags: &mut Diagnostics,
) -> Option<Rc<RawTarget>> {
    if let Some(result) = done.get(name) {
        return result.clone();
    }
    let own = targets.get(name)?;
    let mut merged = RawTarget { name: own.name.clone(), span: own.span, ..RawTarget::default() };
    let mut ok = true;
    for (parent, span) in &own.inherits {
        if let Some(start) = stack.iter().position(|(n, _)| n == parent) {
            let chain: Vec<&str> = stack[start..].iter().map(|(n, _)| n.as_str()).chain([name, parent.as_str()]).collect();
            let mut d = Diagnostic::error("spec::inherits-cycle", format!("inheritance cycle: {}", chain.join(" → ")))
                .with_label(*span, format!("`{name}` inherits `{parent}` here"));
            for (n, s) in &stack[start..] {
                d = d.with_label(*s, format!("inherited by `{n}`"));
            }
            diags.push(d.with_help("remove one of these `inherits` entries"));
            ok = false;
            continue;
        }
        if !targets.contains_key(parent) {
            let help = did_you_mean(parent, targets.keys().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
            diags.push(
                Diagnostic::error("spec::unknown-target", format!("`{name}` inherits unknown target `{parent}`"))
                    .with_label(*span, "no such target")
                    .with_help_opt(help),
            );
            ok = false;
            continue;
        }
        stack.push((name.to_string(), *span));
        let resolved = resolve(parent, targets, done, stack, finish, diags);
        stack.pop();
        match resolved {
            Some(p) => merge_into(&mut merged, &p),
            None => ok = false,
        }
    }
    merge_into(&mut merged, own);
    finish(&mut merged, diags);
    let result = ok.then(|| Rc::new(merged));
    done.insert(name.to_string(), result.clone());
    result
}

/// Applies `child` on top of `base` with each attribute's merge rule.
pub fn merge_into(base: &mut RawTarget, child: &RawTarget) {
    for (name, field) in &child.fields {
        if field.value.is_null() {
            // a null attribute is "unset": it never clears what a parent set
            continue;
        }
        let rule = spec(name).map_or(Merge::Replace, |s| s.merge);
        match (rule, base.fields.get_mut(name)) {
            (Merge::Keys, Some(existing)) => merge_keys(existing, field),
            (Merge::Append, Some(existing)) if name == "cache-from" => merge_cache(existing, field),
            (Merge::Append, Some(existing)) => append(existing, field),
            _ => {
                base.fields.insert(name.clone(), field.clone());
            }
        }
    }
    base.blocks.extend(child.blocks.iter().cloned());
    base.inherits.extend(child.inherits.iter().cloned());
    base.defined_in = child.defined_in;
}

fn merge_keys(existing: &mut Field, child: &Field) {
    match (&mut existing.value, &child.value) {
        (Value::Object(base), Value::Object(new)) => {
            for (k, v) in new {
                if !v.is_null() {
                    base.insert(k.clone(), v.clone());
                }
            }
            existing.name_span = child.name_span;
        }
        _ => *existing = child.clone(),
    }
}

/// bake's CacheOptions.Merge: both lists parsed, appended, and deduplicated as removeDupes
/// does at every merge (its swaps make the order depend on each step).
fn merge_cache(existing: &mut Field, child: &Field) {
    let (Ok(mut base), Ok(new)) = (super::convert::composable("cache-from", existing), super::convert::composable("cache-from", child))
    else {
        return append(existing, child);
    };
    base.extend(new);
    let merged = super::lower::remove_dupes(base);
    existing.value = super::convert::entries_value(merged);
    existing.name_span = child.name_span;
}

fn append(existing: &mut Field, child: &Field) {
    match (&mut existing.value, &child.value) {
        (Value::List(base), Value::List(new)) => {
            for v in new {
                if !base.contains(v) {
                    base.push(v.clone());
                }
            }
            existing.name_span = child.name_span;
        }
        _ => *existing = child.clone(),
    }
}
