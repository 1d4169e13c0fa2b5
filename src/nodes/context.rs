//! The tar a node builds from: the target's context (after its .dockerignore) under `c/`, and
//! the emitted Dockerfile beside it, read through an open directory without following links.

use std::io;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::confine::{Dir, Kind};
use crate::exec::Ignore;

/// Where the context is inside the tar; the emitted Dockerfile reads it there.
pub const PREFIX: &str = "c";
/// The Dockerfile's name in the tar.
pub const DOCKERFILE: &str = "Dockerfile";

/// The tar of `context` with `dockerfile` beside it, and each named context's directory under
/// its own name in `named`, written into `file` (a context of any size costs disk, not
/// memory); files are owned by root, as BuildKit makes a context's files when it copies them.
pub fn tar(
    context: &Path,
    ignore: &[String],
    dockerfile: &str,
    named: &[(String, PathBuf)],
    file: NamedTempFile,
) -> io::Result<NamedTempFile> {
    let open = |path: &Path| Dir::open_host(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())));
    let top = open(context)?;
    let mut builder = tar::Builder::new(io::BufWriter::new(file));
    let mut header = tar::Header::new_gnu();
    header.set_size(dockerfile.len() as u64);
    header.set_mode(0o644);
    header.set_entry_type(tar::EntryType::Regular);
    builder.append_data(&mut header, DOCKERFILE, dockerfile.as_bytes())?;
    append_dir(&mut builder, &top, PREFIX, "", &Ignore::new(ignore))?;
    for (at, path) in named {
        append_dir(&mut builder, &open(path)?, at, "", &Ignore::new(&[]))?;
    }
    builder.into_inner()?.into_inner().map_err(io::IntoInnerError::into_error)
}

/// Appends `dir`'s entries (context-relative names under `relative`), sorted, skipping ignored
/// ones and anything but files, directories and symlinks.
fn append_dir<W: io::Write>(builder: &mut tar::Builder<W>, dir: &Dir, at: &str, relative: &str, ignore: &Ignore) -> io::Result<()> {
    let mut names: Vec<String> = dir.names()?.into_iter().filter_map(|n| n.into_string().ok()).collect();
    names.sort();
    for name in names {
        let path = if relative.is_empty() { name.clone() } else { format!("{relative}/{name}") };
        let excluded = ignore.excludes(&path);
        let Some(stat) = dir.stat(&name)? else { continue };
        if excluded && (stat.kind != Kind::Dir || !ignore.has_exceptions()) {
            continue;
        }
        let mut header = tar::Header::new_gnu();
        header.set_mode(stat.mode);
        header.set_mtime(stat.mtime.max(0) as u64);
        header.set_uid(0);
        header.set_gid(0);
        let in_tar = format!("{at}/{path}");
        match stat.kind {
            Kind::Dir => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                if !excluded {
                    builder.append_data(&mut header, format!("{in_tar}/"), io::empty())?;
                }
                append_dir(builder, &dir.open_dir(&name)?, at, &path, ignore)?;
            }
            Kind::File => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(stat.size);
                builder.append_data(&mut header, &in_tar, dir.open_file(&name)?)?;
            }
            Kind::Symlink => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_size(0);
                builder.append_link(&mut header, &in_tar, dir.read_link(&name)?)?;
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_context_goes_under_the_prefix_without_what_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/skip")).unwrap();
        std::fs::write(dir.path().join("src/main.go"), "package main").unwrap();
        std::fs::write(dir.path().join("src/skip/x"), "x").unwrap();
        std::fs::write(dir.path().join("secret.env"), "A=1").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.path().join("link")).unwrap();
        let (named, out) = ([("n/0".to_string(), dir.path().join("src"))], tempfile::tempdir().unwrap());
        let into = NamedTempFile::new_in(out.path()).unwrap();
        let file = tar(dir.path(), &["*.env".into(), "src/skip".into()], "FROM scratch\n", &named, into).unwrap();
        let mut archive = tar::Archive::new(std::fs::File::open(file.path()).unwrap());
        let names: Vec<String> = archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
        assert_eq!(names, ["Dockerfile", "c/link", "c/src/", "c/src/main.go", "n/0/main.go", "n/0/skip/", "n/0/skip/x"]);
    }
}
