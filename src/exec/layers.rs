//! Layers as the engine keeps them: a step's changes become a snapshot at once (its upper or
//! staging directory, renamed, never copied) and a compressed blob only when an output needs it
//! — a builder stage's layers are never compressed. Step results are recorded by content key.

use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::Ordering;

use serde_json::{Value as Json, json};

use super::diff;
use super::engine::{Engine, describe};
use super::rootfs::{Form, Mounted};
use super::state::{LayerRef, State};
use super::unpack::{self, Chunks, UnpackError, Whiteouts};
use super::{BuildError, io};
use crate::ir::{Digest, ImageRef};
use crate::oci::image::Descriptor;

/// How many bytes of a download are handed to the unpacking at a time.
const PIECE: usize = 256 << 10;

impl Engine<'_> {
    /// Adds a step's changes (a directory in overlay form) to `state` as a new layer: hashed for
    /// its diff_id (unless known), adopted as that layer's snapshot; compression waits for an output.
    pub(super) fn add_changes(
        &self,
        state: &mut State,
        dir: &std::path::Path,
        diff_id: Option<Digest>,
        created_by: &str,
    ) -> Result<(), BuildError> {
        let diff_id = match diff_id {
            Some(d) => d,
            None => diff::diff_id_of_dir(dir, self.epoch.max(0) as u64).map_err(io("hashing a step's changes"))?,
        };
        self.snapshots()?.adopt(dir, &diff_id).map_err(io("keeping a step's changes"))?;
        let descriptor = self.known_blob(&diff_id);
        state.push_layer(LayerRef { diff_id, descriptor, origin: None });
        state.history(created_by, self.epoch, false);
        Ok(())
    }

    /// Adds an already compressed layer (a COPY's) to `state`, its blob into the store.
    pub(super) fn add_blob(&self, state: &mut State, layer: crate::oci::layer::Layer, created_by: &str) -> Result<(), BuildError> {
        self.store.put_verified(&layer.digest, &layer.blob).map_err(io("storing a layer"))?;
        let descriptor = Descriptor::new(self.compression.media_type(), layer.digest, layer.blob.len() as u64);
        state.push_layer(LayerRef { diff_id: layer.diff_id, descriptor: Some(descriptor), origin: None });
        state.history(created_by, self.epoch, false);
        Ok(())
    }

    /// Whether a layer's blob is not yet in this build's compression: none written, or one of
    /// mpbake's own in the other compression (a base's layers stay as their image has them).
    pub(super) fn needs_blob(&self, layer: &LayerRef) -> bool {
        match &layer.descriptor {
            None => true,
            Some(d) => layer.origin.is_none() && d.media_type != self.compression.media_type(),
        }
    }

    /// The compressed blob of a layer: known, or written now from its snapshot or from its blob
    /// in the other compression (and remembered by diff_id, so the next build finds it).
    /// Compression is an output's property: a step's result serves gzip and zstd builds alike.
    pub(super) fn materialize(&self, layer: &LayerRef) -> Result<Descriptor, BuildError> {
        if !self.needs_blob(layer) {
            return layer.descriptor.clone().ok_or_else(|| BuildError::Tool(format!("layer {} has no blob", layer.diff_id)));
        }
        if let Some(d) = self.known_blob(&layer.diff_id) {
            return Ok(d);
        }
        if let Some(other) = layer.descriptor.as_ref().filter(|_| self.snapshot_of(&layer.diff_id).is_none()) {
            return self.recompress(layer, other);
        }
        self.rewrite_from_snapshot(layer).map(|(descriptor, _)| descriptor)
    }

    /// A layer's blob in the other compression, decompressed and compressed again as this build
    /// asks, stored and recorded.
    fn recompress(&self, layer: &LayerRef, other: &Descriptor) -> Result<Descriptor, BuildError> {
        let blob = self.store.get(&other.digest).ok_or_else(|| {
            BuildError::Tool(format!("layer {} is missing from the content store; building again runs the step that made it", other.digest))
        })?;
        let mut tar = Vec::new();
        std::io::copy(&mut crate::oci::layer::decompress(blob.as_slice()), &mut tar).map_err(io("decompressing a layer"))?;
        let written = crate::oci::layer::compress_as(tar, None, self.compression).map_err(io("compressing a layer"))?;
        if written.diff_id != layer.diff_id {
            return Err(BuildError::Tool(format!(
                "layer {} does not hash to its diff_id {}; run `mpbake cache prune`",
                other.digest, layer.diff_id
            )));
        }
        self.record_blob(&layer.diff_id, &written.blob, written.digest)
    }

    /// Stores a blob written for `diff_id` in this build's compression and records it.
    fn record_blob(&self, diff_id: &Digest, blob: &[u8], digest: Digest) -> Result<Descriptor, BuildError> {
        self.store.put(blob).map_err(io("storing a layer"))?;
        let descriptor = Descriptor::new(self.compression.media_type(), digest, blob.len() as u64);
        let record = json!({"mediaType": descriptor.media_type, "digest": descriptor.digest.to_string(), "size": descriptor.size});
        crate::oci::write_atomic(&self.blob_record(diff_id), record.to_string().as_bytes()).map_err(io("recording a layer"))?;
        Ok(descriptor)
    }

    /// A layer's blob written again from its snapshot, stored and recorded.
    fn rewrite_from_snapshot(&self, layer: &LayerRef) -> Result<(Descriptor, Vec<u8>), BuildError> {
        let snapshot = self.snapshot_of(&layer.diff_id).ok_or_else(|| {
            BuildError::Tool(format!("layer {} has neither a blob nor a snapshot; run `mpbake cache prune`", layer.diff_id))
        })?;
        let written = diff::layer_of_dir(&snapshot, self.epoch.max(0) as u64, self.compression).map_err(io("compressing a layer"))?;
        if written.diff_id != layer.diff_id {
            return Err(BuildError::Tool(format!(
                "the snapshot of layer {} changed on disk (it now hashes to {}); run `mpbake cache prune`",
                layer.diff_id, written.diff_id
            )));
        }
        let descriptor = self.record_blob(&layer.diff_id, &written.blob, written.digest)?;
        Ok((descriptor, written.blob))
    }

    /// Where the blob written for a diff_id in this build's compression is recorded.
    fn blob_record(&self, diff_id: &Digest) -> std::path::PathBuf {
        self.store.root().join("layers").join(format!("{}.{}", diff_id.hex, self.compression.name()))
    }

    /// A blob already written for this diff_id (in this build's compression), if the store
    /// still has it.
    fn known_blob(&self, diff_id: &Digest) -> Option<Descriptor> {
        let record: Json = serde_json::from_slice(&std::fs::read(self.blob_record(diff_id)).ok()?).ok()?;
        let digest = Digest::parse(record["digest"].as_str()?).ok()?;
        let size = record["size"].as_u64()?;
        if !self.store.has_whole(&digest, size) {
            return None;
        }
        Some(Descriptor::new(self.compression.media_type(), digest, size))
    }

    /// A layer's blob: from the store, else from its image's registry (verified, then stored),
    /// else compressed from its snapshot.
    pub(super) fn blob(&self, layer: &LayerRef) -> Result<(Descriptor, Vec<u8>), BuildError> {
        let (descriptor, bytes) = self.blob_bytes(layer)?;
        // a base's manifest may give a wrong size for bytes that match their digest: never copied on
        if bytes.len() as u64 != descriptor.size {
            return Err(BuildError::Tool(format!(
                "layer {}: its image's manifest gives its size as {} bytes, but the blob has {}",
                descriptor.digest,
                descriptor.size,
                bytes.len()
            )));
        }
        Ok((descriptor, bytes))
    }

    fn blob_bytes(&self, layer: &LayerRef) -> Result<(Descriptor, Vec<u8>), BuildError> {
        let descriptor = self.materialize(layer)?;
        if let Some(bytes) = self.store.get(&descriptor.digest) {
            return Ok((descriptor, bytes));
        }
        let (Some(origin), Some(registry)) = (&layer.origin, &self.registry) else {
            // a blob found damaged (and dropped) is written again from the layer's snapshot
            if self.snapshot_of(&layer.diff_id).is_some() {
                let (written, bytes) = self.rewrite_from_snapshot(layer)?;
                if written.digest == descriptor.digest {
                    return Ok((descriptor, bytes));
                }
            }
            return Err(BuildError::Tool(format!(
                "layer {} is missing from the content store (or was found damaged and dropped); building again runs the step that made it",
                descriptor.digest
            )));
        };
        let shown = self.progress.download(&descriptor.digest.to_string(), descriptor.size, &origin.to_string());
        let mut bytes = Vec::new();
        let fetched = registry.blob_stream(origin, &descriptor.digest, &mut |chunk| {
            shown.add(chunk.len());
            bytes.extend_from_slice(chunk);
            Ok(())
        });
        shown.finish(fetched.is_ok());
        fetched.map_err(|e| BuildError::Tool(e.to_string()))?;
        self.store.put_verified(&descriptor.digest, &bytes).map_err(io("storing a base layer"))?;
        Ok((descriptor, bytes))
    }

    /// The image's filesystem, mounted: its layers' snapshots (unpacked on first use) under an
    /// empty upper directory. Base layers downloaded for it are kept in the store when the
    /// image is an output's (which will need their blobs).
    pub(super) fn mount(&self, state: &State, output: bool) -> Result<Mounted, BuildError> {
        let snapshots = self.snapshots()?;
        let mut lowers = Vec::new();
        for layer in &state.layers {
            let snapshot = snapshots
                .ensure(&layer.diff_id, |dir| self.unpack_layer(layer, dir, output, snapshots.whiteouts()))
                .map_err(|e| BuildError::Tool(format!("unpacking layer {}: {e}", layer.diff_id)))?;
            lowers.push(snapshot);
        }
        let dir = snapshots.scratch().map_err(io("creating a mount directory"))?;
        match snapshots.form {
            Form::Portable => Mounted::copy(&lowers, dir).map_err(io("copying a step's root filesystem")),
            Form::Overlay => Mounted::overlay(&lowers, dir).map_err(|e| {
                BuildError::Tool(format!(
                    "{e}; RUN needs root and a kernel with overlayfs (run mpbake as root, or use `--snapshotter copy`)"
                ))
            }),
        }
    }

    /// Unpacks a layer into `dir`: from the store when it has the blob, else streamed from its
    /// image's registry and unpacked as it downloads, verified against its digest, and stored
    /// only if `keep` (a builder's base lives on as the snapshot; its blob is never output).
    fn unpack_layer(&self, layer: &LayerRef, dir: &Path, keep: bool, whiteouts: Whiteouts) -> Result<(), UnpackError> {
        let (Some(descriptor), Some(origin), Some(registry)) = (&layer.descriptor, &layer.origin, &self.registry) else {
            return self.unpack_stored(layer, dir, whiteouts);
        };
        if self.store.has(&descriptor.digest) {
            return self.unpack_stored(layer, dir, whiteouts);
        }
        let failed = |e: String| UnpackError::from(std::io::Error::other(e));
        let mut stored = match keep {
            true => Some(self.store.writer(&descriptor.digest).map_err(|e| failed(format!("storing a base layer: {e}")))?),
            false => None,
        };
        let abandoned = std::sync::atomic::AtomicBool::new(false);
        let shown = self.progress.download(&descriptor.digest.to_string(), descriptor.size, &origin.to_string());
        let result = std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel(16);
            let download = scope.spawn(|| {
                // whole pieces, so the first one shows the compression's magic bytes
                let mut piece = Vec::with_capacity(PIECE);
                registry
                    .blob_stream(origin, &descriptor.digest, &mut |bytes| {
                        shown.add(bytes.len());
                        if let Some(stored) = stored.as_mut() {
                            stored.write_all(bytes)?;
                        }
                        piece.extend_from_slice(bytes);
                        if piece.len() >= PIECE {
                            let full = std::mem::replace(&mut piece, Vec::with_capacity(PIECE));
                            if tx.send(Ok(full)).is_err() {
                                abandoned.store(true, Ordering::Relaxed);
                                return Err(std::io::Error::other("the unpacking stopped"));
                            }
                        }
                        Ok(())
                    })
                    .map_err(|e| e.to_string())?;
                let _ = tx.send(Ok(piece));
                drop(tx);
                stored.take().map_or(Ok(()), |s| s.commit().map_err(|e| format!("storing a base layer: {e}")))
            });
            let unpacked = unpack::unpack_blob(Chunks::new(rx), dir, whiteouts, Some(&layer.diff_id));
            let downloaded = download.join().unwrap_or_else(|_| Err("the download stopped unexpectedly".into()));
            match (unpacked, downloaded) {
                (Ok(()), downloaded) => downloaded.map_err(failed),
                // the unpacking gave up first (the download then stopped): its error is the cause
                (Err(e), _) if abandoned.load(Ordering::Relaxed) => Err(e),
                // a download that failed cut the stream short: its error is the cause
                (Err(e), downloaded) => downloaded.map_err(failed).and(Err(e)),
            }
        });
        shown.finish(result.is_ok());
        result
    }

    /// Unpacks a layer whose blob the store has (or can make from a snapshot).
    fn unpack_stored(&self, layer: &LayerRef, dir: &Path, whiteouts: Whiteouts) -> Result<(), UnpackError> {
        let (_, bytes) = self.blob(layer).map_err(|e| std::io::Error::other(describe(&e)))?;
        unpack::unpack_blob(bytes.as_slice(), dir, whiteouts, Some(&layer.diff_id))
    }

    /// A layer's snapshot in either form (both write the same layer), if there is one.
    fn snapshot_of(&self, diff_id: &Digest) -> Option<std::path::PathBuf> {
        self.snapshot_in_form(diff_id).map(|(path, _)| path)
    }

    /// A layer's snapshot and the form of its whiteouts, if there is one.
    pub(super) fn snapshot_in_form(&self, diff_id: &Digest) -> Option<(std::path::PathBuf, Form)> {
        [Form::Overlay, Form::Portable]
            .into_iter()
            .map(|form| (crate::exec::rootfs::snapshot_dir(self.store.root(), form).join(&diff_id.hex), form))
            .find(|(path, _)| path.is_dir())
    }

    /// A stored step result, if every layer it names can still be had (blob or snapshot),
    /// counted as a step taken from the cache.
    pub(super) fn recall(&self, key: &str) -> Option<State> {
        let state = self.load(key)?;
        // used now: `cache prune --keep-storage` removes the least recently used first
        let record = std::fs::File::options().write(true).open(self.store.root().join("steps").join(key));
        let _ = record.and_then(|f| f.set_modified(std::time::SystemTime::now()));
        self.cached.fetch_add(1, Ordering::Relaxed);
        if self.imported.0.contains(key) {
            self.imported.1.fetch_add(1, Ordering::Relaxed);
        }
        Some(state)
    }

    /// A stored result under `key`, if every layer it names can still be had: from the store,
    /// as a snapshot, or from the registry it names (asked when not a base this build pulled).
    pub(super) fn load(&self, key: &str) -> Option<State> {
        let bytes = std::fs::read(self.store.root().join("steps").join(key)).ok()?;
        let record: Json = serde_json::from_slice(&bytes).ok()?;
        let mut layers = Vec::new();
        for l in record["layers"].as_array()? {
            let diff_id = Digest::parse(l["diffId"].as_str()?).ok()?;
            let origin = l["origin"].as_str().and_then(|o| ImageRef::parse(o).ok());
            let descriptor = match l["digest"].as_str() {
                Some(d) => {
                    let media = crate::oci::pull::layer_media(l["mediaType"].as_str()?)?;
                    Some(Descriptor::new(media, Digest::parse(d).ok()?, l["size"].as_u64()?))
                }
                None => self.known_blob(&diff_id),
            };
            let here = descriptor.as_ref().is_some_and(|d| self.store.has_whole(&d.digest, d.size)) || self.snapshot_of(&diff_id).is_some();
            let available = here
                || match (&origin, &descriptor) {
                    (Some(o), Some(d)) => self.origins.has(self.registry, o, &d.digest, &|text| self.progress.line(text)),
                    (Some(_), None) => true,
                    (None, _) => false,
                };
            if !available {
                return None;
            }
            layers.push(LayerRef { diff_id, descriptor, origin });
        }
        let workdirs = record["workdirs"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|w| Some((w[0].as_str()?.to_string(), w[1].as_str()?.to_string())))
            .collect();
        Some(State {
            config: record["config"].clone(),
            layers,
            key: key.to_string(),
            cmd_set: record["cmdSet"].as_bool()?,
            workdirs,
            env_index: None,
        })
    }

    /// Records a step's result under its key, counted as a step executed.
    pub(super) fn remember(&self, state: &State) -> Result<(), BuildError> {
        self.executed.fetch_add(1, Ordering::Relaxed);
        self.store_state(state)
    }

    /// Records a result under its key (atomically: a crash leaves no half record).
    pub(super) fn store_state(&self, state: &State) -> Result<(), BuildError> {
        let path = self.store.root().join("steps").join(&state.key);
        crate::oci::write_atomic(&path, record_of(state).to_string().as_bytes()).map_err(io("recording a step"))
    }
}

/// A step result as its record holds it: config, layers (diff_id, origin, blob when known),
/// whether CMD was set, the WORKDIRs owed.
pub(super) fn record_of(state: &State) -> Json {
    let layers: Vec<Json> = state
        .layers
        .iter()
        .map(|l| {
            let mut entry = json!({"diffId": l.diff_id.to_string(), "origin": l.origin.as_ref().map(ToString::to_string)});
            if let Some(d) = &l.descriptor {
                entry["mediaType"] = json!(d.media_type);
                entry["digest"] = json!(d.digest.to_string());
                entry["size"] = json!(d.size);
            }
            entry
        })
        .collect();
    json!({"config": state.config, "layers": layers, "cmdSet": state.cmd_set, "workdirs": state.workdirs})
}
