//! Writes a target's optimized Dockerfile: kept stages (unused ones dropped, unnamed ones named),
//! `COPY --link` where provably safe, lint fixes under `--fix`, per-arch file selections as
//! platform-named stages, inline images as a FROM plus metadata. Every change is reported.

use std::fmt::Write as _;

use super::Options;
use super::fixes;
use super::rebase;
use super::selections::{self, Selection};
use crate::frontend::dockerfile::expand::expand;
use crate::ir::{Dockerfile, OpKind, Platform, Stage, Target};
use crate::plan::stage as stage_scope;

/// The emitted text and what was changed, one line per change.
pub struct Emitted {
    pub text: String,
    pub changes: Vec<String>,
}

/// A Dockerfile target: its stages, optimized, then its file selections on top.
pub fn from_dockerfile(target: &Target, df: &Dockerfile, options: &Options) -> Emitted {
    let mut changes = Vec::new();
    let final_index = target.target.as_ref().and_then(|t| df.stage_index(t)).unwrap_or(df.stages.len().saturating_sub(1));
    let keep = reachable(df, final_index);
    let dropped: Vec<String> = (0..df.stages.len()).filter(|i| !keep.contains(i)).map(|i| df.stages[i].display_name(i)).collect();
    if !dropped.is_empty() {
        changes.push(format!("dropped unused stages: {}", dropped.join(", ")));
    }
    let mut stages: Vec<(usize, Stage)> = keep.iter().map(|&i| (i, df.stages[i].clone())).collect();
    if options.fix {
        changes.extend(fixes::apply(&mut stages, final_index));
    }
    let mut out = header(options);
    for arg in &df.global_args {
        let _ = writeln!(out, "ARG {}{}", arg.name, arg.default.as_ref().map(|d| format!("={}", quote(d))).unwrap_or_default());
    }
    for (name, dir) in &options.context_stages {
        let _ =
            writeln!(out, "\nFROM scratch AS {name}\nCOPY {}", serde_json::to_string(&[format!("{dir}/"), "/".into()]).unwrap_or_default());
    }
    let mut linked = 0;
    let mut pinned = 0;
    for (index, stage) in &stages {
        out.push('\n');
        let base = match pinned_base(target, df, stage, options) {
            Some(p) => {
                pinned += 1;
                p
            }
            None => options.named_contexts.get(&stage.base).cloned().unwrap_or_else(|| rename_index(&stage.base, df)),
        };
        let _ = writeln!(out, "FROM {}{base} AS {}", platform_flag(stage), stage_name(df, *index));
        for op in &stage.ops {
            let rebased = options.context_prefix.as_deref().and_then(|prefix| match &op.kind {
                OpKind::Copy(c) => rebase::copy(c, prefix, &options.named_contexts),
                OpKind::Run { mounts, .. } if !mounts.is_empty() => Some(rebase::run_mounts(&op.text, prefix, &options.named_contexts)),
                _ => None,
            });
            let text = match &op.kind {
                _ if let Some(text) = rebased => text,
                OpKind::Copy(c)
                    if options.buildkit
                        && !c.link
                        && stage.base == "scratch"
                        && c.chown.as_deref().is_none_or(|o| o.chars().all(|ch| ch.is_ascii_digit() || ch == ':')) =>
                {
                    linked += 1;
                    op.text.replacen(if c.is_add { "ADD" } else { "COPY" }, if c.is_add { "ADD --link" } else { "COPY --link" }, 1)
                }
                OpKind::Copy(c) if c.from.as_deref().is_some_and(|f| f.chars().all(|ch| ch.is_ascii_digit())) => {
                    let from = c.from.as_deref().unwrap_or_default();
                    op.text.replacen(&format!("--from={from}"), &format!("--from={}", rename_index(from, df)), 1)
                }
                _ => op.text.clone(),
            };
            let _ = writeln!(out, "{text}");
        }
    }
    if pinned > 0 {
        changes.push(format!("pinned {pinned} base image(s) by digest"));
    }
    if linked > 0 {
        changes.push(format!("COPY --link on {linked} step(s) over scratch (nothing in the base to depend on)"));
    }
    let final_name = stage_name(df, final_index);
    let selection = selections::emit(target, options, &mut out);
    if !matches!(selection, Selection::None) {
        let _ = writeln!(out, "\nFROM {final_name}");
    }
    finish_selection(&selection, &mut out, &mut changes);
    Emitted { text: with_platform_arg(out), changes }
}

/// An inline image: its base (per platform if it differs), file selections and metadata.
pub fn from_inline(target: &Target, options: &Options) -> Emitted {
    let mut out = header(options);
    let mut changes = vec!["inline image written as a Dockerfile".to_string()];
    let selection = selections::emit(target, options, &mut out);
    let mut base = selections::base(target, &mut out);
    if let Some(digest) = options.pins.get(&base) {
        base = format!("{base}@{digest}");
        changes.push("pinned 1 base image(s) by digest".into());
    }
    let _ = writeln!(out, "\nFROM {base}");
    finish_selection(&selection, &mut out, &mut changes);
    if let Some(image) = &target.image {
        for (k, v) in &image.env {
            let _ = writeln!(out, "ENV {k}={}", quote(v));
        }
        for (k, v) in &target.labels {
            let _ = writeln!(out, "LABEL {}={}", quote(k), quote(v));
        }
        if let Some(w) = &image.workdir {
            let _ = writeln!(out, "WORKDIR {w}");
        }
        if let Some(u) = &image.user {
            let _ = writeln!(out, "USER {u}");
        }
        if !image.expose.is_empty() {
            let _ = writeln!(out, "EXPOSE {}", image.expose.join(" "));
        }
        if let Some(e) = &image.entrypoint {
            let _ = writeln!(out, "ENTRYPOINT {}", exec_form(e));
        }
        if let Some(c) = &image.cmd {
            let _ = writeln!(out, "CMD {}", exec_form(c));
        }
    }
    Emitted { text: with_platform_arg(out), changes }
}

/// The final stage's part of a file selection.
fn finish_selection(selection: &Selection, out: &mut String, changes: &mut Vec<String>) {
    match selection {
        Selection::None => {}
        Selection::Templated(lines) => {
            let _ = writeln!(out, "ARG TARGETOS TARGETARCH TARGETVARIANT");
            for line in lines {
                let _ = writeln!(out, "{line}");
            }
            changes.push("per-arch file selections as COPY templated on the platform ARGs, no RUN".into());
        }
        Selection::Stage(stage) => {
            let _ = writeln!(out, "COPY --from={stage} / /");
            changes.push("per-arch file selections as one stage per platform picked by MPBAKE_PLATFORM, no RUN (buildah: pass --build-arg MPBAKE_PLATFORM=OS-ARCHVARIANT)".into());
        }
    }
}

/// Adds the global MPBAKE_PLATFORM ARG after the header when a selector uses it.
fn with_platform_arg(text: String) -> String {
    if !selections::needs_platform_arg(&text) {
        return text;
    }
    match text.find("edit the spec, not this file.\n") {
        Some(i) => {
            let at = i + "edit the spec, not this file.\n".len();
            format!("{}{}\n{}", &text[..at], selections::PLATFORM_ARG, &text[at..])
        }
        None => text,
    }
}

/// `FROM name:tag@digest` for a base the plan expanded the same way for every platform and
/// `--pin` resolved; None for stages, scratch, unpinned or platform-dependent bases.
fn pinned_base(target: &Target, df: &Dockerfile, stage: &Stage, options: &Options) -> Option<String> {
    if options.pins.is_empty() || df.stage_index(&stage.base).is_some() {
        return None;
    }
    let host = Platform::host();
    let platforms = target.platforms_or(&host);
    let expanded: Vec<String> = platforms
        .iter()
        .map(|p| {
            let global = stage_scope::global_scope(&stage_scope::platform_args(&host, p), &target.args_for(p), df);
            expand(&stage.base, &stage_scope::lookup(&global), '\\').unwrap_or_default()
        })
        .collect();
    let first = expanded.first()?;
    let digest = options.pins.get(first).filter(|_| expanded.iter().all(|e| e == first))?;
    Some(format!("{first}@{digest}"))
}

/// The syntax directive only for BuildKit: an offline builder cannot pull the frontend image.
fn header(options: &Options) -> String {
    let syntax = if options.buildkit { "# syntax=docker/dockerfile:1\n" } else { "" };
    format!("{syntax}# Generated by mpbake emit; edit the spec, not this file.\n")
}

fn platform_flag(stage: &Stage) -> String {
    stage.platform.as_ref().map(|p| format!("--platform={p} ")).unwrap_or_default()
}

/// Every stage is written with a name, so dropping stages never shifts an index reference.
fn stage_name(df: &Dockerfile, index: usize) -> String {
    df.stages[index].display_name(index)
}

/// `FROM 0` / `--from=0` → the stage's written name.
fn rename_index(reference: &str, df: &Dockerfile) -> String {
    match reference.parse::<usize>() {
        Ok(i) if i < df.stages.len() => stage_name(df, i),
        _ => reference.to_string(),
    }
}

/// Stages the final stage needs (FROM chains, `--from`, mount sources), in file order.
fn reachable(df: &Dockerfile, final_index: usize) -> Vec<usize> {
    let find = |name: &str| df.stage_index(name);
    let mut keep = vec![final_index];
    let mut queue = vec![final_index];
    while let Some(i) = queue.pop() {
        let stage = &df.stages[i];
        let mut refs: Vec<&str> = vec![&stage.base];
        for op in &stage.ops {
            match &op.kind {
                OpKind::Copy(c) => refs.extend(c.from.as_deref()),
                OpKind::Run { mounts, .. } => refs.extend(mounts.iter().filter_map(|m| m.get("from"))),
                _ => {}
            }
        }
        for j in refs.into_iter().filter_map(find).filter(|j| *j < df.stages.len()) {
            if !keep.contains(&j) {
                keep.push(j);
                queue.push(j);
            }
        }
    }
    keep.sort_unstable();
    keep
}

/// A JSON array: the exec form of ENTRYPOINT/CMD.
fn exec_form(args: &[String]) -> String {
    serde_json::to_string(args).unwrap_or_else(|_| "[]".into())
}

/// A value quoted for ENV/LABEL/ARG when it needs it.
pub fn quote(value: &str) -> String {
    if !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || "._-/:@+,".contains(c)) {
        value.to_string()
    } else {
        serde_json::to_string(value).unwrap_or_default()
    }
}
