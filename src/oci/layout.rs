//! Writes an OCI image layout directory (`oci-layout`, `blobs/sha256/`, `index.json`): blobs
//! through a temporary file and a rename, index.json last, so a reader never sees a partial one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::image::{Descriptor, index};
use super::write_atomic;

/// An OCI layout being written.
pub struct Layout {
    dir: PathBuf,
}

impl Layout {
    pub fn create(dir: &Path) -> std::io::Result<Layout> {
        std::fs::create_dir_all(dir.join("blobs/sha256"))?;
        write_atomic(&dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
        Ok(Layout { dir: dir.to_path_buf() })
    }

    /// Whether a blob is already stored.
    pub fn has(&self, digest: &crate::ir::Digest) -> bool {
        self.dir.join("blobs").join(&digest.algorithm).join(&digest.hex).is_file()
    }

    /// Stores a blob (skipped when present: blobs are content-addressed).
    pub fn blob(&self, descriptor: &Descriptor, bytes: &[u8]) -> std::io::Result<()> {
        let path = self.dir.join("blobs").join(&descriptor.digest.algorithm).join(&descriptor.digest.hex);
        if path.is_file() {
            return Ok(());
        }
        write_atomic(&path, bytes)
    }

    /// Writes index.json listing `images` (each annotated with its reference name).
    pub fn finish(&self, images: &[Descriptor]) -> std::io::Result<()> {
        write_atomic(&self.dir.join("index.json"), &index(images, &BTreeMap::new()))
    }
}
