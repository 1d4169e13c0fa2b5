//! `mpbake build`: builds targets — inline images and Dockerfiles — into OCI layouts on disk or
//! a `docker load` archive.

use std::path::Path;

use anyhow::Context as _;
use std::process::ExitCode;

use super::outputs::{self, Export};
use super::{SpecArgs, bases, export, on_nodes, planned, report, run_inputs, shared_cache};
use crate::diag::Diagnostics;
use crate::exec::{self, BuildError, progress};
use crate::ir::ImageRef;
use crate::ir::Platform;
use crate::oci::store::Store;
use crate::plan::{Action, Plan};
use crate::publish::push;
use std::collections::BTreeMap;

/// How to build: `--output`, `--metadata-file`, `-j`, `--progress`.
pub struct How<'a> {
    /// `-o`: one place for every target, instead of their `output` attributes.
    pub output: Option<&'a str>,
    pub metadata_file: Option<&'a str>,
    pub jobs: usize,
    pub progress: progress::Mode,
    /// `--push`: publish every target's tags after building.
    pub push: bool,
    /// `--load`: load every target into the Docker Engine.
    pub load: bool,
    /// `--allow`: the entitlements granted.
    pub allow: Vec<String>,
    /// `--node`: engines that build some platforms.
    pub nodes: Vec<String>,
    /// `--cache-from`, `--cache-to`: shared caches for every target.
    pub cache_from: Vec<String>,
    pub cache_to: Vec<String>,
    /// `release`: every target needs tags, checked before anything is built.
    pub publishing: bool,
    /// `--media-types docker` for the push.
    pub docker_media_types: bool,
    /// `--insecure-registry`: plain HTTP to these hosts.
    pub insecure: Vec<String>,
    /// `--compression`: how new layers are compressed.
    pub compression: crate::oci::layer::Compression,
    /// `--snapshotter`: how RUN steps get their root filesystem.
    pub snapshotter: exec::Snapshotter,
}

/// `mpbake build`: builds, then pushes with `--push`.
pub fn run(args: &SpecArgs, names: &[String], how: &How) -> anyhow::Result<ExitCode> {
    let builds = match build(args, names, how)? {
        Ok(b) => b,
        Err(code) => return Ok(code),
    };
    if builds.pushes.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    let mut insecure = how.insecure.clone();
    insecure.extend(builds.insecure_pushes.iter().cloned());
    let options = crate::cli::release::Options {
        dry_run: false,
        docker_media_types: how.docker_media_types || builds.docker_media_types,
        verify: false,
        metadata_file: how.metadata_file.map(String::from),
        insecure,
    };
    crate::cli::release::publish(&builds.pushes, &options, builds.metadata.clone())
}

/// Built targets, their layouts (kept alive here when the output is not a layout), and what
/// their outputs ask to push.
pub struct Builds {
    pub built: Vec<push::Built>,
    pub pushes: Vec<push::Built>,
    /// Registries an output pushes to with `registry.insecure=true`.
    insecure_pushes: Vec<String>,
    /// Whether an output asks for docker's media types (`oci-mediatypes=false`).
    docker_media_types: bool,
    /// `--metadata-file`'s entries, by target.
    pub metadata: serde_json::Map<String, serde_json::Value>,
    _scratch: Vec<tempfile::TempDir>,
}

/// Builds the named targets as `how` says; Err is the exit code of a failed build (already reported).
pub fn build(args: &SpecArgs, names: &[String], how: &How) -> anyhow::Result<Result<Builds, ExitCode>> {
    let started = std::time::Instant::now();
    if let Some(unknown) = how.allow.iter().find(|a| !super::entitlements::known(a)) {
        eprintln!("mpbake: `--allow {unknown}` is not an entitlement (network.host, security.insecure)");
        return Ok(Err(ExitCode::from(1)));
    }
    let mut args = args.clone();
    if how.output.is_none() {
        // as buildx's --push and --load: overrides of every target's outputs
        args.sets.extend(how.push.then(|| "*.push=true".to_string()));
        args.sets.extend(how.load.then(|| "*.load=true".to_string()));
    }
    let mut p = planned::planned(&args, names, None)?;
    // targets with `call = "check"` are linted, not built, as buildx runs a check
    let spec = &p.loaded.spec;
    let checks: Vec<String> =
        p.targets.iter().filter(|n| spec.targets.get(*n).and_then(|t| t.call.as_deref()) == Some("check")).cloned().collect();
    if p.plan.is_some() && !checks.is_empty() {
        let clean = super::check::call_check(&args, &checks)?;
        let rest: Vec<String> = p.targets.iter().filter(|n| !checks.contains(n)).cloned().collect();
        if !clean || rest.is_empty() {
            return Ok(Err(ExitCode::from(u8::from(!clean))));
        }
        p = planned::planned(&args, &rest, None)?;
    }
    let nodes = match on_nodes::nodes_of(&p.loaded.spec, &how.nodes) {
        Ok(nodes) => nodes,
        Err(e) => {
            eprintln!("mpbake: {e}");
            return Ok(Err(ExitCode::from(1)));
        }
    };
    let mut placement = crate::nodes::Placement::default();
    let mut exports = BTreeMap::new();
    if p.plan.is_some() {
        super::unhonoured::warn(&p.loaded.spec, &p.targets, &mut p.loaded.diags);
        let mut found = Vec::new();
        exports = outputs::of_targets(&p.loaded.spec, &p.targets, how.output, how.push, how.load, &mut found);
        if let Some(plan) = &p.plan {
            super::entitlements::check(&p.loaded.spec, &p.targets, plan, &how.allow, &mut found);
            let written = how.output.is_none().then_some(&exports);
            super::fs_entitlements::check(&p.loaded.spec, &p.targets, written, &how.allow, &std::env::current_dir()?, &mut found);
            placement = on_nodes::place(&p, plan, &nodes, &mut found);
        }
        for target in p.targets.iter().filter_map(|n| p.loaded.spec.targets.get(n)).filter(|t| how.publishing && t.tags.is_empty()) {
            found.push(
                crate::diag::Diagnostic::error("release::no-tags", format!("target `{}` has no tags to publish", target.name))
                    .with_label(target.span, "this target")
                    .with_help("give it `tags = [\"REGISTRY/NAME:TAG\"]`, or leave it out of the release"),
            );
        }
        p.loaded.diags.extend(found);
        if args.strict {
            p.loaded.diags.make_strict();
        }
    }
    if report(&p.loaded.diags, &p.loaded.sources) || p.plan.is_none() {
        return Ok(Err(ExitCode::from(1)));
    }
    if how.output.is_some() && p.targets.len() != 1 && exports.values().flatten().any(Export::is_file) {
        eprintln!("mpbake: an archive output holds one target; name one (got {})", p.targets.join(", "));
        return Ok(Err(ExitCode::from(1)));
    }
    let docker_engine = match exports.values().flatten().any(|e| matches!(e, Export::DockerLoad { .. })) {
        true => match crate::publish::docker::Engine::connect() {
            Ok(engine) => Some(engine),
            Err(e) => {
                eprintln!("mpbake: error: {e}");
                return Ok(Err(ExitCode::from(2)));
            }
        },
        false => None,
    };
    let epoch_set = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok());
    let epoch = epoch_set.unwrap_or(0);
    let cwd = std::env::current_dir()?;
    let created = epoch_set.or_else(|| exec::commit_time(&cwd)).unwrap_or(0);
    let Some(plan) = &p.plan else { return Ok(Err(ExitCode::from(1))) };
    let caches = shared_cache::caches(&p.loaded.spec, &p.targets, &how.cache_from, &how.cache_to);
    let base_hosts = bases::registry_hosts(&p, plan);
    let mut hosts = base_hosts.clone();
    hosts.extend(caches.hosts());
    hosts.sort();
    hosts.dedup();
    let root = Store::default_root();
    let open_store = || Store::open(&root).with_context(|| format!("opening the content store {}", root.display()));
    // one client (loading the system's CA certificates is a good part of a small build)
    let registry = (!hosts.is_empty()).then(|| crate::oci::Registry::new(&hosts, &how.insecure)).transpose()?;
    // registry bases with ONBUILD triggers: planned again, so a stage built on one runs them
    let resolved = registry.as_ref().map(|r| bases::resolve_bases(r, plan)).unwrap_or_default();
    let triggers = bases::triggers_of(&resolved);
    if !triggers.is_empty() {
        p.with_base_triggers(triggers);
        if report(&p.loaded.diags, &p.loaded.sources) {
            return Ok(Err(ExitCode::from(1)));
        }
    }
    let Some(plan) = &p.plan else { return Ok(Err(ExitCode::from(1))) };
    let store = open_store()?;
    let bases = registry.as_ref().map(|registry| exec::Bases { registry, store: &store });
    let env_secrets = exec::private_dir("secrets", true)?;
    let secrets = run_inputs::secrets(&p, &cwd, env_secrets.path())?;
    let progress = progress::Progress::new(how.progress);
    let (ssh, _key_agents) = match run_inputs::ssh_agents(&p) {
        Ok(agents) => agents,
        Err(e) => {
            eprintln!("mpbake: error: {e}");
            return Ok(Err(ExitCode::from(2)));
        }
    };
    let (node_secrets, node_agents) = (secrets.clone(), ssh.clone());
    let settings = exec::Settings {
        cwd: cwd.clone(),
        epoch,
        created,
        secrets,
        ssh,
        compression: how.compression,
        snapshotter: how.snapshotter,
        resolved,
        imported: caches.import(&store, registry.as_ref(), &hosts, &progress),
    };
    let engine = match exec::Engine::new(plan, &store, registry.as_ref(), settings, &progress) {
        Ok(e) => e,
        Err(e) => return Ok(Err(failed(e, &p))),
    };
    let finals: Vec<String> = p
        .targets
        .iter()
        .filter(|n| p.dockerfiles.contains_key(*n))
        .filter_map(|n| plan.targets.get(n).map(|t| (n, t)))
        .flat_map(|(n, t)| t.platforms.iter().filter(|(pl, _)| !placement.remote.contains_key(&(n.clone(), (*pl).clone()))))
        .map(|(_, id)| id.clone())
        .collect();
    let given = on_nodes::Given { secrets: &node_secrets, agents: &node_agents, registries: &base_hosts };
    let jobs = crate::nodes::Jobs {
        nodes: &nodes,
        placement: &placement,
        inputs: on_nodes::inputs(&p, &placement, &cwd, &given),
        store: &store,
        compression: how.compression,
        progress: &progress,
    };
    let mut from_nodes = match on_nodes::build_both(&engine, &finals, how.jobs, &jobs) {
        Ok(results) => results,
        Err(on_nodes::Failed::Here(e)) => return Ok(Err(failed(e, &p))),
        Err(on_nodes::Failed::There(code)) => return Ok(Err(code)),
    };
    let mut metadata = serde_json::Map::new();
    let mut summaries = Vec::new();
    let mut builds = Builds {
        built: Vec::new(),
        pushes: Vec::new(),
        insecure_pushes: Vec::new(),
        docker_media_types: false,
        metadata: serde_json::Map::new(),
        _scratch: Vec::new(),
    };
    for name in &p.targets {
        let (Some(target), Some(exports)) = (p.loaded.spec.targets.get(name), exports.get(name)) else { continue };
        let scratch = tempfile::tempdir()?;
        // the layout is built where a layout output wants it, else aside
        let dest = exports
            .iter()
            .find_map(|e| match e {
                Export::Layouts(dir) => Some(dir.join(name)),
                Export::OciDir(dir) => Some(dir.clone()),
                _ => None,
            })
            .unwrap_or_else(|| scratch.path().join(name));
        let context = cwd.join(target.context.as_deref().unwrap_or("."));
        let annotations = match exec::Annotations::of(&target.annotations, epoch_set, &context) {
            Ok(a) => a,
            Err(e) => {
                let d = crate::diag::Diagnostic::error("build::annotation", format!("target `{name}`: {e}"))
                    .with_label(target.span, "in this target")
                    .with_help("write `KEY=VALUE`, or `TYPE:KEY=VALUE` with TYPE manifest, index, manifest-descriptor or index-descriptor");
                return Ok(Err(failed(BuildError::Input(d), &p)));
            }
        };
        let built = match p.dockerfiles.contains_key(name) {
            true => build_dockerfile_target(&engine, plan, target, &dest, &annotations, &mut from_nodes),
            false => exec::build_inline(
                target,
                &cwd,
                &dest,
                exec::Times { files: epoch, created },
                bases.as_ref(),
                &annotations,
                how.compression,
            ),
        };
        let built = match built {
            Ok(built) => built,
            Err(e) => return Ok(Err(failed(e, &p))),
        };
        let base_images = bases::bases_of(name, target, plan);
        let platforms: Vec<String> = built.manifests.iter().filter_map(|m| m.platform.as_ref().map(ToString::to_string)).collect();
        let place = export::Place { name, target, layout: &built.layout, progress: &progress, engine: docker_engine.as_ref() };
        let mut written = Vec::new();
        for one in exports {
            match export::export(one, &place) {
                Ok(w) => written.push(w),
                Err(e) => return Ok(Err(failed(e, &p))),
            }
            if let Export::Push { names, docker_media_types, insecure } = one {
                builds.pushes.push(push::Built {
                    target: name.clone(),
                    tags: names.clone(),
                    layout: built.layout.clone(),
                    bases: base_images.clone(),
                });
                builds.docker_media_types |= docker_media_types;
                if *insecure {
                    builds.insecure_pushes.extend(names.iter().filter_map(|n| Some(ImageRef::parse(n).ok()?.registry)));
                }
            }
        }
        metadata.insert(name.clone(), metadata_entry(&built, &target.tags, &written));
        progress.result(name, &built.index.digest.to_string(), &platforms, &written);
        let written = written.join(", ");
        let line = format!("{name}  {}  {}  {written}", built.index.digest, platforms.join(","));
        // an archive written to standard output keeps it to itself
        match exports.iter().any(Export::is_stdout) {
            true => eprintln!("{line}"),
            false => println!("{line}"),
        }
        summaries.push(summary(name, plan, &engine, &built, &platforms, &written));
        builds.built.push(push::Built {
            target: name.clone(),
            tags: target.tags.clone(),
            layout: built.layout.clone(),
            bases: base_images,
        });
        builds._scratch.push(scratch);
    }
    caches.export(&engine, plan, registry.as_ref(), &store, &progress);
    let stats = engine.stats();
    for line in summaries {
        progress.line(&line);
    }
    let (layers, bytes) = progress.downloaded();
    let mut downloads = match layers {
        0 => String::new(),
        n => format!(", {n} base layers downloaded ({})", crate::publish::inspect::human(bytes)),
    };
    if let (n @ 1.., bytes) = progress.imported() {
        downloads.push_str(&format!(", {n} layers from caches ({})", crate::publish::inspect::human(bytes)));
    }
    let imported = if stats.imported > 0 { format!(" ({} imported)", stats.imported) } else { String::new() };
    progress.line(&format!(
        "mpbake: {} steps executed, {} from cache{imported}{downloads}, in {:.2}s",
        stats.executed,
        stats.cached,
        started.elapsed().as_secs_f64()
    ));
    if let Some(file) = how.metadata_file {
        std::fs::write(file, format!("{}\n", serde_json::to_string_pretty(&metadata)?)).with_context(|| format!("writing {file}"))?;
    }
    builds.metadata = metadata;
    Ok(Ok(builds))
}

/// Reports a failed build: a diagnostic and exit 1 for bad input, a message and exit 2 for a
/// machine that cannot build.
fn failed(error: BuildError, p: &planned::Planned) -> ExitCode {
    match error {
        BuildError::Input(d) => {
            let mut diags = Diagnostics::default();
            diags.push(d);
            report(&diags, &p.loaded.sources);
            ExitCode::from(1)
        }
        BuildError::Tool(message) => {
            eprintln!("mpbake: error: {message}");
            ExitCode::from(2)
        }
    }
}

/// A Dockerfile target's platforms, already built, written as a layout at `dest`.
fn build_dockerfile_target(
    engine: &exec::Engine,
    plan: &Plan,
    target: &crate::ir::Target,
    dest: &Path,
    annotations: &exec::Annotations,
    from_nodes: &mut crate::nodes::Results,
) -> Result<exec::Built, BuildError> {
    let mut images = Vec::new();
    let mut built_by = BTreeMap::new();
    for (written, id) in plan.targets.get(&target.name).map(|t| &t.platforms).into_iter().flatten() {
        let platform = Platform::parse(written).map_err(|e| BuildError::Tool(e.0))?;
        match from_nodes.remove(&(target.name.clone(), written.clone())) {
            Some((fetched, node)) => {
                built_by.insert(written.clone(), node);
                images.push((platform, exec::Made::Fetched(fetched)));
            }
            None => images.push((platform, exec::Made::Here(engine.state_of(id)?))),
        }
    }
    let built = engine.write_layout(dest, &images, &target.tags, annotations, !target.platforms.is_empty())?;
    on_nodes::verify(dest, &built_by).map_err(BuildError::Tool)?;
    Ok(exec::Built { built_by, ..built })
}

/// A target's line in the end-of-build summary: platforms, index, steps run and reused, bytes.
fn summary(name: &str, plan: &Plan, engine: &exec::Engine, built: &exec::Built, platforms: &[String], written: &str) -> String {
    let outcomes = engine.outcomes();
    let mine = plan
        .nodes
        .iter()
        .zip(&outcomes)
        .filter(|(n, _)| n.targets.contains(name) && matches!(n.action, Action::Run { .. } | Action::Copy { .. }))
        .filter_map(|(_, o)| *o);
    let (mut ran, mut cached, mut steps) = (0, 0, false);
    for outcome in mine {
        steps = true;
        match outcome {
            progress::Outcome::Cached => cached += 1,
            _ => ran += 1,
        }
    }
    let mut work = if steps { format!("{ran} steps run, {cached} cached") } else { "no RUN or COPY steps".to_string() };
    for (platform, node) in &built.built_by {
        work.push_str(&format!(", {platform} built on node {node}"));
    }
    let bytes: u64 = walkdir::WalkDir::new(&built.layout).into_iter().flatten().filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum();
    format!(
        "mpbake: {name}: {} ({}), {work}, {} -> {written}",
        short(&built.index.digest.to_string()),
        platforms.join(", "),
        crate::publish::inspect::human(bytes),
    )
}

fn short(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

/// bake's `--metadata-file` keys for an image, plus mpbake's per-platform manifests and where
/// the outputs went (never a temporary directory).
fn metadata_entry(built: &exec::Built, tags: &[String], written: &[String]) -> serde_json::Value {
    let platforms: serde_json::Map<String, serde_json::Value> = built
        .manifests
        .iter()
        .filter_map(|m| m.platform.as_ref().map(|p| (p.to_string(), serde_json::json!(m.digest.to_string()))))
        .collect();
    serde_json::json!({
        "containerimage.digest": built.index.digest.to_string(),
        "containerimage.descriptor": {"mediaType": built.index.media_type, "digest": built.index.digest.to_string(), "size": built.index.size},
        "image.name": tags.join(","),
        "mpbake.platforms": platforms,
        "mpbake.outputs": written,
        "mpbake.nodes": built.built_by,
    })
}
