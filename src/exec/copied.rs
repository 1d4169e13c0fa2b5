//! Root filesystems by copying, where overlayfs cannot be mounted: the snapshots are applied in
//! order to one directory (whiteouts and opaque directories honoured, in either form), its
//! entries are noted, and after the step what changed is gathered into an upper directory with
//! OCI `.wh.` whiteout files — which any filesystem holds, and which layers are written from
//! as they are from an overlayfs upper directory.

use std::collections::{HashMap, HashSet};
use std::io;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, CWD, FileType, Gid, Mode, Timespec, Timestamps, Uid};

/// What identifies an entry's state: a change to any of these is a change of the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    ino: u64,
    rdev: u64,
    link: Option<PathBuf>,
}

impl Entry {
    fn of(path: &Path, meta: &std::fs::Metadata) -> Entry {
        Entry {
            mode: meta.mode(),
            uid: meta.uid(),
            gid: meta.gid(),
            size: if meta.is_dir() { 0 } else { meta.size() },
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            rdev: meta.rdev(),
            link: meta.file_type().is_symlink().then(|| std::fs::read_link(path).ok()).flatten(),
        }
    }
}

/// The entries of an assembled root filesystem before a step ran, by relative path.
pub struct Before(HashMap<PathBuf, Entry>);

/// Applies `lowers` (bottom first, each a snapshot in overlay form) to the empty directory
/// `merged`, and notes its entries.
pub fn assemble(lowers: &[PathBuf], merged: &Path) -> io::Result<Before> {
    for lower in lowers {
        apply(lower, merged)?;
    }
    let mut entries = HashMap::new();
    for entry in walkdir::WalkDir::new(merged).min_depth(1) {
        let entry = entry.map_err(io::Error::other)?;
        let relative = entry.path().strip_prefix(merged).map_err(io::Error::other)?.to_path_buf();
        entries.insert(relative, Entry::of(entry.path(), &entry.path().symlink_metadata()?));
    }
    Ok(Before(entries))
}

/// Copies one snapshot over `merged`. Directories come before what they hold, and a snapshot
/// directory replaces whatever non-directory `merged` has there, so nothing is ever written
/// through a symlink.
fn apply(snapshot: &Path, merged: &Path) -> io::Result<()> {
    let mut linked: HashMap<(u64, u64), PathBuf> = HashMap::new();
    let mut dirs = Vec::new();
    if opaque(snapshot) {
        empty(merged)?;
    }
    for entry in walkdir::WalkDir::new(snapshot).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        let target = merged.join(entry.path().strip_prefix(snapshot).map_err(io::Error::other)?);
        let meta = entry.path().symlink_metadata()?;
        let kind = meta.file_type();
        if kind.is_char_device() && meta.rdev() == 0 {
            remove(&target)?;
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if kind.is_file() && name.starts_with(".wh.") {
            // an opaque marker did its work when its directory came
            if let Some(hidden) = name.strip_prefix(".wh.").filter(|h| *h != ".wh..opq") {
                remove(&target.with_file_name(hidden))?;
            }
            continue;
        }
        if kind.is_dir() {
            match target.symlink_metadata() {
                Ok(existing) if existing.is_dir() => {
                    if opaque(entry.path()) {
                        empty(&target)?;
                    }
                }
                existing => {
                    if existing.is_ok() {
                        remove(&target)?;
                    }
                    std::fs::create_dir(&target)?;
                }
            }
            dirs.push((target, meta));
            continue;
        }
        remove(&target)?;
        if kind.is_file() {
            let inode = (meta.dev(), meta.ino());
            if let Some(first) = linked.get(&inode).filter(|_| meta.nlink() > 1) {
                std::fs::hard_link(first, &target)?;
                continue;
            }
            std::fs::copy(entry.path(), &target)?;
            linked.insert(inode, target.clone());
        } else {
            recreate(entry.path(), &meta, &target)?;
        }
        set_metadata(&target, &meta)?;
    }
    for (dir, meta) in dirs.iter().rev() {
        set_metadata(dir, meta)?;
    }
    Ok(())
}

/// Whether a snapshot directory is opaque (hides what lower layers put there), in either form.
fn opaque(dir: &Path) -> bool {
    rustix::fs::lgetxattr(dir, "trusted.overlay.opaque", &mut [0u8; 1]).is_ok_and(|n| n == 1)
        || dir.join(".wh..wh..opq").symlink_metadata().is_ok_and(|m| m.is_file())
}

/// Removes everything inside `dir`.
fn empty(dir: &Path) -> io::Result<()> {
    for child in std::fs::read_dir(dir)? {
        remove(&child?.path())?;
    }
    Ok(())
}

/// Gathers what changed in `merged` since `before` into the empty directory `upper`: new and
/// changed entries (files hard-linked, not copied) with every directory above them, and a
/// `.wh.` whiteout file for each removed entry whose parent is still there.
pub fn changes(merged: &Path, before: &Before, upper: &Path) -> io::Result<()> {
    let mut seen = HashSet::new();
    let mut made: HashSet<PathBuf> = HashSet::new();
    let mut dirs = Vec::new();
    for entry in walkdir::WalkDir::new(merged).min_depth(1).sort_by_file_name() {
        let entry = entry.map_err(io::Error::other)?;
        let relative = entry.path().strip_prefix(merged).map_err(io::Error::other)?.to_path_buf();
        let meta = entry.path().symlink_metadata()?;
        seen.insert(relative.clone());
        if before.0.get(&relative) == Some(&Entry::of(entry.path(), &meta)) {
            continue;
        }
        parents(merged, upper, &relative, &mut made, &mut dirs)?;
        let target = upper.join(&relative);
        if meta.is_dir() {
            if made.insert(relative.clone()) {
                std::fs::create_dir(&target)?;
                dirs.push((target, meta));
            }
        } else if meta.is_file() {
            std::fs::hard_link(entry.path(), &target)?;
        } else {
            recreate(entry.path(), &meta, &target)?;
            set_metadata(&target, &meta)?;
        }
    }
    for relative in before.0.keys().filter(|r| !seen.contains(*r)) {
        let parent = relative.parent().unwrap_or(Path::new(""));
        // under a directory that is gone (or no longer one), that directory's change covers it
        if !merged.join(parent).symlink_metadata().is_ok_and(|m| m.is_dir()) {
            continue;
        }
        parents(merged, upper, relative, &mut made, &mut dirs)?;
        let name = relative.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let whiteout = upper.join(relative).with_file_name(format!(".wh.{name}"));
        std::fs::OpenOptions::new().write(true).create_new(true).mode(0o0).open(whiteout)?;
    }
    // directories last: what was made inside them changed their times
    for (dir, meta) in dirs.iter().rev() {
        set_metadata(dir, meta)?;
    }
    Ok(())
}

/// Makes the directories above `relative` in `upper`, as `merged` has them.
fn parents(
    merged: &Path,
    upper: &Path,
    relative: &Path,
    made: &mut HashSet<PathBuf>,
    dirs: &mut Vec<(PathBuf, std::fs::Metadata)>,
) -> io::Result<()> {
    let ancestors: Vec<&Path> = relative.ancestors().skip(1).filter(|a| !a.as_os_str().is_empty()).collect();
    for ancestor in ancestors.into_iter().rev() {
        if made.insert(ancestor.to_path_buf()) {
            let target = upper.join(ancestor);
            std::fs::create_dir(&target)?;
            dirs.push((target, merged.join(ancestor).symlink_metadata()?));
        }
    }
    Ok(())
}

/// Removes whatever is at `path` (a directory with all it holds); nothing there is fine.
fn remove(path: &Path) -> io::Result<()> {
    match path.symlink_metadata() {
        Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
        Ok(_) => std::fs::remove_file(path),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// Makes a symlink, device or fifo like the one at `source`.
fn recreate(source: &Path, meta: &std::fs::Metadata, target: &Path) -> io::Result<()> {
    let kind = meta.file_type();
    if kind.is_symlink() {
        return std::os::unix::fs::symlink(std::fs::read_link(source)?, target);
    }
    let file_type = match () {
        _ if kind.is_char_device() => FileType::CharacterDevice,
        _ if kind.is_block_device() => FileType::BlockDevice,
        _ if kind.is_fifo() => FileType::Fifo,
        _ => return Err(io::Error::other(format!("{} is a socket, which a layer cannot hold", source.display()))),
    };
    rustix::fs::mknodat(CWD, target, file_type, Mode::from_raw_mode(meta.mode() & 0o7777), meta.rdev()).map_err(io::Error::from)
}

/// Gives `path` the owner, mode and times of `meta` (a symlink only its owner and times).
fn set_metadata(path: &Path, meta: &std::fs::Metadata) -> io::Result<()> {
    rustix::fs::chownat(CWD, path, Some(Uid::from_raw(meta.uid())), Some(Gid::from_raw(meta.gid())), AtFlags::SYMLINK_NOFOLLOW)
        .map_err(io::Error::from)?;
    if !meta.file_type().is_symlink() {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    }
    let time = |seconds: i64, nanos: i64| Timespec { tv_sec: seconds, tv_nsec: nanos as _ };
    let times = Timestamps { last_access: time(meta.atime(), meta.atime_nsec()), last_modification: time(meta.mtime(), meta.mtime_nsec()) };
    rustix::fs::utimensat(CWD, path, &times, AtFlags::SYMLINK_NOFOLLOW).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap_or(Path::new("/"))).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
    }

    fn names(root: &Path) -> Vec<String> {
        let mut names: Vec<String> = walkdir::WalkDir::new(root)
            .min_depth(1)
            .into_iter()
            .flatten()
            .map(|e| e.path().strip_prefix(root).map(|p| p.display().to_string()).unwrap_or_default())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn changes_are_gathered_with_whiteout_files() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (lower, merged, upper) = (dir.path().join("lower"), dir.path().join("merged"), dir.path().join("upper"));
        for d in [&lower, &merged, &upper] {
            std::fs::create_dir(d).unwrap_or_else(|e| panic!("{e}"));
        }
        write(&lower.join("etc/keep"), "same");
        write(&lower.join("etc/edit"), "old");
        write(&lower.join("gone/inside"), "x");
        write(&lower.join("usr/share/doc/file"), "doc");
        let before = assemble(std::slice::from_ref(&lower), &merged).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read_to_string(merged.join("etc/keep")).ok().as_deref(), Some("same"));
        write(&merged.join("etc/edit"), "new");
        write(&merged.join("usr/share/new/added"), "added");
        std::fs::remove_dir_all(merged.join("gone")).unwrap_or_else(|e| panic!("{e}"));
        changes(&merged, &before, &upper).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            names(&upper),
            [".wh.gone", "etc", "etc/edit", "usr", "usr/share", "usr/share/new", "usr/share/new/added"],
            "what changed, the directories above it, and one whiteout for a removed tree"
        );
        assert_eq!(std::fs::read_to_string(upper.join("etc/edit")).ok().as_deref(), Some("new"));
    }

    /// A lower snapshot with `a/old` and `c`, an empty upper one, an empty merged directory.
    fn two_snapshots() -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (bottom, top, merged) = (dir.path().join("bottom"), dir.path().join("top"), dir.path().join("merged"));
        for d in [&top, &merged] {
            std::fs::create_dir(d).unwrap_or_else(|e| panic!("{e}"));
        }
        write(&bottom.join("a/old"), "1");
        write(&bottom.join("c"), "3");
        (dir, bottom, top, merged)
    }

    #[test]
    fn snapshots_apply_whiteout_files_and_opaque_markers() {
        let (_dir, bottom, top, merged) = two_snapshots();
        write(&bottom.join("b/kept"), "2");
        write(&top.join("a/-new"), "4");
        write(&top.join("a/.wh..wh..opq"), "");
        write(&top.join(".wh.c"), "");
        assemble(&[bottom, top], &merged).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names(&merged), ["a", "a/-new", "b", "b/kept"], "a name sorting before the marker survives it");
    }

    #[test]
    fn snapshots_apply_overlay_markers() {
        if !rustix::process::geteuid().is_root() {
            println!("SKIP: overlayfs's whiteouts and trusted xattrs need root");
            return;
        }
        let (_dir, bottom, top, merged) = two_snapshots();
        write(&top.join("a/new"), "4");
        rustix::fs::lsetxattr(top.join("a"), "trusted.overlay.opaque", b"y", rustix::fs::XattrFlags::empty())
            .unwrap_or_else(|e| panic!("{e}"));
        rustix::fs::mknodat(CWD, top.join("c"), FileType::CharacterDevice, Mode::empty(), 0).unwrap_or_else(|e| panic!("{e}"));
        assemble(&[bottom, top], &merged).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names(&merged), ["a", "a/new"]);
    }
}
