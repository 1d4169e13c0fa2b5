//! Reads a published or built image whole — an OCI layout on disk or a registry reference —
//! down to each platform's manifest, config and layer descriptors, keeping the exact bytes.

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

use super::archive::Archive;
use crate::ir::{Digest, ImageRef, Platform};
use crate::oci::Registry;

/// Where an image's bytes come from.
pub enum Source {
    /// An OCI layout directory, and the tag naming one of its images (`oci:DIR:TAG`).
    Layout {
        dir: PathBuf,
        tag: Option<String>,
    },
    /// `oci-archive:FILE`, `docker-archive:FILE`.
    Archive(Box<Archive>),
    Registry {
        registry: Box<Registry>,
        image: ImageRef,
    },
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
    /// `oci:DIR[:TAG]`, `oci-archive:FILE`, `docker-archive:FILE`, `docker://REF`, a directory
    /// holding an OCI layout, a tar file of either kind, else a registry reference (plain HTTP
    /// for loopback hosts and `insecure` ones). A name that looks like a path and is not there
    /// is said to be missing, not looked up on Docker Hub.
    pub fn open(text: &str, insecure: &[String]) -> Result<Source, String> {
        if let Some(rest) = text.strip_prefix("oci:") {
            let (dir, tag) = match rest.rsplit_once(':') {
                Some((dir, tag)) if !tag.contains('/') => (dir, Some(tag.to_string())),
                _ => (rest, None),
            };
            return match Path::new(dir).join("oci-layout").is_file() {
                true => Ok(Source::Layout { dir: PathBuf::from(dir), tag }),
                false => Err(format!("oci:{dir}: {}", missing(Path::new(dir)))),
            };
        }
        if let Some(file) = text.strip_prefix("oci-archive:") {
            return Archive::oci(Path::new(file)).map(|a| Source::Archive(Box::new(a)));
        }
        if let Some(file) = text.strip_prefix("docker-archive:") {
            return Archive::docker(Path::new(file)).map(|a| Source::Archive(Box::new(a)));
        }
        let path = Path::new(text);
        match text.strip_prefix("docker://") {
            Some(_) => {}
            None if path.join("oci-layout").is_file() => return Ok(Source::Layout { dir: path.to_path_buf(), tag: None }),
            None if path.is_dir() => return Err(format!("{text} is a directory without an oci-layout file")),
            None if path.is_file() => {
                return Archive::oci(path)
                    .or_else(|_| Archive::docker(path))
                    .map(|a| Source::Archive(Box::new(a)))
                    .map_err(|_| format!("{text} is a file but neither an OCI archive (index.json) nor a docker archive (manifest.json)"));
            }
            None if looks_like_path(text) => return Err(missing(path)),
            None => {}
        }
        let image = ImageRef::parse(text.trim_start_matches("docker://"))?;
        let registry = Registry::new(std::slice::from_ref(&image.registry), insecure).map_err(|e| e.to_string())?;
        Ok(Source::Registry { registry: Box::new(registry), image })
    }

    /// A manifest or index by digest.
    pub fn manifest(&self, digest: &Digest) -> Result<Vec<u8>, String> {
        match self {
            Source::Layout { dir, .. } => layout_blob(dir, digest),
            Source::Archive(archive) => archive.blob(digest),
            Source::Registry { registry, image } => {
                let by_digest = ImageRef { tag: None, digest: Some(digest.clone()), ..image.clone() };
                registry.manifest(&by_digest).map(|(bytes, _)| bytes).map_err(|e| e.to_string())
            }
        }
    }

    /// A config or layer blob, checked against its digest.
    pub fn blob(&self, digest: &Digest) -> Result<Vec<u8>, String> {
        match self {
            Source::Layout { dir, .. } => layout_blob(dir, digest),
            Source::Archive(archive) => archive.blob(digest),
            Source::Registry { registry, image } => registry.blob(image, digest).map_err(|e| e.to_string()),
        }
    }

    /// The image's top bytes: the layout's image (the one its tag names, else the first), or
    /// what the reference resolves to.
    fn top(&self) -> Result<(Vec<u8>, Digest), String> {
        let chosen = |index: &Json, tag: Option<&str>, within: &dyn Fn(&Digest) -> Result<Vec<u8>, String>| {
            let entries = index["manifests"].as_array().cloned().unwrap_or_default();
            let named = |e: &Json, tag: &str| {
                e["annotations"]["org.opencontainers.image.ref.name"] == tag
                    || e["annotations"]["io.containerd.image.name"].as_str().is_some_and(|n| n.ends_with(&format!(":{tag}")))
            };
            let entry = match tag {
                None => entries.first(),
                Some(tag) => entries.iter().find(|e| named(e, tag)),
            };
            let entry = entry.ok_or_else(|| {
                let tags: Vec<&str> =
                    entries.iter().filter_map(|e| e["annotations"]["org.opencontainers.image.ref.name"].as_str()).collect();
                format!(
                    "no image tagged `{}` here; its tags: {}",
                    tag.unwrap_or_default(),
                    if tags.is_empty() { "none".into() } else { tags.join(", ") }
                )
            })?;
            let digest = digest_at(&entry["digest"], "index.json's image")?;
            Ok((within(&digest)?, digest))
        };
        match self {
            Source::Layout { dir, tag } => {
                let index = parse_json(&std::fs::read(dir.join("index.json")).map_err(|e| format!("index.json: {e}"))?, "index.json")?;
                chosen(&index, tag.as_deref(), &|d| layout_blob(dir, d))
            }
            Source::Archive(archive) => {
                let top = parse_json(&archive.top, "the archive's index")?;
                match top["manifests"].is_array() {
                    true => chosen(&top, None, &|d| archive.blob(d)),
                    false => Ok((archive.top.clone(), Digest::sha256(&archive.top))),
                }
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

/// Whether `text` reads as a path rather than an image name: `./x`, `/x`, `../x`, or a name
/// whose first part is a directory here (`mpbake-out/app`).
fn looks_like_path(text: &str) -> bool {
    let first = text.split('/').next().unwrap_or_default();
    text.starts_with(['.', '/']) || (text.contains('/') && Path::new(first).is_dir())
}

/// What is there instead of an OCI layout at `path`: the closest directory that exists and
/// the layouts in it.
fn missing(path: &Path) -> String {
    let mut existing = path.parent();
    while let Some(dir) = existing.filter(|d| !d.as_os_str().is_empty() && !d.is_dir()) {
        existing = dir.parent();
    }
    let dir = existing.filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut layouts: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.path().join("oci-layout").is_file())
        .map(|e| e.path().display().to_string())
        .collect();
    layouts.sort();
    match layouts.is_empty() {
        true => format!("no OCI layout at {} (a path, so not looked up in a registry)", path.display()),
        false => format!("no OCI layout at {}; layouts in {}: {}", path.display(), dir.display(), layouts.join(", ")),
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
