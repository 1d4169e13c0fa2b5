//! `mpbake emit -o DIR`: optimized Dockerfiles and a docker-bake.json for BuildKit and buildah.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::{SpecArgs, planned, report};
use crate::emit;

pub fn run(args: &SpecArgs, names: &[String], out_dir: &str, options: emit::Options) -> anyhow::Result<ExitCode> {
    let p = planned::planned(args, names, None)?;
    if report(&p.loaded.diags, &p.loaded.sources) || p.plan.is_none() {
        return Ok(ExitCode::from(1));
    }
    let out = Path::new(out_dir);
    let emission = emit::emit(&p.loaded.spec, &p.dockerfiles, &p.targets, out, options);
    std::fs::create_dir_all(out).with_context(|| format!("creating {out_dir}"))?;
    for (name, target) in &emission.targets {
        let path = out.join(&target.file);
        std::fs::write(&path, &target.text).with_context(|| format!("writing {}", path.display()))?;
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
