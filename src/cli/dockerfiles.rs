//! Loads and parses the Dockerfile of every target that needs one (inline images don't), with
//! targets linked as `target:` contexts followed.

use std::collections::BTreeMap;
use std::path::Path;

use crate::diag::{Diagnostic, Diagnostics};
use crate::frontend::dockerfile;
use crate::ir::{Dockerfile, Spec, Target};
use crate::source::SourceMap;

/// Whether a target is an inline image (no Dockerfile): it has `from` and names no Dockerfile.
fn is_inline(target: &Target) -> bool {
    target.image.as_ref().is_some_and(|i| i.from.is_some()) && target.dockerfile.is_none() && target.dockerfile_inline.is_none()
}

/// The Dockerfiles of `names` and of the targets they link, parsed.
pub fn load(spec: &Spec, names: &[String], sources: &mut SourceMap, diags: &mut Diagnostics) -> BTreeMap<String, Dockerfile> {
    let mut out = BTreeMap::new();
    let mut queue: Vec<String> = names.to_vec();
    let mut seen: Vec<String> = Vec::new();
    while let Some(name) = queue.pop() {
        if seen.contains(&name) {
            continue;
        }
        seen.push(name.clone());
        let Some(target) = spec.targets.get(&name) else { continue };
        queue.extend(target.contexts.values().filter_map(|v| v.strip_prefix("target:")).map(String::from));
        if target.image.as_ref().is_some_and(|i| i.from.is_some()) && (target.dockerfile.is_some() || target.dockerfile_inline.is_some()) {
            diags.push(
                Diagnostic::error("plan::from-and-dockerfile", format!("target `{name}` has both `from` and a Dockerfile"))
                    .with_label(target.span, "this target")
                    .with_help("use `from` for an inline image, or a Dockerfile (whose `file` blocks go on top of its stage), not both"),
            );
            continue;
        }
        if is_inline(target) {
            continue;
        }
        let context = target.context.as_deref().unwrap_or(".");
        let (display, text) = match &target.dockerfile_inline {
            Some(text) => (format!("{name}:dockerfile-inline"), text.clone()),
            None => {
                let file = target.dockerfile.as_deref().filter(|d| !d.is_empty()).unwrap_or("Dockerfile");
                let path = if Path::new(file).is_absolute() || context == "." {
                    Path::new(file).to_path_buf()
                } else {
                    Path::new(context).join(file)
                };
                let read = super::load::read_input_file(&path).and_then(|bytes| {
                    String::from_utf8(bytes).map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"))
                });
                match read {
                    Ok(text) => (path.display().to_string(), text),
                    Err(e) => {
                        diags.push(Diagnostic::error("plan::missing-dockerfile", format!("cannot read {} for target `{name}`: {e}", path.display()))
                            .with_label(target.span, "this target")
                            .with_help("the Dockerfile is found relative to the target's context (relative to the working directory, as in bake); set `dockerfile` or `context`, or give the target a `from` to build without one"));
                        continue;
                    }
                }
            }
        };
        let id = sources.add(display.clone(), text);
        match dockerfile::parse(id, &sources.file(id).text.clone()) {
            Ok(mut df) => {
                df.ignore = ignore_patterns(&display, context);
                out.insert(name, df);
            }
            Err(d) => diags.push(d),
        }
    }
    out
}

/// BuildKit's ignore file: `DOCKERFILE.dockerignore` beside the Dockerfile, else the context's
/// `.dockerignore`; patterns without a UTF-8 byte order mark, comments and blank lines.
fn ignore_patterns(dockerfile: &str, context: &str) -> Vec<String> {
    let candidates = [format!("{dockerfile}.dockerignore"), Path::new(context).join(".dockerignore").display().to_string()];
    let Some(text) = candidates.iter().find_map(|p| std::fs::read_to_string(p).ok()) else { return Vec::new() };
    text.trim_start_matches('\u{feff}').lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(String::from).collect()
}
