//! Pushes built images in an order that cannot leave a broken tag: every blob (skipped when the
//! registry has it, mounted from another repository of the same registry when it can), then
//! every platform manifest by digest, then every index by digest, and only then the tags.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use serde_json::{Value as Json, json};

use super::source::{Image, Source};
use crate::ir::{Digest, ImageRef};
use crate::oci::Registry;
use crate::oci::image::MEDIA_INDEX;

/// A target's built image, ready to publish.
pub struct Built {
    pub target: String,
    pub tags: Vec<String>,
    pub layout: PathBuf,
    /// The base images it was built on: their repositories hold its base layers, which a push
    /// to the same registry mounts instead of uploading.
    pub bases: Vec<ImageRef>,
}

/// What one tag will point at: the index (one target's, or several targets' merged).
#[derive(Debug, Clone)]
pub struct Item {
    pub tag: ImageRef,
    pub targets: Vec<String>,
    pub platforms: Vec<String>,
    pub index: Vec<u8>,
    pub index_digest: Digest,
    /// (layout, manifest digest, manifest bytes) of every platform.
    pub manifests: Vec<(PathBuf, Digest, Vec<u8>)>,
    /// (layout, digest, size) of every config and layer.
    pub blobs: Vec<(PathBuf, Digest, u64)>,
    /// Repositories of the tag's registry that may hold some of the blobs (the bases').
    pub mount_from: Vec<String>,
    /// The index's media type (an OCI index, or a Docker manifest list).
    pub index_media_type: String,
}

/// Groups built targets by tag; targets sharing a tag with different platforms get one merged
/// index (overlapping platforms are an error naming both targets).
pub fn items(built: &[Built]) -> Result<Vec<Item>, String> {
    let mut by_tag: BTreeMap<String, Vec<(&Built, Image)>> = BTreeMap::new();
    for b in built {
        let image = Source::Layout { dir: b.layout.clone(), tag: None }.read().map_err(|e| format!("{}: {e}", b.target))?;
        for tag in &b.tags {
            by_tag.entry(tag.clone()).or_default().push((b, image.clone()));
        }
    }
    let mut out = Vec::new();
    for (tag, members) in by_tag {
        let reference = ImageRef::parse(&tag).map_err(|e| format!("tag `{tag}`: {e}"))?;
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        let (mut entries, mut manifests, mut blobs, mut platforms) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (b, image) in &members {
            let top: Json = serde_json::from_slice(&image.bytes).unwrap_or_default();
            for (p, entry) in image.platforms.iter().zip(top["manifests"].as_array().cloned().unwrap_or_default()) {
                let name = p.name();
                if let Some(other) = seen.insert(name.clone(), &b.target) {
                    return Err(format!(
                        "targets `{other}` and `{}` both build {name} for `{tag}`; give one of them another tag",
                        b.target
                    ));
                }
                platforms.push(name);
                entries.push(entry);
                manifests.push((b.layout.clone(), p.manifest_digest.clone(), p.manifest_bytes.clone()));
                blobs.push((b.layout.clone(), p.config_digest.clone(), p.manifest["config"]["size"].as_u64().unwrap_or(0)));
                blobs.extend(p.layers.iter().map(|l| (b.layout.clone(), l.digest.clone(), l.size)));
            }
        }
        let index = match members.as_slice() {
            [(_, only)] => only.bytes.clone(),
            _ => serde_json::to_vec(&json!({"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": entries})).unwrap_or_default(),
        };
        let index_digest = Digest::sha256(&index);
        let targets = members.iter().map(|(b, _)| b.target.clone()).collect();
        let mut mount_from: Vec<String> = members
            .iter()
            .flat_map(|(b, _)| &b.bases)
            .filter(|base| base.registry == reference.registry && base.repository != reference.repository)
            .map(|base| base.repository.clone())
            .collect();
        mount_from.sort();
        mount_from.dedup();
        out.push(Item {
            tag: reference,
            targets,
            platforms,
            index,
            index_digest,
            manifests,
            blobs,
            mount_from,
            index_media_type: MEDIA_INDEX.into(),
        });
    }
    Ok(out)
}

const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
const DOCKER_LAYER: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";

/// The item with Docker's media types (`--media-types docker`, for registries that predate
/// OCI): manifests and the index rewritten — so their digests change — annotations dropped
/// (schema 2 has none); configs and layers are the same blobs.
pub fn docker_media_types(item: &Item) -> Result<Item, String> {
    let mut renamed: BTreeMap<Digest, (Digest, usize)> = BTreeMap::new();
    let mut manifests = Vec::new();
    for (layout, digest, bytes) in &item.manifests {
        let mut m: Json = serde_json::from_slice(bytes).map_err(|e| format!("manifest {digest}: {e}"))?;
        m["mediaType"] = json!(DOCKER_MANIFEST);
        m["config"]["mediaType"] = json!(DOCKER_CONFIG);
        for layer in m["layers"].as_array_mut().into_iter().flatten() {
            match layer["mediaType"].as_str() {
                Some(t) if t.ends_with("tar+gzip") || t == DOCKER_LAYER => layer["mediaType"] = json!(DOCKER_LAYER),
                other => return Err(format!("a {} layer has no Docker media type; publish with OCI media types", other.unwrap_or("?"))),
            }
            if let Some(o) = layer.as_object_mut() {
                o.remove("annotations");
            }
        }
        if let Some(o) = m.as_object_mut() {
            o.remove("annotations");
        }
        let converted = serde_json::to_vec(&m).map_err(|e| e.to_string())?;
        let new_digest = Digest::sha256(&converted);
        renamed.insert(digest.clone(), (new_digest.clone(), converted.len()));
        manifests.push((layout.clone(), new_digest, converted));
    }
    let mut index: Json = serde_json::from_slice(&item.index).map_err(|e| format!("index: {e}"))?;
    index["mediaType"] = json!(DOCKER_LIST);
    if let Some(o) = index.as_object_mut() {
        o.remove("annotations");
    }
    for entry in index["manifests"].as_array_mut().into_iter().flatten() {
        let old = Digest::parse(entry["digest"].as_str().unwrap_or_default())?;
        let (digest, size) = renamed.get(&old).ok_or_else(|| format!("the index names {old}, which is not among the manifests"))?;
        *entry = json!({"mediaType": DOCKER_MANIFEST, "digest": digest.to_string(), "size": size, "platform": entry["platform"]});
    }
    let index = serde_json::to_vec(&index).map_err(|e| e.to_string())?;
    Ok(Item { index_digest: Digest::sha256(&index), index, manifests, index_media_type: DOCKER_LIST.into(), ..item.clone() })
}

/// Bytes and counts of a push.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub uploaded_bytes: u64,
    pub uploaded: usize,
    pub mounted: usize,
    pub present_bytes: u64,
    pub present: usize,
    /// What was written, in order, for the report after a failure.
    pub pushed: Vec<String>,
}

/// Blobs pushed at once.
const UPLOADS: usize = 4;

/// What happened to one blob.
enum Blob {
    Present,
    Mounted(String),
    Uploaded(u64),
}

/// Pushes items, remembering per repository what is already there.
pub struct Pusher<'a> {
    registry: &'a Registry,
    done: BTreeSet<(String, Digest)>,
    /// Repositories of each registry that hold a blob, for cross-repository mounts.
    holders: BTreeMap<(String, Digest), String>,
    /// Where unfinished uploads are remembered, so a later run resumes them.
    sessions: PathBuf,
    pub tally: Tally,
}

fn repository_key(image: &ImageRef) -> String {
    format!("{}/{}", image.registry, image.repository)
}

impl<'a> Pusher<'a> {
    /// A pusher that remembers unfinished uploads in `sessions` (a directory).
    pub fn new(registry: &'a Registry, sessions: PathBuf) -> Pusher<'a> {
        Pusher { registry, done: BTreeSet::new(), holders: BTreeMap::new(), sessions, tally: Tally::default() }
    }

    /// Whether the item's repository has a blob (a HEAD request; nothing is written).
    pub fn present(&self, item: &Item, digest: &Digest) -> Result<bool, String> {
        self.registry.has_blob(&item.tag, digest).map_err(|e| e.to_string())
    }

    /// A repository of the item's registry that has the blob and that a push would mount it
    /// from (a base image's; HEAD requests only), for a dry run.
    pub fn mountable(&self, item: &Item, digest: &Digest) -> Result<Option<String>, String> {
        for from in &item.mount_from {
            let there = ImageRef { repository: from.clone(), tag: None, digest: None, ..item.tag.clone() };
            if self.registry.has_blob(&there, digest).map_err(|e| e.to_string())? {
                return Ok(Some(from.clone()));
            }
        }
        Ok(None)
    }

    /// Every config and layer of the item, into its repository: each checked, mounted or
    /// uploaded on its own, up to `UPLOADS` at once. After a failure the blobs that did go up
    /// are still counted (for the report) and the first error is returned.
    pub fn blobs(&mut self, item: &Item) -> Result<(), String> {
        let repo = repository_key(&item.tag);
        let todo: Vec<&(PathBuf, Digest, u64)> =
            item.blobs.iter().filter(|(_, d, _)| self.done.insert((repo.clone(), d.clone()))).collect();
        let workers = UPLOADS.min(todo.len()).max(1);
        let this = &*self;
        let results: Vec<(usize, Result<Blob, String>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..workers)
                .map(|w| {
                    let todo = &todo;
                    scope.spawn(move || (w..todo.len()).step_by(workers).map(|i| (i, this.blob(item, todo[i]))).collect::<Vec<_>>())
                })
                .collect();
            handles.into_iter().flat_map(|h| h.join().unwrap_or_default()).collect()
        });
        let mut results = results;
        results.sort_by_key(|(i, _)| *i);
        let mut first_error = None;
        for (i, result) in results {
            let (_, digest, size) = todo[i];
            match result {
                Ok(Blob::Present) => {
                    self.tally.present += 1;
                    self.tally.present_bytes += size;
                }
                Ok(Blob::Mounted(from)) => {
                    self.tally.mounted += 1;
                    self.tally.pushed.push(format!("blob {digest} (mounted from {from})"));
                }
                Ok(Blob::Uploaded(bytes)) => {
                    self.tally.uploaded += 1;
                    self.tally.uploaded_bytes += bytes;
                    self.tally.pushed.push(format!("blob {digest} ({bytes} bytes)"));
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                    continue;
                }
            }
            self.holders.entry((item.tag.registry.clone(), digest.clone())).or_insert_with(|| item.tag.repository.clone());
        }
        first_error.map_or(Ok(()), Err)
    }

    /// One blob into the item's repository.
    fn blob(&self, item: &Item, (layout, digest, _): &(PathBuf, Digest, u64)) -> Result<Blob, String> {
        if self.registry.has_blob(&item.tag, digest).map_err(|e| e.to_string())? {
            return Ok(Blob::Present);
        }
        if let Some(from) = self.mount(item, digest) {
            return Ok(Blob::Mounted(from));
        }
        let bytes = std::fs::read(layout.join("blobs").join(&digest.algorithm).join(&digest.hex))
            .map_err(|e| format!("reading blob {digest} from {}: {e}", layout.display()))?;
        std::fs::create_dir_all(&self.sessions).map_err(|e| format!("creating {}: {e}", self.sessions.display()))?;
        let session = self.sessions.join(Digest::sha256(format!("{}@{digest}", repository_key(&item.tag)).as_bytes()).hex);
        let sent = self.registry.push_blob(&item.tag, &bytes, digest, &session).map_err(|e| e.to_string())?;
        Ok(Blob::Uploaded(sent))
    }

    /// Mounts a blob from a repository that has it (pushed there earlier in this run) or may
    /// have it (a base image's); the repository it came from.
    fn mount(&self, item: &Item, digest: &Digest) -> Option<String> {
        let pushed = self.holders.get(&(item.tag.registry.clone(), digest.clone())).cloned();
        pushed.into_iter().chain(item.mount_from.iter().cloned()).find(|from| self.registry.mount_blob(&item.tag, from, digest))
    }

    /// Every platform manifest, by digest.
    pub fn manifests(&mut self, item: &Item) -> Result<(), String> {
        for (_, digest, bytes) in &item.manifests {
            let media = serde_json::from_slice::<Json>(bytes).ok().and_then(|m| m["mediaType"].as_str().map(String::from));
            self.manifest(item, digest, bytes, media.as_deref().unwrap_or(crate::oci::image::MEDIA_MANIFEST))?;
        }
        Ok(())
    }

    /// The item's index, by digest.
    pub fn index(&mut self, item: &Item) -> Result<(), String> {
        self.manifest(item, &item.index_digest.clone(), &item.index.clone(), &item.index_media_type.clone())
    }

    fn manifest(&mut self, item: &Item, digest: &Digest, bytes: &[u8], media_type: &str) -> Result<(), String> {
        if !self.done.insert((repository_key(&item.tag), digest.clone())) {
            return Ok(());
        }
        let by_digest = ImageRef { tag: None, digest: Some(digest.clone()), ..item.tag.clone() };
        self.registry.push_manifest(&by_digest, bytes, media_type).map_err(|e| e.to_string())?;
        self.tally.pushed.push(format!("manifest {}@{digest}", repository_key(&item.tag)));
        Ok(())
    }

    /// Points the item's tag at its index.
    pub fn tag(&mut self, item: &Item) -> Result<(), String> {
        self.registry.push_manifest(&item.tag, &item.index, &item.index_media_type).map_err(|e| e.to_string())?;
        self.tally.pushed.push(format!("tag {}", item.tag));
        Ok(())
    }
}
