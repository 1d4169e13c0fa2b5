//! Writes a build's step records to a shared cache, merged with what the cache holds (records
//! not rebuilt now are kept): blobs first, the manifest last — a layout's index.json renamed
//! into place, a registry's tag put in one request — so a cache is whole at every moment and
//! the last of two concurrent writers wins. Nothing is pruned (a concurrent writer's blobs may
//! not be listed yet).

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::json;

use super::entry::Place;
use super::format::{self, Held};
use super::import::read;
use crate::exec::Engine;
use crate::ir::Digest;
use crate::oci::Registry;
use crate::oci::image::{Descriptor, MEDIA_MANIFEST};
use crate::oci::layout::Layout;

/// What an export wrote.
pub struct Exported {
    pub records: usize,
    /// Bytes of blobs the cache did not have.
    pub bytes: u64,
}

/// What to export: step keys, and the ids of cache mounts whose content goes too.
pub struct Export<'a> {
    pub keys: &'a [String],
    pub mounts: &'a [String],
}

/// Exports `what` to `place`; `sessions` keeps resumable uploads.
pub fn export(engine: &Engine, what: &Export, place: &Place, registry: Option<&Registry>, sessions: &Path) -> Result<Exported, String> {
    let mut held = Held::default();
    let mut blobs: BTreeMap<Digest, Descriptor> = BTreeMap::new();
    for id in what.mounts {
        let layer = engine.mount_layer(id).map_err(|e| format!("cache mount {id}: {e}"))?;
        if let Some((descriptor, diff_id)) = layer {
            held.mounts.insert(id.clone(), json!({"mediaType": descriptor.media_type, "digest": descriptor.digest.to_string(), "size": descriptor.size, "diffId": diff_id.to_string()}));
            blobs.insert(descriptor.digest.clone(), descriptor);
        }
    }
    for key in what.keys {
        let exportable = engine.exportable(key).map_err(|e| match e {
            crate::exec::BuildError::Tool(m) => m,
            crate::exec::BuildError::Input(d) => d.message.clone(),
        })?;
        if let Some((record, own)) = exportable {
            held.records.insert(key.clone(), record);
            blobs.extend(own.into_iter().map(|d| (d.digest.clone(), d)));
        }
    }
    let exported = held.records.len();
    if let Ok((before, before_blobs)) = read(place, registry) {
        for (key, record) in before.records {
            held.records.entry(key).or_insert(record);
        }
        for (id, layer) in before.mounts {
            held.mounts.entry(id).or_insert(layer);
        }
        for d in before_blobs {
            blobs.entry(d.digest.clone()).or_insert(d);
        }
    }
    let blobs: Vec<Descriptor> = blobs.into_values().collect();
    let (config, manifest) = format::write(&held, &blobs);
    let config_descriptor = Descriptor::of(format::MEDIA_CONFIG, &config);
    let bytes_of = |d: &Descriptor| engine.stored_blob(&d.digest).ok_or_else(|| format!("blob {} is not in the store", d.digest));
    let mut bytes = 0;
    match place {
        Place::Local(dir) => {
            let layout = Layout::create(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            for d in &blobs {
                if !layout.has(&d.digest) {
                    layout.blob(d, &bytes_of(d)?).map_err(|e| e.to_string())?;
                    bytes += d.size;
                }
            }
            layout.blob(&config_descriptor, &config).map_err(|e| e.to_string())?;
            let manifest_descriptor = Descriptor::of(MEDIA_MANIFEST, &manifest);
            layout.blob(&manifest_descriptor, &manifest).map_err(|e| e.to_string())?;
            let index = json!({"schemaVersion": 2, "mediaType": crate::oci::image::MEDIA_INDEX, "manifests": [{
                "mediaType": MEDIA_MANIFEST, "artifactType": format::ARTIFACT_TYPE,
                "digest": manifest_descriptor.digest.to_string(), "size": manifest_descriptor.size,
                "annotations": {"org.opencontainers.image.ref.name": "cache"}}]});
            crate::oci::write_atomic(&dir.join("index.json"), index.to_string().as_bytes()).map_err(|e| e.to_string())?;
        }
        Place::Registry(image) => {
            let registry = registry.ok_or("no registry client")?;
            std::fs::create_dir_all(sessions).map_err(|e| e.to_string())?;
            for d in blobs.iter().chain([&config_descriptor]) {
                if !registry.has_blob(image, &d.digest).map_err(|e| e.to_string())? {
                    let blob = if d.digest == config_descriptor.digest { config.clone() } else { bytes_of(d)? };
                    bytes += registry.push_blob(image, &blob, &d.digest, &sessions.join(&d.digest.hex)).map_err(|e| e.to_string())?;
                }
            }
            registry.push_manifest(image, &manifest, MEDIA_MANIFEST).map_err(|e| e.to_string())?;
        }
    }
    Ok(Exported { records: exported, bytes })
}
