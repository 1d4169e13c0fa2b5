//! Emitters: IR and plans rendered for other tools — bake's JSON definition, and optimized
//! Dockerfiles plus a docker-bake.json that BuildKit (or buildah, per Dockerfile) can build.

pub mod bake_json;
pub mod dockerfile;
mod fixes;
mod rebase;
mod selections;

use std::collections::BTreeMap;
use std::path::{Component, Path};

use crate::ir::{Dockerfile, Group, Spec, Target};

/// How `emit` writes: which engines must accept the files, and whether lint fixes apply.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Use BuildKit-only syntax (`# syntax=` header, `COPY --link`); otherwise the files stay
    /// within what buildah and an offline dockerd's built-in frontend accept.
    pub buildkit: bool,
    /// Apply the lint rules' automatic fixes.
    pub fix: bool,
    /// Base images to pin: the reference as the plan expanded it → its digest (`--pin`).
    pub pins: BTreeMap<String, String>,
    /// Where the context is in the context sent (a node's tar holds the Dockerfile beside the
    /// context, under this directory): COPY sources and context bind mounts are moved there.
    pub context_prefix: Option<String>,
    /// Named contexts as a node sees them: each name → what stands for it, an image reference
    /// or one of `context_stages`.
    pub named_contexts: BTreeMap<String, String>,
    /// Stages written first, each a directory of a node's tar copied onto scratch: (name, dir).
    pub context_stages: Vec<(String, String)>,
}

/// One emitted target: the Dockerfile's file name, text, and the changes made.
pub struct EmittedTarget {
    pub file: String,
    pub text: String,
    /// `FILE.dockerignore` contents, when the context has ignore patterns.
    pub dockerignore: Option<String>,
    pub changes: Vec<String>,
}

/// Everything `mpbake emit` writes into its output directory.
pub struct Emission {
    pub targets: BTreeMap<String, EmittedTarget>,
    /// `docker-bake.json`, referencing the emitted Dockerfiles.
    pub bake_json: String,
    /// Things the emitted files cannot express, one line each.
    pub warnings: Vec<String>,
}

/// Emits `targets` of `spec` for an output directory `out_dir` (as the user named it, relative to
/// the working directory, which is where bake resolves contexts).
pub fn emit(spec: &Spec, dockerfiles: &BTreeMap<String, Dockerfile>, targets: &[String], out_dir: &Path, options: &Options) -> Emission {
    let mut emitted = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut bake_spec = Spec::default();
    for name in targets {
        let Some(target) = spec.targets.get(name) else { continue };
        let result = match dockerfiles.get(name) {
            Some(df) => dockerfile::from_dockerfile(target, df, options),
            None => dockerfile::from_inline(target, options),
        };
        let file = format!("{name}.Dockerfile");
        if target.image.as_ref().is_some_and(|i| i.platform.values().any(|o| !o.args.is_empty() || !o.labels.is_empty())) {
            warnings.push(format!(
                "{name}: per-platform args and labels cannot be written to a bake file; the emitted target uses the target-wide values"
            ));
        }
        let context = target.context.clone().unwrap_or_else(|| ".".into());
        let dockerfile_path = relative_to(&out_dir.join(&file), Path::new(&context));
        bake_spec.targets.insert(
            name.clone(),
            Target { dockerfile: Some(dockerfile_path), dockerfile_inline: None, target: None, image: None, ..target.clone() },
        );
        let dockerignore =
            dockerfiles.get(name).filter(|df| !df.ignore.is_empty()).map(|df| df.ignore.iter().map(|p| format!("{p}\n")).collect());
        emitted.insert(name.clone(), EmittedTarget { file, text: result.text, dockerignore, changes: result.changes });
    }
    // bake builds the `default` group, or the target named `default` when there is no such group
    let mut groups = BTreeMap::new();
    if !targets.iter().any(|t| t == "default") {
        groups.insert("default".to_string(), Group { name: "default".into(), targets: targets.to_vec(), ..Group::default() });
    }
    let bake_json = bake_json::render(&bake_spec, targets, &groups, None);
    Emission { targets: emitted, bake_json, warnings }
}

/// `path` (relative to the working directory, or absolute) as seen from `base` (likewise).
fn relative_to(path: &Path, base: &Path) -> String {
    if path.is_absolute() || base.is_absolute() {
        return std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string();
    }
    let depth = base.components().filter(|c| matches!(c, Component::Normal(_))).count();
    let ups = base.components().any(|c| matches!(c, Component::ParentDir));
    if ups {
        return std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()).display().to_string();
    }
    let mut out = "../".repeat(depth);
    out.push_str(
        &path
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerfile_paths_are_relative_to_the_context() {
        assert_eq!(relative_to(Path::new("out/a.Dockerfile"), Path::new(".")), "out/a.Dockerfile");
        assert_eq!(relative_to(Path::new("out/a.Dockerfile"), Path::new("src/app")), "../../out/a.Dockerfile");
        assert!(relative_to(Path::new("out/a.Dockerfile"), Path::new("../x")).starts_with('/'));
    }
}
