//! COPY and ADD as a tree of entries — sources matched by glob in a context (minus ignored
//! paths) or a stage's filesystem, directories copied by contents, owners and modes as BuildKit
//! sets them, local archives unpacked by ADD — written straight into the layer's tar: nothing is
//! copied to disk first.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::ignore::Ignore;
use super::unpack;
use super::users::Owner;

/// One COPY, its words expanded.
#[derive(Clone)]
pub struct Request<'a> {
    /// Where sources are read: a context directory or a stage's mounted filesystem.
    pub root: &'a Path,
    pub sources: Vec<String>,
    /// The absolute destination.
    pub dest: String,
    /// Whether `dest` names a directory to copy into (rather than the copied file's new name).
    pub dest_is_dir: bool,
    /// `--chown`; without it, context files are root's and a stage's keep their owners.
    pub owner: Option<Owner>,
    pub keep_owner: bool,
    pub chmod: Option<u32>,
    /// The context's ignore patterns and the instruction's `--exclude`s.
    pub ignore: Ignore,
    /// ADD: local tar archives are unpacked into the destination.
    pub unpack_archives: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error("`{0}` matches nothing")]
    NotFound(String),
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("{0}")]
    Unpack(#[from] unpack::UnpackError),
}

/// The sources a request matches: (path on disk, path relative to the root), in name order.
pub fn matches(root: &Path, source: &str) -> Vec<(PathBuf, String)> {
    let relative = super::state::absolute("/", source).trim_start_matches('/').to_string();
    if relative.is_empty() {
        return vec![(root.to_path_buf(), String::new())];
    }
    if !relative.contains(['*', '?', '[']) {
        let path = root.join(&relative);
        return if path.symlink_metadata().is_ok() { vec![(path, relative)] } else { Vec::new() };
    }
    let pattern = format!("{}/{relative}", glob::Pattern::escape(&root.display().to_string()));
    let mut found: Vec<(PathBuf, String)> = glob::glob(&pattern)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|p| Some((p.clone(), p.strip_prefix(root).ok()?.display().to_string())))
        .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found
}

/// What one path of the layer holds.
#[derive(Debug, Clone, PartialEq)]
enum Content {
    /// A directory there only so the paths below it have a parent: not written, so an image
    /// that has it keeps its own (a base's `/tmp` stays 1777) and extractors make a missing
    /// one root-owned 0755.
    Implied,
    Dir,
    File(PathBuf),
    Symlink(PathBuf),
    Bytes(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    content: Content,
    mode: u32,
    owner: Owner,
    mtime: i64,
}

impl Entry {
    fn implied() -> Entry {
        Entry { content: Content::Implied, mode: 0o755, owner: Owner::default(), mtime: 0 }
    }
}

/// A COPY's layer before it is written: entries by path components (so parents sort before
/// their children and a later source replaces an earlier one at the same path).
#[derive(Default)]
pub struct Tree {
    entries: BTreeMap<Vec<String>, Entry>,
    /// Archives ADD unpacked, read when the tar is written.
    unpacked: Vec<tempfile::TempDir>,
}

fn components(path: &str) -> Vec<String> {
    path.split('/').filter(|c| !c.is_empty()).map(String::from).collect()
}

impl Tree {
    /// Puts an entry at `path`, with implied parent directories where none are.
    fn put(&mut self, path: &str, entry: Entry) {
        let parts = components(path);
        for depth in 1..parts.len() {
            self.entries.entry(parts[..depth].to_vec()).or_insert_with(Entry::implied);
        }
        if !parts.is_empty() {
            self.entries.insert(parts, entry);
        }
    }

    /// Makes `path` an implied directory unless something is there already.
    fn imply(&mut self, path: &str) {
        let parts = components(path);
        for depth in 1..=parts.len() {
            self.entries.entry(parts[..depth].to_vec()).or_insert_with(Entry::implied);
        }
    }

    /// The directories there only as parents (not written), in order.
    pub fn implied_dirs(&self) -> Vec<String> {
        self.entries.iter().filter(|(_, e)| e.content == Content::Implied).map(|(parts, _)| parts.join("/")).collect()
    }

    /// A directory, mode 0755, owned by `owner` (a WORKDIR's, or one a `--chown` COPY makes).
    pub fn put_dir(&mut self, path: &str, owner: Owner) {
        self.put(path, Entry { content: Content::Dir, mode: 0o755, owner, mtime: 0 });
    }

    /// A file with these bytes (a here-document), mode 0644, root's.
    pub fn put_bytes(&mut self, path: &str, bytes: Vec<u8>) {
        self.put(path, Entry { content: Content::Bytes(bytes), mode: 0o644, owner: Owner::default(), mtime: 0 });
    }

    /// Whether the layer writes an entry at or below `path` (an implied directory is not
    /// written, so it makes nothing by itself).
    pub fn writes_under(&self, path: &str) -> bool {
        self.under(&components(path)).any(|e| e.content != Content::Implied)
    }

    fn count_under(&self, parts: &[String]) -> usize {
        self.under(parts).count()
    }

    /// The entries at or below `parts`.
    fn under<'a>(&'a self, parts: &'a [String]) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.range(parts.to_vec()..).take_while(move |(k, _)| k.starts_with(parts)).map(|(_, e)| e)
    }

    /// Writes the entries into a tar, mtimes clamped to `epoch`.
    pub fn append<W: Write>(&self, tar: &mut tar::Builder<W>, epoch: u64) -> io::Result<()> {
        for (parts, entry) in &self.entries {
            let name = parts.join("/");
            let mut header = tar::Header::new_gnu();
            header.set_mtime((entry.mtime.max(0) as u64).min(epoch));
            header.set_uid(u64::from(entry.owner.uid));
            header.set_gid(u64::from(entry.owner.gid));
            header.set_mode(entry.mode);
            header.set_size(0);
            match &entry.content {
                Content::Implied => {}
                Content::Dir => {
                    header.set_entry_type(tar::EntryType::Directory);
                    tar.append_data(&mut header, format!("{name}/"), io::empty())?;
                }
                Content::Symlink(target) => {
                    header.set_entry_type(tar::EntryType::Symlink);
                    tar.append_link(&mut header, &name, target)?;
                }
                Content::Bytes(bytes) => {
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(bytes.len() as u64);
                    tar.append_data(&mut header, &name, bytes.as_slice())?;
                }
                Content::File(source) => {
                    let file = std::fs::File::open(source)?;
                    let len = file.metadata()?.len();
                    header.set_entry_type(tar::EntryType::Regular);
                    header.set_size(len);
                    tar.append_data(&mut header, &name, io::Read::take(file, len))?;
                }
            }
        }
        Ok(())
    }
}

/// Adds the request's sources to `tree`.
pub fn stage(request: &Request, tree: &mut Tree) -> Result<(), CopyError> {
    let dest = request.dest.trim_start_matches('/').to_string();
    for source in &request.sources {
        let found: Vec<_> = matches(request.root, source).into_iter().filter(|(_, rel)| !request.ignore.excludes(rel)).collect();
        if found.is_empty() {
            return Err(CopyError::NotFound(source.clone()));
        }
        for (path, relative) in found {
            // a named source that is a symlink is followed, as BuildKit does
            let meta = std::fs::metadata(&path)?;
            if meta.is_dir() {
                add_tree(request, tree, &path, &relative, &dest, true)?;
            } else if request.unpack_archives && is_archive(&path)? {
                let unpacked = tempfile::tempdir()?;
                unpack::unpack_blob(std::fs::read(&path)?.as_slice(), unpacked.path(), unpack::Whiteouts::Apply)?;
                let archive = Request { root: unpacked.path(), keep_owner: true, ignore: Ignore::default(), ..request.clone() };
                add_tree(&archive, tree, unpacked.path(), "", &dest, false)?;
                tree.unpacked.push(unpacked);
            } else {
                let target = match request.dest_is_dir {
                    true => format!("{dest}/{}", path.file_name().unwrap_or_default().to_string_lossy()),
                    false => dest.clone(),
                };
                add_one(request, tree, &path, &meta, &target);
            }
        }
    }
    Ok(())
}

/// A directory's contents (not the directory itself) under `dest`.
fn add_tree(request: &Request, tree: &mut Tree, dir: &Path, relative: &str, dest: &str, filtered: bool) -> io::Result<()> {
    if !dest.is_empty() {
        tree.imply(dest);
    }
    let mut names: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    names.sort_by_key(|e| e.file_name());
    for entry in names {
        let name = entry.file_name().to_string_lossy().into_owned();
        let child_relative = if relative.is_empty() { name.clone() } else { format!("{relative}/{name}") };
        let excluded = filtered && request.ignore.excludes(&child_relative);
        let meta = entry.path().symlink_metadata()?;
        if excluded && !(meta.is_dir() && request.ignore.has_exceptions()) {
            continue;
        }
        let target = if dest.is_empty() { name.clone() } else { format!("{dest}/{name}") };
        if meta.is_dir() {
            let parts = components(&target);
            let before = tree.count_under(&parts);
            add_tree(request, tree, &entry.path(), &child_relative, &target, filtered)?;
            // an excluded directory kept only for its exceptions disappears if nothing came in
            if excluded && tree.count_under(&parts) <= before + 1 {
                tree.entries.remove(&parts);
                continue;
            }
            tree.put(&target, metadata(request, Content::Dir, &meta));
        } else {
            add_one(request, tree, &entry.path(), &meta, &target);
        }
    }
    Ok(())
}

/// One non-directory entry: a file, a symlink; other kinds are skipped.
fn add_one(request: &Request, tree: &mut Tree, source: &Path, meta: &std::fs::Metadata, target: &str) {
    let content = if meta.file_type().is_symlink() {
        match std::fs::read_link(source) {
            Ok(link) => Content::Symlink(link),
            Err(_) => return,
        }
    } else if meta.is_file() {
        Content::File(source.to_path_buf())
    } else {
        return;
    };
    tree.put(target, metadata(request, content, meta));
}

/// Owner, mode and mtime of a copied entry, as BuildKit sets them.
fn metadata(request: &Request, content: Content, source: &std::fs::Metadata) -> Entry {
    let owner = match (request.owner, request.keep_owner) {
        (Some(owner), _) => owner,
        (None, true) => Owner { uid: source.uid(), gid: source.gid() },
        (None, false) => Owner::default(),
    };
    let mode = match content {
        Content::Symlink(_) => 0o777,
        _ => request.chmod.unwrap_or(source.mode() & 0o7777),
    };
    Entry { content, mode, owner, mtime: source.mtime() }
}

/// A local file ADD unpacks: gzip, or a tar (`ustar` magic).
fn is_archive(path: &Path) -> io::Result<bool> {
    use std::io::Read as _;
    let mut head = [0u8; 262];
    let n = std::fs::File::open(path)?.read(&mut head)?;
    Ok(n >= 2 && head[..2] == [0x1f, 0x8b] || n >= 262 && &head[257..262] == b"ustar")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(root: &Path, sources: &[&str], dest: &str, dest_is_dir: bool, ignore: &[&str]) -> Request<'static> {
        Request {
            root: Box::leak(root.to_path_buf().into_boxed_path()),
            sources: sources.iter().map(|s| s.to_string()).collect(),
            dest: dest.into(),
            dest_is_dir,
            owner: None,
            keep_owner: false,
            chmod: None,
            ignore: Ignore::new(&ignore.iter().map(|s| s.to_string()).collect::<Vec<_>>()),
            unpack_archives: false,
        }
    }

    fn files(tree: &Tree) -> Vec<String> {
        tree.entries.keys().map(|k| k.join("/")).collect()
    }

    #[test]
    fn directories_copy_by_contents_and_ignored_paths_stay_out() {
        let context = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let c = context.path();
        for (path, body) in
            [("go.mod", "module x"), ("main.go", "package main"), ("docs/a.md", "a"), ("src/b.go", "b"), ("src/b_test.go", "t")]
        {
            std::fs::create_dir_all(c.join(path).parent().unwrap_or(c)).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(c.join(path), body).unwrap_or_else(|e| panic!("{e}"));
        }
        let mut tree = Tree::default();
        stage(&request(c, &["."], "/src/", true, &["docs", "**/*_test.go"]), &mut tree).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(files(&tree), ["src", "src/go.mod", "src/main.go", "src/src", "src/src/b.go"]);

        let mut tree = Tree::default();
        stage(&request(c, &["*.go", "go.mod"], "/app/", true, &[]), &mut tree).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(files(&tree), ["app", "app/go.mod", "app/main.go"]);

        let mut tree = Tree::default();
        stage(&request(c, &["main.go"], "/usr/bin/app", false, &[]), &mut tree).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(files(&tree), ["usr", "usr/bin", "usr/bin/app"]);
        let mut tar = tar::Builder::new(Vec::new());
        tree.append(&mut tar, 0).unwrap_or_else(|e| panic!("{e}"));
        let bytes = tar.into_inner().unwrap_or_else(|e| panic!("{e}"));
        let mut archive = tar::Archive::new(bytes.as_slice());
        let mut written: Vec<(String, u32, Vec<u8>)> = Vec::new();
        for mut e in archive.entries().unwrap_or_else(|e| panic!("{e}")).flatten() {
            let mut body = Vec::new();
            io::Read::read_to_end(&mut e, &mut body).unwrap_or_else(|e| panic!("{e}"));
            written.push((e.path().map(|p| p.display().to_string()).unwrap_or_default(), e.header().mode().unwrap_or(0), body));
        }
        let written: Vec<(&str, &[u8])> = written.iter().map(|(p, _, b)| (p.as_str(), b.as_slice())).collect();
        assert_eq!(written, [("usr/bin/app", b"package main".as_slice())], "parent directories are implied, not written");

        let missing = stage(&request(c, &["docs/a.md"], "/x", false, &["docs"]), &mut tree);
        assert!(matches!(missing, Err(CopyError::NotFound(s)) if s == "docs/a.md"), "an ignored source is not found");
    }
}
