//! COPY and ADD as a tree of entries — sources matched by glob in a context (minus ignored
//! paths) or a stage's filesystem, directories copied by contents, owners and modes as BuildKit
//! sets them, local archives unpacked by ADD — written straight into the layer's tar: nothing is
//! copied to disk first.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::ignore::Ignore;
use super::unpack;
use super::users::Owner;
use crate::confine::{Kind, Root, Stat};

/// One COPY, its words expanded.
#[derive(Clone)]
pub struct Request<'a> {
    /// Where sources are read: a context directory or a stage's mounted filesystem, a root
    /// every source path resolves inside.
    pub root: &'a Path,
    pub sources: Vec<String>,
    /// The absolute destination.
    pub dest: String,
    /// Whether `dest` names a directory to copy into (rather than the copied file's new name).
    pub dest_is_dir: bool,
    /// `--chown`; without it, context files are root's and a stage's keep their owners.
    pub owner: Option<Owner>,
    pub keep_owner: bool,
    pub chmod: Option<super::chmod::Mode>,
    /// The context's ignore patterns.
    pub ignore: Ignore,
    /// `--exclude`: matched against each path below a copied directory, relative to it (a
    /// named or matched file is copied whatever its name, as in BuildKit).
    pub exclude: Ignore,
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

/// The paths inside `root` a source names (relative, in name order): globs are matched one
/// component at a time against directories listed inside the root.
pub fn matches(root: &Root, source: &str) -> io::Result<Vec<String>> {
    let relative = super::state::absolute("/", source).trim_start_matches('/').to_string();
    let wild = |part: &str| part.contains(['*', '?', '[']);
    if !wild(&relative) {
        return Ok(match relative.is_empty() || root.lstat(&relative)?.is_some() {
            true => vec![relative],
            false => Vec::new(),
        });
    }
    let parts: Vec<&str> = relative.split('/').collect();
    let mut found = vec![String::new()];
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let mut next = Vec::new();
        for prefix in &found {
            if wild(part) {
                let Ok(pattern) = glob::Pattern::new(part) else { return Ok(Vec::new()) };
                let Ok(dir) = root.dir(prefix) else { continue };
                for name in dir.names()? {
                    let name = name.to_string_lossy();
                    if pattern.matches(&name) {
                        next.push(join(prefix, &name));
                    }
                }
            } else {
                let candidate = join(prefix, part);
                let there = match last {
                    true => root.lstat(&candidate)?.is_some(),
                    false => root.stat(&candidate)?.is_some_and(|s| s.kind == Kind::Dir),
                };
                if there {
                    next.push(candidate);
                }
            }
        }
        found = next;
    }
    found.sort();
    Ok(found)
}

/// Whether a source names exactly one regular file (symlinks followed inside `root`).
pub fn single_file(root: &Path, source: &str) -> bool {
    let Ok(root) = Root::open(root) else { return false };
    match matches(&root, source).as_deref() {
        Ok([only]) => root.stat(only).ok().flatten().is_some_and(|s| s.kind == Kind::File),
        _ => false,
    }
}

/// Where `relative` leads inside `root` once its symlinks are followed, relative to the root.
fn resolved(root: &Root, relative: &str) -> io::Result<String> {
    let host = root.host_path(relative)?;
    Ok(host.strip_prefix(root.path()).map(|p| p.display().to_string()).unwrap_or_default())
}

fn join(prefix: &str, name: &str) -> String {
    if prefix.is_empty() { name.to_string() } else { format!("{prefix}/{name}") }
}

/// What one path of the layer holds.
#[derive(Debug, Clone)]
enum Content {
    /// A directory there only so the paths below it have a parent: not written, so an image
    /// that has it keeps its own (a base's `/tmp` stays 1777) and extractors make a missing
    /// one root-owned 0755.
    Implied,
    Dir,
    /// A regular file inside a root; `follow` when it was named through a symlink.
    File {
        root: Arc<Root>,
        path: String,
        follow: bool,
    },
    Symlink(PathBuf),
    Bytes(Vec<u8>),
}

impl Content {
    fn is_implied(&self) -> bool {
        matches!(self, Content::Implied)
    }
}

#[derive(Debug, Clone)]
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
        self.entries.iter().filter(|(_, e)| e.content.is_implied()).map(|(parts, _)| parts.join("/")).collect()
    }

    /// A directory, mode 0755, owned by `owner` (a WORKDIR's, or one a `--chown` COPY makes).
    pub fn put_dir(&mut self, path: &str, owner: Owner) {
        self.put(path, Entry { content: Content::Dir, mode: 0o755, owner, mtime: 0 });
    }

    /// A file with these bytes (a here-document), mode 0644, root's.
    /// A file of these bytes (a here-document): 0644 unless `--chmod` says otherwise.
    pub fn put_bytes(&mut self, path: &str, bytes: Vec<u8>, chmod: Option<super::chmod::Mode>, owner: Owner) {
        let mode = chmod.map_or(0o644, |m| m.apply(0o644, false));
        self.put(path, Entry { content: Content::Bytes(bytes), mode, owner, mtime: 0 });
    }

    /// Whether the layer writes an entry at or below `path` (an implied directory is not
    /// written, so it makes nothing by itself).
    pub fn writes_under(&self, path: &str) -> bool {
        self.under(&components(path)).any(|e| !e.content.is_implied())
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
                // a directory copied by its contents that had none: made, as BuildKit makes it
                Content::Implied if self.count_under(parts) == 1 => {
                    header.set_entry_type(tar::EntryType::Directory);
                    tar.append_data(&mut header, format!("{name}/"), io::empty())?;
                }
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
                Content::File { root, path, follow } => {
                    let file = match follow {
                        true => root.open_file(path)?,
                        false => root.open_nofollow(path)?,
                    };
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

/// Adds the request's sources to `tree`; every source resolves inside the request's root.
pub fn stage(request: &Request, tree: &mut Tree) -> Result<(), CopyError> {
    let root = Arc::new(Root::open(request.root)?);
    let dest = request.dest.trim_start_matches('/').to_string();
    for source in &request.sources {
        let found: Vec<String> = matches(&root, source)?.into_iter().filter(|rel| !request.ignore.excludes(rel)).collect();
        if found.is_empty() {
            return Err(CopyError::NotFound(source.clone()));
        }
        for relative in found {
            // a named source that is a symlink is followed, as BuildKit does: inside the root,
            // and never to a file the ignore patterns keep out of the context
            let meta = root.stat(&relative)?.ok_or_else(|| CopyError::NotFound(source.clone()))?;
            if request.ignore.excludes(&resolved(&root, &relative)?) {
                return Err(CopyError::NotFound(source.clone()));
            }
            if meta.kind == Kind::Dir {
                add_tree(request, tree, &root, &relative, &relative, "", &dest, true)?;
                // current BuildKit gives the directory it copies into --chmod's mode too
                if request.chmod.is_some() && !dest.is_empty() {
                    tree.put(&dest, metadata(request, Content::Dir, &meta));
                }
            } else if request.unpack_archives && meta.kind == Kind::File && is_archive(&root, &relative)? {
                let unpacked = tempfile::tempdir()?;
                let mut bytes = Vec::new();
                root.open_file(&relative)?.read_to_end(&mut bytes)?;
                unpack::unpack_blob(bytes.as_slice(), unpacked.path(), unpack::Whiteouts::Apply, None)?;
                let archive = Request { root: unpacked.path(), keep_owner: true, ignore: Ignore::default(), ..request.clone() };
                let archive_root = Arc::new(Root::open(unpacked.path())?);
                add_tree(&archive, tree, &archive_root, "", "", "", &dest, false)?;
                tree.unpacked.push(unpacked);
            } else {
                let name = relative.rsplit('/').next().unwrap_or_default();
                let target = match request.dest_is_dir {
                    true => join(&dest, name),
                    false => dest.clone(),
                };
                add_one(request, tree, &root, &relative, &meta, &target, true, None);
            }
        }
    }
    Ok(())
}

/// A directory's contents (not the directory itself) under `dest`; `dir` is its path inside
/// `root`, `relative` its path for the ignore patterns, `inside` its path below the copied
/// directory for `--exclude`.
#[allow(clippy::too_many_arguments)]
fn add_tree(
    request: &Request,
    tree: &mut Tree,
    root: &Arc<Root>,
    dir: &str,
    relative: &str,
    inside: &str,
    dest: &str,
    filtered: bool,
) -> io::Result<()> {
    if !dest.is_empty() {
        tree.imply(dest);
    }
    let opened = root.dir(dir)?;
    for name in opened.names()? {
        let name = name.to_string_lossy().into_owned();
        let Some(meta) = opened.stat(&name)? else { continue };
        let child_relative = join(relative, &name);
        let child_inside = join(inside, &name);
        if filtered && request.exclude.excludes(&child_inside) {
            continue;
        }
        let excluded = filtered && request.ignore.excludes(&child_relative);
        if excluded && !(meta.kind == Kind::Dir && request.ignore.has_exceptions()) {
            continue;
        }
        let target = join(dest, &name);
        let path = join(dir, &name);
        if meta.kind == Kind::Dir {
            let parts = components(&target);
            let before = tree.count_under(&parts);
            add_tree(request, tree, root, &path, &child_relative, &child_inside, &target, filtered)?;
            // an excluded directory kept only for its exceptions disappears if nothing came in
            if excluded && tree.count_under(&parts) <= before + 1 {
                tree.entries.remove(&parts);
                continue;
            }
            tree.put(&target, metadata(request, Content::Dir, &meta));
        } else {
            let link = (meta.kind == Kind::Symlink).then(|| opened.read_link(&name).ok()).flatten();
            add_one(request, tree, root, &path, &meta, &target, false, link);
        }
    }
    Ok(())
}

/// One non-directory entry: a regular file, a symlink (with its target); other kinds are skipped.
#[allow(clippy::too_many_arguments)]
fn add_one(
    request: &Request,
    tree: &mut Tree,
    root: &Arc<Root>,
    path: &str,
    meta: &Stat,
    target: &str,
    follow: bool,
    link: Option<PathBuf>,
) {
    let content = match (meta.kind, link) {
        (Kind::Symlink, Some(link)) => Content::Symlink(link),
        (Kind::File, _) => Content::File { root: root.clone(), path: path.to_string(), follow },
        _ => return,
    };
    tree.put(target, metadata(request, content, meta));
}

/// Owner, mode and mtime of a copied entry, as BuildKit sets them.
fn metadata(request: &Request, content: Content, source: &Stat) -> Entry {
    let owner = match (request.owner, request.keep_owner) {
        (Some(owner), _) => owner,
        (None, true) => Owner { uid: source.uid, gid: source.gid },
        (None, false) => Owner::default(),
    };
    let mode = match (&content, request.chmod) {
        (Content::Symlink(_), _) => 0o777,
        (content, Some(chmod)) => chmod.apply(source.mode, matches!(content, Content::Dir)),
        (_, None) => source.mode,
    };
    Entry { content, mode, owner, mtime: source.mtime }
}

/// A file ADD unpacks: gzip, or a tar (`ustar` magic).
fn is_archive(root: &Root, path: &str) -> io::Result<bool> {
    let mut head = [0u8; 262];
    let n = root.open_file(path)?.read(&mut head)?;
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
            exclude: Ignore::default(),
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
