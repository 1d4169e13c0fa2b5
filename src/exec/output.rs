//! Writes a Dockerfile target's images — one final state per platform — as an OCI layout: layer
//! blobs from the store (or a base's registry), canonical config and manifest per platform, and
//! an index over them.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use super::engine::Engine;
use super::inline::Built;
use super::state::State;
use super::{BuildError, io};
use crate::ir::Platform;
use crate::oci::image::{self, Descriptor, MEDIA_CONFIG, MEDIA_INDEX, MEDIA_MANIFEST, rfc3339};
use crate::oci::layout::Layout;

impl Engine<'_> {
    /// Writes `images` into the layout at `dest`; the index is named after the first tag.
    pub fn write_layout(&self, dest: &Path, images: &[(Platform, State)], tags: &[String]) -> Result<Built, BuildError> {
        let layout = Layout::create(dest).map_err(io("creating the OCI layout"))?;
        let mut manifests = Vec::new();
        for (platform, state) in images {
            for layer in &state.layers {
                if !layout.has(&layer.descriptor.digest) {
                    let bytes = self.blob(layer)?;
                    layout.blob(&layer.descriptor, &bytes).map_err(io("storing a layer"))?;
                }
            }
            let mut config = state.config.clone();
            config["created"] = json!(rfc3339(self.epoch));
            let config_bytes = serde_json::to_vec(&config).map_err(|e| BuildError::Tool(e.to_string()))?;
            let config_descriptor = Descriptor::of(MEDIA_CONFIG, &config_bytes);
            layout.blob(&config_descriptor, &config_bytes).map_err(io("storing the config"))?;
            let layers: Vec<Descriptor> = state.layers.iter().map(|l| l.descriptor.clone()).collect();
            let manifest_bytes = image::manifest(&config_descriptor, &layers, &BTreeMap::new());
            let mut manifest = Descriptor::of(MEDIA_MANIFEST, &manifest_bytes);
            layout.blob(&manifest, &manifest_bytes).map_err(io("storing a manifest"))?;
            manifest.platform = Some(platform.clone());
            manifests.push(manifest);
        }
        let index_bytes = image::index(&manifests, &BTreeMap::new());
        let mut index = Descriptor::of(MEDIA_INDEX, &index_bytes);
        layout.blob(&index, &index_bytes).map_err(io("storing the index"))?;
        if let Some(tag) = tags.first() {
            index
                .annotations
                .insert("org.opencontainers.image.ref.name".into(), tag.rsplit_once(':').map_or(tag.as_str(), |(_, t)| t).to_string());
        }
        layout.finish(std::slice::from_ref(&index)).map_err(io("writing index.json"))?;
        Ok(Built { index, manifests, layout: dest.to_path_buf() })
    }
}
