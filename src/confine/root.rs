//! A root handle on an untrusted tree: a path given inside it resolves as if the tree were `/`
//! (a symlink to `/etc/x` means `<root>/etc/x`, `..` stops at the root), so nothing reached
//! through it is outside.

use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsFd, AsRawFd};
use std::path::{Path, PathBuf};

use pathrs::flags::OpenFlags;

use super::dir::{Dir, Kind, Stat};
use super::from_pathrs;

pub struct Root {
    inner: pathrs::Root,
    /// The root as the host names it, symlinks resolved (for messages and `host_path`).
    path: PathBuf,
    top: Dir,
}

/// A path inside a root as pathrs takes it: relative, `.` for the root itself.
fn inside(path: &str) -> &str {
    match path.trim_start_matches('/') {
        "" => ".",
        relative => relative,
    }
}

/// `file` if it is a regular file: reading a fifo or a device from an untrusted tree could
/// block forever or read the host's hardware.
pub(super) fn regular(file: File) -> io::Result<File> {
    match Stat::of(&rustix::fs::fstat(&file)?).kind {
        Kind::File => Ok(file),
        other => Err(not_regular(other)),
    }
}

fn not_regular(kind: Kind) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("not a regular file (a {kind:?})"))
}

impl Root {
    /// Opens the directory at `path` (a host path the caller trusts) as a root.
    pub fn open(path: &Path) -> io::Result<Root> {
        let path = std::fs::canonicalize(path)?;
        let inner = pathrs::Root::open(&path).map_err(from_pathrs)?;
        let top = Dir::open_host(&path)?;
        Ok(Root { inner, path, top })
    }

    /// The root as the host names it.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The root directory itself.
    pub fn top(&self) -> &Dir {
        &self.top
    }

    /// What `path` is, symlinks followed inside the root; None when nothing is there (or a
    /// symlink on the way dangles).
    pub fn stat(&self, path: &str) -> io::Result<Option<Stat>> {
        self.stat_with(path, true)
    }

    /// What `path` is, its last component not followed.
    pub fn lstat(&self, path: &str) -> io::Result<Option<Stat>> {
        self.stat_with(path, false)
    }

    fn stat_with(&self, path: &str, follow: bool) -> io::Result<Option<Stat>> {
        let resolved = match follow {
            true => self.inner.resolve(inside(path)),
            false => self.inner.resolve_nofollow(inside(path)),
        };
        match resolved.map_err(from_pathrs) {
            Ok(handle) => Ok(Some(Stat::of(&rustix::fs::fstat(handle.as_fd())?))),
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The directory at `path`, symlinks followed inside the root.
    pub fn dir(&self, path: &str) -> io::Result<Dir> {
        let handle = self.inner.resolve(inside(path)).map_err(from_pathrs)?;
        // `.` of the resolved handle: no second lookup (pathrs's reopen goes through /proc)
        let flags = rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC;
        Ok(Dir::from_fd(rustix::fs::openat(handle.as_fd(), ".", flags, rustix::fs::Mode::empty())?))
    }

    /// The regular file at `path`, for reading, symlinks followed inside the root.
    pub fn open_file(&self, path: &str) -> io::Result<File> {
        self.open_regular(path, self.stat(path)?, OpenFlags::O_RDONLY)
    }

    /// The regular file at `path`, for reading, its last component not followed (a walk saw a
    /// file there; a symlink now is refused).
    pub fn open_nofollow(&self, path: &str) -> io::Result<File> {
        self.open_regular(path, self.lstat(path)?, OpenFlags::O_RDONLY | OpenFlags::O_NOFOLLOW)
    }

    /// Opens `path` with `flags` if what `found` there is a regular file. Looked at before it is
    /// opened: opening a fifo waits for a writer, and opening a device node an image planted
    /// would reach the host's hardware.
    fn open_regular(&self, path: &str, found: Option<Stat>, flags: OpenFlags) -> io::Result<File> {
        match found.map(|s| s.kind) {
            Some(Kind::File) => regular(self.inner.open_subpath(inside(path), flags).map_err(from_pathrs)?),
            Some(other) => Err(not_regular(other)),
            None => Err(io::Error::new(io::ErrorKind::NotFound, format!("{path}: no such file"))),
        }
    }

    /// A small regular file's bytes (an image's /etc/passwd), at most `cap` of them; None when
    /// there is no such file.
    pub fn read_small(&self, path: &str, cap: u64) -> io::Result<Option<Vec<u8>>> {
        let file = match self.open_file(path) {
            Ok(file) => file,
            Err(e) if matches!(e.kind(), io::ErrorKind::NotFound | io::ErrorKind::NotADirectory | io::ErrorKind::InvalidInput) => {
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        let mut bytes = Vec::new();
        file.take(cap + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > cap {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("{path} is larger than {cap} bytes")));
        }
        Ok(Some(bytes))
    }

    /// The host path of what `path` resolves to inside the root, for handing to another
    /// program (runc's bind mounts): no symlink is left in it, and it is checked to be inside.
    pub fn host_path(&self, path: &str) -> io::Result<PathBuf> {
        let handle = self.inner.resolve(inside(path)).map_err(from_pathrs)?;
        let resolved = std::fs::read_link(format!("/proc/self/fd/{}", handle.as_fd().as_raw_fd()))?;
        if !resolved.starts_with(&self.path) {
            return Err(io::Error::other(format!("{path} resolved outside its root, to {}", resolved.display())));
        }
        Ok(resolved)
    }

    /// Makes the missing directories of `path` (0755 whatever the umask, owned by `owner` or
    /// else by the caller), symlinks on the way followed inside the root: how extractors make
    /// a layer's implied parents and BuildKit a WORKDIR. None when something on the way is not
    /// a directory (nothing is made below it).
    pub fn make_dirs(&self, path: &str, owner: Option<(u32, u32)>) -> io::Result<Option<Dir>> {
        let parts = super::components(path.trim_start_matches('/'))
            .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, format!("{}: {why}", super::escape(path))))?;
        let mut at = Dir::from_fd(self.top.as_fd().try_clone_to_owned()?);
        for (i, part) in parts.iter().enumerate() {
            at = match at.stat(part)?.map(|s| s.kind) {
                Some(Kind::Dir) => at.open_dir(part)?,
                Some(Kind::Symlink) => match self.stat(&parts[..=i].join("/"))?.map(|s| s.kind) {
                    Some(Kind::Dir) => self.dir(&parts[..=i].join("/"))?,
                    _ => return Ok(None),
                },
                Some(_) => return Ok(None),
                None => {
                    at.mkdir(part, 0o755)?;
                    at.set_mode(part, 0o755)?;
                    if let Some((uid, gid)) = owner {
                        at.set_owner(part, uid, gid)?;
                    }
                    at.open_dir(part)?
                }
            };
        }
        Ok(Some(at))
    }
}

impl std::fmt::Debug for Root {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Root({})", self.path.display())
    }
}
