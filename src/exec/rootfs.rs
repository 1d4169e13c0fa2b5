//! Root filesystems for RUN and `COPY --from`: each layer is unpacked once into a snapshot
//! directory named by its diff_id, and a step's filesystem is those snapshots stacked read-only
//! by overlayfs under a fresh upper directory, which afterwards holds exactly the step's changes
//! (or, where overlayfs cannot be mounted, a copy whose changes are gathered in that form).

use std::collections::HashMap;
use std::ffi::CString;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::copied;
use super::unpack::{UnpackError, Whiteouts};
use crate::ir::Digest;

/// How snapshots mark what a layer removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// overlayfs's own markers (0/0 character devices, `trusted.overlay.opaque`): snapshots are
    /// overlayfs lower directories. Under `<cache>/snapshots`.
    Overlay,
    /// OCI's `.wh.` files, which any filesystem can hold (overlayfs itself refuses its markers
    /// to its users): snapshots are only ever copied. Under `<cache>/snapshots/portable`.
    Portable,
}

/// Unpacked layers, shared by every build on the machine.
pub struct Snapshots {
    dir: PathBuf,
    pub form: Form,
    /// One lock per layer being unpacked, so parallel steps of one build unpack it once.
    unpacking: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

/// Where snapshots of `form` are kept under the cache directory.
pub fn snapshot_dir(cache_root: &Path, form: Form) -> PathBuf {
    match form {
        Form::Overlay => cache_root.join("snapshots"),
        Form::Portable => cache_root.join("snapshots/portable"),
    }
}

/// Whether overlayfs mounts with its directories on the cache directory's filesystem (an
/// empty lower directory, mounted and unmounted); why not, if it does not.
pub fn overlay_works(cache_root: &Path) -> io::Result<()> {
    let scratch = snapshot_dir(cache_root, Form::Overlay).join("tmp");
    std::fs::create_dir_all(&scratch)?;
    let lower = tempfile::tempdir_in(&scratch)?;
    let mut mounted = Mounted::overlay(&[lower.path().to_path_buf()], tempfile::tempdir_in(&scratch)?)?;
    mounted.unmount()
}

impl Snapshots {
    pub fn open(cache_root: &Path, form: Form) -> io::Result<Snapshots> {
        let dir = snapshot_dir(cache_root, form);
        std::fs::create_dir_all(dir.join("tmp"))?;
        Ok(Snapshots { dir, form, unpacking: Mutex::new(HashMap::new()) })
    }

    /// What whiteouts become when a layer is unpacked into a snapshot of this form.
    pub fn whiteouts(&self) -> Whiteouts {
        match self.form {
            Form::Overlay => Whiteouts::Overlay,
            Form::Portable => Whiteouts::Keep,
        }
    }

    /// The snapshot of the layer with `diff_id`, filled by `unpack` if not there yet (into a
    /// temporary directory renamed into place, so a crash or a concurrent build never sees half).
    pub fn ensure(&self, diff_id: &Digest, unpack: impl FnOnce(&Path) -> Result<(), UnpackError>) -> Result<PathBuf, UnpackError> {
        let path = self.path(diff_id);
        if path.is_dir() {
            return Ok(path);
        }
        let lock = self
            .unpacking
            .lock()
            .map(|mut m| m.entry(diff_id.hex.clone()).or_default().clone())
            .map_err(|_| io::Error::other("a lock was poisoned"))?;
        let _held = lock.lock().map_err(|_| io::Error::other("a lock was poisoned"))?;
        if path.is_dir() {
            return Ok(path);
        }
        let tmp = self.scratch()?;
        unpack(tmp.path())?;
        match std::fs::rename(tmp.path(), &path) {
            Ok(()) => {}
            // another build finished the same snapshot first
            Err(_) if path.is_dir() => {}
            Err(e) => return Err(e.into()),
        }
        Ok(path)
    }

    /// Where the snapshot of a layer is (whether or not it exists).
    pub fn path(&self, diff_id: &Digest) -> PathBuf {
        self.dir.join(&diff_id.hex)
    }

    /// Makes `dir` — a step's overlayfs upper directory or a COPY's staging tree, already in
    /// overlay form — the snapshot of the layer with `diff_id`, without copying it.
    pub fn adopt(&self, dir: &Path, diff_id: &Digest) -> io::Result<PathBuf> {
        let path = self.path(diff_id);
        if path.is_dir() {
            return Ok(path);
        }
        match std::fs::rename(dir, &path) {
            Ok(()) => Ok(path),
            Err(_) if path.is_dir() => Ok(path),
            Err(e) => Err(e),
        }
    }

    /// A fresh directory on the snapshots' filesystem (overlayfs wants upper and work dirs
    /// there), named after this process so a killed one's can be found.
    pub fn scratch(&self) -> io::Result<tempfile::TempDir> {
        tempfile::Builder::new().prefix(&super::cancel::scratch_prefix()).tempdir_in(self.dir.join("tmp"))
    }
}

/// How a step's root filesystem is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Snapshotter {
    /// overlayfs, or copying where overlayfs cannot be mounted.
    #[default]
    Auto,
    /// overlayfs only (an error where it cannot be mounted).
    Overlay,
    /// Copying: slower, but needs no overlayfs.
    Copy,
}

/// A step's root filesystem — an overlayfs mount, or a copy — unmounted (and its directories
/// removed) when dropped.
pub struct Mounted {
    pub merged: PathBuf,
    /// After `unmount`, the step's changes in overlay form.
    pub upper: PathBuf,
    mounted: bool,
    /// For a copy, its entries before the step.
    copied: Option<copied::Before>,
    dir: Option<tempfile::TempDir>,
}

impl Mounted {
    /// Mounts `lowers` (bottom first) read-only beneath a new, empty upper directory inside `dir`.
    pub fn overlay(lowers: &[PathBuf], dir: tempfile::TempDir) -> io::Result<Mounted> {
        let (merged, upper, work, empty) =
            (dir.path().join("merged"), dir.path().join("upper"), dir.path().join("work"), dir.path().join("empty"));
        for d in [&merged, &upper, &work, &empty] {
            std::fs::create_dir(d)?;
        }
        let mut stack: Vec<String> = lowers.iter().rev().map(|p| p.display().to_string()).collect();
        if stack.is_empty() {
            stack.push(empty.display().to_string());
        }
        let options = format!("lowerdir={},upperdir={},workdir={}", stack.join(":"), upper.display(), work.display());
        let data = CString::new(options).map_err(io::Error::other)?;
        rustix::mount::mount("overlay", &merged, "overlay", rustix::mount::MountFlags::empty(), data.as_c_str())
            .map_err(|e| io::Error::other(format!("cannot mount overlayfs ({e})")))?;
        Ok(Mounted { merged, upper, mounted: true, copied: None, dir: Some(dir) })
    }

    /// `lowers` (bottom first) copied into a new directory inside `dir`; `unmount` gathers what
    /// changed into the upper directory.
    pub fn copy(lowers: &[PathBuf], dir: tempfile::TempDir) -> io::Result<Mounted> {
        let (merged, upper) = (dir.path().join("merged"), dir.path().join("upper"));
        for d in [&merged, &upper] {
            std::fs::create_dir(d)?;
        }
        let before = copied::assemble(lowers, &merged)?;
        Ok(Mounted { merged, upper, mounted: false, copied: Some(before), dir: Some(dir) })
    }
}

impl Mounted {
    /// The same filesystem, with `merged` naming a path inside it (a copied file to bind).
    pub fn with_merged(mut self, merged: PathBuf) -> Mounted {
        self.merged = merged;
        self
    }

    /// Unmounts (or, for a copy, gathers its changes), keeping the upper directory for reading
    /// until drop.
    pub fn unmount(&mut self) -> io::Result<()> {
        if self.mounted {
            rustix::mount::unmount(&self.merged, rustix::mount::UnmountFlags::empty())?;
            self.mounted = false;
        }
        if let Some(before) = self.copied.take() {
            copied::changes(&self.merged, &before, &self.upper)?;
        }
        Ok(())
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if self.mounted {
            let _ = rustix::mount::unmount(&self.merged, rustix::mount::UnmountFlags::DETACH);
        }
        drop(self.dir.take());
    }
}
