//! `build`'s part for nodes: the nodes (spec blocks, then `--node`), which target platforms go
//! to them, what each node is sent (the emitted Dockerfile, the context, args) and the images
//! it sends back, checked before they join an index.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::planned::Planned;
use crate::diag::Diagnostic;
use crate::nodes::{self, Node, Placement};
use crate::plan::Plan;

/// The spec's nodes, then those of `--node` (one of the same name replaces the spec's).
pub fn nodes_of(spec: &crate::ir::Spec, flags: &[String]) -> Result<Vec<Node>, String> {
    let mut nodes: Vec<Node> = spec.nodes.values().cloned().collect();
    for flag in flags {
        let node = nodes::parse_flag(flag)?;
        nodes.retain(|n| n.name != node.name);
        nodes.push(node);
    }
    Ok(nodes)
}

/// Where each target platform goes; what a node cannot be given is in `found`.
pub fn place(p: &Planned, plan: &Plan, nodes: &[Node], found: &mut Vec<Diagnostic>) -> Placement {
    let placement = nodes::place(plan, &p.dockerfiles, &p.targets, nodes);
    found.extend(nodes::placement::unsupported(&p.loaded.spec, &placement));
    placement
}

/// What the host gives node builds: secrets and ssh agents by id (each build gets those its
/// target declares), and the registries whose credentials the nodes may ask for.
pub struct Given<'a> {
    pub secrets: &'a BTreeMap<String, PathBuf>,
    pub agents: &'a BTreeMap<String, PathBuf>,
    pub registries: &'a [String],
}

/// What each placed target sends its node.
pub fn inputs(p: &Planned, placement: &Placement, cwd: &Path, given: &Given) -> BTreeMap<String, nodes::Input> {
    let mut inputs = BTreeMap::new();
    for (name, _) in placement.remote.keys() {
        let (Some(target), Some(df)) = (p.loaded.spec.targets.get(name), p.dockerfiles.get(name)) else { continue };
        let mut options = crate::emit::Options { context_prefix: Some(nodes::CONTEXT_PREFIX.into()), ..Default::default() };
        let mut named = Vec::new();
        for (context, value) in &target.contexts {
            match nodes::placement::sent(value) {
                Some(nodes::placement::Sent::Image(reference)) => {
                    options.named_contexts.insert(context.clone(), reference.to_string());
                }
                Some(nodes::placement::Sent::Dir(dir)) => {
                    let (stage, at) = (format!("mpbake-context-{}", named.len()), format!("n/{}", named.len()));
                    options.named_contexts.insert(context.clone(), stage.clone());
                    options.context_stages.push((stage, at.clone()));
                    named.push((at, cwd.join(dir)));
                }
                None => {}
            }
        }
        let emitted = crate::emit::dockerfile::from_dockerfile(target, df, &options);
        // RUN has no network here unless the target asks for the host's; a node does the same
        let network = if target.network.as_deref() == Some("host") { "host" } else { "none" };
        let declared = |entries: &[crate::ir::Composable], default: Option<&str>| -> Vec<String> {
            entries.iter().filter_map(|e| e.get("id").map(String::as_str).or(default)).map(String::from).collect()
        };
        let (secret_ids, ssh_ids) = (declared(&target.secret, None), declared(&target.ssh, Some("default")));
        let provided = nodes::Provided {
            secrets: given.secrets.iter().filter(|(id, _)| secret_ids.contains(id)).map(|(k, v)| (k.clone(), v.clone())).collect(),
            agents: given.agents.iter().filter(|(id, _)| ssh_ids.contains(id)).map(|(k, v)| (k.clone(), v.clone())).collect(),
            registries: given.registries.to_vec(),
        };
        let input = nodes::Input {
            context: cwd.join(target.context.as_deref().unwrap_or(".")),
            ignore: df.ignore.clone(),
            dockerfile: emitted.text,
            args: target.args.clone(),
            network: network.into(),
            provided: std::sync::Arc::new(provided),
            named,
        };
        inputs.insert(name.clone(), input);
    }
    inputs
}

/// Why `build_both` failed: a step here (to report as a build error), or the nodes (reported).
pub enum Failed {
    Here(crate::exec::BuildError),
    There(std::process::ExitCode),
}

/// Builds `finals` here and the placed target platforms on their nodes, at once, once every
/// node was reached (a platform none of whose nodes answers fails before anything is built).
/// When one side fails the other is cancelled, and the failure that came first is reported.
pub fn build_both(engine: &crate::exec::Engine, finals: &[String], parallel: usize, jobs: &nodes::Jobs) -> Result<nodes::Results, Failed> {
    let reached = nodes::reach(jobs).map_err(|e| Failed::There(reported(e)))?;
    let (here, there) = std::thread::scope(|scope| {
        let there = scope.spawn(|| {
            let built = nodes::build_all(jobs, reached);
            if matches!(built, Err(nodes::NodeError::Build(_) | nodes::NodeError::Nodes(_))) {
                crate::exec::stop();
            }
            built
        });
        let here = engine.build(finals, parallel);
        if here.is_err() {
            crate::exec::stop();
        }
        (here, there.join())
    });
    let there = there.unwrap_or_else(|_| Err(nodes::NodeError::Nodes("the builds on nodes stopped unexpectedly".into())));
    match (here, there) {
        (_, Err(e @ (nodes::NodeError::Build(_) | nodes::NodeError::Nodes(_)))) => Err(Failed::There(reported(e))),
        (Err(e), _) => Err(Failed::Here(e)),
        (Ok(()), Err(e)) => Err(Failed::There(reported(e))),
        (Ok(()), Ok(results)) => Ok(results),
    }
}

/// Says why the nodes failed; exit 1 when a step failed there, 2 when no node could build.
fn reported(error: nodes::NodeError) -> std::process::ExitCode {
    let (message, code) = match error {
        nodes::NodeError::Build(m) => (m, 1),
        nodes::NodeError::Nodes(m) => (m, 2),
        nodes::NodeError::Cancelled => ("the build was cancelled".to_string(), 2),
    };
    eprintln!("mpbake: error: {message}");
    std::process::ExitCode::from(code)
}

/// Checks a layout's platforms that nodes built — config platform and ELF machines, as `verify`
/// does — and says which node built a wrong one.
pub fn verify(layout: &Path, built_by: &BTreeMap<String, String>) -> Result<(), String> {
    if built_by.is_empty() {
        return Ok(());
    }
    let source = crate::publish::source::Source::open(&format!("oci:{}", layout.display()), &[])?;
    let report = crate::publish::verify::verify(&source, &source.read()?)?;
    let wrong: Vec<String> = report
        .findings
        .iter()
        .filter_map(|f| built_by.get(&f.platform).map(|node| (node, f)))
        .map(|(node, f)| {
            format!("node {node} built {}: {}{}", f.platform, f.path.as_deref().map(|p| format!("{p} ")).unwrap_or_default(), f.message)
        })
        .collect();
    match wrong.is_empty() {
        true => Ok(()),
        false => Err(wrong.join("; ")),
    }
}
