//! mpbake's cache format (docs/cache.md): an OCI image manifest whose config (its own media
//! type) maps step keys to records — a step's image config and layers — and whose layers are the
//! blobs those records name. A BuildKit cache is recognized by its media types and never read.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::ir::Digest;
use crate::oci::image::{Descriptor, MEDIA_MANIFEST};

pub const ARTIFACT_TYPE: &str = "application/vnd.mpbake.cache.v1";
pub const MEDIA_CONFIG: &str = "application/vnd.mpbake.cache.config.v1+json";
/// The largest records config read.
pub const CONFIG_CAP: usize = 64 << 20;

/// Step key → record (as the store keeps it, every exported layer with its blob descriptor).
pub type Records = BTreeMap<String, Json>;

/// Cache mount id → its content as a layer: `{mediaType, digest, size, diffId}`.
pub type Mounts = BTreeMap<String, Json>;

/// What a cache holds: step records and cache mounts.
#[derive(Default)]
pub struct Held {
    pub records: Records,
    pub mounts: Mounts,
}

/// The config's bytes and the manifest's bytes for `held`, whose blobs are `blobs`.
pub fn write(held: &Held, blobs: &[Descriptor]) -> (Vec<u8>, Vec<u8>) {
    let config = json!({"version": 1, "records": held.records, "mounts": held.mounts}).to_string().into_bytes();
    let config_descriptor = Descriptor::of(MEDIA_CONFIG, &config);
    let layers: Vec<Json> =
        blobs.iter().map(|d| json!({"mediaType": d.media_type, "digest": d.digest.to_string(), "size": d.size})).collect();
    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "artifactType": ARTIFACT_TYPE,
        "config": {"mediaType": MEDIA_CONFIG, "digest": config_descriptor.digest.to_string(), "size": config_descriptor.size},
        "layers": layers,
    });
    (config, manifest.to_string().into_bytes())
}

/// What a manifest is: mpbake's cache (its config's digest and size, and its blobs), or why
/// it is not (a BuildKit cache is said so).
pub fn read_manifest(bytes: &[u8]) -> Result<(Digest, u64, Vec<Descriptor>), String> {
    let manifest: Json = serde_json::from_slice(bytes).map_err(|e| format!("not a manifest: {e}"))?;
    let config_type = manifest["config"]["mediaType"].as_str().unwrap_or_default();
    let buildkit = config_type.starts_with("application/vnd.buildkit.cacheconfig")
        || manifest["manifests"].as_array().into_iter().flatten().any(|m| m["mediaType"].as_str().is_some_and(|t| t.contains("buildkit")));
    if buildkit {
        return Err("it is a BuildKit cache, which mpbake does not read (mpbake reads caches mpbake exported)".into());
    }
    if config_type != MEDIA_CONFIG {
        return Err(format!("it is not an mpbake cache (its config is {})", if config_type.is_empty() { "missing" } else { config_type }));
    }
    let descriptor = |v: &Json| -> Result<Descriptor, String> {
        let digest = Digest::parse(v["digest"].as_str().unwrap_or_default()).map_err(|e| e.to_string())?;
        let media = crate::oci::pull::layer_media(v["mediaType"].as_str().unwrap_or_default()).ok_or("a blob of an unknown media type")?;
        Ok(Descriptor::new(media, digest, v["size"].as_u64().ok_or("a blob without a size")?))
    };
    let config = Digest::parse(manifest["config"]["digest"].as_str().unwrap_or_default()).map_err(|e| e.to_string())?;
    let size = manifest["config"]["size"].as_u64().ok_or("a config without a size")?;
    let blobs = manifest["layers"].as_array().into_iter().flatten().map(descriptor).collect::<Result<_, _>>()?;
    Ok((config, size, blobs))
}

/// The records and mounts of a config, each checked: a key of 64 hex digits, a record with a
/// config object and layers; records that fail are dropped.
pub fn read_config(bytes: &[u8]) -> Result<Held, String> {
    let config: Json = serde_json::from_slice(bytes).map_err(|e| format!("the records: {e}"))?;
    if config["version"] != json!(1) {
        return Err(format!("records of version {}, not 1", config["version"]));
    }
    let records = config["records"].as_object().ok_or("no records")?;
    let mounts = config["mounts"].as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default();
    let records = records
        .iter()
        .filter(|(key, record)| {
            key.len() == 64
                && key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
                && record["config"].is_object()
                && record["layers"].is_array()
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Ok(Held { records, mounts })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back_and_a_buildkit_cache_is_named() {
        let key = "a".repeat(64);
        let records = Records::from([(key.clone(), json!({"config": {}, "layers": [], "cmdSet": false})), ("../x".into(), json!({}))]);
        let blob = Descriptor::of("application/vnd.oci.image.layer.v1.tar+gzip", b"x");
        let held = Held { records, mounts: Mounts::new() };
        let (config, manifest) = write(&held, std::slice::from_ref(&blob));
        let (digest, size, blobs) = read_manifest(&manifest).unwrap();
        assert_eq!((digest, size, blobs), (Digest::sha256(&config), config.len() as u64, vec![blob]));
        assert_eq!(read_config(&config).unwrap().records.keys().collect::<Vec<_>>(), [&key], "a key that is not a digest is dropped");
        let buildkit = json!({"schemaVersion": 2, "config": {"mediaType": "application/vnd.buildkit.cacheconfig.v0"}, "layers": []});
        assert!(read_manifest(buildkit.to_string().as_bytes()).unwrap_err().contains("BuildKit cache"));
    }
}
