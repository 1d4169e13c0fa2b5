//! Writes a Dockerfile target's images — one final state per platform — as an OCI layout: layer
//! blobs from the store (or a base's registry), canonical config and manifest per platform, and
//! an index over them.

use std::path::Path;

use serde_json::json;

use super::annotations::Annotations;
use super::engine::Engine;
use super::inline::Built;
use super::state::{LayerRef, State};
use super::{BuildError, io};
use crate::ir::{Digest, Platform};
use crate::oci::image::{self, Descriptor, MEDIA_CONFIG, MEDIA_INDEX, MEDIA_MANIFEST, rfc3339};
use crate::oci::layout::Layout;

/// A platform's image for a layout: built here, or built by a node and fetched.
pub enum Made {
    Here(State),
    Fetched(Fetched),
}

/// An image a node built: its config's exact bytes (kept, so its digest is the node's image
/// ID) and its layers, already in the store in this build's compression.
pub struct Fetched {
    pub config: Vec<u8>,
    pub layers: Vec<LayerRef>,
}

impl Made {
    fn layers(&self) -> &[LayerRef] {
        match self {
            Made::Here(state) => &state.layers,
            Made::Fetched(fetched) => &fetched.layers,
        }
    }
}

impl Engine<'_> {
    /// Writes `images` into the layout at `dest`; the index is named after the first tag.
    /// `requested`: the platforms were asked for (not this machine's by default), so each config
    /// says its platform even when the stage's base was another's, as BuildKit writes it.
    pub fn write_layout(
        &self,
        dest: &Path,
        images: &[(Platform, Made)],
        tags: &[String],
        annotations: &Annotations,
        requested: bool,
    ) -> Result<Built, BuildError> {
        let layout = Layout::create(dest).map_err(io("creating the OCI layout"))?;
        let descriptors = self.materialize_all(images)?;
        let mut platforms = Vec::new();
        for ((platform, made), layers) in images.iter().zip(descriptors) {
            for (layer, descriptor) in made.layers().iter().zip(&layers) {
                if !layout.has(&descriptor.digest) {
                    let (_, bytes) = self.blob(layer)?;
                    layout.blob(descriptor, &bytes).map_err(io("storing a layer"))?;
                }
            }
            let state = match made {
                Made::Here(state) => state,
                Made::Fetched(fetched) => {
                    platforms.push((platform.clone(), fetched.config.clone(), layers));
                    continue;
                }
            };
            let mut config = state.config.clone();
            if requested {
                with_platform(&mut config, platform);
            }
            config["created"] = json!(rfc3339(self.created));
            let config_bytes = serde_json::to_vec(&config).map_err(|e| BuildError::Tool(e.to_string()))?;
            platforms.push((platform.clone(), config_bytes, layers));
        }
        finish(&layout, dest, platforms, tags, annotations)
    }

    /// Every image's layer descriptors; layers not yet compressed are compressed in parallel.
    fn materialize_all(&self, images: &[(Platform, Made)]) -> Result<Vec<Vec<Descriptor>>, BuildError> {
        let mut pending: Vec<&LayerRef> = images.iter().flat_map(|(_, m)| m.layers()).filter(|l| self.needs_blob(l)).collect();
        pending.sort_by(|a, b| a.diff_id.hex.cmp(&b.diff_id.hex));
        pending.dedup_by(|a, b| a.diff_id == b.diff_id);
        let done: Vec<(Digest, Descriptor)> = std::thread::scope(|scope| {
            let workers: Vec<_> =
                pending.iter().map(|l| scope.spawn(move || self.materialize(l).map(|d| (l.diff_id.clone(), d)))).collect();
            workers
                .into_iter()
                .map(|w| w.join().unwrap_or_else(|_| Err(BuildError::Tool("a layer compressor panicked".into()))))
                .collect::<Result<Vec<_>, _>>()
        })?;
        let lookup = |l: &LayerRef| match self.needs_blob(l) {
            true => done.iter().find(|(id, _)| *id == l.diff_id).map(|(_, d)| d.clone()),
            false => l.descriptor.clone(),
        };
        images
            .iter()
            .map(|(_, m)| {
                m.layers().iter().map(|l| lookup(l).ok_or_else(|| BuildError::Tool(format!("layer {} has no blob", l.diff_id)))).collect()
            })
            .collect()
    }
}

/// Sets the config's os and architecture to `platform`'s; its variant too when it has one or the
/// architecture changed (BuildKit's dockerfile2llb, for an explicit target platform).
fn with_platform(config: &mut serde_json::Value, platform: &Platform) {
    let same = config["os"] == json!(platform.os) && config["architecture"] == json!(platform.arch);
    config["os"] = json!(platform.os);
    config["architecture"] = json!(platform.arch);
    match (&platform.variant, same) {
        (Some(variant), _) => config["variant"] = json!(variant),
        (None, false) => drop(config.as_object_mut().and_then(|c| c.remove("variant"))),
        (None, true) => {}
    }
}

/// Writes each platform's config and manifest, the index over them and index.json: the part
/// of a layout every builder shares. `platforms` holds (platform, config bytes, layers), the
/// layers already in the layout.
pub(super) fn finish(
    layout: &Layout,
    dest: &Path,
    platforms: Vec<(Platform, Vec<u8>, Vec<Descriptor>)>,
    tags: &[String],
    annotations: &Annotations,
) -> Result<Built, BuildError> {
    let mut manifests = Vec::new();
    for (platform, config_bytes, layers) in platforms {
        let config_descriptor = Descriptor::of(MEDIA_CONFIG, &config_bytes);
        layout.blob(&config_descriptor, &config_bytes).map_err(io("storing the config"))?;
        let manifest_bytes = image::manifest(&config_descriptor, &layers, &annotations.manifest(&platform));
        let mut manifest = Descriptor::of(MEDIA_MANIFEST, &manifest_bytes);
        layout.blob(&manifest, &manifest_bytes).map_err(io("storing a manifest"))?;
        manifest.annotations = annotations.manifest_descriptor(&platform);
        manifest.platform = Some(platform);
        manifests.push(manifest);
    }
    let index_bytes = image::index(&manifests, &annotations.index);
    let mut index = Descriptor::of(MEDIA_INDEX, &index_bytes);
    layout.blob(&index, &index_bytes).map_err(io("storing the index"))?;
    index.annotations = annotations.index_descriptor.clone();
    // one entry per tag, so `oci:DIR:TAG` finds each, named as containerd's exporter names them
    let named: Vec<Descriptor> = tags
        .iter()
        .map(|tag| {
            let mut entry = index.clone();
            let reference = crate::ir::ImageRef::parse(tag).ok();
            let short = reference.as_ref().and_then(|r| r.tag.clone()).unwrap_or_else(|| "latest".into());
            entry.annotations.insert("org.opencontainers.image.ref.name".into(), short);
            entry.annotations.insert("io.containerd.image.name".into(), reference.map_or_else(|| tag.clone(), |r| r.to_string()));
            entry
        })
        .collect();
    let entries = if named.is_empty() { std::slice::from_ref(&index) } else { named.as_slice() };
    layout.finish(entries).map_err(io("writing index.json"))?;
    Ok(Built { index, manifests, layout: dest.to_path_buf(), built_by: Default::default() })
}
