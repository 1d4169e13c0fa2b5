//! Runs a plan's steps in dependency order, each once for every target and platform it serves;
//! a step whose content key (its plan key, its parents' results, the bytes it copies) has a
//! stored result is skipped. Blobs live in the content store, unpacked layers in snapshots.

use std::collections::BTreeMap;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use sha2::{Digest as _, Sha256};

use super::progress::{Outcome, Progress};
use super::rootfs::{self, Form, Snapshots, Snapshotter};
use super::state::{LayerRef, State};
use super::{BuildError, io};
use crate::diag::Diagnostic;
use crate::ir::{Digest, ImageRef, hex};
use crate::oci::layer::Compression;
use crate::oci::store::Store;
use crate::oci::{Registry, pull};
use crate::plan::{Action, Node, Plan};

/// What a build is told besides its plan.
pub struct Settings {
    /// The working directory contexts are relative to.
    pub cwd: PathBuf,
    /// SOURCE_DATE_EPOCH (0 when unset): files' and history's times.
    pub epoch: i64,
    /// The image configs' `created`: SOURCE_DATE_EPOCH, else the git HEAD commit time, else 0
    /// (set when an output is written, so it never changes a step's result).
    pub created: i64,
    /// Secret ids → files, from the targets' `secret` attributes.
    pub secrets: BTreeMap<String, PathBuf>,
    /// ssh ids → agent sockets, from the targets' `ssh` attributes.
    pub ssh: BTreeMap<String, PathBuf>,
    pub compression: Compression,
    /// How RUN steps get their root filesystem.
    pub snapshotter: Snapshotter,
    /// Bases already resolved in the registry by (reference, platform) (the build read them
    /// for their ONBUILD triggers): not asked for again.
    pub resolved: Resolved,
    /// Step keys whose records were imported from a shared cache for this build.
    pub imported: std::collections::HashSet<String>,
}

/// Registry bases resolved before the build, with what the registry answered.
pub type Resolved = BTreeMap<(String, String), Result<pull::Pulled, crate::oci::RegistryError>>;

/// Counts for the end-of-build summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct Stats {
    pub executed: usize,
    pub cached: usize,
    /// Of `cached`, the steps whose records came from a shared cache.
    pub imported: usize,
}

/// Executes one plan; steps whose parents are done run in parallel.
pub struct Engine<'a> {
    pub(super) plan: &'a Plan,
    pub(super) cwd: PathBuf,
    pub(super) epoch: i64,
    pub(super) created: i64,
    /// Secret ids → files, from the targets' `secret` attributes.
    pub(super) secrets: BTreeMap<String, PathBuf>,
    /// ssh ids → agent sockets, from the targets' `ssh` attributes.
    pub(super) ssh: BTreeMap<String, PathBuf>,
    pub(super) compression: Compression,
    snapshotter: Snapshotter,
    pub(super) registry: Option<&'a Registry>,
    pub(super) store: &'a Store,
    /// Opened when a step first needs a root filesystem, in the form the snapshotter settles.
    snapshots: std::sync::OnceLock<Snapshots>,
    opening: Mutex<()>,
    states: Mutex<Vec<Option<State>>>,
    /// Nodes whose image becomes an output (the steps of an output stage and of the stages
    /// it is built FROM): their base layers' blobs are kept when downloaded.
    outputs: Mutex<Vec<bool>>,
    /// Results with the WORKDIRs they owed made, for nodes whose image left its stage (an
    /// output, or a stage other steps copy or mount from); made when first asked for.
    leaving: Mutex<Vec<Option<State>>>,
    outcomes: Mutex<Vec<Option<Outcome>>>,
    /// Per node, the steps still to read its result, and whether the result is kept anyway (a
    /// result asked for): a result nobody will read is dropped, and its last reader takes it
    /// instead of copying it, so a chain of steps holds one image, not one per step.
    readers: Mutex<Vec<(usize, bool)>>,
    resolved: Mutex<Resolved>,
    pub(super) progress: &'a Progress,
    pub(super) executed: AtomicUsize,
    pub(super) cached: AtomicUsize,
    /// Keys imported from a shared cache, and how many of them were recalled.
    pub(super) imported: (std::collections::HashSet<String>, AtomicUsize),
    /// Each built node's step key, by position in the plan.
    pub(super) keys: Mutex<Vec<Option<String>>>,
    /// Which registries still have the layers stored records name.
    pub(super) origins: super::origins::Origins,
}

impl<'a> Engine<'a> {
    pub fn new(
        plan: &'a Plan,
        store: &'a Store,
        registry: Option<&'a Registry>,
        settings: Settings,
        progress: &'a Progress,
    ) -> Result<Engine<'a>, BuildError> {
        let Settings { cwd, epoch, created, secrets, ssh, compression, snapshotter, resolved, imported } = settings;
        for dir in ["steps", "layers"] {
            std::fs::create_dir_all(store.root().join(dir)).map_err(io("opening the step records"))?;
        }
        super::cancel::clean_leftovers(store.root()).map_err(io("cleaning what a killed mpbake left in the store"))?;
        progress.number(plan);
        Ok(Engine {
            plan,
            cwd,
            epoch,
            created,
            compression,
            snapshotter,
            secrets,
            ssh,
            registry,
            store,
            snapshots: Default::default(),
            opening: Mutex::new(()),
            states: Mutex::new(vec![None; plan.nodes.len()]),
            outputs: Mutex::new(vec![false; plan.nodes.len()]),
            leaving: Mutex::new(vec![None; plan.nodes.len()]),
            outcomes: Mutex::new(vec![None; plan.nodes.len()]),
            readers: Mutex::new(vec![(0, true); plan.nodes.len()]),
            resolved: Mutex::new(resolved),
            progress,
            executed: AtomicUsize::new(0),
            cached: AtomicUsize::new(0),
            imported: (imported, AtomicUsize::new(0)),
            keys: Mutex::new(vec![None; plan.nodes.len()]),
            origins: Default::default(),
        })
    }

    pub fn stats(&self) -> Stats {
        Stats {
            executed: self.executed.load(Ordering::Relaxed),
            cached: self.cached.load(Ordering::Relaxed),
            imported: self.imported.1.load(Ordering::Relaxed),
        }
    }

    /// Executes the steps the nodes with these ids need: a step starts once its parents are
    /// done, up to `jobs` at once; after a failure no new step starts and the first error is
    /// returned once the running ones end.
    pub fn build(&self, ids: &[String], jobs: usize) -> Result<(), BuildError> {
        let nodes = &self.plan.nodes;
        let mut needed = vec![false; nodes.len()];
        let mut stack: Vec<usize> = ids
            .iter()
            .map(|id| nodes.iter().position(|n| n.id == *id).ok_or_else(|| BuildError::Tool(format!("the plan has no step {id}"))))
            .collect::<Result<_, _>>()?;
        while let Some(i) = stack.pop() {
            if !std::mem::replace(&mut needed[i], true) {
                stack.extend(&nodes[i].parents);
            }
        }
        if let Ok(mut outputs) = self.outputs.lock() {
            for id in ids {
                let mut chain = nodes.iter().position(|n| n.id == *id);
                while let Some(i) = chain.filter(|&i| !std::mem::replace(&mut outputs[i], true)) {
                    chain = nodes[i].parents.first().copied();
                }
            }
        }
        let done: Vec<bool> = self.lock_states().iter().map(Option::is_some).collect();
        let mut waiting: Vec<usize> = nodes.iter().map(|n| n.parents.iter().filter(|p| !done[**p]).count()).collect();
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
        for (i, n) in nodes.iter().enumerate() {
            for &p in &n.parents {
                children[p].push(i);
            }
        }
        if let Ok(mut readers) = self.readers.lock() {
            let asked: Vec<usize> = ids.iter().filter_map(|id| nodes.iter().position(|n| n.id == *id)).collect();
            for (i, reader) in readers.iter_mut().enumerate() {
                let count = children[i].iter().filter(|&&c| needed[c] && !done[c]).count();
                *reader = (count, asked.contains(&i));
            }
        }
        let mut ready: VecDeque<usize> = (0..nodes.len()).filter(|&i| needed[i] && !done[i] && waiting[i] == 0).collect();
        let mut failure = None;
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::channel();
            let mut running = 0;
            loop {
                if super::cancel::stopping() && failure.is_none() {
                    failure = Some(BuildError::Tool("the build was cancelled".into()));
                }
                while failure.is_none() && running < jobs.max(1) {
                    let Some(i) = ready.pop_front() else { break };
                    let tx = tx.clone();
                    scope.spawn(move || {
                        let _ = tx.send((i, self.step(i)));
                    });
                    running += 1;
                }
                if running == 0 {
                    break;
                }
                let Ok((i, result)) = rx.recv() else { break };
                running -= 1;
                match result {
                    Ok(()) => {
                        for &c in &children[i] {
                            if done[c] {
                                continue;
                            }
                            waiting[c] -= 1;
                            if waiting[c] == 0 && needed[c] {
                                ready.push_back(c);
                            }
                        }
                    }
                    Err(e) => {
                        failure.get_or_insert(e);
                    }
                }
            }
        });
        failure.map_or(Ok(()), Err)
    }

    /// How each node ended, by position in the plan (None: not needed, or not reached).
    pub fn outcomes(&self) -> Vec<Option<Outcome>> {
        self.outcomes.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// The image a built node leaves its stage with (as an output or a stage to copy from):
    /// its result, with the WORKDIRs it still owes made (once, then kept).
    pub fn state_of(&self, id: &str) -> Result<State, BuildError> {
        let index =
            self.plan.nodes.iter().position(|n| n.id == id).ok_or_else(|| BuildError::Tool(format!("the plan has no step {id}")))?;
        self.leaving_state(index)
    }

    fn leaving_state(&self, index: usize) -> Result<State, BuildError> {
        let node = &self.plan.nodes[index];
        let state = self.lock_states()[index].clone().ok_or_else(|| BuildError::Tool(format!("step {} was not built", node.id)))?;
        if state.workdirs.is_empty() {
            return Ok(state);
        }
        let mut leaving = self.leaving.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(made) = &leaving[index] {
            return Ok(made.clone());
        }
        let made = self.make_workdirs(node, state)?;
        leaving[index] = Some(made.clone());
        Ok(made)
    }

    /// The snapshots, opened on first use: overlayfs's form when overlayfs mounts here (or is
    /// asked for), else the portable form, which `auto` says once.
    pub(super) fn snapshots(&self) -> Result<&Snapshots, BuildError> {
        if let Some(opened) = self.snapshots.get() {
            return Ok(opened);
        }
        let _only_one = self.opening.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(opened) = self.snapshots.get() {
            return Ok(opened);
        }
        let root = self.store.root();
        let form = match self.snapshotter {
            Snapshotter::Overlay => Form::Overlay,
            Snapshotter::Copy => Form::Portable,
            Snapshotter::Auto => match rootfs::overlay_works(root) {
                Ok(()) => Form::Overlay,
                Err(e) => {
                    eprintln!("mpbake: {e}; copying root filesystems instead (slower; `--snapshotter copy` skips the attempt)");
                    Form::Portable
                }
            },
        };
        let opened = Snapshots::open(root, form).map_err(io("opening the snapshot directory"))?;
        Ok(self.snapshots.get_or_init(|| opened))
    }

    /// Whether `node`'s image is (part of) an output's.
    pub(super) fn in_output(&self, node: &Node) -> bool {
        let index = self.plan.nodes.iter().position(|n| std::ptr::eq(n, node));
        self.outputs.lock().ok().zip(index).is_some_and(|(outputs, i)| outputs[i])
    }

    fn lock_states(&self) -> std::sync::MutexGuard<'_, Vec<Option<State>>> {
        self.states.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Executes node `index`, whose parents are done.
    fn step(&self, index: usize) -> Result<(), BuildError> {
        let node = &self.plan.nodes[index];
        let shown = super::progress::shown(node);
        if shown {
            self.progress.started(node);
        }
        let (started, cached) = (Instant::now(), self.cached.load(Ordering::Relaxed));
        // a panic is a bug, but the build must still end, with the step named
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            // the image to build on stays in its stage; the images copied or mounted from left theirs
            let mut parents: Vec<State> = (node.parents.iter().enumerate())
                .map(|(k, &p)| match k {
                    0 => self.base_state(p).ok_or_else(|| BuildError::Tool(format!("step {} ran before its parents", node.id))),
                    _ => self.leaving_state(p),
                })
                .collect::<Result<_, _>>()?;
            // a stage built FROM another starts with its CMD inherited, not set: an ENTRYPOINT clears it
            if let (Some(base), Some(&p)) = (parents.first_mut(), node.parents.first())
                && self.plan.nodes[p].stage != node.stage
            {
                base.cmd_set = false;
                // its base stage's triggers ran as its first steps (the planner put them there)
                base.clear_onbuild();
            }
            self.execute(node, parents)
        }))
        .unwrap_or_else(|panic| Err(internal_error(node, panic.as_ref())));
        let outcome = match &result {
            Err(_) => Outcome::Failed,
            Ok(_) if self.cached.load(Ordering::Relaxed) > cached => Outcome::Cached,
            Ok(_) => Outcome::Done(started.elapsed()),
        };
        if shown {
            self.progress.finished(node, outcome);
        }
        if let Ok(mut outcomes) = self.outcomes.lock() {
            outcomes[index] = Some(outcome);
        }
        let state = result?;
        if let Ok(mut keys) = self.keys.lock() {
            keys[index] = Some(state.key.clone());
        }
        self.lock_states()[index] = Some(state);
        self.read_by(node);
        Ok(())
    }

    /// The result of `p` for a step building on it: taken when that step is its last reader
    /// and nobody asked for it, else copied.
    fn base_state(&self, p: usize) -> Option<State> {
        let last = self.readers.lock().ok().is_some_and(|r| r[p] == (1, false));
        let mut states = self.lock_states();
        match last {
            true => states[p].take(),
            false => states[p].clone(),
        }
    }

    /// Notes that `node` has read its parents' results; a result no step will read again is
    /// dropped (unless asked for).
    fn read_by(&self, node: &Node) {
        let Ok(mut readers) = self.readers.lock() else { return };
        let mut unread = Vec::new();
        for &p in &node.parents {
            readers[p].0 = readers[p].0.saturating_sub(1);
            if readers[p] == (0, false) {
                unread.push(p);
            }
        }
        drop(readers);
        let mut states = self.lock_states();
        for p in unread {
            states[p] = None;
        }
    }

    fn execute(&self, node: &Node, mut parents: Vec<State>) -> Result<State, BuildError> {
        match &node.action {
            Action::From { reference } => self.from(node, reference),
            Action::Config { op, args } => {
                let key = step_key(node, &parents, &[]);
                // the base was taken (or copied) for this step alone: changed in place
                let base = (!parents.is_empty()).then(|| parents.swap_remove(0));
                let mut state = base.ok_or_else(|| BuildError::Tool(format!("step {} has no base", node.id)))?;
                state.key = key;
                state.apply(op, args).map_err(|e| input(node, "build::bad-word", format!("{}: {e}", op.keyword())))?;
                state.history(&node.op, self.epoch, true);
                Ok(state)
            }
            Action::Copy { op, from, args } => self.copy(node, op, from, args, &parents),
            Action::Run { command, heredocs, mounts, network, extra_hosts, no_cache, limits, args } => {
                let network = network.as_deref();
                let step = super::run::RunStep { command, heredocs, mounts, network, extra_hosts, no_cache: *no_cache, limits, args };
                self.run(node, &step, &parents)
            }
            Action::Inline => Err(BuildError::Tool(format!(
                "`{}` uses an inline-image target as a stage; building that inside a Dockerfile target is not supported yet",
                node.stage
            ))),
        }
    }

    /// `FROM scratch` or a registry image's platform manifest: config and layer references,
    /// nothing downloaded beyond the manifest and config.
    fn from(&self, node: &Node, reference: &str) -> Result<State, BuildError> {
        if reference == "scratch" {
            return Ok(State::scratch(&node.exec_platform, step_key(node, &[], &[])));
        }
        let image = ImageRef::parse(reference).map_err(|e| input(node, "build::invalid-reference", format!("`{reference}`: {e}")))?;
        let registry = self.registry.ok_or_else(|| BuildError::Tool("no registry client for base images".into()))?;
        let known = self.resolved.lock().ok().and_then(|mut r| r.remove(&(reference.to_string(), node.exec_platform.to_string())));
        let pulled = known.unwrap_or_else(|| pull::pull(registry, &image, &node.exec_platform)).map_err(|e| match e {
            crate::oci::RegistryError::NotFound { .. } => match input(node, "build::base-not-found", format!("`{reference}` does not exist")) {
                BuildError::Input(d) => BuildError::Input(d.with_help(format!(
                    "{e}; check the tag and the repository, and when the name comes from a variable, set it (--var NAME=VALUE, --set TARGET.args.NAME=VALUE)"
                ))),
                other => other,
            },
            crate::oci::RegistryError::NoPlatform { message, .. } => match input(node, "build::base-platform", format!("`{reference}` {message}")) {
                BuildError::Input(d) => BuildError::Input(d.with_help(format!(
                    "build the target for a platform the image has, or use an image that has {}",
                    node.exec_platform
                ))),
                other => other,
            },
            other => BuildError::Tool(other.to_string()),
        })?;
        let diff_ids: Vec<Digest> =
            pulled.config["rootfs"]["diff_ids"].as_array().into_iter().flatten().filter_map(|d| Digest::parse(d.as_str()?).ok()).collect();
        if diff_ids.len() != pulled.layers.len() {
            return Err(BuildError::Tool(format!(
                "{reference}: the config lists {} layers, the manifest {}",
                diff_ids.len(),
                pulled.layers.len()
            )));
        }
        self.origins.pulled(&image);
        let layers = pulled
            .layers
            .into_iter()
            .zip(diff_ids)
            .map(|(descriptor, diff_id)| LayerRef { diff_id, descriptor: Some(descriptor), origin: Some(image.clone()) })
            .collect();
        // a stage built on the image ran its ONBUILD triggers (the build planned them), and they
        // do not carry on, as in BuildKit; an image only copied from has no use for them
        let mut config = pulled.config;
        if let Some(runtime) = config["config"].as_object_mut() {
            runtime.remove("OnBuild");
        }
        let key = step_key(node, &[], &[pulled.manifest.to_string()]);
        Ok(State { config, layers, key, cmd_set: false, workdirs: Vec::new(), env_index: None })
    }
}

/// The version of what steps do, in every step key: results recorded by an executor that did
/// a step differently are not reused (3: WORKDIR directories, and those `COPY --chown` makes,
/// as BuildKit makes them; 4: config steps, COPY forms and RUN mount points as the
/// differential suite found BuildKit makes them, and verified layer diff_ids).
const STEPS_VERSION: &[u8] = b"4";

/// A step's cache key: its plan key, its parents' keys, and whatever else its result depends on.
pub(super) fn step_key(node: &Node, parents: &[State], extra: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(STEPS_VERSION);
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

/// A step that panicked, as an error that names it (the panic's own message was printed).
fn internal_error(node: &Node, panic: &(dyn std::any::Any + Send)) -> BuildError {
    let message = panic.downcast_ref::<&str>().map(|s| s.to_string()).or_else(|| panic.downcast_ref::<String>().cloned());
    BuildError::Tool(format!(
        "internal error in `{}` ({}): {}; this is a bug in mpbake, please report it",
        node.op,
        node.stage,
        message.unwrap_or_else(|| "it panicked".into())
    ))
}

/// An input error pointing at the step's instruction.
pub(super) fn input(node: &Node, code: &'static str, message: String) -> BuildError {
    let mut d = Diagnostic::error(code, message);
    if let Some(span) = node.span {
        d = d.with_label(span, format!("{} for {}", node.stage, node.exec_platform));
    }
    BuildError::Input(d)
}

pub(super) fn describe(e: &BuildError) -> String {
    match e {
        BuildError::Input(d) => d.message.clone(),
        BuildError::Tool(m) => m.clone(),
    }
}
