//! `mpbake emit -o DIR`: optimized Dockerfiles and a docker-bake.json for BuildKit and buildah.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{SpecArgs, planned, report};
use crate::emit;
use crate::ir::ImageRef;
use crate::oci::Registry;
use crate::plan::Plan;

/// Resolves every base image the plan uses to the digest its registry serves now.
fn pins(plan: &Plan) -> anyhow::Result<BTreeMap<String, String>> {
    let mut references: Vec<&str> = plan.nodes.iter().filter_map(|n| n.op.strip_prefix("FROM ")).filter(|r| *r != "scratch").collect();
    references.sort_unstable();
    references.dedup();
    let parsed: Vec<(&str, ImageRef)> = references.iter().filter_map(|r| ImageRef::parse(r).ok().map(|i| (*r, i))).collect();
    let hosts: Vec<String> = parsed.iter().map(|(_, i)| i.registry.clone()).collect();
    let resolver = Registry::new(&hosts, &[])?;
    let mut pins = BTreeMap::new();
    for (text, image) in parsed.into_iter().filter(|(_, i)| i.digest.is_none()) {
        let digest = resolver.digest(&image).with_context(|| format!("pinning {text}"))?;
        eprintln!("pinned {text} → {digest}");
        pins.insert(text.to_string(), digest.to_string());
    }
    Ok(pins)
}

pub fn run(args: &SpecArgs, names: &[String], out_dir: &str, mut options: emit::Options, pin: bool) -> anyhow::Result<ExitCode> {
    let p = planned::planned(args, names, None)?;
    if report(&p.loaded.diags, &p.loaded.sources) || p.plan.is_none() {
        return Ok(ExitCode::from(1));
    }
    let out = Path::new(out_dir);
    if pin && let Some(plan) = &p.plan {
        options.pins = pins(plan)?;
    }
    let emission = emit::emit(&p.loaded.spec, &p.dockerfiles, &p.targets, out, &options);
    std::fs::create_dir_all(out).with_context(|| format!("creating {out_dir}"))?;
    for (name, target) in &emission.targets {
        let path = out.join(&target.file);
        std::fs::write(&path, &target.text).with_context(|| format!("writing {}", path.display()))?;
        if let Some(ignore) = &target.dockerignore {
            // BuildKit reads DOCKERFILE.dockerignore beside the Dockerfile before the context's
            let ignore_path = out.join(format!("{}.dockerignore", target.file));
            std::fs::write(&ignore_path, ignore).with_context(|| format!("writing {}", ignore_path.display()))?;
        }
        eprintln!("{name}: wrote {}", path.display());
        for change in &target.changes {
            eprintln!("  - {change}");
        }
    }
    let bake = out.join("docker-bake.json");
    std::fs::write(&bake, format!("{}\n", emission.bake_json)).with_context(|| format!("writing {}", bake.display()))?;
    eprintln!("wrote {} (docker buildx bake -f {})", bake.display(), bake.display());
    for warning in &emission.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(ExitCode::SUCCESS)
}
