//! Resolves command-line names (targets, groups, globs; default `default`) into the targets to
//! act on and the groups traversed, the way bake does.

use std::collections::BTreeMap;

use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::ir::{Group, Spec};
use crate::source::{FileId, Span};

/// The outcome of resolving names.
#[derive(Debug, Default)]
pub struct Selection {
    /// Targets in first-reached order, without repeats.
    pub targets: Vec<String>,
    /// Groups traversed, plus `default` listing the requested names (bake's print shape).
    pub groups: BTreeMap<String, Group>,
}

/// `names` are as typed; their spans are lines of the command-line pseudo-file after `skip` lines.
pub fn select(spec: &Spec, names: &[String], command_line: FileId, skip_bytes: usize, diags: &mut Diagnostics) -> Selection {
    let requested: Vec<String> = if names.is_empty() { vec!["default".into()] } else { names.to_vec() };
    let mut sel = Selection::default();
    let mut expanded_names = Vec::new();
    let mut offset = skip_bytes;
    for name in &requested {
        // the implicit `default` was not typed, so it has no place on the command line
        let span = (!names.is_empty()).then(|| Span::new(command_line, offset..offset + name.len()));
        offset += name.len() + 1;
        let matches: Vec<String> = if name.contains(['*', '?', '[']) {
            let glob = glob::Pattern::new(name).ok();
            spec.groups.keys().chain(spec.targets.keys()).filter(|n| glob.as_ref().is_some_and(|g| g.matches(n))).cloned().collect()
        } else {
            vec![name.clone()]
        };
        if matches.is_empty() {
            diags.push(located(
                Diagnostic::error("cli::unknown-target", format!("could not find any target matching \"{name}\"")),
                span,
                "matches nothing",
            ));
        }
        for m in matches {
            if !spec.groups.contains_key(&m) && !spec.targets.contains_key(&m) {
                let candidates = spec.targets.keys().chain(spec.groups.keys()).map(String::as_str);
                let help = match did_you_mean(&m, candidates) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if m == "default" => format!(
                        "name a target ({}), or define `group \"default\" {{ targets = [...] }}`",
                        spec.targets.keys().take(5).cloned().collect::<Vec<_>>().join(", ")
                    ),
                    None => "`mpbake list targets` shows the names".to_string(),
                };
                diags.push(
                    located(
                        Diagnostic::error("cli::unknown-target", format!("failed to find target {m}")),
                        span,
                        "no such target or group",
                    )
                    .with_help(help),
                );
                continue;
            }
            expand(spec, &m, &mut sel, &mut Vec::new());
            expanded_names.push(m);
        }
    }
    // bake's print lists the requested names in `default`, but skips `default` once that group
    // exists, even when it was made by this loop for a name before it
    for n in expanded_names {
        if n == "default" && sel.groups.contains_key("default") {
            continue;
        }
        let default = sel.groups.entry("default".into()).or_insert_with(|| Group { name: "default".into(), ..Group::default() });
        if !default.targets.contains(&n) {
            default.targets.push(n);
        }
    }
    if let Some(default) = sel.groups.get_mut("default") {
        default.targets.sort();
    }
    sel
}

fn located(d: Diagnostic, span: Option<Span>, label: &str) -> Diagnostic {
    match span {
        Some(s) => d.with_label(s, label),
        None => d,
    }
}

/// A group (which wins over a target of the same name) expands to its members, recursively.
fn expand(spec: &Spec, name: &str, sel: &mut Selection, path: &mut Vec<String>) {
    let expanding = path.iter().any(|p| p == name);
    // a member naming a group being expanded means the target of that name, as in bake (loops
    // without such a target are diagnosed by the front end)
    if let Some(group) = spec.groups.get(name).filter(|_| !expanding) {
        sel.groups.insert(name.to_string(), group.clone());
        path.push(name.to_string());
        for member in &group.targets {
            expand(spec, member, sel, path);
        }
        path.pop();
    } else if spec.targets.contains_key(name) && !sel.targets.iter().any(|t| t == name) {
        sel.targets.push(name.to_string());
    }
}
