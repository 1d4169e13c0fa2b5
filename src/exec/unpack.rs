//! Unpacks a layer blob — whole in memory, or arriving as a stream (a download) —
//! decompressing and hashing on another thread while this one applies the tar through the
//! confinement module, and checks the uncompressed bytes against the diff_id the image names.

use std::io::{self, Read};
use std::path::Path;

use sha2::Digest as _;

pub use crate::confine::unpack::{UnpackError, Unpacker, Whiteouts};
use crate::ir::Digest;

/// Unpacks a compressed layer into `dest` (a fresh directory), whiteouts as asked; with
/// `diff_id`, the uncompressed stream must hash to it or nothing is kept.
pub fn unpack_blob(
    compressed: impl io::BufRead + Send,
    dest: &Path,
    whiteouts: Whiteouts,
    diff_id: Option<&Digest>,
) -> Result<(), UnpackError> {
    let root = crate::confine::Root::open(dest)?;
    apply_blob(compressed, &mut Unpacker::new(&root, whiteouts), diff_id)
}

/// Applies a compressed layer with `unpacker`, decompressing on another thread (the two take
/// about as long on a large layer); this thread hashes every uncompressed byte as it reads it,
/// trailing bytes after the tar's end included.
pub fn apply_blob(compressed: impl io::BufRead + Send, unpacker: &mut Unpacker, diff_id: Option<&Digest>) -> Result<(), UnpackError> {
    let actual = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(16);
        scope.spawn(move || {
            let mut reader = crate::oci::layer::decompress(compressed);
            loop {
                let mut chunk = vec![0u8; 128 << 10];
                match reader.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) => {
                        chunk.truncate(n);
                        if tx.send(Ok(chunk)).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        break;
                    }
                }
            }
        });
        let mut chunks = Chunks::new(rx).hashed();
        unpacker.layer(&mut chunks)?;
        // the tar may end before the stream: the rest is hashed too
        io::copy(&mut chunks, &mut io::sink())?;
        Ok::<_, UnpackError>(chunks.digest())
    })?;
    match diff_id {
        Some(expected) if expected.hex != actual => {
            Err(UnpackError::DiffId { expected: expected.to_string(), actual: format!("sha256:{actual}") })
        }
        _ => Ok(()),
    }
}

/// Reads the chunks another thread sends, in order; the end of the channel is the end.
pub struct Chunks {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
    /// Every chunk received, hashed, when asked for.
    hasher: Option<sha2::Sha256>,
}

impl Chunks {
    pub fn new(rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>) -> Chunks {
        Chunks { rx, current: Vec::new(), at: 0, hasher: None }
    }

    /// These chunks, each hashed as it arrives.
    fn hashed(mut self) -> Chunks {
        self.hasher = Some(sha2::Sha256::new());
        self
    }

    /// The sha256 (hex) of every chunk received.
    fn digest(self) -> String {
        crate::ir::hex(&self.hasher.unwrap_or_default().finalize())
    }
}

impl io::BufRead for Chunks {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.at == self.current.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.current = chunk?;
                    self.at = 0;
                    if let Some(hasher) = self.hasher.as_mut() {
                        hasher.update(&self.current);
                    }
                }
                Err(_) => break,
            }
        }
        Ok(&self.current[self.at..])
    }

    fn consume(&mut self, n: usize) {
        self.at = (self.at + n).min(self.current.len());
    }
}

impl Read for Chunks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let available = io::BufRead::fill_buf(self)?;
        let n = buf.len().min(available.len());
        buf[..n].copy_from_slice(&available[..n]);
        io::BufRead::consume(self, n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::confine::unpack::unpack_into;

    /// A tar of raw entries: (path, type, link target, contents), headers written by hand so
    /// hostile paths survive.
    fn tar_of(entries: &[(&str, tar::EntryType, &str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (path, kind, link, contents) in entries {
            let mut header = tar::Header::new_old();
            header.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
            header.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
            header.set_entry_type(*kind);
            header.set_mode(0o644);
            header.set_size(contents.len() as u64);
            header.set_cksum();
            out.extend_from_slice(header.as_bytes());
            out.extend_from_slice(contents);
            out.resize(out.len().div_ceil(512) * 512, 0);
        }
        out.extend_from_slice(&[0; 1024]);
        out
    }

    /// A temporary directory with `root/` to unpack into and a canary file beside it.
    fn scratch() -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("canary"), "canary").unwrap_or_else(|e| panic!("{e}"));
        (dir, root)
    }

    fn unpack_entries(entries: &[(&str, tar::EntryType, &str, &[u8])]) -> (tempfile::TempDir, Result<(), UnpackError>) {
        let (dir, root) = scratch();
        let result = unpack_into(tar_of(entries).as_slice(), &root, Whiteouts::Overlay);
        (dir, result)
    }

    /// Nothing beside the root changed: only `root` and the canary are there, the canary intact.
    fn outside_untouched(dir: &tempfile::TempDir) {
        let mut names: Vec<String> =
            std::fs::read_dir(dir.path()).into_iter().flatten().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["canary", "root"]);
        assert_eq!(std::fs::read_to_string(dir.path().join("canary")).ok().as_deref(), Some("canary"));
    }

    fn assert_refused(entries: &[(&str, tar::EntryType, &str, &[u8])], why: &str) {
        let (dir, result) = unpack_entries(entries);
        match result {
            Err(UnpackError::Escape { why: w, .. }) => assert!(w.contains(why), "{w}"),
            other => panic!("expected a refusal ({why}), got {other:?}"),
        }
        outside_untouched(&dir);
    }

    #[test]
    fn parent_references_and_absolute_paths_are_refused() {
        assert_refused(&[("../evil", tar::EntryType::Regular, "", b"x")], "`..` component");
        assert_refused(&[("a/../../evil", tar::EntryType::Regular, "", b"x")], "`..` component");
        assert_refused(&[("/evil", tar::EntryType::Regular, "", b"x")], "absolute path");
    }

    #[test]
    fn whiteouts_must_name_plain_entries() {
        for whiteout in [".wh...", "a/.wh...", ".wh..", ".wh."] {
            for whiteouts in [Whiteouts::Overlay, Whiteouts::Apply, Whiteouts::Keep] {
                let (dir, root) = scratch();
                let result = unpack_into(tar_of(&[(whiteout, tar::EntryType::Regular, "", b"")]).as_slice(), &root, whiteouts);
                let message = result.err().map(|e| e.to_string()).unwrap_or_default();
                assert!(message.contains("a whiteout must name a plain entry"), "{whiteout} in {whiteouts:?}: {message}");
                assert!(message.contains(whiteout), "the entry is named: {message}");
                outside_untouched(&dir);
            }
        }
    }

    #[test]
    fn symlinks_on_the_way_resolve_inside_the_root() {
        let (dir, result) = unpack_entries(&[
            ("etc/", tar::EntryType::Directory, "", b""),
            ("link", tar::EntryType::Symlink, "/etc", b""),
            ("link/evil", tar::EntryType::Regular, "", b"x"),
            ("up", tar::EntryType::Symlink, "../..", b""),
            ("up/top", tar::EntryType::Regular, "", b"y"),
        ]);
        result.unwrap_or_else(|e| panic!("{e}"));
        outside_untouched(&dir);
        let root = dir.path().join("root");
        assert!(root.join("etc/evil").is_file(), "an absolute link means the root's path");
        assert!(root.join("top").is_file(), "`..` stops at the root");
        let outside = dir.path().display().to_string();
        assert_refused(
            &[("link", tar::EntryType::Symlink, outside.as_str(), b""), ("link/evil", tar::EntryType::Regular, "", b"x")],
            "not a directory",
        );
    }

    #[test]
    fn hard_links_stay_inside_the_root() {
        assert_refused(&[("evil", tar::EntryType::Link, "../../etc/passwd", b"")], "`..` component");
        assert_refused(&[("evil", tar::EntryType::Link, "/etc/passwd", b"")], "absolute path");
        assert_refused(
            &[("up", tar::EntryType::Symlink, "/", b""), ("evil", tar::EntryType::Link, "up/etc/passwd", b"")],
            "which the layer does not have",
        );
    }

    #[test]
    fn applied_whiteouts_remove_only_what_lower_layers_put() {
        let (dir, root) = scratch();
        std::fs::write(root.join("mine"), "the destination's own").unwrap_or_else(|e| panic!("{e}"));
        let lower = tar_of(&[
            ("etc/", tar::EntryType::Directory, "", b""),
            ("etc/gone", tar::EntryType::Regular, "", b"x"),
            ("var/old", tar::EntryType::Regular, "", b"x"),
        ]);
        let upper = tar_of(&[
            ("etc/.wh.gone", tar::EntryType::Regular, "", b""),
            (".wh.mine", tar::EntryType::Regular, "", b""),
            ("var/new", tar::EntryType::Regular, "", b"y"),
            ("var/.wh..wh..opq", tar::EntryType::Regular, "", b""),
            (".wh..wh..opq", tar::EntryType::Regular, "", b""),
        ]);
        let opened = crate::confine::Root::open(&root).unwrap_or_else(|e| panic!("{e}"));
        let mut unpacker = Unpacker::new(&opened, Whiteouts::Apply);
        for layer in [lower, upper] {
            unpacker.layer(layer.as_slice()).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(!root.join("etc/gone").exists() && root.join("etc").is_dir());
        assert!(!root.join("var/old").exists(), "the opaque directory hides the lower layer's entries");
        assert!(root.join("var/new").exists(), "but keeps its own layer's");
        assert!(root.join("mine").is_file(), "what the destination had is never removed");
        outside_untouched(&dir);
    }

    #[test]
    fn whiteouts_and_opaque_directories_take_overlayfs_form() {
        if !rustix::process::geteuid().is_root() {
            println!("SKIP: overlayfs's whiteouts and trusted xattrs need root");
            return;
        }
        let (dir, result) = unpack_entries(&[
            ("etc/", tar::EntryType::Directory, "", b""),
            ("etc/.wh.gone", tar::EntryType::Regular, "", b""),
            ("var/.wh..wh..opq", tar::EntryType::Regular, "", b""),
            ("etc/kept", tar::EntryType::Regular, "", b"kept"),
            ("etc/same", tar::EntryType::Link, "etc/kept", b""),
        ]);
        result.unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("root");
        let gone = root.join("etc/gone").symlink_metadata().unwrap_or_else(|e| panic!("{e}"));
        assert!(std::os::unix::fs::FileTypeExt::is_char_device(&gone.file_type()));
        let opaque = rustix::fs::lgetxattr(root.join("var"), "trusted.overlay.opaque", &mut [0u8; 4]);
        assert_eq!(opaque.ok(), Some(1));
        assert_eq!(std::fs::read(root.join("etc/same")).ok().as_deref(), Some(b"kept".as_slice()));
    }

    #[test]
    fn a_layer_whose_bytes_do_not_match_its_diff_id_is_refused() {
        let tar = tar_of(&[("marker", tar::EntryType::Regular, "", b"evil")]);
        let honest = Digest::sha256(&tar_of(&[("marker", tar::EntryType::Regular, "", b"honest")]));
        let (_dir, root) = scratch();
        let result = unpack_blob(tar.as_slice(), &root, Whiteouts::Keep, Some(&honest));
        assert!(matches!(result, Err(UnpackError::DiffId { .. })), "{result:?}");
        let (_dir, root) = scratch();
        unpack_blob(tar.as_slice(), &root, Whiteouts::Keep, Some(&Digest::sha256(&tar))).unwrap_or_else(|e| panic!("{e}"));
    }
}
