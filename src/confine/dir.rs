//! An open directory of an untrusted tree: its entries looked up, made, changed and removed by
//! plain names with the `*at` system calls, never following a symlink at the name.

use std::ffi::{OsStr, OsString};
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, FileType, Gid, Mode, OFlags, Timespec, Timestamps, Uid};

use super::check_name;

/// An open directory (`O_DIRECTORY`), the base of every operation on its entries.
pub struct Dir {
    fd: OwnedFd,
}

/// What an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
}

/// An entry's kind, permission bits (with set-id and sticky bits), owner, size, times and ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stat {
    pub kind: Kind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    pub mtime: i64,
    pub rdev: u64,
    pub nlink: u64,
    pub dev: u64,
    pub ino: u64,
}

impl Stat {
    pub(super) fn of(st: &rustix::fs::Stat) -> Stat {
        let kind = match FileType::from_raw_mode(st.st_mode) {
            FileType::Directory => Kind::Dir,
            FileType::Symlink => Kind::Symlink,
            FileType::CharacterDevice => Kind::CharDevice,
            FileType::BlockDevice => Kind::BlockDevice,
            FileType::Fifo => Kind::Fifo,
            FileType::Socket => Kind::Socket,
            _ => Kind::File,
        };
        Stat {
            kind,
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            size: st.st_size as u64,
            mtime: st.st_mtime,
            rdev: st.st_rdev,
            nlink: st.st_nlink,
            dev: st.st_dev,
            ino: st.st_ino,
        }
    }
}

/// A name checked to be one plain component, as an `io::Error` when it is not.
fn plain(name: &str) -> io::Result<&str> {
    check_name(name)
        .map(|()| name)
        .map_err(|why| io::Error::new(io::ErrorKind::InvalidInput, format!("`{}` is {why}", super::escape(name))))
}

impl Dir {
    pub(super) fn from_fd(fd: OwnedFd) -> Dir {
        Dir { fd }
    }

    /// Opens a trusted host directory (a fresh scratch directory, say) as a `Dir`.
    pub fn open_host(path: &Path) -> io::Result<Dir> {
        let fd = rustix::fs::open(path, OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty())?;
        Ok(Dir { fd })
    }

    /// The directory's own metadata.
    pub fn stat_self(&self) -> io::Result<Stat> {
        Ok(Stat::of(&rustix::fs::fstat(&self.fd)?))
    }

    /// What `name` is (a symlink itself, not its target); None when nothing is there.
    pub fn stat(&self, name: &str) -> io::Result<Option<Stat>> {
        stat_at(self.fd.as_fd(), OsStr::new(plain(name)?))
    }

    /// The directory `name` (refused when it is a symlink or anything but a directory).
    pub fn open_dir(&self, name: &str) -> io::Result<Dir> {
        open_dir_at(self.fd.as_fd(), OsStr::new(plain(name)?))
    }

    /// The regular file `name`, for reading (a symlink, device or fifo is refused).
    pub fn open_file(&self, name: &str) -> io::Result<File> {
        let fd = rustix::fs::openat(
            &self.fd,
            plain(name)?,
            OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        super::root::regular(File::from(fd))
    }

    /// A new regular file `name` with `mode`, for writing; fails if anything is there.
    pub fn create_file(&self, name: &str, mode: u32) -> io::Result<File> {
        let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        Ok(File::from(rustix::fs::openat(&self.fd, plain(name)?, flags, Mode::from_raw_mode(mode))?))
    }

    pub fn mkdir(&self, name: &str, mode: u32) -> io::Result<()> {
        Ok(rustix::fs::mkdirat(&self.fd, plain(name)?, Mode::from_raw_mode(mode))?)
    }

    pub fn symlink(&self, name: &str, target: &Path) -> io::Result<()> {
        Ok(rustix::fs::symlinkat(target, &self.fd, plain(name)?)?)
    }

    /// A device node or fifo.
    pub fn mknod(&self, name: &str, kind: Kind, mode: u32, dev: u64) -> io::Result<()> {
        let file_type = match kind {
            Kind::CharDevice => FileType::CharacterDevice,
            Kind::BlockDevice => FileType::BlockDevice,
            Kind::Fifo => FileType::Fifo,
            other => return Err(io::Error::other(format!("mknod cannot make a {other:?}"))),
        };
        Ok(rustix::fs::mknodat(&self.fd, plain(name)?, file_type, Mode::from_raw_mode(mode), dev)?)
    }

    /// `name` made another link of `from`'s entry `from_name` (a symlink is linked, not followed).
    pub fn hard_link(&self, name: &str, from: &Dir, from_name: &str) -> io::Result<()> {
        Ok(rustix::fs::linkat(&from.fd, plain(from_name)?, &self.fd, plain(name)?, AtFlags::empty())?)
    }

    pub fn read_link(&self, name: &str) -> io::Result<PathBuf> {
        let target = rustix::fs::readlinkat(&self.fd, plain(name)?, Vec::new())?;
        Ok(PathBuf::from(<OsString as std::os::unix::ffi::OsStringExt>::from_vec(target.into_bytes())))
    }

    /// Owner of `name` itself (a symlink's own).
    pub fn set_owner(&self, name: &str, uid: u32, gid: u32) -> io::Result<()> {
        let (uid, gid) = (Some(Uid::from_raw(uid)), Some(Gid::from_raw(gid)));
        Ok(rustix::fs::chownat(&self.fd, plain(name)?, uid, gid, AtFlags::SYMLINK_NOFOLLOW)?)
    }

    /// Mode of `name`, which must not be a symlink (chmod follows them): callers have just made
    /// or looked at it.
    pub fn set_mode(&self, name: &str, mode: u32) -> io::Result<()> {
        Ok(rustix::fs::chmodat(&self.fd, plain(name)?, Mode::from_raw_mode(mode), AtFlags::empty())?)
    }

    /// Access and modification times of `name` itself.
    pub fn set_mtime(&self, name: &str, seconds: i64, nanos: i64) -> io::Result<()> {
        let time = Timespec { tv_sec: seconds, tv_nsec: nanos as _ };
        let times = Timestamps { last_access: time, last_modification: time };
        Ok(rustix::fs::utimensat(&self.fd, plain(name)?, &times, AtFlags::SYMLINK_NOFOLLOW)?)
    }

    /// Marks this directory opaque the way overlayfs reads it.
    pub fn set_opaque(&self) -> io::Result<()> {
        Ok(rustix::fs::fsetxattr(&self.fd, "trusted.overlay.opaque", b"y", rustix::fs::XattrFlags::empty())?)
    }

    /// Whether overlayfs's opaque mark is on this directory.
    pub fn is_opaque(&self) -> bool {
        rustix::fs::fgetxattr(&self.fd, "trusted.overlay.opaque", &mut [0u8; 1]).is_ok_and(|n| n == 1)
    }

    /// The names of the entries, sorted.
    pub fn names(&self) -> io::Result<Vec<OsString>> {
        let mut names = Vec::new();
        for entry in rustix::fs::Dir::read_from(&self.fd)? {
            let entry = entry?;
            let name = entry.file_name().to_bytes();
            if name != b"." && name != b".." {
                names.push(<OsString as std::os::unix::ffi::OsStringExt>::from_vec(name.to_vec()));
            }
        }
        names.sort();
        Ok(names)
    }

    /// Removes `name`, a directory with everything in it (iteratively: no depth is too deep);
    /// nothing there is fine. Nothing is followed.
    pub fn remove(&self, name: &str) -> io::Result<()> {
        remove_at(self.fd.as_fd(), OsStr::new(plain(name)?))
    }

    /// Removes `name` if it is an empty directory or an empty regular file (a mount point a
    /// runtime made); whether it did.
    pub fn remove_empty(&self, name: &str) -> io::Result<bool> {
        let flags = match self.stat(name)? {
            Some(s) if s.kind == Kind::Dir => AtFlags::REMOVEDIR,
            Some(s) if s.kind == Kind::File && s.size == 0 => AtFlags::empty(),
            _ => return Ok(false),
        };
        Ok(rustix::fs::unlinkat(&self.fd, name, flags).is_ok())
    }

    /// Removes every entry inside this directory.
    pub fn empty(&self) -> io::Result<()> {
        for name in self.names()? {
            remove_at(self.fd.as_fd(), &name)?;
        }
        Ok(())
    }
}

impl AsFd for Dir {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

fn stat_at(dir: BorrowedFd, name: &OsStr) -> io::Result<Option<Stat>> {
    match rustix::fs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => Ok(Some(Stat::of(&st))),
        Err(rustix::io::Errno::NOENT) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn open_dir_at(dir: BorrowedFd, name: &OsStr) -> io::Result<Dir> {
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    Ok(Dir { fd: rustix::fs::openat(dir, name, flags, Mode::empty())? })
}

/// Removes `name` in `parent`, emptying directories depth first with a stack of open ones
/// (each read once: its files removed, its directories left to visit).
fn remove_at(parent: BorrowedFd, name: &OsStr) -> io::Result<()> {
    match stat_at(parent, name)? {
        None => return Ok(()),
        Some(s) if s.kind != Kind::Dir => return Ok(rustix::fs::unlinkat(parent, name, AtFlags::empty())?),
        Some(_) => {}
    }
    let mut stack = vec![opened_for_removal(open_dir_at(parent, name)?, name.to_os_string())?];
    while let Some((dir, _, left)) = stack.last_mut() {
        match left.pop() {
            Some(child) => {
                let opened = open_dir_at(dir.fd.as_fd(), &child)?;
                stack.push(opened_for_removal(opened, child)?);
            }
            None => {
                let Some((_, done, _)) = stack.pop() else { break };
                let above = stack.last().map_or(parent, |(d, _, _)| d.fd.as_fd());
                rustix::fs::unlinkat(above, done.as_os_str(), AtFlags::REMOVEDIR)?;
            }
        }
    }
    Ok(())
}

/// A directory being removed: its non-directories unlinked now, its directories to visit.
fn opened_for_removal(dir: Dir, name: OsString) -> io::Result<(Dir, OsString, Vec<OsString>)> {
    let mut dirs = Vec::new();
    for child in dir.names()? {
        match stat_at(dir.fd.as_fd(), &child)? {
            Some(s) if s.kind == Kind::Dir => dirs.push(child),
            Some(_) => rustix::fs::unlinkat(&dir.fd, child.as_os_str(), AtFlags::empty())?,
            None => {}
        }
    }
    Ok((dir, name, dirs))
}
