//! Whether a layer a stored record names can still be had from the registry it came from:
//! trusted for the bases this build pulled, asked once (a HEAD) for any other origin — a shared
//! cache's, which may have been deleted since its records were imported — so a layer that is
//! gone makes its step a miss that runs again, never a failed build.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use crate::ir::{Digest, ImageRef};
use crate::oci::Registry;

#[derive(Default)]
pub struct Origins {
    /// Base images this build pulled: their layers are where the manifest says.
    pulled: Mutex<HashSet<String>>,
    /// Answers already had, by origin and digest.
    answers: Mutex<HashMap<(String, String), bool>>,
    /// Registries that did not answer: every layer there counts as gone.
    down: Mutex<HashSet<String>>,
}

impl Origins {
    pub fn pulled(&self, image: &ImageRef) {
        if let Ok(mut pulled) = self.pulled.lock() {
            pulled.insert(image.to_string());
        }
    }

    /// Whether `origin` still has the blob `digest`; `say` hears why not, once per answer.
    pub fn has(&self, registry: Option<&Registry>, origin: &ImageRef, digest: &Digest, say: &dyn Fn(&str)) -> bool {
        let Some(registry) = registry else { return true };
        let name = origin.to_string();
        if self.pulled.lock().is_ok_and(|p| p.contains(&name)) {
            return true;
        }
        if self.down.lock().is_ok_and(|d| d.contains(&origin.registry)) {
            return false;
        }
        let key = (name.clone(), digest.to_string());
        if let Some(known) = self.answers.lock().ok().and_then(|a| a.get(&key).copied()) {
            return known;
        }
        let answer = match registry.has_blob(origin, digest) {
            Ok(true) => true,
            Ok(false) => {
                say(&format!("{name} no longer has layer {digest}: the step that made it runs again"));
                false
            }
            Err(e) => {
                say(&format!("{} does not answer ({e}): steps recorded from {name} run again", origin.registry));
                if let Ok(mut down) = self.down.lock() {
                    down.insert(origin.registry.clone());
                }
                false
            }
        };
        if let Ok(mut answers) = self.answers.lock() {
            answers.insert(key, answer);
        }
        answer
    }
}
