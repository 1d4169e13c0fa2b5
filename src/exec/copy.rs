//! COPY and ADD into a staging tree that becomes the step's layer: sources matched by glob in a
//! context (minus ignored paths) or a stage's filesystem, directories copied by contents, owners
//! and modes as BuildKit sets them, local archives unpacked by ADD.

use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, CWD, Gid, Mode, Timespec, Timestamps, Uid};

use super::ignore::Ignore;
use super::unpack;
use super::users::Owner;

/// One COPY, its words expanded.
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

/// Stages the request's files under `staging` (the future layer's root).
pub fn stage(request: &Request, staging: &Path) -> Result<(), CopyError> {
    let dest = staging.join(request.dest.trim_start_matches('/'));
    for source in &request.sources {
        let found: Vec<_> = matches(request.root, source).into_iter().filter(|(_, rel)| !request.ignore.excludes(rel)).collect();
        if found.is_empty() {
            return Err(CopyError::NotFound(source.clone()));
        }
        for (path, relative) in found {
            // a named source that is a symlink is followed, as BuildKit does
            let meta = std::fs::metadata(&path)?;
            if meta.is_dir() {
                copy_tree(request, &path, &relative, &dest)?;
            } else if request.unpack_archives && is_archive(&path)? {
                std::fs::create_dir_all(&dest)?;
                unpack::unpack_blob(&std::fs::read(&path)?, &dest, unpack::Whiteouts::Apply)?;
            } else {
                let target = match request.dest_is_dir {
                    true => dest.join(path.file_name().unwrap_or_default()),
                    false => dest.clone(),
                };
                if let Some(parent) = target.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                copy_one(request, &path, &meta, &target)?;
            }
        }
    }
    Ok(())
}

/// A directory's contents (not the directory itself) into `dest`.
fn copy_tree(request: &Request, dir: &Path, relative: &str, dest: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dest)?;
    let mut names: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<Vec<_>, _>>()?;
    names.sort_by_key(|e| e.file_name());
    for entry in names {
        let name = entry.file_name();
        let child_relative =
            if relative.is_empty() { name.to_string_lossy().into_owned() } else { format!("{relative}/{}", name.to_string_lossy()) };
        let excluded = request.ignore.excludes(&child_relative);
        let meta = entry.path().symlink_metadata()?;
        if excluded && !(meta.is_dir() && request.ignore.has_exceptions()) {
            continue;
        }
        let target = dest.join(&name);
        if meta.is_dir() {
            copy_tree(request, &entry.path(), &child_relative, &target)?;
            // an excluded directory kept only for its exceptions disappears if nothing came in
            if excluded && std::fs::read_dir(&target)?.next().is_none() {
                std::fs::remove_dir(&target)?;
                continue;
            }
            finish(request, &target, &meta)?;
        } else {
            copy_one(request, &entry.path(), &meta, &target)?;
        }
    }
    Ok(())
}

/// One non-directory entry: a file's bytes, a symlink's target; other kinds are skipped.
fn copy_one(request: &Request, source: &Path, meta: &std::fs::Metadata, target: &Path) -> io::Result<()> {
    if target.symlink_metadata().is_ok() {
        std::fs::remove_file(target)?;
    }
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(source)?, target)?;
    } else if meta.is_file() {
        std::fs::copy(source, target)?;
    } else {
        return Ok(());
    }
    finish(request, target, meta)
}

/// Owner, mode and mtime of a copied entry.
fn finish(request: &Request, target: &Path, source: &std::fs::Metadata) -> io::Result<()> {
    let owner = match (request.owner, request.keep_owner) {
        (Some(owner), _) => owner,
        (None, true) => Owner { uid: source.uid(), gid: source.gid() },
        (None, false) => Owner::default(),
    };
    rustix::fs::chownat(CWD, target, Some(Uid::from_raw(owner.uid)), Some(Gid::from_raw(owner.gid)), AtFlags::SYMLINK_NOFOLLOW)?;
    if !source.file_type().is_symlink() {
        let mode = request.chmod.unwrap_or(source.mode() & 0o7777);
        rustix::fs::chmodat(CWD, target, Mode::from_raw_mode(mode), AtFlags::empty())?;
    }
    let time = Timespec { tv_sec: source.mtime(), tv_nsec: 0 };
    rustix::fs::utimensat(CWD, target, &Timestamps { last_access: time, last_modification: time }, AtFlags::SYMLINK_NOFOLLOW)?;
    Ok(())
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

    fn files(root: &Path) -> Vec<String> {
        let mut out: Vec<String> = walkdir::WalkDir::new(root)
            .min_depth(1)
            .into_iter()
            .flatten()
            .map(|e| e.path().strip_prefix(root).map(|p| p.display().to_string()).unwrap_or_default())
            .collect();
        out.sort();
        out
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
        let staging = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        stage(&request(c, &["."], "/src/", true, &["docs", "**/*_test.go"]), staging.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(files(staging.path()), ["src", "src/go.mod", "src/main.go", "src/src", "src/src/b.go"]);

        let staging = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        stage(&request(c, &["*.go", "go.mod"], "/app/", true, &[]), staging.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(files(staging.path()), ["app", "app/go.mod", "app/main.go"]);

        let staging = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        stage(&request(c, &["main.go"], "/usr/bin/app", false, &[]), staging.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(std::fs::read_to_string(staging.path().join("usr/bin/app")).ok().as_deref(), Some("package main"));

        let missing = stage(&request(c, &["docs/a.md"], "/x", false, &["docs"]), staging.path());
        assert!(matches!(missing, Err(CopyError::NotFound(s)) if s == "docs/a.md"), "an ignored source is not found");
    }
}
