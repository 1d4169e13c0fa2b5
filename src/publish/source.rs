//! Reads a published or built image whole — an OCI layout on disk or a registry reference —
//! down to each platform's manifest, config and layer descriptors, keeping the exact bytes.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use crate::ir::{Digest, ImageRef, Platform};
use crate::oci::Registry;

/// Where an image's bytes come from.
pub enum Source {
    Layout(PathBuf),
    Registry { registry: Box<Registry>, image: ImageRef },
}

/// A layer as a manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    pub digest: Digest,
    pub size: u64,
    pub media_type: String,
}

/// One platform's image.
#[derive(Debug, Clone)]
pub struct PlatformImage {
    /// The platform the index says (None for a single-manifest image).
    pub declared: Option<Platform>,
    pub manifest_digest: Digest,
    pub manifest_bytes: Vec<u8>,
    pub manifest: Json,
    pub config_digest: Digest,
    pub config: Json,
    pub layers: Vec<LayerInfo>,
}

/// An image: its top digest and media type (an index, or a single manifest) and its platforms.
#[derive(Debug, Clone)]
pub struct Image {
    pub digest: Digest,
    pub media_type: String,
    pub bytes: Vec<u8>,
    pub platforms: Vec<PlatformImage>,
}

fn parse_json(bytes: &[u8], what: &str) -> Result<Json, String> {
    serde_json::from_slice(bytes).map_err(|e| format!("{what} is not JSON: {e}"))
}

fn digest_at(value: &Json, what: &str) -> Result<Digest, String> {
    Digest::parse(value.as_str().unwrap_or_default()).map_err(|e| format!("{what}: {e}"))
}

impl Source {
    /// A directory holding an OCI layout, else a registry reference (plain HTTP for loopback
    /// hosts and `insecure` ones).
    pub fn open(text: &str, insecure: &[String]) -> Result<Source, String> {
        let path = Path::new(text);
        if path.join("oci-layout").is_file() {
            return Ok(Source::Layout(path.to_path_buf()));
        }
        if path.is_dir() {
            return Err(format!("{text} is a directory without an oci-layout file"));
        }
        let image = ImageRef::parse(text)?;
        let registry = Registry::new(std::slice::from_ref(&image.registry), insecure).map_err(|e| e.to_string())?;
        Ok(Source::Registry { registry: Box::new(registry), image })
    }

    /// A manifest or index by digest.
    pub fn manifest(&self, digest: &Digest) -> Result<Vec<u8>, String> {
        match self {
            Source::Layout(dir) => layout_blob(dir, digest),
            Source::Registry { registry, image } => {
                let by_digest = ImageRef { tag: None, digest: Some(digest.clone()), ..image.clone() };
                registry.manifest(&by_digest).map(|(bytes, _)| bytes).map_err(|e| e.to_string())
            }
        }
    }

    /// A config or layer blob, checked against its digest.
    pub fn blob(&self, digest: &Digest) -> Result<Vec<u8>, String> {
        match self {
            Source::Layout(dir) => layout_blob(dir, digest),
            Source::Registry { registry, image } => registry.blob(image, digest).map_err(|e| e.to_string()),
        }
    }

    /// The image's top bytes: the layout's first image, or what the reference resolves to.
    fn top(&self) -> Result<(Vec<u8>, Digest), String> {
        match self {
            Source::Layout(dir) => {
                let index = parse_json(&std::fs::read(dir.join("index.json")).map_err(|e| format!("index.json: {e}"))?, "index.json")?;
                let digest = digest_at(&index["manifests"][0]["digest"], "index.json's first image")?;
                Ok((layout_blob(dir, &digest)?, digest))
            }
            Source::Registry { registry, image } => registry.manifest(image).map_err(|e| e.to_string()),
        }
    }

    /// Reads the whole image: index, manifests, configs.
    pub fn read(&self) -> Result<Image, String> {
        let (bytes, digest) = self.top()?;
        let top = parse_json(&bytes, "the image")?;
        let media_type = top["mediaType"].as_str().unwrap_or(crate::oci::image::MEDIA_MANIFEST).to_string();
        let mut platforms = Vec::new();
        match top["manifests"].as_array() {
            Some(entries) => {
                for entry in entries {
                    let declared = crate::oci::pull::platform_of(&entry["platform"]);
                    let manifest_digest = digest_at(&entry["digest"], "an index entry")?;
                    let manifest_bytes = self.manifest(&manifest_digest)?;
                    platforms.push(self.platform(declared, manifest_digest, manifest_bytes)?);
                }
            }
            None => platforms.push(self.platform(None, digest.clone(), bytes.clone())?),
        }
        Ok(Image { digest, media_type, bytes, platforms })
    }

    fn platform(&self, declared: Option<Platform>, manifest_digest: Digest, manifest_bytes: Vec<u8>) -> Result<PlatformImage, String> {
        let manifest = parse_json(&manifest_bytes, "a manifest")?;
        let config_digest = digest_at(&manifest["config"]["digest"], "a manifest's config")?;
        let config = parse_json(&self.blob(&config_digest)?, "a config")?;
        let layers = manifest["layers"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|l| {
                Ok(LayerInfo {
                    digest: digest_at(&l["digest"], "a layer")?,
                    size: l["size"].as_u64().unwrap_or(0),
                    media_type: l["mediaType"].as_str().unwrap_or_default().to_string(),
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(PlatformImage { declared, manifest_digest, manifest_bytes, manifest, config_digest, config, layers })
    }
}

impl PlatformImage {
    /// The platform the config says it is.
    pub fn actual(&self) -> Option<Platform> {
        crate::oci::pull::platform_of(&self.config)
    }

    /// The platform to name this image by: the index's, else the config's.
    pub fn name(&self) -> String {
        self.declared.clone().or_else(|| self.actual()).map(|p| p.to_string()).unwrap_or_else(|| "unknown".into())
    }
}

fn layout_blob(dir: &Path, digest: &Digest) -> Result<Vec<u8>, String> {
    let path = dir.join("blobs").join(&digest.algorithm).join(&digest.hex);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if Digest::sha256(&bytes) != *digest {
        return Err(format!("{} does not match its digest", path.display()));
    }
    Ok(bytes)
}
