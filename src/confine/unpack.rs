//! Layer tars applied to a root: every entry name checked (no `..`, no absolute path, no `/`
//! in a name, a whiteout's target a plain name), parents resolved inside the root, entries
//! made relative to their open parent. Written by hand: the tar crate's `unpack_in` follows
//! symlinks planted by earlier entries and knows nothing of whiteouts.

use std::collections::HashSet;
use std::io::{self, Read};
use std::path::Path;

use super::{Dir, Kind, Root, check_name, components, escape};

/// Why a layer could not be unpacked.
#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("layer entry `{entry}` is refused: {why}")]
    Escape { entry: String, why: String },
    #[error("the layer's content is not the one its image names: expected diff_id {expected}, the bytes give {actual}")]
    DiffId { expected: String, actual: String },
    #[error("{0}")]
    Io(#[from] io::Error),
}

fn refused(raw: &str, why: impl Into<String>) -> UnpackError {
    UnpackError::Escape { entry: escape(raw), why: why.into() }
}

/// What whiteouts become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whiteouts {
    /// overlayfs's markers, for a snapshot that is one lower directory of a stack.
    Overlay,
    /// Applied: the hidden path removed, an opaque directory emptied of what lower layers put
    /// there — for unpacking every layer of an image into one root filesystem. Only what this
    /// unpacking wrote is ever removed: a local output's destination keeps what it had.
    Apply,
    /// Kept as the OCI `.wh.` files they are, for a snapshot on a filesystem that cannot hold
    /// overlayfs's markers (snapshots that are copied, never mounted).
    Keep,
}

/// Applies layers, in order, to one root.
pub struct Unpacker<'r> {
    root: &'r Root,
    whiteouts: Whiteouts,
    /// Device nodes made and set-id bits kept (snapshots), or left out and listed in `skipped`
    /// (a local output on the host).
    special: bool,
    pub skipped: Vec<String>,
    /// Paths earlier layers wrote (with the directories they are in).
    earlier: HashSet<String>,
    /// Paths this layer wrote, and directories made for them.
    this_layer: HashSet<String>,
    /// The last parent directory looked up, which the next entries most likely share.
    parent: Option<(String, Dir)>,
    /// Whether the entry just made removed a directory the cached parent may stand in.
    stale: bool,
    as_root: bool,
    umask: u32,
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() { name.to_string() } else { format!("{parent}/{name}") }
}

impl<'r> Unpacker<'r> {
    pub fn new(root: &'r Root, whiteouts: Whiteouts) -> Unpacker<'r> {
        Unpacker {
            root,
            whiteouts,
            special: true,
            skipped: Vec::new(),
            earlier: HashSet::new(),
            this_layer: HashSet::new(),
            parent: None,
            stale: false,
            as_root: rustix::process::geteuid().is_root(),
            umask: process_umask(),
        }
    }

    /// Leaves device nodes out and set-id bits off, listing what was left out.
    pub fn without_special_files(mut self) -> Unpacker<'r> {
        self.special = false;
        self
    }

    /// Applies one layer's tar.
    pub fn layer(&mut self, tar: impl Read) -> Result<(), UnpackError> {
        let mut archive = tar::Archive::new(tar);
        let mut dirs: Vec<(String, String, i64)> = Vec::new();
        for entry in archive.entries()? {
            let mut entry = entry?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let parts = components(&raw).map_err(|why| refused(&raw, why))?;
            let Some((name, above)) = parts.split_last() else { continue };
            let parent = above.join("/");
            let dir = self.take_parent(&raw, &parent)?;
            let done = match name.starts_with(".wh.") {
                true => self.whiteout(&raw, &parent, &dir, name),
                false => self.entry(&mut entry, &raw, &parent, &dir, name, &mut dirs),
            };
            if !std::mem::take(&mut self.stale) {
                self.parent = Some((parent, dir));
            }
            done?;
        }
        // directories last: writing into them changed their times
        // (one a later entry of the layer removed is gone, and that is fine)
        for (parent, name, mtime) in dirs.iter().rev() {
            if let Ok(dir) = self.root.dir(parent) {
                match dir.set_mtime(name, *mtime, 0) {
                    Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e.into()),
                    _ => {}
                }
            }
        }
        self.parent = None;
        self.earlier.extend(self.this_layer.drain());
        Ok(())
    }

    /// One entry that is not a whiteout, made in `dir`.
    fn entry<R: Read>(
        &mut self,
        entry: &mut tar::Entry<R>,
        raw: &str,
        parent: &str,
        dir: &Dir,
        name: &str,
        dirs: &mut Vec<(String, String, i64)>,
    ) -> Result<(), UnpackError> {
        let path = join(parent, name);
        let header = entry.header().clone();
        let kind = header.entry_type();
        let mut mode = header.mode().unwrap_or(0o644) & 0o7777;
        let (uid, gid) = (header.uid().unwrap_or(0) as u32, header.gid().unwrap_or(0) as u32);
        let mtime = header.mtime().unwrap_or(0) as i64;
        let device = kind.is_character_special() || kind.is_block_special();
        if !self.special && (device || mode & 0o6000 != 0) {
            self.skipped.push(match device {
                true => format!("/{} (a device node)", escape(&path)),
                false => format!("/{} (its set-id bits)", escape(&path)),
            });
            if device {
                return Ok(());
            }
            mode &= !0o6000;
        }
        let existing = match self.may_exist(&path) {
            true => dir.stat(name)?,
            false => None,
        };
        let existed_dir = kind.is_dir() && existing.as_ref().is_some_and(|s| s.kind == Kind::Dir);
        if let Some(existing) = existing.filter(|_| !existed_dir) {
            self.replace(raw, &path, existing.kind)?;
            dir.remove(name)?;
            self.stale |= existing.kind == Kind::Dir;
        }
        self.mark(&path);
        // root creates root-owned files; anyone else's need a chown, which clears set-id bits
        let chowned = !(self.as_root && uid == 0 && gid == 0);
        let set_mode = !kind.is_symlink() && (chowned || mode & self.umask != 0 || existed_dir);
        match kind {
            k if k.is_dir() => {
                if !existed_dir {
                    dir.mkdir(name, mode)?;
                }
            }
            // the tar crate reads a GNU sparse file whole, its holes as zeros
            k if k.is_file() || k == tar::EntryType::Continuous || k.is_gnu_sparse() => {
                let mut file = dir.create_file(name, mode)?;
                io::copy(entry, &mut file)?;
                // owner, mode and time through the open file: no more lookups
                if chowned {
                    rustix::fs::fchown(&file, Some(rustix::fs::Uid::from_raw(uid)), Some(rustix::fs::Gid::from_raw(gid)))
                        .map_err(io::Error::from)?;
                }
                if set_mode {
                    rustix::fs::fchmod(&file, rustix::fs::Mode::from_raw_mode(mode)).map_err(io::Error::from)?;
                }
                let time = rustix::fs::Timespec { tv_sec: mtime, tv_nsec: 0 };
                rustix::fs::futimens(&file, &rustix::fs::Timestamps { last_access: time, last_modification: time })
                    .map_err(io::Error::from)?;
                return Ok(());
            }
            k if k.is_symlink() => {
                let target = entry.link_name()?.ok_or_else(|| refused(raw, "a symlink without a target"))?;
                dir.symlink(name, &target)?;
            }
            k if k.is_hard_link() => {
                let target = entry.link_name_bytes().map(|b| String::from_utf8_lossy(&b).into_owned()).unwrap_or_default();
                return self.hard_link(raw, dir, name, &target);
            }
            k if device || k.is_fifo() => {
                let kind = match k {
                    tar::EntryType::Char => Kind::CharDevice,
                    tar::EntryType::Block => Kind::BlockDevice,
                    _ => Kind::Fifo,
                };
                let major = header.device_major().ok().flatten().unwrap_or(0);
                let minor = header.device_minor().ok().flatten().unwrap_or(0);
                dir.mknod(name, kind, mode, rustix::fs::makedev(major, minor))?;
            }
            // pax and GNU long-name headers are consumed by the tar crate; anything else is skipped
            _ => return Ok(()),
        }
        if chowned {
            dir.set_owner(name, uid, gid)?;
        }
        if set_mode {
            dir.set_mode(name, mode)?;
        }
        match kind.is_dir() {
            true => dirs.push((parent.to_string(), name.to_string(), mtime)),
            false => dir.set_mtime(name, mtime, 0)?,
        }
        Ok(())
    }

    /// The open parent directory of an entry — the cached one, or made if missing (symlinks on
    /// the way followed inside the root) — taken out of the cache while the entry is made.
    fn take_parent(&mut self, raw: &str, parent: &str) -> Result<Dir, UnpackError> {
        if let Some((_, dir)) = self.parent.take().filter(|(cached, _)| cached == parent) {
            return Ok(dir);
        }
        let dir = self.root.make_dirs(parent, None)?.ok_or_else(|| refused(raw, "something on its path is not a directory"))?;
        if !parent.is_empty() {
            self.mark(parent);
        }
        Ok(dir)
    }

    /// Notes `path` (and the directories it is in) as written by this layer.
    fn mark(&mut self, path: &str) {
        let mut at = path;
        while self.this_layer.insert(at.to_string()) {
            match at.rsplit_once('/') {
                Some((up, _)) => at = up,
                None => break,
            }
        }
    }

    /// Whether something may be at `path` already: always when applying onto lower layers (or
    /// a destination's own files), else only what this layer wrote.
    fn may_exist(&self, path: &str) -> bool {
        self.whiteouts == Whiteouts::Apply || self.this_layer.contains(path)
    }

    /// Whether what is at `path` may be replaced: anything this unpacking wrote, and a
    /// destination's own files, but never a destination's own directory.
    fn replace(&self, raw: &str, path: &str, kind: Kind) -> Result<(), UnpackError> {
        let ours = self.earlier.contains(path) || self.this_layer.contains(path);
        match kind == Kind::Dir && !ours {
            true => {
                Err(refused(raw, format!("it would replace the directory {} that was there before", self.root.path().join(path).display())))
            }
            false => Ok(()),
        }
    }

    /// A `.wh.` entry in `dir`: an opaque directory or a hidden path, in the form asked for.
    fn whiteout(&mut self, raw: &str, parent: &str, dir: &Dir, name: &str) -> Result<(), UnpackError> {
        let opaque = name == ".wh..wh..opq";
        let hidden = name.strip_prefix(".wh.").unwrap_or_default();
        if !opaque {
            check_name(hidden).map_err(|why| refused(raw, format!("a whiteout must name a plain entry, not {why}")))?;
        }
        let written_before = |path: &str| self.earlier.contains(path) && !self.this_layer.contains(path);
        let doomed: Vec<String> = match (self.whiteouts, opaque) {
            (Whiteouts::Apply, true) => {
                dir.names()?.into_iter().map(|n| n.to_string_lossy().into_owned()).filter(|n| written_before(&join(parent, n))).collect()
            }
            (Whiteouts::Apply, false) => [hidden.to_string()].into_iter().filter(|n| written_before(&join(parent, n))).collect(),
            _ => Vec::new(),
        };
        for name in &doomed {
            dir.remove(name)?;
        }
        match (self.whiteouts, opaque) {
            (Whiteouts::Apply, _) => {}
            (Whiteouts::Overlay, true) => dir.set_opaque()?,
            (Whiteouts::Overlay, false) => {
                dir.remove(hidden)?;
                dir.mknod(hidden, Kind::CharDevice, 0, 0)?;
            }
            (Whiteouts::Keep, _) => {
                dir.remove(name)?;
                dir.create_file(name, 0)?;
            }
        }
        // what was removed may have been a directory a cached handle stands in
        self.stale |= !doomed.is_empty() || self.whiteouts == Whiteouts::Overlay && !opaque;
        Ok(())
    }

    /// A hard link to `target`, another entry of the root (never outside it).
    fn hard_link(&self, raw: &str, dir: &Dir, name: &str, target: &str) -> Result<(), UnpackError> {
        let parts = components(target).map_err(|why| refused(raw, format!("its link target {}: {why}", escape(target))))?;
        let Some((target_name, above)) = parts.split_last() else { return Err(refused(raw, "a hard link to the root")) };
        let source = self.root.make_dirs(&above.join("/"), None)?;
        let source = source.filter(|d| d.stat(target_name).ok().flatten().is_some_and(|s| s.kind != Kind::Dir));
        match source {
            Some(source) => Ok(dir.hard_link(name, &source, target_name)?),
            None if !self.special && self.skipped.iter().any(|s| s.starts_with(&format!("/{} ", escape(&parts.join("/"))))) => Ok(()),
            None => Err(refused(raw, format!("it links to `{}`, which the layer does not have", escape(target)))),
        }
    }
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

/// Unpacks one tar into the directory at `dest` (a fresh snapshot or scratch directory).
pub fn unpack_into(tar: impl Read, dest: &Path, whiteouts: Whiteouts) -> Result<(), UnpackError> {
    let root = Root::open(dest)?;
    Unpacker::new(&root, whiteouts).layer(tar)
}
