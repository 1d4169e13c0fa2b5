//! What an image's layers show at a few paths (a directory, something else, or nothing) and
//! the contents of a few small files, read from the layers' tar listings or snapshots with
//! overlayfs's rules, without unpacking or mounting anything.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::{self, Read};
use std::path::Path;

use super::rootfs::Form;

/// What one layer holds at a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    /// A file, symlink or device: a path below it cannot be a directory.
    Other,
    Whiteout,
    /// Shown by `shown` for a path with a non-directory on the way (a symlink, say): nothing
    /// can be made there without following it.
    Blocked,
}

/// The paths to look at (relative, no leading slash), and those of them read whole.
pub struct Wanted {
    pub paths: BTreeSet<String>,
    pub whole: BTreeSet<String>,
}

impl Wanted {
    /// Every directory on the way to `paths` and the paths themselves, plus `whole` files.
    pub fn new<'a>(paths: impl IntoIterator<Item = &'a str>, whole: &[&'a str]) -> Wanted {
        let mut wanted = Wanted { paths: BTreeSet::new(), whole: whole.iter().map(|w| w.to_string()).collect() };
        for path in paths.into_iter().chain(whole.iter().copied()) {
            wanted.paths.extend(prefixes(path));
        }
        wanted
    }
}

/// `a`, `a/b`, `a/b/c` for `/a/b/c`.
pub fn prefixes(path: &str) -> Vec<String> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    (1..=parts.len()).map(|n| parts[..n].join("/")).collect()
}

/// One layer's entries at the wanted paths.
#[derive(Debug, Default)]
pub struct Listing {
    kinds: HashMap<String, Kind>,
    /// Wanted directories this layer makes opaque (hiding what lower layers have there).
    opaque: HashSet<String>,
    files: HashMap<String, Vec<u8>>,
}

impl Listing {
    /// From a layer's uncompressed tar.
    pub fn of_tar(tar: impl Read, wanted: &Wanted) -> io::Result<Listing> {
        let mut listing = Listing::default();
        let mut whited = HashSet::new();
        let mut archive = tar::Archive::new(tar);
        for entry in archive.entries()? {
            let mut entry = entry?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let mut ancestors = prefixes(&raw);
            let path = ancestors.pop().unwrap_or_default();
            // a layer need not list the directories its entries are in: they are there all the same
            for dir in ancestors.into_iter().filter(|a| wanted.paths.contains(a)) {
                listing.kinds.entry(dir).or_insert(Kind::Dir);
            }
            let (parent, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            if name == ".wh..wh..opq" {
                if wanted.paths.contains(parent) {
                    listing.opaque.insert(parent.to_string());
                }
            } else if let Some(hidden) = name.strip_prefix(".wh.") {
                let hidden = if parent.is_empty() { hidden.to_string() } else { format!("{parent}/{hidden}") };
                if wanted.paths.contains(&hidden) {
                    whited.insert(hidden);
                }
            } else if wanted.paths.contains(&path) {
                let kind = entry.header().entry_type();
                listing.kinds.insert(path.clone(), if kind.is_dir() { Kind::Dir } else { Kind::Other });
                if kind.is_file() && wanted.whole.contains(&path) {
                    let mut bytes = Vec::new();
                    entry.read_to_end(&mut bytes)?;
                    listing.files.insert(path, bytes);
                }
            }
        }
        // a whiteout hides the lower layers' path; one this layer also has stays, hiding
        // what the lower layers have below it
        for path in whited {
            match listing.kinds.get(&path) {
                None => {
                    listing.kinds.insert(path, Kind::Whiteout);
                }
                Some(Kind::Dir) => {
                    listing.opaque.insert(path);
                }
                Some(_) => {}
            }
        }
        Ok(listing)
    }

    /// From a layer's snapshot directory, in the form its whiteouts take there.
    pub fn of_snapshot(dir: &Path, form: Form, wanted: &Wanted) -> io::Result<Listing> {
        use std::os::unix::fs::FileTypeExt;
        let mut listing = Listing::default();
        // paths below a non-directory are not looked at: the lookup would follow a symlink,
        // perhaps out of the snapshot (parents come first in the sorted set)
        let mut blocked: Vec<&str> = Vec::new();
        for path in &wanted.paths {
            if blocked.iter().any(|b| path.starts_with(b) && path.as_bytes().get(b.len()) == Some(&b'/')) {
                continue;
            }
            let at = dir.join(path);
            let (parent, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
            let marker = |file: &str| dir.join(parent).join(file).symlink_metadata().is_ok();
            let meta = at.symlink_metadata();
            let regular = meta.as_ref().is_ok_and(|m| m.is_file());
            let kind = match (meta, form) {
                (Err(_), Form::Portable) if marker(&format!(".wh.{name}")) => Kind::Whiteout,
                (Err(_), _) => continue,
                (Ok(meta), Form::Overlay) if meta.file_type().is_char_device() && std::os::unix::fs::MetadataExt::rdev(&meta) == 0 => {
                    Kind::Whiteout
                }
                (Ok(meta), _) if meta.is_dir() => Kind::Dir,
                (Ok(_), _) => Kind::Other,
            };
            if kind == Kind::Dir {
                let opaque = match form {
                    Form::Overlay => rustix::fs::lgetxattr(&at, "trusted.overlay.opaque", &mut [0u8; 1]).is_ok_and(|n| n == 1),
                    Form::Portable => at.join(".wh..wh..opq").symlink_metadata().is_ok(),
                };
                if opaque {
                    listing.opaque.insert(path.clone());
                }
            }
            if kind != Kind::Dir {
                blocked.push(path);
            }
            // a regular file only, never through a symlink
            if regular && wanted.whole.contains(path) {
                use std::os::unix::fs::OpenOptionsExt;
                let nofollow = rustix::fs::OFlags::NOFOLLOW.bits() as i32;
                let mut file = std::fs::OpenOptions::new().read(true).custom_flags(nofollow).open(&at)?;
                let mut bytes = Vec::new();
                file.read_to_end(&mut bytes)?;
                listing.files.insert(path.clone(), bytes);
            }
            listing.kinds.insert(path.clone(), kind);
        }
        Ok(listing)
    }
}

/// What the image made of `layers` (bottom first) shows at `path`: a directory, something
/// else, `Blocked` (a non-directory on the way), or nothing (None). A higher layer decides:
/// its entry, a whiteout, a non-directory or whiteout on the way, or an opaque directory on the
/// way that hides the lower layers.
pub fn shown(layers: &[Listing], path: &str) -> Option<Kind> {
    let mut ancestors = prefixes(path);
    let path = ancestors.pop()?;
    for layer in layers.iter().rev() {
        for a in &ancestors {
            match layer.kinds.get(a) {
                Some(Kind::Other | Kind::Blocked) => return Some(Kind::Blocked),
                Some(Kind::Whiteout) => return None,
                _ => {}
            }
        }
        match layer.kinds.get(&path) {
            Some(Kind::Whiteout) => return None,
            Some(kind) => return Some(*kind),
            None if ancestors.iter().any(|a| layer.opaque.contains(a)) => return None,
            None => {}
        }
    }
    None
}

/// The contents of a file the image shows at `path`, if it was wanted whole.
pub fn file<'a>(layers: &'a [Listing], path: &str) -> Option<&'a [u8]> {
    if shown(layers, path) != Some(Kind::Other) {
        return None;
    }
    let path = prefixes(path).pop()?;
    layers.iter().rev().find(|l| l.kinds.contains_key(&path)).and_then(|l| l.files.get(&path)).map(Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tar of (path, kind, contents): kind 'd' a directory, 'f' a file.
    fn tar_of(entries: &[(&str, char, &str)]) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        for (path, kind, contents) in entries {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o755);
            header.set_size(contents.len() as u64);
            header.set_entry_type(if *kind == 'd' { tar::EntryType::Directory } else { tar::EntryType::Regular });
            builder.append_data(&mut header, path, contents.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
        }
        builder.into_inner().unwrap_or_else(|e| panic!("{e}"))
    }

    fn listing(entries: &[(&str, char, &str)], wanted: &Wanted) -> Listing {
        Listing::of_tar(tar_of(entries).as_slice(), wanted).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn higher_layers_decide_with_whiteouts_files_and_opaque_directories() {
        let wanted = Wanted::new(["/a/b/c", "/x/y", "/o/p"], &["etc/passwd"]);
        let base = listing(
            &[
                ("a/", 'd', ""),
                ("a/b/", 'd', ""),
                ("x/", 'd', ""),
                ("x/y/", 'd', ""),
                ("o/", 'd', ""),
                ("o/p/", 'd', ""),
                ("etc/passwd", 'f', "old"),
            ],
            &wanted,
        );
        let top = listing(&[("x/.wh.y", 'f', ""), ("o/", 'd', ""), ("o/.wh..wh..opq", 'f', ""), ("etc/passwd", 'f', "new")], &wanted);
        let layers = [base, top];
        assert_eq!(shown(&layers, "/a/b"), Some(Kind::Dir));
        assert_eq!(shown(&layers, "/a/b/c"), None);
        assert_eq!(shown(&layers, "/x"), Some(Kind::Dir));
        assert_eq!(shown(&layers, "/x/y"), None, "a whiteout hides it");
        assert_eq!(shown(&layers, "/o/p"), None, "an opaque directory hides what is below it");
        assert_eq!(file(&layers, "/etc/passwd"), Some(&b"new"[..]));
        let implied = listing(&[("x/y/z", 'f', "")], &wanted);
        assert_eq!(shown(std::slice::from_ref(&implied), "/x/y"), Some(Kind::Dir), "a directory an entry is in is there");
        let replaced = listing(&[("a", 'f', "")], &wanted);
        let layers = [layers.into_iter().next().unwrap_or_default(), replaced];
        assert_eq!(shown(&layers, "/a/b"), Some(Kind::Blocked), "a file replaced the directory");
        // a whiteout and the path in one layer: the path stays, hiding what lower layers have below it
        let recreated = listing(&[("x/.wh.y", 'f', ""), ("x/y/", 'd', "")], &Wanted::new(["/x/y/z"], &[]));
        let lower = listing(&[("x/y/z/", 'd', "")], &Wanted::new(["/x/y/z"], &[]));
        let layers = [lower, recreated];
        assert_eq!((shown(&layers, "/x/y"), shown(&layers, "/x/y/z")), (Some(Kind::Dir), None));
    }

    #[test]
    fn snapshot_files_are_never_read_through_a_symlink() {
        let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(outside.path().join("passwd"), "root:x:0:0::/:/bin/sh\n").unwrap_or_else(|e| panic!("{e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        std::os::unix::fs::symlink(outside.path(), dir.path().join("etc")).unwrap_or_else(|e| panic!("{e}"));
        let wanted = Wanted::new(["/etc/x"], &["etc/passwd"]);
        let snapshot = Listing::of_snapshot(dir.path(), Form::Portable, &wanted).unwrap_or_else(|e| panic!("{e}"));
        let layers = [snapshot];
        assert_eq!((shown(&layers, "/etc"), shown(&layers, "/etc/passwd")), (Some(Kind::Other), Some(Kind::Blocked)));
        assert_eq!(file(&layers, "/etc/passwd"), None);
        assert!(layers[0].files.is_empty() && !layers[0].kinds.contains_key("etc/passwd"));
    }

    #[test]
    fn snapshots_in_either_form_read_as_their_tars_do() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let root = dir.path();
        for d in ["a/b", "o"] {
            std::fs::create_dir_all(root.join(d)).unwrap_or_else(|e| panic!("{e}"));
        }
        for f in ["a/.wh.gone", "o/.wh..wh..opq", "file"] {
            std::fs::write(root.join(f), "").unwrap_or_else(|e| panic!("{e}"));
        }
        let wanted = Wanted::new(["/a/b", "/a/gone", "/o/x", "/file/y"], &[]);
        let snapshot = Listing::of_snapshot(root, Form::Portable, &wanted).unwrap_or_else(|e| panic!("{e}"));
        let base = listing(&[("a/", 'd', ""), ("a/gone/", 'd', ""), ("o/", 'd', ""), ("o/x/", 'd', "")], &wanted);
        let layers = [base, snapshot];
        assert_eq!(shown(&layers, "/a/b"), Some(Kind::Dir));
        assert_eq!(shown(&layers, "/a/gone"), None);
        assert_eq!(shown(&layers, "/o/x"), None);
        assert_eq!(shown(&layers, "/file"), Some(Kind::Other));
        assert_eq!(shown(&layers, "/file/y"), Some(Kind::Blocked));
    }
}
