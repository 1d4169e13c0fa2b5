//! What a build will read from its contexts, looked for before building (`check`): each COPY/ADD
//! source written without variables, and each per-arch file of an inline image, resolved inside
//! its context as the build resolves it (and not left out by .dockerignore).

use std::collections::BTreeSet;
use std::path::Path;

use crate::confine::Root;
use crate::diag::Diagnostic;
use crate::ir::{Platform, Spec};
use crate::plan::{Action, CopyFrom, Plan};

/// A diagnostic for every source `plan`'s COPY steps and `names`' per-arch files would miss.
pub fn missing(spec: &Spec, names: &[String], plan: &Plan, cwd: &Path) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for node in &plan.nodes {
        let Action::Copy { op, from: CopyFrom::Context { dir, ignore }, .. } = &node.action else { continue };
        let Ok(root) = Root::open(&cwd.join(dir)) else { continue };
        let ignore = super::ignore::Ignore::new(ignore);
        for written in op.sources.iter().filter(|s| !s.contains('$') && !s.contains("://") && !s.starts_with("git@")) {
            let Ok(source) = crate::frontend::dockerfile::expand::expand(written, &|_| None, '\\') else { continue };
            let found = super::copy::matches(&root, &source).unwrap_or_default();
            if found.iter().any(|path| path.is_empty() || !ignore.excludes(path))
                || !seen.insert((node.span.map(|s| (s.file, s.start)), source.clone()))
            {
                continue;
            }
            let why = if found.is_empty() { "is not in" } else { "is left out (by .dockerignore) of" };
            let mut d = Diagnostic::error("check::missing-source", format!("`{source}` {why} the context `{dir}`"))
                .with_help("the build would stop here: add the file, or fix the path (relative to the context)");
            if let Some(span) = node.span {
                d = d.with_label(span, "this step reads it");
            }
            out.push(d);
        }
    }
    for target in names.iter().filter_map(|n| spec.targets.get(n)) {
        let Some(image) = &target.image else { continue };
        let context = cwd.join(target.context.as_deref().unwrap_or("."));
        let Ok(root) = Root::open(&context) else { continue };
        for platform in target.platforms_or(&Platform::host()) {
            let overrides = image.platform.get(&platform.to_string()).map(|o| o.files.as_slice()).unwrap_or_default();
            for file in image.files.iter().chain(overrides) {
                let Some(source) = file.sources.get(&platform.to_string()) else { continue };
                let is_file = root.stat(source).ok().flatten().is_some_and(|s| s.kind == crate::confine::Kind::File);
                if !is_file {
                    out.push(
                        Diagnostic::error(
                            "check::missing-source",
                            format!("{platform}: `{source}` for `{}` is not a file in the context", file.dest),
                        )
                        .with_label(file.span, format!("selected for {platform}"))
                        .with_help("the source is relative to the target's context (relative to the working directory, as in bake)"),
                    );
                }
            }
        }
    }
    out
}
