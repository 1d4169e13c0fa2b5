//! Checks that every platform of an image is what it claims: the config's os, architecture and
//! variant match the index entry, and every ELF file left in its filesystem is built for that
//! architecture — the seed's `exec format error`, found before anyone runs the image.

use std::collections::BTreeMap;
use std::io::Read as _;

use serde::Serialize;

use super::elf::{self, Elf};
use super::source::{Image, PlatformImage, Source};

/// One thing wrong with one platform.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub platform: String,
    /// The file, for a binary of the wrong machine.
    pub path: Option<String>,
    pub message: String,
}

/// What verification saw.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub platforms: usize,
    pub elf_files: usize,
    pub findings: Vec<Finding>,
}

/// Verifies every platform of `image`, reading its layers from `source`.
pub fn verify(source: &Source, image: &Image) -> Result<Report, String> {
    let mut report = Report { platforms: image.platforms.len(), ..Report::default() };
    for platform in &image.platforms {
        let name = platform.name();
        if let (Some(declared), Some(actual)) = (&platform.declared, platform.actual())
            && (declared.os != actual.os || declared.arch != actual.arch || declared.variant != actual.variant)
        {
            report.findings.push(Finding {
                platform: name.clone(),
                path: None,
                message: format!("the index says {declared}, the config says {actual}"),
            });
        }
        let files = elf_files(source, platform)?;
        report.elf_files += files.len();
        let Some(expected) = platform.declared.clone().or_else(|| platform.actual()) else { continue };
        for (path, found) in files {
            if let Some(message) = mismatch(&expected, &found) {
                report.findings.push(Finding { platform: name.clone(), path: Some(path), message });
            }
        }
    }
    Ok(report)
}

/// Why an ELF file does not run on `platform`, if it does not.
fn mismatch(platform: &crate::ir::Platform, found: &Elf) -> Option<String> {
    if found.arch != Some(platform.arch.as_str()) {
        return Some(format!("is a {} binary, but the image is {platform}: running it fails with `exec format error`", found.machine));
    }
    if platform.arch == "arm" && platform.variant.as_deref() == Some("v7") && found.hard_float == Some(false) {
        return Some(format!("is a soft-float ARM binary, but {platform} (armhf) loads hard-float ones"));
    }
    None
}

/// The ELF files of the platform's final filesystem (later layers replace and delete).
fn elf_files(source: &Source, platform: &PlatformImage) -> Result<BTreeMap<String, Elf>, String> {
    let mut files: BTreeMap<String, Elf> = BTreeMap::new();
    for layer in &platform.layers {
        let blob = source.blob(&layer.digest)?;
        let mut archive = tar::Archive::new(crate::oci::layer::decompress(blob.as_slice()));
        for entry in archive.entries().map_err(|e| format!("layer {}: {e}", layer.digest))? {
            let mut entry = entry.map_err(|e| format!("layer {}: {e}", layer.digest))?;
            let path = format!("/{}", String::from_utf8_lossy(&entry.path_bytes()).trim_start_matches("./").trim_end_matches('/'));
            let (dir, base) = path.rsplit_once('/').unwrap_or(("", &path));
            if base == ".wh..wh..opq" {
                let prefix = format!("{dir}/");
                files.retain(|p, _| !p.starts_with(&prefix));
                continue;
            }
            if let Some(hidden) = base.strip_prefix(".wh.") {
                let gone = format!("{dir}/{hidden}");
                let prefix = format!("{gone}/");
                files.retain(|p, _| *p != gone && !p.starts_with(&prefix));
                continue;
            }
            files.remove(&path);
            if entry.header().entry_type().is_file() {
                let mut head = Vec::with_capacity(64);
                entry.by_ref().take(64).read_to_end(&mut head).map_err(|e| format!("layer {}: {e}", layer.digest))?;
                if let Some(found) = elf::parse(&head) {
                    files.insert(path, found);
                }
            }
        }
    }
    Ok(files)
}
