//! Images in tar files, read in place: `oci-archive:FILE` (an OCI layout as a tar) and
//! `docker-archive:FILE` (`docker save`'s form, given an OCI manifest of its own); entries are
//! found by digest and read at their offsets, nothing is extracted.

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde_json::{Value as Json, json};

use crate::ir::Digest;

/// JSON entries (index, manifests, configs) larger than this are refused.
const SMALL: u64 = 4 << 20;

/// A tar file's image: where each blob is, and the image's top bytes.
pub struct Archive {
    file: PathBuf,
    /// Blob digest → (offset, size) in the file.
    blobs: BTreeMap<Digest, (u64, u64)>,
    /// A manifest written here for a docker archive (which has none), by digest.
    made: BTreeMap<Digest, Vec<u8>>,
    /// The index.json of an OCI archive, or the made manifest of a docker one.
    pub top: Vec<u8>,
}

/// Every regular entry of the tar at `file`: name → (offset, size).
fn entries(file: &Path) -> Result<BTreeMap<String, (u64, u64)>, String> {
    let opened = std::fs::File::open(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let mut tar = tar::Archive::new(opened);
    let mut out = BTreeMap::new();
    for entry in tar.entries().map_err(|e| format!("{} is not a tar file: {e}", file.display()))? {
        let entry = entry.map_err(|e| format!("{} is not a tar file: {e}", file.display()))?;
        if entry.header().entry_type().is_file() {
            let name = entry.path().map_err(|e| e.to_string())?.to_string_lossy().trim_start_matches("./").to_string();
            out.insert(name, (entry.raw_file_position(), entry.size()));
        }
    }
    Ok(out)
}

impl Archive {
    fn read_at(&self, (offset, size): (u64, u64)) -> Result<Vec<u8>, String> {
        let mut file = std::fs::File::open(&self.file).map_err(|e| format!("{}: {e}", self.file.display()))?;
        file.seek(SeekFrom::Start(offset)).map_err(|e| e.to_string())?;
        let mut bytes = Vec::new();
        file.take(size).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
        Ok(bytes)
    }

    /// A blob by digest, checked against it.
    pub fn blob(&self, digest: &Digest) -> Result<Vec<u8>, String> {
        if let Some(bytes) = self.made.get(digest) {
            return Ok(bytes.clone());
        }
        let place = self.blobs.get(digest).ok_or_else(|| format!("{} holds no blob {digest}", self.file.display()))?;
        let bytes = self.read_at(*place)?;
        if Digest::sha256(&bytes) != *digest {
            return Err(format!("{}: the blob at {digest} does not match its digest", self.file.display()));
        }
        Ok(bytes)
    }

    /// An OCI layout as a tar (`blobs/sha256/HEX`, `index.json`).
    pub fn oci(file: &Path) -> Result<Archive, String> {
        let entries = entries(file)?;
        let mut archive = Archive { file: file.to_path_buf(), blobs: BTreeMap::new(), made: BTreeMap::new(), top: Vec::new() };
        for (name, place) in &entries {
            if let Some(digest) = name.strip_prefix("blobs/sha256/").and_then(|hex| Digest::parse(&format!("sha256:{hex}")).ok()) {
                archive.blobs.insert(digest, *place);
            }
        }
        let index = entries.get("index.json").filter(|(_, size)| *size <= SMALL);
        let index = index.ok_or_else(|| {
            format!("{} has no index.json: not an OCI archive (docker-archive:FILE reads `docker save` files)", file.display())
        })?;
        archive.top = archive.read_at(*index)?;
        Ok(archive)
    }

    /// A `docker save` archive: its first image, given an OCI manifest whose layers are the
    /// archive's layer files (hashed here).
    pub fn docker(file: &Path) -> Result<Archive, String> {
        let entries = entries(file)?;
        let mut archive = Archive { file: file.to_path_buf(), blobs: BTreeMap::new(), made: BTreeMap::new(), top: Vec::new() };
        let listed = entries.get("manifest.json").filter(|(_, size)| *size <= SMALL);
        let listed = listed
            .ok_or_else(|| format!("{} has no manifest.json: not a docker archive (oci-archive:FILE reads OCI ones)", file.display()))?;
        let listed: Json = serde_json::from_slice(&archive.read_at(*listed)?).map_err(|e| format!("manifest.json: {e}"))?;
        let first = &listed[0];
        let place_of = |name: &Json| -> Result<(u64, u64), String> {
            let name = name.as_str().ok_or("manifest.json names no file")?;
            entries.get(name).copied().ok_or_else(|| format!("manifest.json names `{name}`, which the archive lacks"))
        };
        let config_place = place_of(&first["Config"])?;
        if config_place.1 > SMALL {
            return Err("the archive's config is over 4 MiB".into());
        }
        let config = archive.read_at(config_place)?;
        let config_digest = Digest::sha256(&config);
        archive.blobs.insert(config_digest.clone(), config_place);
        let mut layers = Vec::new();
        for name in first["Layers"].as_array().into_iter().flatten() {
            let place = place_of(name)?;
            let (digest, gzip) = archive.hash_at(place)?;
            let media_type = if gzip { "application/vnd.oci.image.layer.v1.tar+gzip" } else { "application/vnd.oci.image.layer.v1.tar" };
            layers.push(json!({"mediaType": media_type, "digest": digest.to_string(), "size": place.1}));
            archive.blobs.insert(digest, place);
        }
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": crate::oci::image::MEDIA_MANIFEST,
            "config": {"mediaType": crate::oci::image::MEDIA_CONFIG, "digest": config_digest.to_string(), "size": config.len()},
            "layers": layers,
        });
        let bytes = serde_json::to_vec(&manifest).map_err(|e| e.to_string())?;
        archive.made.insert(Digest::sha256(&bytes), bytes.clone());
        archive.top = bytes;
        Ok(archive)
    }

    /// The sha256 of an entry's bytes, read in pieces, and whether they start as gzip does.
    fn hash_at(&self, (offset, size): (u64, u64)) -> Result<(Digest, bool), String> {
        use sha2::Digest as _;
        let mut file = std::fs::File::open(&self.file).map_err(|e| e.to_string())?;
        file.seek(SeekFrom::Start(offset)).map_err(|e| e.to_string())?;
        let mut reader = file.take(size);
        let (mut hasher, mut piece, mut first) = (sha2::Sha256::new(), vec![0u8; 1 << 20], None);
        loop {
            let n = reader.read(&mut piece).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            first.get_or_insert_with(|| piece[..n.min(2)].to_vec());
            hasher.update(&piece[..n]);
        }
        let digest = Digest::parse(&format!("sha256:{}", crate::ir::hex(&hasher.finalize()))).map_err(|e| e.to_string())?;
        Ok((digest, first.is_some_and(|f| f == [0x1f, 0x8b])))
    }
}
