//! buildx's filesystem entitlements: a bake file may read (contexts, Dockerfiles, secret files,
//! ssh keys) and write (output destinations) below the working directory; anywhere else needs
//! `--allow fs.read=PATH`, `fs.write=PATH` or `fs=PATH` (`*` for everywhere), as buildx asks.
//! `BUILDX_BAKE_ENTITLEMENTS_FS=0` turns the check off, as in buildx.

use std::path::{Component, Path, PathBuf};

use super::outputs::Export;
use crate::diag::Diagnostic;
use crate::ir::{Spec, Target};

/// `path` made absolute against `cwd`, `..` and `.` resolved, and symlinks of the part that
/// exists followed (so a link out of the working directory counts as out).
fn resolved(cwd: &Path, path: &Path) -> PathBuf {
    let mut lexical = PathBuf::new();
    for part in cwd.join(path).components() {
        match part {
            Component::ParentDir => drop(lexical.pop()),
            Component::CurDir => {}
            other => lexical.push(other),
        }
    }
    let mut existing = lexical.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        let Some(name) = existing.file_name().map(ToOwned::to_owned) else { break };
        rest.push(name);
        existing.pop();
    }
    let mut out = existing.canonicalize().unwrap_or(existing);
    out.extend(rest.iter().rev());
    out
}

/// The local paths a target reads: its context, Dockerfile, local named contexts, secret files
/// and ssh key files.
fn reads(target: &Target) -> Vec<String> {
    let context = target.context.clone().unwrap_or_else(|| ".".into());
    let mut out = vec![context.clone()];
    if let Some(dockerfile) = &target.dockerfile {
        out.push(Path::new(&context).join(dockerfile).display().to_string());
    }
    let local = |c: &&String| !c.contains("://") && !c.starts_with("target:");
    out.extend(target.contexts.values().filter(local).cloned());
    out.extend(target.secret.iter().filter_map(|s| s.get("src").or(s.get("source")).cloned()));
    out.extend(target.ssh.iter().flat_map(|s| {
        s.get("paths").map(|p| p.split(',').filter(|p| !p.is_empty()).map(String::from).collect::<Vec<_>>()).unwrap_or_default()
    }));
    out
}

/// The paths an output entry writes.
fn writes(export: &Export) -> Option<String> {
    match export {
        Export::OciDir(p) | Export::Local { dest: p, .. } => Some(p.display().to_string()),
        Export::OciTar(f) | Export::Tar(f) | Export::DockerTar { file: f, .. } if f != "-" => Some(f.clone()),
        _ => None,
    }
}

/// Whether `allowed` (the `--allow` values) grants `kind` (`fs.read`, `fs.write`) of `path`.
fn granted(cwd: &Path, allowed: &[String], kind: &str, path: &Path) -> bool {
    allowed
        .iter()
        .filter_map(|a| a.split_once('='))
        .any(|(key, value)| (key == kind || key == "fs") && (value == "*" || path.starts_with(resolved(cwd, Path::new(value)))))
}

/// An error per path outside `cwd` that the targets read, or their `output` entries write
/// (`exports`, None when `-o` replaced them: a path the user typed is granted), without a grant.
pub fn check(
    spec: &Spec,
    names: &[String],
    exports: Option<&std::collections::BTreeMap<String, Vec<Export>>>,
    allowed: &[String],
    cwd: &Path,
    diags: &mut Vec<Diagnostic>,
) {
    if std::env::var("BUILDX_BAKE_ENTITLEMENTS_FS").is_ok_and(|v| matches!(v.as_str(), "0" | "false" | "FALSE" | "False")) {
        return;
    }
    let home = resolved(cwd, Path::new("."));
    for target in names.iter().filter_map(|n| spec.targets.get(n)) {
        let read = reads(target).into_iter().map(|p| ("fs.read", "read", p));
        let written = exports.and_then(|e| e.get(&target.name)).into_iter().flatten().filter_map(writes).map(|p| ("fs.write", "write", p));
        for (kind, verb, path) in read.chain(written) {
            let full = resolved(cwd, Path::new(&path));
            if full.starts_with(&home) || granted(cwd, allowed, kind, &full) {
                continue;
            }
            diags.push(
                Diagnostic::error(
                    "build::entitlement-not-granted",
                    format!("target `{}` asks to {verb} `{path}`, outside the working directory", target.name),
                )
                .with_label(target.span, "in this target")
                .with_help(format!(
                    "pass `--allow {kind}={path}` to grant it, as buildx asks (BUILDX_BAKE_ENTITLEMENTS_FS=0 turns the check off)"
                )),
            );
        }
    }
}
