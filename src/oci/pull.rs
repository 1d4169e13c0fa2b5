//! Pulls what building on a base image needs for one platform: the platform's manifest (chosen
//! from an index by os, architecture and variant), its config, and its layer descriptors.

use serde_json::Value as Json;

use super::image::Descriptor;
use super::registry::{Registry, RegistryError};
use crate::ir::{Digest, ImageRef, Platform};

/// One platform of a base image.
#[derive(Debug, Clone)]
pub struct Pulled {
    /// The digest of the platform's manifest.
    pub manifest: Digest,
    pub config: Json,
    pub layers: Vec<Descriptor>,
}

/// The layer media types mpbake passes through unchanged.
pub fn layer_media(media: &str) -> Option<&'static str> {
    [
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
    ]
    .into_iter()
    .find(|m| *m == media)
}

/// The platform an index entry or config names (`os`, `architecture`, `variant`), normalized.
pub fn platform_of(value: &Json) -> Option<Platform> {
    let os = value["os"].as_str()?;
    let arch = value["architecture"].as_str()?;
    let text = match value["variant"].as_str() {
        Some(v) => format!("{os}/{arch}/{v}"),
        None => format!("{os}/{arch}"),
    };
    Platform::parse(&text).ok()
}

pub fn pull(registry: &Registry, image: &ImageRef, platform: &Platform) -> Result<Pulled, RegistryError> {
    let error = |message: String| RegistryError::Resolve { reference: image.to_string(), message };
    let (bytes, mut manifest_digest) = registry.manifest(image)?;
    let mut manifest: Json = serde_json::from_slice(&bytes).map_err(|e| error(format!("manifest is not JSON: {e}")))?;
    if let Some(entries) = manifest["manifests"].as_array() {
        let available: Vec<String> = entries.iter().filter_map(|m| platform_of(&m["platform"])).map(|p| p.to_string()).collect();
        // the image for this platform, else for the closest older variant (as containerd picks)
        let chosen = entries
            .iter()
            .filter_map(|m| Some((platform.runs(&platform_of(&m["platform"])?)?, m)))
            .min_by_key(|(distance, _)| *distance)
            .and_then(|(_, m)| m["digest"].as_str())
            .ok_or_else(|| RegistryError::NoPlatform {
                reference: image.to_string(),
                message: format!("no {platform} image in the index (it has {})", available.join(", ")),
            })?;
        let by_digest = ImageRef { tag: None, digest: Some(Digest::parse(chosen).map_err(error)?), ..image.clone() };
        let (bytes, digest) = registry.manifest(&by_digest)?;
        manifest_digest = digest;
        manifest = serde_json::from_slice(&bytes).map_err(|e| error(format!("manifest is not JSON: {e}")))?;
    }
    let config_digest = Digest::parse(manifest["config"]["digest"].as_str().unwrap_or("")).map_err(error)?;
    let config: Json =
        serde_json::from_slice(&registry.config(image, &config_digest)?).map_err(|e| error(format!("config is not JSON: {e}")))?;
    let actual = platform_of(&config);
    if actual.as_ref().is_some_and(|p| p.os != platform.os || p.arch != platform.arch) {
        let message = format!("is {} only, not {platform}", actual.map(|p| p.to_string()).unwrap_or_default());
        return Err(RegistryError::NoPlatform { reference: image.to_string(), message });
    }
    let layers = manifest["layers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|l| {
            let media = l["mediaType"].as_str().unwrap_or("");
            let media = layer_media(media).ok_or_else(|| error(format!("unsupported layer media type `{media}`")))?;
            let digest = Digest::parse(l["digest"].as_str().unwrap_or("")).map_err(error)?;
            Ok(Descriptor::new(media, digest, l["size"].as_u64().unwrap_or(0)))
        })
        .collect::<Result<Vec<_>, RegistryError>>()?;
    Ok(Pulled { manifest: manifest_digest, config, layers })
}
