//! What the local store holds, by kind (blobs, unpacked layers, step records, cache mounts,
//! upload sessions), and pruning it least recently used first: a step's use counts for the
//! blobs and unpacked layers it names, and a record whose layers are gone is ignored by builds.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The kinds of things in the store, in the order they are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Blobs,
    Unpacked,
    Steps,
    CacheMounts,
    Uploads,
    Records,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Blobs => "blobs",
            Kind::Unpacked => "unpacked layers",
            Kind::Steps => "step records",
            Kind::CacheMounts => "cache mounts",
            Kind::Uploads => "upload sessions",
            Kind::Records => "layer records",
        }
    }
}

/// One thing in the store: a file or a directory, its bytes on disk, when it was last used.
#[derive(Debug, Clone)]
pub struct Item {
    pub kind: Kind,
    pub path: PathBuf,
    pub bytes: u64,
    pub used: SystemTime,
}

/// The bytes under `path` (a file or a tree), each inode once, symlinks not followed.
fn bytes_of(path: &Path, seen: &mut HashSet<(u64, u64)>) -> u64 {
    use std::os::unix::fs::MetadataExt;
    walkdir::WalkDir::new(path)
        .into_iter()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .filter(|m| !m.is_dir() && seen.insert((m.dev(), m.ino())))
        .map(|m| m.blocks() * 512)
        .sum()
}

/// The entries of `dir` (none when it is absent), but `skip`.
fn entries(dir: &Path, skip: &[&str]) -> Vec<PathBuf> {
    let listed = std::fs::read_dir(dir).into_iter().flatten().flatten();
    listed.filter(|e| !skip.iter().any(|s| e.file_name() == *s)).map(|e| e.path()).collect()
}

/// Everything in the store at `root`, with step records' uses carried to what they name.
pub fn items(root: &Path) -> Vec<Item> {
    let places: [(Kind, PathBuf, &[&str]); 7] = [
        (Kind::Blobs, root.join("blobs/sha256"), &[]),
        (Kind::Unpacked, root.join("snapshots"), &["tmp", "portable"]),
        (Kind::Unpacked, root.join("snapshots/portable"), &["tmp"]),
        (Kind::Steps, root.join("steps"), &[]),
        (Kind::CacheMounts, root.join("mounts"), &[]),
        (Kind::Uploads, root.join("uploads"), &[]),
        (Kind::Records, root.join("layers"), &[]),
    ];
    let mut seen = HashSet::new();
    let mut items = Vec::new();
    for (kind, dir, skip) in places {
        for path in entries(&dir, skip) {
            let used = path.symlink_metadata().and_then(|m| m.modified()).unwrap_or(SystemTime::UNIX_EPOCH);
            items.push(Item { kind, bytes: bytes_of(&path, &mut seen), path, used });
        }
    }
    // a blob or unpacked layer was last used when the last step naming it was
    let mut named: BTreeMap<String, SystemTime> = BTreeMap::new();
    for step in items.iter().filter(|i| i.kind == Kind::Steps) {
        let record: serde_json::Value = std::fs::read(&step.path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default();
        for layer in record["layers"].as_array().into_iter().flatten() {
            for digest in [&layer["digest"], &layer["diffId"]].into_iter().filter_map(|d| d.as_str()?.strip_prefix("sha256:")) {
                let when = named.entry(digest.to_string()).or_insert(step.used);
                *when = (*when).max(step.used);
            }
        }
    }
    for item in &mut items {
        let name = item.path.file_name().map(|n| n.to_string_lossy().split('.').next().unwrap_or_default().to_string()).unwrap_or_default();
        if let Some(when) = named.get(&name) {
            item.used = item.used.max(*when);
        }
    }
    items
}

/// Removes the least recently used items until at most `keep` bytes remain, and every item
/// not used since `before`; returns what was removed.
pub fn prune(items: Vec<Item>, keep: Option<u64>, before: Option<SystemTime>) -> std::io::Result<Vec<Item>> {
    let mut items = items;
    items.sort_by_key(|i| i.used);
    let mut total: u64 = items.iter().map(|i| i.bytes).sum();
    let mut removed = Vec::new();
    for item in items {
        let over = keep.is_none_or(|k| total > k);
        let old = before.is_none_or(|b| item.used < b);
        if !(over && old) {
            continue;
        }
        match item.path.symlink_metadata()?.is_dir() {
            true => std::fs::remove_dir_all(&item.path)?,
            false => std::fs::remove_file(&item.path)?,
        }
        total = total.saturating_sub(item.bytes);
        removed.push(item);
    }
    Ok(removed)
}
