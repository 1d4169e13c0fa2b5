//! Builds the placed target platforms on their nodes, all at once: each job tries its nodes in
//! order (a node that cannot be reached or drops the build hands the job to the next, and is
//! not tried again), streams the node's progress, and takes the image into the store.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use super::api::{Api, Failure, Request};
use super::progress::Reporter;
use super::{Node, Placement, context, import};
use crate::exec::Fetched;
use crate::exec::progress::Progress;
use crate::ir::Platform;
use crate::oci::layer::Compression;
use crate::oci::store::Store;

/// What a node needs to build one target: its context, the Dockerfile `emit` wrote for it (the
/// context under `c/`), build args, network, and what its session gives.
pub struct Input {
    pub context: PathBuf,
    pub ignore: Vec<String>,
    pub dockerfile: String,
    pub args: BTreeMap<String, String>,
    /// `none`, or `host` when the target asks for it.
    pub network: String,
    pub provided: std::sync::Arc<super::Provided>,
    /// Named contexts that are directories: where each goes in the tar, and where it is here.
    pub named: Vec<(String, PathBuf)>,
}

/// Everything the node builds share.
pub struct Jobs<'a> {
    pub nodes: &'a [Node],
    pub placement: &'a Placement,
    pub inputs: BTreeMap<String, Input>,
    pub store: &'a Store,
    pub compression: Compression,
    pub progress: &'a Progress,
}

/// Why the node builds failed: a step failed (exit 1: the input), or no node could build a
/// target platform (exit 2: the machines).
#[derive(Debug)]
pub enum NodeError {
    Build(String),
    Nodes(String),
    /// The build was cancelled (a signal, or a failure elsewhere in it).
    Cancelled,
}

/// The images, by (target, platform), with the name of the node that built each.
pub type Results = BTreeMap<(String, String), (Fetched, String)>;

/// The nodes as first reached: why each that did not answer is down.
pub struct Reached(Vec<Option<String>>);

/// Reaches every node before anything is built; Err when a placed target platform has no node
/// that answers (mpbake never falls back to emulation for it).
pub fn reach(jobs: &Jobs) -> Result<Reached, NodeError> {
    if jobs.placement.remote.is_empty() {
        return Ok(Reached(Vec::new()));
    }
    let down = greet(jobs);
    for ((target, platform), order) in &jobs.placement.remote {
        if order.iter().all(|&i| down[i].is_some()) {
            let reasons: Vec<String> = order
                .iter()
                .map(|&i| format!("node {} ({}): {}", jobs.nodes[i].name, jobs.nodes[i].endpoint, down[i].clone().unwrap_or_default()))
                .collect();
            return Err(NodeError::Nodes(format!(
                "no node that builds {platform} answers, so `{target}` cannot be built ({}); start the node, or build {platform} here by leaving its node out",
                reasons.join("; ")
            )));
        }
    }
    Ok(Reached(down))
}

/// Builds every placed target platform on the nodes `reach` found.
pub fn build_all(jobs: &Jobs, reached: Reached) -> Result<Results, NodeError> {
    if jobs.placement.remote.is_empty() {
        return Ok(Results::new());
    }
    let down = Mutex::new(reached.0);
    let mut tars = BTreeMap::new();
    for (name, input) in &jobs.inputs {
        let tar = scratch_file(jobs.store.root(), "context")
            .and_then(|file| context::tar(&input.context, &input.ignore, &input.dockerfile, &input.named, file))
            .map_err(|e| NodeError::Nodes(format!("packing the context of `{name}` for its node: {e}")))?;
        tars.insert(name.clone(), tar);
    }
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let workers: Vec<_> = jobs
            .placement
            .remote
            .iter()
            .map(|((target, platform), order)| {
                let (down, tars) = (&down, &tars);
                scope.spawn(move || {
                    let built = one(jobs, target, platform, order, tars, down);
                    ((target.clone(), platform.clone()), built)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().map_err(|_| NodeError::Nodes("a node's job panicked".into()))).collect()
    });
    let mut results = Results::new();
    for outcome in outcomes {
        let (key, built) = outcome?;
        results.insert(key, built?);
    }
    Ok(results)
}

/// Reaches every node once, says what each is, and returns why each unreachable one is down.
fn greet(jobs: &Jobs) -> Vec<Option<String>> {
    let versions: Vec<Result<super::api::Version, String>> = std::thread::scope(|scope| {
        let calls: Vec<_> = jobs.nodes.iter().map(|n| scope.spawn(move || Api::connect(&n.endpoint).map(|(_, v)| v))).collect();
        calls.into_iter().map(|c| c.join().unwrap_or_else(|_| Err("panicked".into()))).collect()
    });
    let mut down = Vec::new();
    for (node, version) in jobs.nodes.iter().zip(versions) {
        match version {
            Ok(v) => {
                let runs = Platform::parse(&v.platform).ok();
                let emulated: Vec<String> =
                    node.platforms.iter().filter(|p| runs.as_ref().is_none_or(|r| r.runs(p).is_none())).map(ToString::to_string).collect();
                let note = match emulated.is_empty() {
                    true => String::new(),
                    false => format!("; it runs on {}, so it emulates {}", v.platform, emulated.join(", ")),
                };
                jobs.progress.line(&format!("node {} ({}): Docker Engine {} (API {}){note}", node.name, node.endpoint, v.server, v.api));
                down.push(None);
            }
            Err(e) => {
                jobs.progress.line(&format!("node {} ({}) cannot be reached: {e}", node.name, node.endpoint));
                down.push(Some(e));
            }
        }
    }
    down
}

/// Builds one target platform on the first of `order` that delivers.
fn one(
    jobs: &Jobs,
    target: &str,
    platform: &str,
    order: &[usize],
    tars: &BTreeMap<String, tempfile::NamedTempFile>,
    down: &Mutex<Vec<Option<String>>>,
) -> Result<(Fetched, String), NodeError> {
    let (Some(input), Some(tar)) = (jobs.inputs.get(target), tars.get(target)) else {
        return Err(NodeError::Nodes(format!("`{target}` has no input for its node")));
    };
    let mut reasons = Vec::new();
    for &index in order {
        if crate::exec::stopping() {
            return Err(NodeError::Cancelled);
        }
        let node = &jobs.nodes[index];
        if let Some(reason) = down.lock().ok().and_then(|d| d[index].clone()) {
            reasons.push(format!("{}: {reason}", node.name));
            continue;
        }
        match on_node(jobs, node, input, target, platform, tar.path()) {
            Ok(fetched) => return Ok((fetched, node.name.clone())),
            Err(Failure::Build(message)) if message.contains("401 Unauthorized") || message.contains("403 Forbidden") => {
                // credentials are the machine's business (exit 2), and every node would be refused alike
                return Err(NodeError::Nodes(format!(
                    "{target} ({platform}) on node {}: {message}; the node pulls the bases with this machine's docker credentials (log in here: `docker login REGISTRY`)",
                    node.name
                )));
            }
            Err(Failure::Build(message)) => {
                return Err(NodeError::Build(format!("{target} ({platform}) on node {}: {message}", node.name)));
            }
            Err(Failure::Cancelled) => return Err(NodeError::Cancelled),
            Err(Failure::Node(message)) => {
                jobs.progress.line(&format!("node {} failed building {target} ({platform}): {message}", node.name));
                if let Ok(mut d) = down.lock() {
                    d[index] = Some(message.clone());
                }
                reasons.push(format!("{}: {message}", node.name));
            }
        }
    }
    Err(NodeError::Nodes(format!(
        "no node could build {platform} of `{target}` ({}); nothing was tagged, and a rerun builds what is left",
        reasons.join("; ")
    )))
}

/// One attempt: build on `node`, fetch the image, check its platform.
fn on_node(jobs: &Jobs, node: &Node, input: &Input, target: &str, platform: &str, tar: &std::path::Path) -> Result<Fetched, Failure> {
    let (api, _) = Api::connect(&node.endpoint).map_err(Failure::Node)?;
    let request =
        Request { dockerfile: context::DOCKERFILE, platform, args: &input.args, network: &input.network, provided: input.provided.clone() };
    let mut reporter = Reporter::new(jobs.progress, &node.name, target, platform);
    let image = api.build(tar, &request, &mut |status| reporter.status(status))?;
    let saved = scratch_file(jobs.store.root(), "image").map_err(|e| Failure::Node(e.to_string()))?;
    api.save(&image, saved.path()).map_err(|e| Failure::Node(format!("fetching image {image}: {e}")))?;
    let fetched =
        import::import(saved.path(), &image, jobs.store, jobs.compression).map_err(|e| Failure::Node(format!("image {image}: {e}")))?;
    let config: serde_json::Value = serde_json::from_slice(&fetched.config).unwrap_or_default();
    let field = |k: &str| config[k].as_str().unwrap_or_default().to_string();
    let built =
        Platform { os: field("os"), arch: field("architecture"), variant: config["variant"].as_str().map(String::from), os_version: None };
    let asked = Platform::parse(platform).map_err(|e| Failure::Build(e.0))?;
    if built.runs(&asked).is_none() {
        return Err(Failure::Node(format!(
            "asked for {platform}, it built {built}: it does not build the platform it was declared for (check the node's platforms)"
        )));
    }
    Ok(fetched)
}

/// A new file in the store's `nodes/` directory, named after this process (`PID.WHAT-…`), so
/// what a killed mpbake left there is removed by the next build (`exec::clean_leftovers`).
fn scratch_file(store: &std::path::Path, what: &str) -> std::io::Result<tempfile::NamedTempFile> {
    let dir = store.join("nodes");
    std::fs::create_dir_all(&dir)?;
    tempfile::Builder::new().prefix(&format!("{}.{what}-", std::process::id())).tempfile_in(dir)
}
