//! `mpbake build`: builds targets into OCI layouts on disk (this version: inline images, on
//! scratch or a registry base; see `exec`).

use std::path::Path;

use anyhow::Context as _;
use std::process::ExitCode;

use super::{SpecArgs, planned, report};
use crate::diag::Diagnostics;
use crate::exec::{self, BuildError};
use crate::ir::Platform;
use crate::oci::archive;
use crate::oci::store::Store;

/// Where built images go: OCI layouts (one per target) or a `docker load` archive.
enum Output {
    Oci(String),
    Docker { file: String, platform: Option<Platform> },
}

/// `DIR`, `type=oci,dest=DIR` or `type=docker,dest=FILE[,platform=OS/ARCH]`.
fn parse_output(text: &str) -> Result<Output, String> {
    if !text.contains('=') {
        return Ok(Output::Oci(text.to_string()));
    }
    let fields: std::collections::BTreeMap<String, String> = crate::frontend::csv::key_values(text).into_iter().collect();
    let dest = fields.get("dest").cloned().ok_or("an output needs dest=PATH")?;
    match fields.get("type").map(String::as_str) {
        Some("oci") | None => Ok(Output::Oci(dest)),
        Some("docker") => {
            let platform = fields.get("platform").map(|p| Platform::parse(p).map_err(|e| e.0)).transpose()?;
            Ok(Output::Docker { file: dest, platform })
        }
        Some(other) => Err(format!("output type `{other}` is not supported yet (oci, docker)")),
    }
}

pub fn run(args: &SpecArgs, names: &[String], output: &str, metadata_file: Option<&str>) -> anyhow::Result<ExitCode> {
    let output = match parse_output(output) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("mpbake: invalid --output `{output}`: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let p = planned::planned(args, names, None)?;
    if report(&p.loaded.diags, &p.loaded.sources) || p.plan.is_none() {
        return Ok(ExitCode::from(1));
    }
    if matches!(output, Output::Docker { .. }) && p.targets.len() != 1 {
        eprintln!("mpbake: a docker archive holds one target; name one (got {})", p.targets.join(", "));
        return Ok(ExitCode::from(1));
    }
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok().and_then(|s| s.parse::<i64>().ok()).unwrap_or(0);
    let cwd = std::env::current_dir()?;
    let hosts: Vec<String> = p
        .targets
        .iter()
        .filter_map(|n| p.loaded.spec.targets.get(n))
        .filter_map(|t| t.image.as_ref())
        .flat_map(|i| i.from.iter().chain(i.platform.values().filter_map(|o| o.from.as_ref())))
        .filter_map(|b| match b {
            crate::ir::BaseImage::Image(r) => Some(r.registry.clone()),
            crate::ir::BaseImage::Scratch => None,
        })
        .collect();
    let bases = match hosts.is_empty() {
        true => None,
        false => {
            let root = Store::default_root();
            let store = Store::open(&root).with_context(|| format!("opening the content store {}", root.display()))?;
            Some(exec::Bases { registry: crate::oci::Registry::new(&hosts, &[])?, store })
        }
    };
    let mut metadata = serde_json::Map::new();
    for name in &p.targets {
        let Some(target) = p.loaded.spec.targets.get(name) else { continue };
        if p.dockerfiles.contains_key(name) {
            eprintln!(
                "mpbake: error: target `{name}` uses a Dockerfile; building Dockerfiles is not supported yet — `mpbake emit` writes them for BuildKit"
            );
            return Ok(ExitCode::from(2));
        }
        let scratch = tempfile::tempdir()?;
        let dest = match &output {
            Output::Oci(dir) => Path::new(dir).join(name),
            Output::Docker { .. } => scratch.path().join(name),
        };
        match exec::build_inline(target, &cwd, &dest, epoch, bases.as_ref()) {
            Ok(built) => {
                let platforms: Vec<String> = built.manifests.iter().filter_map(|m| m.platform.as_ref().map(ToString::to_string)).collect();
                let written = match &output {
                    Output::Oci(_) => format!("oci:{}", built.layout.display()),
                    Output::Docker { file, platform } => {
                        let platform = platform
                            .clone()
                            .or_else(|| (target.platforms.len() == 1).then(|| target.platforms[0].clone()))
                            .unwrap_or_else(Platform::host);
                        archive::write_docker_archive(&built.layout, &platform, &target.tags, Path::new(file))
                            .with_context(|| format!("writing {file}"))?;
                        format!("docker-archive:{file} ({platform})")
                    }
                };
                println!("{name}  {}  {}  {written}", built.index.digest, platforms.join(","));
                metadata.insert(name.clone(), metadata_entry(&built, &target.tags));
            }
            Err(BuildError::Input(d)) => {
                let mut diags = Diagnostics::default();
                diags.push(d);
                report(&diags, &p.loaded.sources);
                return Ok(ExitCode::from(1));
            }
            Err(BuildError::Tool(message)) => {
                eprintln!("mpbake: error: {message}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    if let Some(file) = metadata_file {
        std::fs::write(file, format!("{}\n", serde_json::to_string_pretty(&metadata)?)).with_context(|| format!("writing {file}"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// bake's `--metadata-file` keys for an image, plus mpbake's per-platform manifests and layout.
fn metadata_entry(built: &exec::Built, tags: &[String]) -> serde_json::Value {
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
        "mpbake.layout": built.layout.display().to_string(),
    })
}
