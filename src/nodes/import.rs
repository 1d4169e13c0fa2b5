//! A node's image, as `docker save` sent it, taken into the content store: the archive is read
//! in place (no entry name becomes a host path), every entry is checked against its digest,
//! layers are compressed as this build compresses, and the config's diff_ids must match them.

use std::path::Path;

use serde_json::Value as Json;

use crate::exec::{Fetched, LayerRef};
use crate::ir::Digest;
use crate::oci::image::Descriptor;
use crate::oci::layer::Compression;
use crate::oci::store::Store;
use crate::publish::archive::Archive;

/// Reads the `docker save` archive at `file` into `store`; `image` is the ID the node built.
pub fn import(file: &Path, image: &str, store: &Store, compression: Compression) -> Result<Fetched, String> {
    let archive = Archive::docker(file)?;
    let manifest: Json = serde_json::from_slice(&archive.top).map_err(|e| e.to_string())?;
    let digest_of = |v: &Json| Digest::parse(v["digest"].as_str().unwrap_or_default()).map_err(|e| e.to_string());
    let config_digest = digest_of(&manifest["config"])?;
    if config_digest.to_string() != image {
        return Err(format!("the archive holds image {config_digest}, not the {image} that was built"));
    }
    let config = archive.blob(&config_digest)?;
    let parsed: Json = serde_json::from_slice(&config).map_err(|e| format!("the image's config: {e}"))?;
    let diff_ids: Vec<&str> = parsed["rootfs"]["diff_ids"].as_array().into_iter().flatten().filter_map(Json::as_str).collect();
    let listed = manifest["layers"].as_array().cloned().unwrap_or_default();
    if listed.len() != diff_ids.len() {
        return Err(format!("the config lists {} layers, the archive {}", diff_ids.len(), listed.len()));
    }
    let mut layers = Vec::new();
    for (entry, diff_id) in listed.iter().zip(diff_ids) {
        let blob = archive.blob(&digest_of(entry)?)?;
        let mut tar = Vec::new();
        std::io::copy(&mut crate::oci::layer::decompress(blob.as_slice()), &mut tar).map_err(|e| format!("a layer: {e}"))?;
        let layer = crate::oci::layer::compress_as(tar, None, compression).map_err(|e| format!("compressing a layer: {e}"))?;
        if layer.diff_id.to_string() != diff_id {
            return Err(format!("a layer hashes to {}, but the config says {diff_id}", layer.diff_id));
        }
        store.put_verified(&layer.digest, &layer.blob).map_err(|e| format!("storing a layer: {e}"))?;
        let descriptor = Descriptor::new(compression.media_type(), layer.digest, layer.blob.len() as u64);
        layers.push(LayerRef { diff_id: layer.diff_id, descriptor: Some(descriptor), origin: None });
    }
    Ok(Fetched { config, layers })
}
