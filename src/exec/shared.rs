//! What a shared-cache export takes from a build: the keys of the steps it resolved, each
//! step's record with a blob for every layer (compressed now if it never was), the blobs' bytes.

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

    /// A blob's bytes from the store.
    pub fn stored_blob(&self, digest: &Digest) -> Option<Vec<u8>> {
        self.store.get(digest)
    }
}
