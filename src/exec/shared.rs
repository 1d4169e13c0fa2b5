//! What a shared cache takes from a build and gives back: the keys of the steps it resolved,
//! each step's record with a blob for every layer (compressed now if it never was), the blobs'
//! bytes, and cache mounts (`RUN --mount=type=cache`) as layers, restored through the
//! confined unpacking.

use serde_json::Value as Json;

use super::BuildError;
use super::engine::Engine;
use super::layers::record_of;
use crate::ir::Digest;
use crate::oci::image::Descriptor;

impl Engine<'_> {
    /// The step keys this build resolved for the plan's nodes at `positions`.
    pub fn keys_of(&self, positions: impl Iterator<Item = usize>) -> Vec<String> {
        let keys = self.keys.lock().map(|k| k.clone()).unwrap_or_default();
        positions.filter_map(|i| keys.get(i).cloned().flatten()).collect()
    }

    /// The record under `key` with every layer's blob descriptor (a base's layers keep their
    /// origin), and the blobs that are mpbake's own; None when the store holds no record (a
    /// step that records nothing: FROM, ENV, …) or lost a layer.
    pub fn exportable(&self, key: &str) -> Result<Option<(Json, Vec<Descriptor>)>, BuildError> {
        let Some(mut state) = self.load(key) else { return Ok(None) };
        let mut blobs = Vec::new();
        for layer in state.layers.iter_mut().filter(|l| l.origin.is_none()) {
            let descriptor = self.materialize(layer)?;
            blobs.push(descriptor.clone());
            layer.descriptor = Some(descriptor);
        }
        Ok(Some((record_of(&state), blobs)))
    }

    /// Cache mount `id` as a layer in this build's compression, its blob in the store: the
    /// blob's descriptor and the layer's diff_id; None when the mount is empty.
    pub fn mount_layer(&self, id: &str) -> std::io::Result<Option<(Descriptor, Digest)>> {
        let Some(layer) = mount_layer(self.store.root(), id, self.compression)? else { return Ok(None) };
        self.store.put_verified(&layer.digest, &layer.blob)?;
        let descriptor = Descriptor::new(self.compression.media_type(), layer.digest, layer.blob.len() as u64);
        Ok(Some((descriptor, layer.diff_id)))
    }

    /// A blob's bytes from the store.
    pub fn stored_blob(&self, digest: &Digest) -> Option<Vec<u8>> {
        self.store.get(digest)
    }
}

/// The directory of cache mount `id` in the store at `root`.
pub fn mount_dir(root: &std::path::Path, id: &str) -> std::path::PathBuf {
    root.join("mounts").join(Digest::sha256(id.as_bytes()).hex)
}

/// The content of cache mount `id` as a layer, None when the store has none or it is empty.
fn mount_layer(
    root: &std::path::Path,
    id: &str,
    compression: crate::oci::layer::Compression,
) -> std::io::Result<Option<crate::oci::layer::Layer>> {
    let dir = mount_dir(root, id);
    if std::fs::read_dir(&dir).map_or(true, |mut entries| entries.next().is_none()) {
        return Ok(None);
    }
    super::diff::layer_of_dir(&dir, 0, compression).map(Some)
}

/// Restores cache mount `id` from a layer blob (checked against `diff_id`) unless the store
/// already has content for it; the directory appears whole or not at all. Whether it restored.
pub fn restore_mount(root: &std::path::Path, id: &str, blob: &[u8], diff_id: &Digest) -> Result<bool, String> {
    let dir = mount_dir(root, id);
    if std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some()) {
        return Ok(false);
    }
    let parent = root.join("mounts");
    std::fs::create_dir_all(&parent).map_err(|e| e.to_string())?;
    let staging = tempfile::Builder::new().prefix(".restoring-").tempdir_in(&parent).map_err(|e| e.to_string())?;
    std::fs::set_permissions(staging.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755)).map_err(|e| e.to_string())?;
    super::unpack::unpack_blob(blob, staging.path(), super::unpack::Whiteouts::Apply, Some(diff_id)).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir(&dir);
    std::fs::rename(staging.keep(), &dir).map_err(|e| e.to_string())?;
    Ok(true)
}
