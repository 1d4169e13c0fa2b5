//! Reads shared caches before a build and adds their records to the store: untrusted input —
//! a layout is read inside a root handle, every blob and the records are checked against their
//! digests, sizes are capped, keys must be digests, and a record whose base layers come from a
//! registry this build does not use is dropped. A registry cache's layers stay there (the
//! record names the cache as their origin) until a step needs their files or an output their
//! blobs; a layout's are copied into the store. Any failure is a note, never a failed build.

use std::collections::HashSet;
use std::io::Read as _;

use serde_json::{Value as Json, json};

use super::entry::{Entry, Place};
use super::format::{self, Held};
use crate::confine::Root;
use crate::ir::{Digest, ImageRef};
use crate::oci::Registry;
use crate::oci::image::Descriptor;
use crate::oci::store::Store;

/// What the caches gave.
#[derive(Default)]
pub struct Imported {
    /// Keys of the records added to the store.
    pub keys: HashSet<String>,
    /// One line per cache: what it gave, or why it gave nothing.
    pub notes: Vec<String>,
}

/// What the cache at `place` holds, and its blob list.
pub fn read(place: &Place, registry: Option<&Registry>) -> Result<(Held, Vec<Descriptor>), String> {
    let cap = format::CONFIG_CAP as u64;
    let (manifest, config) = match place {
        Place::Local(dir) => {
            let root = Root::open(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let index = root.read_small("index.json", 1 << 20).map_err(|e| e.to_string())?.ok_or("no index.json: not a cache layout")?;
            let index: Json = serde_json::from_slice(&index).map_err(|e| format!("index.json: {e}"))?;
            let digest =
                Digest::parse(index["manifests"][0]["digest"].as_str().unwrap_or_default()).map_err(|e| format!("index.json: {e}"))?;
            let manifest = layout_blob(&root, &digest, 1 << 22)?;
            let (config, _, _) = format::read_manifest(&manifest)?;
            (manifest, layout_blob(&root, &config, cap)?)
        }
        Place::Registry(image) => {
            let registry = registry.ok_or("no registry client")?;
            let (manifest, _) = registry.manifest(image).map_err(|e| e.to_string())?;
            let (config, size, _) = format::read_manifest(&manifest)?;
            if size > cap {
                return Err(format!("its records are over {} MiB", cap >> 20));
            }
            (manifest, registry.blob(image, &config).map_err(|e| e.to_string())?)
        }
    };
    let (config_digest, _, blobs) = format::read_manifest(&manifest)?;
    if Digest::sha256(&config) != config_digest {
        return Err("its records do not match their digest".into());
    }
    Ok((format::read_config(&config)?, blobs))
}

/// A blob of a layout, at most `cap` bytes, checked against its digest.
fn layout_blob(root: &Root, digest: &Digest, cap: u64) -> Result<Vec<u8>, String> {
    let file = root.open_file(&format!("blobs/{}/{}", digest.algorithm, digest.hex)).map_err(|e| format!("blob {digest}: {e}"))?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(|e| format!("blob {digest}: {e}"))?;
    if bytes.len() as u64 > cap || Digest::sha256(&bytes) != *digest {
        return Err(format!("blob {digest} is damaged (its bytes do not hash to it)"));
    }
    Ok(bytes)
}

/// Adds the records of `entries` (tried in order; the first to hold a key gives it) to the
/// store. `hosts`: the registries this build uses, the only origins a record may name.
pub fn import(entries: &[Entry], store: &Store, registry: Option<&Registry>, hosts: &[String]) -> Imported {
    let mut imported = Imported::default();
    if let Err(e) = std::fs::create_dir_all(store.root().join("steps")) {
        imported.notes.push(format!("warning: the store's step records: {e}; building without the caches"));
        return imported;
    }
    for entry in entries {
        let (held, blobs) = match read(&entry.place, registry) {
            Ok(read) => read,
            Err(why) => {
                imported.notes.push(format!("warning: cache-from {}: {why}; building without it", entry.place));
                continue;
            }
        };
        let listed: HashSet<&Digest> = blobs.iter().map(|d| &d.digest).collect();
        let (mut added, mut dropped) = (0, 0);
        for (key, record) in &held.records {
            let path = store.root().join("steps").join(key);
            if path.exists() || imported.keys.contains(key) {
                continue;
            }
            match localize(record, &entry.place, &listed, store, hosts) {
                Some(record) if crate::oci::write_atomic(&path, record.to_string().as_bytes()).is_ok() => {
                    imported.keys.insert(key.clone());
                    added += 1;
                }
                _ => dropped += 1,
            }
        }
        let dropped = if dropped > 0 { format!(" ({dropped} unusable, left out)") } else { String::new() };
        let restored = restore_mounts(&held, &entry.place, registry, store, &listed);
        imported.notes.push(format!("cache-from {}: {added} step records{dropped}, {restored} cache mounts restored", entry.place));
    }
    imported
}

/// Restores the cache mounts `held` has and the store lacks; how many. A mount that cannot
/// be had is left empty, as on a first build.
fn restore_mounts(held: &Held, place: &Place, registry: Option<&Registry>, store: &Store, listed: &HashSet<&Digest>) -> usize {
    let mut restored = 0;
    for (id, layer) in &held.mounts {
        let digest = Digest::parse(layer["digest"].as_str().unwrap_or_default());
        let diff_id = Digest::parse(layer["diffId"].as_str().unwrap_or_default());
        let (Ok(digest), Ok(diff_id)) = (digest, diff_id) else { continue };
        if !listed.contains(&digest) {
            continue;
        }
        let blob = match place {
            Place::Local(dir) => Root::open(dir).map_err(|e| e.to_string()).and_then(|root| layout_blob(&root, &digest, u64::MAX >> 1)),
            Place::Registry(image) => {
                registry.ok_or_else(|| "no registry client".to_string()).and_then(|r| r.blob(image, &digest).map_err(|e| e.to_string()))
            }
        };
        if let Ok(true) = blob.and_then(|bytes| crate::exec::restore_mount(store.root(), id, &bytes, &diff_id)) {
            restored += 1;
        }
    }
    restored
}

/// A record as the store keeps it: its own layers found in `place` (a layout's copied into
/// the store, a registry's named as their origin), a base's kept when its registry is one of
/// `hosts`; None when a layer cannot be had.
fn localize(record: &Json, place: &Place, listed: &HashSet<&Digest>, store: &Store, hosts: &[String]) -> Option<Json> {
    let mut record = record.clone();
    for layer in record["layers"].as_array_mut()? {
        let digest = Digest::parse(layer["digest"].as_str()?).ok()?;
        Digest::parse(layer["diffId"].as_str()?).ok()?;
        match layer["origin"].as_str() {
            Some(origin) => {
                let origin = ImageRef::parse(origin).ok()?;
                hosts.contains(&origin.registry).then_some(())?;
            }
            None => {
                listed.contains(&digest).then_some(())?;
                match place {
                    Place::Local(dir) => {
                        if !store.has(&digest) {
                            let bytes = layout_blob(&Root::open(dir).ok()?, &digest, u64::MAX >> 1).ok()?;
                            store.put_verified(&digest, &bytes).ok()?;
                        }
                    }
                    Place::Registry(image) => layer["origin"] = json!(image.to_string()),
                }
            }
        }
    }
    Some(record)
}
