//! Per-arch file selections and per-platform bases as BuildKit-native stages: one
//! `FROM scratch AS mpbake-files-linux-arm64` per platform holding that platform's files, and a
//! `FROM mpbake-files-${TARGETOS}-${TARGETARCH}${TARGETVARIANT}` that BuildKit resolves per
//! target platform. No RUN, no shell, nothing emulated.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::ir::{BaseImage, FileSelection, Platform, Target};

/// The suffix the automatic platform ARGs produce for a platform: `linux-arm64`, `linux-armv7`.
fn suffix(p: &Platform) -> String {
    format!("{}-{}{}", p.os, p.arch, p.variant.as_deref().unwrap_or(""))
}

const SELECTOR: &str = "${TARGETOS}-${TARGETARCH}${TARGETVARIANT}";

fn platforms(target: &Target) -> Vec<Platform> {
    if target.platforms.is_empty() { vec![Platform::host()] } else { target.platforms.clone() }
}

/// Each platform's files: the target's, with the platform block's replacing the same paths.
fn files_for(target: &Target, p: &Platform) -> Vec<(String, FileSelection)> {
    let Some(image) = &target.image else { return Vec::new() };
    let mut files: BTreeMap<String, FileSelection> = image.files.iter().map(|f| (f.dest.clone(), f.clone())).collect();
    if let Some(o) = image.platform.get(&p.to_string()) {
        files.extend(o.files.iter().map(|f| (f.dest.clone(), f.clone())));
    }
    files.into_iter().map(|(_, f)| (f.sources.get(&p.to_string()).cloned().unwrap_or_default(), f)).collect()
}

/// Writes the selection stages; returns the name of the stage holding this platform's files.
pub fn emit(target: &Target, out: &mut String) -> Option<String> {
    let platforms = platforms(target);
    if platforms.iter().all(|p| files_for(target, p).is_empty()) {
        return None;
    }
    let _ = writeln!(out, "\n# Per-arch file selections: BuildKit picks the stage of the target platform.");
    for p in &platforms {
        let _ = writeln!(out, "FROM scratch AS mpbake-files-{}", suffix(p));
        for (source, file) in files_for(target, p) {
            let chmod = file.mode.map(|m| format!(" --chmod={}", String::from(m))).unwrap_or_default();
            let chown = file.owner.as_ref().map(|o| format!(" --chown={o}")).unwrap_or_default();
            let _ = writeln!(out, "COPY --link{chmod}{chown} {source} {}", file.dest);
        }
    }
    let _ = writeln!(out, "FROM mpbake-files-{SELECTOR} AS mpbake-files");
    Some("mpbake-files".into())
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
    let _ = writeln!(out, "\n# Per-platform base images.");
    for (p, b) in &bases {
        let _ = writeln!(out, "FROM {b} AS mpbake-base-{}", suffix(p));
    }
    format!("mpbake-base-{SELECTOR}")
}
