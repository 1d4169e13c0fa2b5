//! Per-arch file selections and per-platform bases as Dockerfile constructs without RUN:
//!
//! - when every selected source is a template of the automatic platform ARGs
//!   (`dist/x.amd64`, `dist/x.arm64` → `dist/x.${TARGETARCH}`), a COPY in the final stage after
//!   `ARG TARGETOS TARGETARCH TARGETVARIANT` — accepted by BuildKit and buildah alike;
//! - otherwise one `FROM scratch AS mpbake-files-OS-ARCHVARIANT` stage per platform, selected by
//!   `FROM mpbake-files-${MPBAKE_PLATFORM}` with a global `ARG MPBAKE_PLATFORM` defaulting to
//!   `${TARGETOS}-${TARGETARCH}${TARGETVARIANT}` (BuildKit fills it; buildah needs
//!   `--build-arg MPBAKE_PLATFORM=...`, because it has no platform ARGs in the global scope).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::Options;
use crate::ir::{BaseImage, FileSelection, Platform, Target};

/// The value `${TARGETOS}-${TARGETARCH}${TARGETVARIANT}` takes for a platform.
fn suffix(p: &Platform) -> String {
    format!("{}-{}{}", p.os, p.arch, p.variant.as_deref().unwrap_or(""))
}

/// The global ARG the stage selectors use, and its default.
pub const PLATFORM_ARG: &str = "ARG MPBAKE_PLATFORM=${TARGETOS}-${TARGETARCH}${TARGETVARIANT}";
const SELECTOR: &str = "${MPBAKE_PLATFORM}";

fn platforms(target: &Target) -> Vec<Platform> {
    target.platforms_or(&Platform::host())
}

/// Each platform's files: the target's, with the platform block's replacing the same paths.
fn files_for(target: &Target, p: &Platform) -> BTreeMap<String, (String, FileSelection)> {
    let Some(image) = &target.image else { return BTreeMap::new() };
    let mut files: BTreeMap<String, FileSelection> = image.files.iter().map(|f| (f.dest.clone(), f.clone())).collect();
    if let Some(o) = image.platform.get(&p.to_string()) {
        files.extend(o.files.iter().map(|f| (f.dest.clone(), f.clone())));
    }
    files.into_iter().map(|(dest, f)| (dest, (f.sources.get(&p.to_string()).cloned().unwrap_or_default(), f))).collect()
}

/// Each platform with its files: destination → (source, selection).
type PlatformFiles = Vec<(Platform, BTreeMap<String, (String, FileSelection)>)>;

/// How a target's files get into its image.
pub enum Selection {
    /// Nothing to select.
    None,
    /// COPY lines for the final stage (after the platform ARGs).
    Templated(Vec<String>),
    /// The name of the stage holding the platform's files.
    Stage(String),
}

/// Writes what the selection needs before the final stage and says how to finish it.
pub fn emit(target: &Target, options: &Options, out: &mut String) -> Selection {
    let platforms = platforms(target);
    let per_platform: PlatformFiles = platforms.iter().map(|p| (p.clone(), files_for(target, p))).collect();
    if per_platform.iter().all(|(_, f)| f.is_empty()) {
        return Selection::None;
    }
    if let Some(lines) = templated(&per_platform, options) {
        return Selection::Templated(lines);
    }
    let _ = writeln!(out, "\n# Per-arch file selections: one stage per platform, picked by MPBAKE_PLATFORM.");
    for (p, files) in &per_platform {
        let _ = writeln!(out, "FROM scratch AS mpbake-files-{}", suffix(p));
        for (dest, (source, file)) in files {
            let link = if options.buildkit { " --link" } else { "" };
            let _ = writeln!(out, "COPY{link}{} {} {dest}", flags(file), in_context(options, source));
        }
    }
    let _ = writeln!(out, "FROM mpbake-files-{SELECTOR} AS mpbake-files");
    Selection::Stage("mpbake-files".into())
}

/// A context path as the emitted Dockerfile reads it (under the node context's prefix).
fn in_context(options: &Options, source: &str) -> String {
    match &options.context_prefix {
        Some(prefix) => format!("{prefix}/{}", source.trim_start_matches('/')),
        None => source.to_string(),
    }
}

fn flags(file: &FileSelection) -> String {
    let chmod = file.mode.map(|m| format!(" --chmod={}", String::from(m))).unwrap_or_default();
    let chown = file.owner.as_ref().map(|o| format!(" --chown={o}")).unwrap_or_default();
    format!("{chmod}{chown}")
}

/// One COPY per destination when, for every file, a template of the platform ARGs gives each
/// platform's source (and every platform has the same destinations and flags).
fn templated(per_platform: &PlatformFiles, options: &Options) -> Option<Vec<String>> {
    let (first_platform, first_files) = per_platform.first()?;
    let mut lines = Vec::new();
    for (dest, (source, file)) in first_files {
        let template = candidates(source, first_platform).into_iter().find(|t| {
            per_platform.iter().all(|(p, files)| files.get(dest).is_some_and(|(s, f)| *s == render(t, p) && flags(f) == flags(file)))
        })?;
        lines.push(format!("COPY{} {} {dest}", flags(file), in_context(options, &template)));
    }
    per_platform.iter().all(|(_, files)| files.len() == first_files.len()).then_some(lines)
}

/// Templates that give `source` for `p`: its os, arch and variant replaced by the ARGs.
fn candidates(source: &str, p: &Platform) -> Vec<String> {
    let mut out = Vec::new();
    let variant = p.variant.as_deref().unwrap_or("");
    if !variant.is_empty() {
        out.push(source.replace(&format!("{}{variant}", p.arch), "${TARGETARCH}${TARGETVARIANT}").replace(&p.os, "${TARGETOS}"));
        out.push(source.replace(&format!("{}{variant}", p.arch), "${TARGETARCH}${TARGETVARIANT}"));
    }
    out.push(source.replace(&p.arch, "${TARGETARCH}").replace(&p.os, "${TARGETOS}"));
    out.push(source.replace(&p.arch, "${TARGETARCH}"));
    out.retain(|t| t != source);
    out
}

fn render(template: &str, p: &Platform) -> String {
    template.replace("${TARGETOS}", &p.os).replace("${TARGETARCH}", &p.arch).replace("${TARGETVARIANT}", p.variant.as_deref().unwrap_or(""))
}

/// The base of an inline image: the `from` reference, or, when platforms differ, a selector
/// over one stage per platform.
pub fn base(target: &Target, out: &mut String) -> String {
    let image = target.image.as_ref();
    let default = image.and_then(|i| i.from.clone()).unwrap_or(BaseImage::Scratch);
    let bases: Vec<(Platform, String)> = platforms(target)
        .into_iter()
        .map(|p| {
            let from = image.and_then(|i| i.platform.get(&p.to_string())).and_then(|o| o.from.clone()).unwrap_or_else(|| default.clone());
            (p, String::from(from))
        })
        .collect();
    if bases.windows(2).all(|w| w[0].1 == w[1].1) {
        return bases.into_iter().next().map_or_else(|| "scratch".into(), |(_, b)| b);
    }
    let _ = writeln!(out, "\n# Per-platform base images, picked by MPBAKE_PLATFORM.");
    for (p, b) in &bases {
        let _ = writeln!(out, "FROM {b} AS mpbake-base-{}", suffix(p));
    }
    format!("mpbake-base-{SELECTOR}")
}

/// Whether the emitted file uses the MPBAKE_PLATFORM selector (and so needs the global ARG).
pub fn needs_platform_arg(text: &str) -> bool {
    text.contains(SELECTOR)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        Platform::parse(s).unwrap_or_else(|e| panic!("{}", e.0))
    }

    #[test]
    fn finds_templates_of_the_platform_args() {
        let a = p("linux/amd64");
        assert!(candidates("dist/x.amd64", &a).contains(&"dist/x.${TARGETARCH}".to_string()));
        let v7 = p("linux/arm/v7");
        assert_eq!(render("dist/x-${TARGETOS}-${TARGETARCH}${TARGETVARIANT}", &v7), "dist/x-linux-armv7");
        assert!(candidates("dist/x-linux-armv7", &v7).contains(&"dist/x-${TARGETOS}-${TARGETARCH}${TARGETVARIANT}".to_string()));
    }
}
