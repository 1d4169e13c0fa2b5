//! Writes an OCI image layout directory (`oci-layout`, `blobs/sha256/`, `index.json`): blobs
//! through a temporary file and a rename, made durable together, index.json last, so a reader
//! never sees a partial one.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use super::image::{Descriptor, index};
use std::os::unix::fs::OpenOptionsExt;

use super::{write_atomic, write_renamed};

/// An OCI layout being written.
pub struct Layout {
    dir: PathBuf,
}

impl Layout {
    /// Makes (or reuses) the layout directory `dir`; one that is a symlink is refused, as a
    /// layout written through it would land wherever it points.
    pub fn create(dir: &Path) -> std::io::Result<Layout> {
        if dir.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!("{} is a symlink; mpbake writes a layout only into a real directory", dir.display()),
            ));
        }
        std::fs::create_dir_all(dir.join("blobs/sha256"))?;
        write_renamed(&dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#, false)?;
        Ok(Layout { dir: dir.to_path_buf() })
    }

    /// Whether a blob is already stored whole: a regular file whose bytes hash to its digest
    /// (a damaged one is removed, to be written again).
    pub fn has(&self, digest: &crate::ir::Digest) -> bool {
        let path = self.dir.join("blobs").join(&digest.algorithm).join(&digest.hex);
        let intact = sha256_of_file(&path).is_ok_and(|hex| hex == digest.hex);
        if !intact {
            let _ = std::fs::remove_file(&path);
        }
        intact
    }

    /// Stores a blob (skipped when there intact: blobs are content-addressed).
    pub fn blob(&self, descriptor: &Descriptor, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.dir.join("blobs").join(&descriptor.digest.algorithm).join(&descriptor.digest.hex);
        if self.has(&descriptor.digest) {
            return Ok(());
        }
        write_renamed(&path, bytes, false)
    }

    /// Writes index.json listing `images` (each annotated with its reference name), after
    /// making every blob durable with one `syncfs` (not an fsync per blob).
    pub fn finish(&self, images: &[Descriptor]) -> std::io::Result<()> {
        let dir = std::fs::File::open(&self.dir)?;
        rustix::fs::syncfs(&dir)?;
        write_atomic(&self.dir.join("index.json"), &index(images, &BTreeMap::new()))?;
        self.prune(images)
    }

    /// Removes the blobs `images` do not reach (what an earlier build left in the layout).
    fn prune(&self, images: &[Descriptor]) -> std::io::Result<()> {
        let blobs = self.dir.join("blobs/sha256");
        let mut reached = std::collections::BTreeSet::new();
        let mut pending: Vec<String> = images.iter().map(|d| d.digest.hex.clone()).collect();
        while let Some(hex) = pending.pop() {
            if !reached.insert(hex.clone()) {
                continue;
            }
            // only an index or a manifest names more blobs; layers are never read here
            let Ok(bytes) = read_small(&blobs.join(&hex)) else { continue };
            let Ok(json) = serde_json::from_slice::<serde_json::Value>(&bytes) else { continue };
            let named = json["manifests"].as_array().into_iter().flatten().chain(json["layers"].as_array().into_iter().flatten());
            pending.extend(named.chain([&json["config"]]).filter_map(|d| d["digest"].as_str()?.strip_prefix("sha256:").map(String::from)));
        }
        for entry in std::fs::read_dir(&blobs)? {
            let entry = entry?;
            if !reached.contains(entry.file_name().to_string_lossy().as_ref()) {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    }
}

/// A blob's bytes when it is a regular file of at most 4 MiB (manifests and configs; a larger
/// one is a layer, and is not read).
fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::OpenOptions::new().read(true).custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32).open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() || meta.len() > 4 << 20 {
        return Err(std::io::Error::other("not a small regular file"));
    }
    let mut bytes = Vec::new();
    file.take(4 << 20).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// The sha256 of a regular file's bytes, read in pieces (a symlink is not followed).
fn sha256_of_file(path: &Path) -> std::io::Result<String> {
    use sha2::Digest as _;
    let mut file = std::fs::OpenOptions::new().read(true).custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32).open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let (mut hasher, mut buffer) = (sha2::Sha256::new(), vec![0u8; 1 << 20]);
    loop {
        match file.read(&mut buffer)? {
            0 => return Ok(crate::ir::hex(&hasher.finalize())),
            n => hasher.update(&buffer[..n]),
        }
    }
}

/// Writes the layout at `dir` as one tar file at `dest` (`--output type=oci,tar=true`): entries
/// in name order, deterministic headers, written through a temporary file and a rename.
pub fn archive(dir: &Path, dest: &Path) -> std::io::Result<()> {
    archive_tree(dir, dest, tar::HeaderMode::Deterministic)
}

/// Writes the tree at `dir` as one tar file at `dest` (`-`: standard output), entries in name
/// order, symbolic links as links; `mode` Complete keeps owners, modes and times (`type=tar`).
pub fn archive_tree(dir: &Path, dest: &Path, mode: tar::HeaderMode) -> std::io::Result<()> {
    super::write_output(dest, |out| {
        let mut tar = tar::Builder::new(out);
        tar.mode(mode);
        tar.follow_symlinks(false);
        for entry in walkdir::WalkDir::new(dir).min_depth(1).sort_by_file_name() {
            let entry = entry.map_err(std::io::Error::other)?;
            let name = entry.path().strip_prefix(dir).map_err(std::io::Error::other)?;
            if entry.file_type().is_dir() {
                tar.append_dir(name, entry.path())?;
            } else {
                tar.append_path_with_name(entry.path(), name)?;
            }
        }
        tar.finish()
    })
}
