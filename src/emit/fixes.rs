//! The automatic fixes `emit --fix` applies, each only where it is provably safe:
//! drop a redundant `--platform=$TARGETPLATFORM`, move `ARG TARGET*` down to its first use, and
//! turn a Go-only build stage into a cross-compiling `$BUILDPLATFORM` stage.

use crate::frontend::dockerfile::expand::referenced;
use crate::ir::{ArgDecl, Op, OpKind, Stage};

/// Applies the fixes to the kept stages (original index, stage); returns what changed.
pub fn apply(stages: &mut [(usize, Stage)], final_index: usize) -> Vec<String> {
    let mut changes = Vec::new();
    let used_as_base: Vec<String> = stages.iter().map(|(_, s)| s.base.to_lowercase()).collect();
    for (index, stage) in stages.iter_mut() {
        let name = stage.display_name(*index);
        if matches!(stage.platform.as_deref(), Some("$TARGETPLATFORM" | "${TARGETPLATFORM}")) {
            stage.platform = None;
            changes.push(format!("{name}: removed redundant --platform=$TARGETPLATFORM"));
        }
        let is_base_of_another = stage.name.as_ref().is_some_and(|n| used_as_base.contains(n)) || *index == final_index;
        if !is_base_of_another && cross_compile_go(stage) {
            changes.push(format!("{name}: go build cross-compiles on $BUILDPLATFORM (GOOS/GOARCH from TARGETOS/TARGETARCH)"));
        }
        if matches!(stage.platform.as_deref(), Some("$BUILDPLATFORM" | "${BUILDPLATFORM}")) {
            changes.extend(move_target_args(stage).into_iter().map(|c| format!("{name}: {c}")));
        }
    }
    changes
}

/// A stage whose RUNs are all `go ...` commands (no cgo asked for) builds the same binaries when
/// cross-compiled, so it can run once per target on the build host instead of emulated.
fn cross_compile_go(stage: &mut Stage) -> bool {
    let runs: Vec<&Op> = stage.ops.iter().filter(|o| matches!(o.kind, OpKind::Run { .. })).collect();
    let go_only = !runs.is_empty()
        && runs.iter().all(|o| {
            let cmd = o.text.trim_start_matches("RUN").trim();
            cmd.split("&&").all(|part| part.trim().starts_with("go ")) && !o.text.contains("CGO_ENABLED=1")
        });
    if stage.platform.is_some() || !go_only || !runs.iter().any(|o| o.text.contains("go build")) {
        return false;
    }
    stage.platform = Some("$BUILDPLATFORM".into());
    let first_run = stage.ops.iter().position(|o| matches!(o.kind, OpKind::Run { .. })).unwrap_or(0);
    let decls = ["TARGETOS", "TARGETARCH"].iter().map(|n| ArgDecl { name: n.to_string(), default: None, span: stage.span }).collect();
    stage.ops.insert(first_run, Op { kind: OpKind::Arg(decls), span: stage.span, text: "ARG TARGETOS TARGETARCH".into() });
    for op in stage.ops.iter_mut().filter(|o| matches!(o.kind, OpKind::Run { .. }) && o.text.contains("go build")) {
        op.text = op.text.replacen("go build", "CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build", 1);
    }
    true
}

/// Moves each `ARG TARGET*` to just before the first instruction that reads it (RUN sees every
/// declared ARG, so an early declaration makes the RUNs in between per-platform).
fn move_target_args(stage: &mut Stage) -> Vec<String> {
    let mut changes = Vec::new();
    let mut i = 0;
    while i < stage.ops.len() {
        let OpKind::Arg(decls) = &stage.ops[i].kind else {
            i += 1;
            continue;
        };
        let Some(decl) = decls.iter().find(|d| d.name.starts_with("TARGET")).cloned() else {
            i += 1;
            continue;
        };
        let first_use = stage.ops[i + 1..].iter().position(|o| referenced(&o.text, '\\').contains(&decl.name)).map(|p| p + i + 1);
        let runs_between =
            stage.ops[i + 1..first_use.unwrap_or(stage.ops.len())].iter().filter(|o| matches!(o.kind, OpKind::Run { .. })).count();
        if runs_between == 0 {
            i += 1;
            continue;
        }
        let remaining: Vec<ArgDecl> = decls.iter().filter(|d| d.name != decl.name).cloned().collect();
        let moved = Op { kind: OpKind::Arg(vec![decl.clone()]), span: stage.ops[i].span, text: arg_text(std::slice::from_ref(&decl)) };
        let target_at = first_use.unwrap_or(stage.ops.len());
        stage.ops.insert(target_at, moved);
        if remaining.is_empty() {
            stage.ops.remove(i);
        } else {
            stage.ops[i] = Op { kind: OpKind::Arg(remaining.clone()), span: stage.ops[i].span, text: arg_text(&remaining) };
            i += 1;
        }
        changes.push(format!("moved `ARG {}` past {runs_between} RUN(s) that don't use it", decl.name));
    }
    changes
}

fn arg_text(decls: &[ArgDecl]) -> String {
    let parts: Vec<String> = decls
        .iter()
        .map(|d| match &d.default {
            Some(v) => format!("{}={}", d.name, super::dockerfile::quote(v)),
            None => d.name.clone(),
        })
        .collect();
    format!("ARG {}", parts.join(" "))
}
