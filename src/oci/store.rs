//! The local content store: blobs by digest under the user's cache directory, written through
//! a temporary file, fsync and rename (a crash never leaves a partial blob under its digest),
//! shared by concurrent mpbake processes through a lock file (shared to use, exclusive to prune).

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::ir::Digest;

/// A content-addressed blob store.
pub struct Store {
    root: PathBuf,
    /// Held shared while this store is open, so `prune` (exclusive) waits for users.
    _lock: File,
}

/// A blob being written into the store; dropped before `commit`, it leaves nothing behind.
pub struct BlobWriter {
    file: std::io::BufWriter<tempfile::NamedTempFile>,
    path: PathBuf,
}

impl std::io::Write for BlobWriter {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.file.write(bytes)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

impl BlobWriter {
    /// Puts the written bytes under their digest (fsync, then rename).
    pub fn commit(self) -> std::io::Result<()> {
        let file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.as_file().sync_all()?;
        file.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Refuses a store directory another user could have planted: owned by someone else, or a
/// symlink in a directory anyone may write to (such as /tmp).
fn trusted(root: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let refuse = |why: String| Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, format!("{}: {why}", root.display())));
    let link = root.symlink_metadata()?;
    if link.file_type().is_symlink() {
        let shared = root.parent().and_then(|p| p.metadata().ok()).is_some_and(|m| m.mode() & 0o002 != 0);
        if shared {
            return refuse(
                "the cache directory is a symlink in a directory anyone can write to; set MPBAKE_CACHE_DIR to a directory of your own"
                    .into(),
            );
        }
    }
    let owner = root.metadata()?.uid();
    let me = rustix::process::geteuid().as_raw();
    if owner != me {
        return refuse(format!(
            "the cache directory belongs to uid {owner}, not to you (uid {me}); set MPBAKE_CACHE_DIR to a directory of your own"
        ));
    }
    Ok(())
}

impl Store {
    /// `$MPBAKE_CACHE_DIR`, else `$XDG_CACHE_HOME/mpbake`, else `~/.cache/mpbake`.
    pub fn default_root() -> PathBuf {
        if let Some(dir) = std::env::var_os("MPBAKE_CACHE_DIR") {
            return PathBuf::from(dir);
        }
        let base = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
            .unwrap_or_else(std::env::temp_dir);
        base.join("mpbake")
    }

    /// Opens (creating) the store at `root`, holding its lock shared. The store is private
    /// (0700: its snapshots hold images' device nodes and set-id files), and one reached through
    /// a symlink in a shared directory, or owned by another user, is refused: whoever controls
    /// it controls every build that uses it.
    pub fn open(root: &Path) -> std::io::Result<Store> {
        std::fs::create_dir_all(root)?;
        trusted(root)?;
        std::fs::set_permissions(root, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        std::fs::create_dir_all(root.join("blobs/sha256"))?;
        let lock = File::options().create(true).truncate(false).write(true).open(root.join("lock"))?;
        lock.lock_shared()?;
        Ok(Store { root: root.to_path_buf(), _lock: lock })
    }

    /// The store's directory; executors keep their snapshots and step records beside the blobs.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs").join(&digest.algorithm).join(&digest.hex)
    }

    /// A stored blob, verified against its digest (a damaged one is removed and reported absent).
    pub fn get(&self, digest: &Digest) -> Option<Vec<u8>> {
        let path = self.path(digest);
        let bytes = std::fs::read(&path).ok()?;
        if Digest::sha256(&bytes) != *digest {
            eprintln!("mpbake: warning: blob {digest} in the content store was damaged; it is dropped and made or fetched again");
            let _ = std::fs::remove_file(&path);
            return None;
        }
        Some(bytes)
    }

    /// Whether the store holds a blob of this size (its bytes are checked when read): a cheap
    /// look that catches a truncated or overwritten blob before a step relies on it.
    pub fn has_whole(&self, digest: &Digest, size: u64) -> bool {
        self.path(digest).metadata().is_ok_and(|m| m.is_file() && m.len() == size)
    }

    /// Whether the store holds a blob (unverified: `get` checks it when it is read).
    pub fn has(&self, digest: &Digest) -> bool {
        self.path(digest).is_file()
    }

    /// Stores a blob under its digest; concurrent writers of the same blob both succeed.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<Digest> {
        let digest = Digest::sha256(bytes);
        self.put_verified(&digest, bytes)?;
        Ok(digest)
    }

    /// Stores a blob whose digest the caller has just checked (a registry download), without
    /// hashing it again.
    pub fn put_verified(&self, digest: &Digest, bytes: &[u8]) -> std::io::Result<()> {
        if self.has_whole(digest, bytes.len() as u64) {
            return Ok(());
        }
        super::write_atomic(&self.path(digest), bytes)
    }

    /// A writer for a blob that arrives in pieces (a download); nothing is stored until
    /// `commit`, which the caller calls once the bytes are checked against `digest`.
    pub fn writer(&self, digest: &Digest) -> std::io::Result<BlobWriter> {
        let tmp = self.root.join("blobs/tmp");
        std::fs::create_dir_all(&tmp)?;
        let file = tempfile::NamedTempFile::new_in(tmp)?;
        Ok(BlobWriter { file: std::io::BufWriter::with_capacity(1 << 20, file), path: self.path(digest) })
    }

    /// Waits until no other mpbake process has the store at `root` open, and keeps it so until
    /// the returned lock is dropped.
    pub fn lock_exclusive(root: &Path) -> std::io::Result<File> {
        std::fs::create_dir_all(root)?;
        let lock = File::options().create(true).truncate(false).write(true).open(root.join("lock"))?;
        lock.lock()?;
        Ok(lock)
    }

    /// Removes every blob, layer record, unpacked layer, step record, cache mount and upload
    /// session; the caller holds [`Store::lock_exclusive`].
    pub fn remove_all(root: &Path) -> std::io::Result<()> {
        for dir in ["blobs", "layers", "snapshots", "steps", "mounts", "uploads", "run"] {
            let dir = root.join(dir);
            if dir.exists() {
                std::fs::remove_dir_all(&dir)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// How many blobs, and how many bytes, the store at `root` holds.
    fn usage(root: &Path) -> (usize, u64) {
        let blobs: Vec<u64> = std::fs::read_dir(root.join("blobs/sha256"))
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .collect();
        (blobs.len(), blobs.iter().sum())
    }

    #[test]
    fn stores_verifies_and_prunes() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let digest = store.put(b"hello").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.get(&digest).as_deref(), Some(&b"hello"[..]));
        std::fs::write(store.path(&digest), b"damaged").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.get(&digest), None, "a damaged blob is not served");
        store.put(b"hello").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(usage(dir.path()), (1, 5));
        drop(store);
        let lock = Store::lock_exclusive(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        Store::remove_all(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        drop(lock);
        assert_eq!(usage(dir.path()), (0, 0));
    }

    #[test]
    fn written_blobs_appear_only_when_committed() {
        use std::io::Write as _;
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let store = Store::open(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let digest = Digest::sha256(b"streamed");
        let mut dropped = store.writer(&digest).unwrap_or_else(|e| panic!("{e}"));
        dropped.write_all(b"stream").unwrap_or_else(|e| panic!("{e}"));
        drop(dropped);
        assert!(!store.has(&digest), "an abandoned download leaves nothing under its digest");
        let mut writer = store.writer(&digest).unwrap_or_else(|e| panic!("{e}"));
        writer.write_all(b"stream").and_then(|()| writer.write_all(b"ed")).unwrap_or_else(|e| panic!("{e}"));
        writer.commit().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(store.get(&digest).as_deref(), Some(&b"streamed"[..]));
        assert_eq!(std::fs::read_dir(dir.path().join("blobs/tmp")).map(|d| d.count()).ok(), Some(0), "no temporary file is left");
        assert_eq!(usage(dir.path()), (1, 8));
    }

    #[test]
    fn concurrent_writers_share_the_store() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let root = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    let store = Store::open(&root).unwrap_or_else(|e| panic!("{e}"));
                    (0..50).all(|n| store.put(format!("blob {}", n % 10 + i % 2).as_bytes()).is_ok())
                })
            })
            .collect();
        assert!(threads.into_iter().all(|t| t.join().unwrap_or(false)));
        assert_eq!(usage(dir.path()).0, 11);
    }
}
