//! Unpacks one layer into its own directory in overlayfs's format — whiteouts become 0/0
//! character devices, opaque directories get `trusted.overlay.opaque=y` — refusing any entry
//! that would land outside the directory. Written by hand: the tar crate's `unpack_in` follows
//! symlinks planted by earlier entries and knows nothing of whiteouts.

use std::collections::HashSet;
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, CWD, FileType, Gid, Mode, Timespec, Timestamps, Uid};

/// Why a layer could not be unpacked.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("layer entry `{entry}` escapes the root filesystem: {why}")]
    Escape { entry: String, why: &'static str },
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Unpacks a layer blob — whole in memory, or arriving as a stream (a download) —
/// decompressing on another thread while this one writes files (the two take about as long on a
/// large layer).
pub fn unpack_blob(compressed: impl io::BufRead + Send, dest: &Path, whiteouts: Whiteouts) -> Result<(), UnpackError> {
    std::thread::scope(|scope| {
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
        unpack_with(Chunks::new(rx), dest, whiteouts)
    })
}

/// Reads the chunks another thread sends, in order; the end of the channel is the end.
pub struct Chunks {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
}

impl Chunks {
    pub fn new(rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>) -> Chunks {
        Chunks { rx, current: Vec::new(), at: 0 }
    }
}

impl io::BufRead for Chunks {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.at == self.current.len() {
            match self.rx.recv() {
                Ok(chunk) => {
                    self.current = chunk?;
                    self.at = 0;
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

/// What whiteouts become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whiteouts {
    /// overlayfs's markers, for a snapshot that is one lower directory of a stack.
    Overlay,
    /// Applied: the hidden path removed, an opaque directory emptied of what lower layers put
    /// there — for unpacking every layer of an image into one root filesystem.
    Apply,
    /// Kept as the OCI `.wh.` files they are, for a snapshot on a filesystem that cannot hold
    /// overlayfs's markers (snapshots that are copied, never mounted).
    Keep,
}

/// Unpacks `tar` into `dest`, whiteouts as asked. Directories this unpacking made are
/// remembered, so each entry costs only the system calls that create it.
pub fn unpack_with(tar: impl Read, dest: &Path, whiteouts: Whiteouts) -> Result<(), UnpackError> {
    let mut archive = tar::Archive::new(tar);
    let mut dirs: Vec<(PathBuf, u64)> = Vec::new();
    let mut written: HashSet<PathBuf> = HashSet::new();
    // real directories known to exist under dest (no symlink on the way)
    let mut known: HashSet<PathBuf> = HashSet::new();
    known.insert(dest.to_path_buf());
    let (root, umask) = (rustix::process::geteuid().is_root(), process_umask());
    for entry in archive.entries()? {
        let mut entry = entry?;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let relative = confined(&raw)?;
        let Some(name) = relative.file_name().map(|n| n.to_string_lossy().into_owned()) else { continue };
        let parent = dest.join(relative.parent().unwrap_or(Path::new("")));
        if !known.contains(&parent) {
            no_symlink_between(dest, &parent, &raw)?;
            make_dirs(dest, parent.strip_prefix(dest).unwrap_or(Path::new("")), None)?;
            let mut dir = parent.as_path();
            while dir.starts_with(dest) && known.insert(dir.to_path_buf()) {
                dir = dir.parent().unwrap_or(dest);
            }
        }
        if name == ".wh..wh..opq" {
            match whiteouts {
                Whiteouts::Keep => keep_marker(&parent.join(&name), &mut known)?,
                Whiteouts::Overlay => rustix::fs::lsetxattr(&parent, "trusted.overlay.opaque", b"y", rustix::fs::XattrFlags::empty())
                    .map_err(io::Error::from)?,
                Whiteouts::Apply => {
                    for entry in std::fs::read_dir(&parent)? {
                        let path = entry?.path();
                        if !written.contains(&path) {
                            remove_existing(&path, &mut known)?;
                        }
                    }
                }
            }
            continue;
        }
        if let Some(hidden) = name.strip_prefix(".wh.") {
            let path = parent.join(hidden);
            remove_existing(&path, &mut known)?;
            match whiteouts {
                Whiteouts::Overlay => {
                    rustix::fs::mknodat(CWD, &path, FileType::CharacterDevice, Mode::empty(), 0).map_err(io::Error::from)?
                }
                Whiteouts::Keep => keep_marker(&parent.join(&name), &mut known)?,
                Whiteouts::Apply => {}
            }
            continue;
        }
        let path = parent.join(&name);
        let header = entry.header().clone();
        let kind = header.entry_type();
        // a fresh snapshot holds only what this layer wrote; an applied unpacking has lower layers
        let may_exist = whiteouts == Whiteouts::Apply || written.contains(&path) || known.contains(&path);
        written.insert(path.clone());
        // a directory already there (made for an earlier entry, or by a lower layer) stays
        let existed =
            kind.is_dir() && (known.contains(&path) || whiteouts == Whiteouts::Apply && path.symlink_metadata().is_ok_and(|m| m.is_dir()));
        if may_exist && !existed {
            remove_existing(&path, &mut known)?;
        }
        let mode = header.mode().unwrap_or(0o644) & 0o7777;
        let (uid, gid) = (header.uid().unwrap_or(0) as u32, header.gid().unwrap_or(0) as u32);
        // root creates root-owned files; anyone else's need a chown, which clears set-id bits
        let chowned = !(root && uid == 0 && gid == 0);
        let set_mode = !kind.is_symlink() && (chowned || mode & umask != 0 || existed);
        let (uid, gid) = (Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)));
        match kind {
            k if k.is_dir() => {
                if !existed {
                    std::fs::DirBuilder::new().mode(mode).create(&path)?;
                }
                known.insert(path.clone());
            }
            k if k.is_file() || k == tar::EntryType::Continuous => {
                let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(mode).open(&path)?;
                io::copy(&mut entry, &mut file)?;
                // owner, mode and time through the open file: no more path lookups
                if chowned {
                    rustix::fs::fchown(&file, uid, gid).map_err(io::Error::from)?;
                }
                if set_mode {
                    rustix::fs::fchmod(&file, Mode::from_raw_mode(mode)).map_err(io::Error::from)?;
                }
                let time = Timespec { tv_sec: header.mtime().unwrap_or(0) as i64, tv_nsec: 0 };
                rustix::fs::futimens(&file, &Timestamps { last_access: time, last_modification: time }).map_err(io::Error::from)?;
                continue;
            }
            k if k.is_symlink() => {
                let target = entry.link_name()?.ok_or_else(|| io::Error::other(format!("symlink `{raw}` has no target")))?;
                std::os::unix::fs::symlink(target, &path)?;
            }
            k if k.is_hard_link() => {
                let target = entry.link_name_bytes().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
                let source = dest.join(confined(&target)?);
                no_symlink_between(dest, source.parent().unwrap_or(dest), &target)?;
                if source.symlink_metadata().is_err() {
                    return Err(io::Error::other(format!("hard link `{raw}` points at `{target}`, which this layer does not have")).into());
                }
                std::fs::hard_link(&source, &path)?;
                continue;
            }
            k if k.is_character_special() || k.is_block_special() || k.is_fifo() => {
                let file_type = match k {
                    tar::EntryType::Char => FileType::CharacterDevice,
                    tar::EntryType::Block => FileType::BlockDevice,
                    _ => FileType::Fifo,
                };
                let dev = rustix::fs::makedev(
                    header.device_major().ok().flatten().unwrap_or(0),
                    header.device_minor().ok().flatten().unwrap_or(0),
                );
                rustix::fs::mknodat(CWD, &path, file_type, Mode::from_raw_mode(mode), dev).map_err(io::Error::from)?;
            }
            // pax and GNU long-name headers are consumed by the tar crate; anything else is skipped
            _ => continue,
        }
        if chowned {
            rustix::fs::chownat(CWD, &path, uid, gid, AtFlags::SYMLINK_NOFOLLOW).map_err(io::Error::from)?;
        }
        if set_mode {
            rustix::fs::chmodat(CWD, &path, Mode::from_raw_mode(mode), AtFlags::empty()).map_err(io::Error::from)?;
        }
        let mtime = header.mtime().unwrap_or(0);
        if kind.is_dir() {
            dirs.push((path, mtime));
        } else {
            set_mtime(&path, mtime)?;
        }
    }
    // directories last: writing into them changed their times
    for (dir, mtime) in dirs.iter().rev() {
        set_mtime(dir, *mtime)?;
    }
    Ok(())
}

/// Writes a whiteout or opaque marker as the empty, mode 0 file OCI layers carry.
fn keep_marker(path: &Path, known: &mut HashSet<PathBuf>) -> io::Result<()> {
    remove_existing(path, known)?;
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o0).open(path).map(drop)
}

/// Makes the missing directories of `relative` under `root`, 0755 whatever the umask and owned
/// by `owner` (else by the unpacking user): how extractors make a layer's implied parents, and
/// BuildKit a WORKDIR. It stops at anything there that is not a directory.
pub(super) fn make_dirs(root: &Path, relative: &Path, owner: Option<super::users::Owner>) -> io::Result<()> {
    let mut at = root.to_path_buf();
    for part in relative.components().filter(|c| matches!(c, Component::Normal(_))) {
        at.push(part);
        match at.symlink_metadata() {
            Ok(meta) if meta.is_dir() => continue,
            Ok(_) => return Ok(()),
            Err(_) => {}
        }
        std::fs::create_dir(&at)?;
        std::fs::set_permissions(&at, std::fs::Permissions::from_mode(0o755))?;
        if let Some(owner) = owner {
            rustix::fs::chown(&at, Some(Uid::from_raw(owner.uid)), Some(Gid::from_raw(owner.gid))).map_err(io::Error::from)?;
        }
    }
    Ok(())
}

/// The process's umask, from /proc (reading it through umask(2) would change it for a moment
/// under other threads); 022 when /proc does not say.
fn process_umask() -> u32 {
    static UMASK: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *UMASK.get_or_init(|| {
        std::fs::read_to_string("/proc/self/status")
            .ok()
            .and_then(|s| s.lines().find_map(|l| l.strip_prefix("Umask:").and_then(|v| u32::from_str_radix(v.trim(), 8).ok())))
            .unwrap_or(0o022)
    })
}

/// A tar path as a relative path with no `..`: absolute paths and parent references escape.
fn confined(raw: &str) -> Result<PathBuf, UnpackError> {
    let escape = |why| UnpackError::Escape { entry: raw.to_string(), why };
    if raw.starts_with('/') {
        return Err(escape("absolute path"));
    }
    let mut out = PathBuf::new();
    for component in Path::new(raw).components() {
        match component {
            Component::Normal(c) => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => return Err(escape("`..` component")),
            Component::RootDir | Component::Prefix(_) => return Err(escape("absolute path")),
        }
    }
    Ok(out)
}

/// Refuses a path under `dest` whose existing ancestors include a symlink: an earlier entry of
/// the same layer planted it, and following it could write anywhere.
fn no_symlink_between(dest: &Path, dir: &Path, raw: &str) -> Result<(), UnpackError> {
    let mut current = dir;
    while current != dest && current.starts_with(dest) {
        if current.symlink_metadata().is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(UnpackError::Escape { entry: raw.to_string(), why: "a parent directory is a symlink" });
        }
        current = current.parent().unwrap_or(dest);
    }
    Ok(())
}

/// Removes what is at `path` (a directory with its contents, forgotten as known).
fn remove_existing(path: &Path, known: &mut HashSet<PathBuf>) -> io::Result<()> {
    match path.symlink_metadata() {
        Ok(m) if m.is_dir() => {
            known.retain(|k| !k.starts_with(path));
            std::fs::remove_dir_all(path)
        }
        Ok(_) => std::fs::remove_file(path),
        Err(_) => Ok(()),
    }
}

fn set_mtime(path: &Path, seconds: u64) -> io::Result<()> {
    let time = Timespec { tv_sec: seconds as i64, tv_nsec: 0 };
    rustix::fs::utimensat(CWD, path, &Timestamps { last_access: time, last_modification: time }, AtFlags::SYMLINK_NOFOLLOW)
        .map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    fn unpack_entries(entries: &[(&str, tar::EntryType, &str, &[u8])]) -> (tempfile::TempDir, Result<(), UnpackError>) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path().join("root");
        std::fs::create_dir(&root).unwrap_or_else(|e| panic!("{e}"));
        let result = unpack_with(tar_of(entries).as_slice(), &root, Whiteouts::Overlay);
        (dir, result)
    }

    fn assert_escape(entries: &[(&str, tar::EntryType, &str, &[u8])], why: &str) {
        let (dir, result) = unpack_entries(entries);
        match result {
            Err(UnpackError::Escape { why: w, .. }) => assert_eq!(w, why),
            other => panic!("expected an escape ({why}), got {other:?}"),
        }
        assert!(!dir.path().join("evil").exists(), "nothing written outside the root");
    }

    #[test]
    fn parent_references_are_refused() {
        assert_escape(&[("../evil", tar::EntryType::Regular, "", b"x")], "`..` component");
        assert_escape(&[("a/../../evil", tar::EntryType::Regular, "", b"x")], "`..` component");
    }

    #[test]
    fn absolute_paths_are_refused() {
        assert_escape(&[("/evil", tar::EntryType::Regular, "", b"x")], "absolute path");
    }

    #[test]
    fn writing_through_a_symlink_is_refused() {
        let (dir, _) = unpack_entries(&[]);
        let outside = dir.path().display().to_string();
        assert_escape(
            &[("link", tar::EntryType::Symlink, outside.as_str(), b""), ("link/evil", tar::EntryType::Regular, "", b"x")],
            "a parent directory is a symlink",
        );
        assert_escape(
            &[("up", tar::EntryType::Symlink, "..", b""), ("up/evil", tar::EntryType::Regular, "", b"x")],
            "a parent directory is a symlink",
        );
    }

    #[test]
    fn hard_links_out_of_the_root_are_refused() {
        assert_escape(&[("evil", tar::EntryType::Link, "../../etc/passwd", b"")], "`..` component");
        assert_escape(&[("evil", tar::EntryType::Link, "/etc/passwd", b"")], "absolute path");
        assert_escape(
            &[("up", tar::EntryType::Symlink, "/", b""), ("evil", tar::EntryType::Link, "up/etc/passwd", b"")],
            "a parent directory is a symlink",
        );
    }

    #[test]
    fn applied_whiteouts_remove_what_lower_layers_put() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let lower = tar_of(&[
            ("etc/", tar::EntryType::Directory, "", b""),
            ("etc/gone", tar::EntryType::Regular, "", b"x"),
            ("var/old", tar::EntryType::Regular, "", b"x"),
        ]);
        let upper = tar_of(&[
            ("etc/.wh.gone", tar::EntryType::Regular, "", b""),
            ("var/new", tar::EntryType::Regular, "", b"y"),
            ("var/.wh..wh..opq", tar::EntryType::Regular, "", b""),
        ]);
        for layer in [lower, upper] {
            unpack_with(layer.as_slice(), dir.path(), Whiteouts::Apply).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(!dir.path().join("etc/gone").exists() && dir.path().join("etc").is_dir());
        assert!(!dir.path().join("var/old").exists(), "the opaque directory hides the lower layer's entries");
        assert!(dir.path().join("var/new").exists(), "but keeps its own layer's");
    }

    #[test]
    fn whiteouts_and_opaque_directories_take_overlayfs_form() {
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
}
