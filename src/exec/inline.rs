//! Builds an inline-image target on `scratch`: one reproducible layer per platform holding that
//! platform's selected files, a config from the target's metadata, a manifest per platform and
//! an index over them, written to an OCI layout.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::annotations::Annotations;
use super::{BuildError, io};
use crate::diag::Diagnostic;
use crate::ir::{BaseImage, FileSelection, InlineImage, Platform, Target};
use crate::oci::image::{self, Config, Descriptor};
use crate::oci::layer::{self, LayerFile};
use crate::oci::layout::Layout;
use crate::oci::store::Store;
use crate::oci::{Registry, pull};

/// Where base images come from: the registry, through the local content store.
pub struct Bases<'a> {
    pub registry: &'a Registry,
    pub store: &'a Store,
}

impl Bases<'_> {
    /// A base layer: from the store when it has it, else downloaded (verified) and stored.
    fn layer(&self, image: &crate::ir::ImageRef, digest: &crate::ir::Digest) -> Result<Vec<u8>, BuildError> {
        if let Some(bytes) = self.store.get(digest) {
            return Ok(bytes);
        }
        let bytes = self.registry.blob(image, digest).map_err(|e| BuildError::Tool(e.to_string()))?;
        self.store.put_verified(digest, &bytes).map_err(io("caching a base layer"))?;
        Ok(bytes)
    }
}

/// A built target: its index and each platform's manifest.
#[derive(Debug)]
pub struct Built {
    pub index: Descriptor,
    pub manifests: Vec<Descriptor>,
    pub layout: PathBuf,
    /// Platform → the node that built it (none built here).
    pub built_by: std::collections::BTreeMap<String, String>,
}

/// An image's times: its files' (SOURCE_DATE_EPOCH, else 0) and its config's `created`
/// (SOURCE_DATE_EPOCH, else the git HEAD commit time, else 0).
#[derive(Debug, Clone, Copy, Default)]
pub struct Times {
    pub files: i64,
    pub created: i64,
}

/// Builds `target` into the OCI layout at `dest`; sources are read relative to `cwd` joined
/// with the target's context; files and history carry `times.files`, the config
/// `times.created`; base images come from `registry` (their layers are copied into the layout,
/// never unpacked).
pub fn build_inline(
    target: &Target,
    cwd: &Path,
    dest: &Path,
    times: Times,
    bases: Option<&Bases<'_>>,
    annotations: &Annotations,
    compression: layer::Compression,
) -> Result<Built, BuildError> {
    let image = target.image.as_ref().ok_or_else(|| BuildError::Tool(format!("target `{}` has no inline image (from)", target.name)))?;
    let platforms = target.platforms_or(&Platform::host());
    let context = cwd.join(target.context.as_deref().unwrap_or("."));
    let layout = Layout::create(dest).map_err(io("creating the OCI layout"))?;
    // every platform's base and sources read, and its layer compressed, in parallel
    let prepared: Vec<Prepared> = std::thread::scope(|scope| {
        let workers: Vec<_> = platforms.iter().map(|p| (p, scope.spawn(|| prepare(image, p, &context, &layout, bases)))).collect();
        workers
            .into_iter()
            .map(|(p, w)| w.join().unwrap_or_else(|_| Err(BuildError::Tool(format!("preparing {p} panicked")))))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let mtime = times.files.max(0) as u64;
    let written: Vec<Option<std::io::Result<layer::Layer>>> = std::thread::scope(|scope| {
        let workers: Vec<_> = prepared
            .iter()
            .map(|p| scope.spawn(move || (!p.files.is_empty()).then(|| layer::write(&p.files, mtime, compression))))
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_else(|_| Some(Err(std::io::Error::other("the layer writer panicked"))))).collect()
    });
    let mut finished = Vec::new();
    for (p, written) in prepared.iter().zip(written) {
        let mut layers = p.base.as_ref().map(|b| b.layers.clone()).unwrap_or_default();
        let mut diff_ids = Vec::new();
        let mut history = Vec::new();
        if let Some(written) = written {
            let written = written.map_err(io("writing a layer"))?;
            let descriptor = Descriptor::new(compression.media_type(), written.digest.clone(), written.blob.len() as u64);
            layout.blob(&descriptor, &written.blob).map_err(io("storing a layer"))?;
            layers.push(descriptor);
            diff_ids.push(written.diff_id);
            history.push(format!("mpbake: per-arch files {}", p.files.iter().map(|f| f.path.as_str()).collect::<Vec<_>>().join(" ")));
        }
        let mut labels = target.labels.clone();
        labels.extend(p.labels.clone());
        let config = Config {
            env: image.env.clone(),
            entrypoint: image.entrypoint.clone(),
            cmd: image.cmd.clone(),
            workdir: image.workdir.clone(),
            user: image.user.clone(),
            labels,
            exposed_ports: image.expose.clone(),
        };
        let config_bytes = match &p.base {
            Some(b) => image::config_on(&b.config, &config, &diff_ids, &history, times.created),
            None => image::config(&p.platform, &config, &diff_ids, &history, times.created),
        };
        finished.push((p.platform.clone(), config_bytes, layers));
    }
    super::output::finish(&layout, dest, finished, &target.tags, annotations)
}

/// One platform's inputs: its base (pulled, layers copied into the layout), its files, labels.
struct Prepared {
    platform: Platform,
    base: Option<pull::Pulled>,
    files: Vec<LayerFile>,
    labels: BTreeMap<String, String>,
}

fn prepare(
    image: &InlineImage,
    platform: &Platform,
    context: &Path,
    layout: &Layout,
    bases: Option<&Bases<'_>>,
) -> Result<Prepared, BuildError> {
    let overrides = image.platform.get(&platform.to_string());
    let from = overrides.and_then(|o| o.from.clone()).or_else(|| image.from.clone());
    let base = match from {
        Some(BaseImage::Image(reference)) => {
            let bases = bases.ok_or_else(|| BuildError::Tool("no registry client for base images".into()))?;
            let pulled = pull::pull(bases.registry, &reference, platform).map_err(|e| BuildError::Tool(e.to_string()))?;
            for layer in &pulled.layers {
                if !layout.has(&layer.digest) {
                    let bytes = bases.layer(&reference, &layer.digest)?;
                    layout.blob(layer, &bytes).map_err(io("storing a base layer"))?;
                }
            }
            Some(pulled)
        }
        _ => None,
    };
    let mut selected: BTreeMap<&str, &FileSelection> = image.files.iter().map(|f| (f.dest.as_str(), f)).collect();
    if let Some(o) = overrides {
        selected.extend(o.files.iter().map(|f| (f.dest.as_str(), f)));
    }
    let files = selected.values().map(|f| layer_file(f, platform, context)).collect::<Result<Vec<_>, _>>()?;
    let labels = overrides.map(|o| o.labels.clone()).unwrap_or_default();
    Ok(Prepared { platform: platform.clone(), base, files, labels })
}

/// One selected file: its bytes, its mode (the selection's, else the source's permission bits),
/// its owner (numeric `uid[:gid]`, default root).
fn layer_file(file: &FileSelection, platform: &Platform, context: &Path) -> Result<LayerFile, BuildError> {
    let source = file.sources.get(&platform.to_string()).cloned().unwrap_or_default();
    let path = context.join(&source);
    let contents = std::fs::read(&path).map_err(|e| {
        BuildError::Input(
            Diagnostic::error("build::missing-source", format!("{platform}: cannot read `{source}` for `{}`: {e}", file.dest))
                .with_label(file.span, format!("selected for {platform}"))
                .with_help("the source is relative to the target's context (relative to the working directory, as in bake)"),
        )
    })?;
    let mode = match file.mode {
        Some(m) => m.0,
        None => std::fs::metadata(&path).map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o7777).unwrap_or(0o644),
    };
    let (uid, gid) = match &file.owner {
        None => (0, 0),
        Some(owner) => {
            let (u, g) = owner.split_once(':').unwrap_or((owner, owner));
            match (u.parse::<u64>(), g.parse::<u64>()) {
                (Ok(u), Ok(g)) => (u, g),
                _ => {
                    return Err(BuildError::Input(
                        Diagnostic::error("build::owner", format!("owner `{owner}` is not numeric"))
                            .with_label(file.span, "here")
                            .with_help("a scratch image has no /etc/passwd: write owner = \"1000:1000\""),
                    ));
                }
            }
        }
    };
    Ok(LayerFile { path: file.dest.clone(), contents, mode, uid, gid })
}
