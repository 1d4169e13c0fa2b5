//! Runs a plan's steps in dependency order, each once for every target and platform it serves;
//! a step whose content key (its plan key, its parents' results, the bytes it copies) has a
//! stored result is skipped. Blobs live in the content store, unpacked layers in snapshots.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::{Value as Json, json};
use sha2::{Digest as _, Sha256};

use super::rootfs::{Mounted, Snapshots};
use super::state::{LayerRef, State};
use super::{BuildError, io};
use crate::diag::Diagnostic;
use crate::ir::{Digest, ImageRef, hex};
use crate::oci::image::{Descriptor, MEDIA_LAYER_GZIP};
use crate::oci::store::Store;
use crate::oci::{Registry, layer::Layer, pull};
use crate::plan::{Action, Node, Plan};

/// Counts for the end-of-build summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    pub executed: usize,
    pub cached: usize,
}

/// Executes one plan.
pub struct Engine<'a> {
    pub(super) plan: &'a Plan,
    pub(super) cwd: PathBuf,
    pub(super) epoch: i64,
    /// Secret ids → files, from the targets' `secret` attributes.
    pub(super) secrets: BTreeMap<String, PathBuf>,
    registry: Option<Registry>,
    pub(super) store: &'a Store,
    pub(super) snapshots: Snapshots,
    states: Vec<Option<State>>,
    pub stats: Stats,
}

impl<'a> Engine<'a> {
    pub fn new(
        plan: &'a Plan,
        store: &'a Store,
        registry: Option<Registry>,
        cwd: &Path,
        epoch: i64,
        secrets: BTreeMap<String, PathBuf>,
    ) -> Result<Engine<'a>, BuildError> {
        let snapshots = Snapshots::open(store.root()).map_err(io("opening the snapshot directory"))?;
        std::fs::create_dir_all(store.root().join("steps")).map_err(io("opening the step records"))?;
        Ok(Engine {
            plan,
            cwd: cwd.to_path_buf(),
            epoch,
            secrets,
            registry,
            store,
            snapshots,
            states: vec![None; plan.nodes.len()],
            stats: Stats::default(),
        })
    }

    /// The result of the node with this id.
    pub fn state_of(&mut self, id: &str) -> Result<State, BuildError> {
        let index =
            self.plan.nodes.iter().position(|n| n.id == id).ok_or_else(|| BuildError::Tool(format!("the plan has no step {id}")))?;
        self.state(index)
    }

    /// The result of node `index`, computing its parents first.
    pub(super) fn state(&mut self, index: usize) -> Result<State, BuildError> {
        if let Some(done) = &self.states[index] {
            return Ok(done.clone());
        }
        let plan = self.plan;
        let node = &plan.nodes[index];
        let parents = node.parents.iter().map(|&p| self.state(p)).collect::<Result<Vec<_>, _>>()?;
        let (started, cached) = (Instant::now(), self.stats.cached);
        let state = self.execute(node, &parents)?;
        if !matches!(node.action, Action::Config { .. }) {
            log_step(node, started, self.stats.cached > cached);
        }
        self.states[index] = Some(state.clone());
        Ok(state)
    }

    fn execute(&mut self, node: &Node, parents: &[State]) -> Result<State, BuildError> {
        match &node.action {
            Action::From { reference } => self.from(node, reference),
            Action::Config { op, args } => {
                let mut state = parents[0].clone();
                state.key = step_key(node, parents, &[]);
                state.apply(op, args);
                state.history(&node.op, self.epoch, true);
                Ok(state)
            }
            Action::Copy { op, from, args } => self.copy(node, op, from, args, parents),
            Action::Run { command, heredocs, mounts, network, args } => {
                self.run(node, &super::run::RunStep { command, heredocs, mounts, network: network.as_deref(), args }, parents)
            }
            Action::Inline => Err(BuildError::Tool(format!(
                "`{}` uses an inline-image target as a stage; building that inside a Dockerfile target is not supported yet",
                node.stage
            ))),
        }
    }

    /// `FROM scratch` or a registry image's platform manifest: config and layer references,
    /// nothing downloaded beyond the manifest and config.
    fn from(&mut self, node: &Node, reference: &str) -> Result<State, BuildError> {
        if reference == "scratch" {
            return Ok(State::scratch(&node.exec_platform, step_key(node, &[], &[])));
        }
        let image = ImageRef::parse(reference).map_err(|e| input(node, "build::invalid-reference", format!("`{reference}`: {e}")))?;
        let registry = self.registry.as_ref().ok_or_else(|| BuildError::Tool("no registry client for base images".into()))?;
        let pulled = pull::pull(registry, &image, &node.exec_platform).map_err(|e| BuildError::Tool(e.to_string()))?;
        let diff_ids: Vec<Digest> =
            pulled.config["rootfs"]["diff_ids"].as_array().into_iter().flatten().filter_map(|d| Digest::parse(d.as_str()?).ok()).collect();
        if diff_ids.len() != pulled.layers.len() {
            return Err(BuildError::Tool(format!(
                "{reference}: the config lists {} layers, the manifest {}",
                diff_ids.len(),
                pulled.layers.len()
            )));
        }
        let layers = pulled
            .layers
            .into_iter()
            .zip(diff_ids)
            .map(|(descriptor, diff_id)| LayerRef { descriptor, diff_id, origin: Some(image.clone()) })
            .collect();
        let key = step_key(node, &[], &[pulled.manifest.to_string()]);
        Ok(State { config: pulled.config, layers, key, cmd_set: false })
    }

    /// A layer's blob: from the store, else from its image's registry (verified, then stored).
    pub(super) fn blob(&self, layer: &LayerRef) -> Result<Vec<u8>, BuildError> {
        if let Some(bytes) = self.store.get(&layer.descriptor.digest) {
            return Ok(bytes);
        }
        let (Some(origin), Some(registry)) = (&layer.origin, &self.registry) else {
            return Err(BuildError::Tool(format!("layer {} is missing from the content store", layer.descriptor.digest)));
        };
        let bytes = registry.blob(origin, &layer.descriptor.digest).map_err(|e| BuildError::Tool(e.to_string()))?;
        self.store.put(&bytes).map_err(io("storing a base layer"))?;
        Ok(bytes)
    }

    /// The image's filesystem, mounted: its layers' snapshots (unpacked on first use) under an
    /// empty upper directory.
    pub(super) fn mount(&self, state: &State) -> Result<Mounted, BuildError> {
        let mut lowers = Vec::new();
        for layer in &state.layers {
            let snapshot = self
                .snapshots
                .ensure(&layer.diff_id, || self.blob(layer).map_err(|e| std::io::Error::other(describe(&e))))
                .map_err(|e| BuildError::Tool(format!("unpacking layer {}: {e}", layer.descriptor.digest)))?;
            lowers.push(snapshot);
        }
        let dir = self.snapshots.scratch().map_err(io("creating a mount directory"))?;
        Mounted::overlay(&lowers, dir).map_err(|e| BuildError::Tool(e.to_string()))
    }

    /// Adds a freshly written layer to `state` (blob into the store) with its history entry.
    pub(super) fn add_layer(&self, state: &mut State, layer: Layer, created_by: &str) -> Result<(), BuildError> {
        self.store.put(&layer.blob).map_err(io("storing a layer"))?;
        let descriptor = Descriptor::new(MEDIA_LAYER_GZIP, layer.digest, layer.blob.len() as u64);
        state.push_layer(LayerRef { descriptor, diff_id: layer.diff_id, origin: None });
        state.history(created_by, self.epoch, false);
        Ok(())
    }

    /// A stored step result, if every layer it names is still available.
    pub(super) fn recall(&mut self, key: &str) -> Option<State> {
        let bytes = std::fs::read(self.store.root().join("steps").join(key)).ok()?;
        let record: Json = serde_json::from_slice(&bytes).ok()?;
        let mut layers = Vec::new();
        for l in record["layers"].as_array()? {
            let digest = Digest::parse(l["digest"].as_str()?).ok()?;
            let origin = l["origin"].as_str().and_then(|o| ImageRef::parse(o).ok());
            if origin.is_none() && !self.store.has(&digest) {
                return None;
            }
            let media = crate::oci::pull::layer_media(l["mediaType"].as_str()?)?;
            let descriptor = Descriptor::new(media, digest, l["size"].as_u64()?);
            layers.push(LayerRef { descriptor, diff_id: Digest::parse(l["diffId"].as_str()?).ok()?, origin });
        }
        self.stats.cached += 1;
        Some(State { config: record["config"].clone(), layers, key: key.to_string(), cmd_set: record["cmdSet"].as_bool()? })
    }

    /// Records a step's result under its key (atomically: a crash leaves no half record).
    pub(super) fn remember(&mut self, state: &State) -> Result<(), BuildError> {
        self.stats.executed += 1;
        let layers: Vec<Json> = state
            .layers
            .iter()
            .map(|l| {
                json!({"mediaType": l.descriptor.media_type, "digest": l.descriptor.digest.to_string(), "size": l.descriptor.size,
                    "diffId": l.diff_id.to_string(), "origin": l.origin.as_ref().map(ToString::to_string)})
            })
            .collect();
        let record = json!({"config": state.config, "layers": layers, "cmdSet": state.cmd_set});
        let path = self.store.root().join("steps").join(&state.key);
        crate::oci::write_atomic(&path, record.to_string().as_bytes()).map_err(io("recording a step"))
    }
}

/// A step's cache key: its plan key, its parents' keys, and whatever else its result depends on.
pub(super) fn step_key(node: &Node, parents: &[State], extra: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(node.key.as_bytes());
    for p in parents {
        hasher.update([0]);
        hasher.update(p.key.as_bytes());
    }
    for e in extra {
        hasher.update([1]);
        hasher.update(e.as_bytes());
    }
    hex(&hasher.finalize())
}

/// An input error pointing at the step's instruction.
pub(super) fn input(node: &Node, code: &'static str, message: String) -> BuildError {
    let mut d = Diagnostic::error(code, message);
    if let Some(span) = node.span {
        d = d.with_label(span, format!("{} for {}", node.stage, node.exec_platform));
    }
    BuildError::Input(d)
}

fn describe(e: &BuildError) -> String {
    match e {
        BuildError::Input(d) => d.message.clone(),
        BuildError::Tool(m) => m.clone(),
    }
}

fn log_step(node: &Node, started: Instant, cached: bool) {
    let outcome = if cached { "CACHED".to_string() } else { format!("{:.2}s", started.elapsed().as_secs_f64()) };
    eprintln!("#{} [{} {}] {}  {outcome}", node.id, node.stage, node.exec_platform, node.op);
}
