//! `mpbake plan`: the step graph of the requested targets, as text, JSON or dot.

use std::process::ExitCode;

use super::{PlanFormat, SpecArgs, dockerfiles, load, report, select};
use crate::ir::Platform;
use crate::plan::{self, Inputs, render};

pub fn run(args: &SpecArgs, names: &[String], format: PlanFormat, build_platform: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut loaded = load::load(args, names)?;
    if loaded.diags.has_errors() {
        report(&loaded.diags, &loaded.sources);
        return Ok(ExitCode::from(1));
    }
    let build_platform = match build_platform.map(Platform::parse) {
        None => Platform::host(),
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            eprintln!("mpbake: invalid --build-platform: {}", e.0);
            return Ok(ExitCode::from(1));
        }
    };
    let skip: usize = args.sets.iter().map(|s| s.len() + 1).sum();
    let sel = select::select(&loaded.spec, names, loaded.command_line, skip, &mut loaded.diags);
    let dockerfiles = dockerfiles::load(&loaded.spec, &sel.targets, &mut loaded.sources, &mut loaded.diags);
    let inputs = Inputs { spec: &loaded.spec, dockerfiles: &dockerfiles, build_platform };
    let plan = plan::plan(&inputs, &sel.targets, &mut loaded.diags);
    if report(&loaded.diags, &loaded.sources) {
        return Ok(ExitCode::from(1));
    }
    match format {
        PlanFormat::Text => print!("{}", render::text(&plan)),
        PlanFormat::Json => println!("{}", serde_json::to_string_pretty(&render::json(&plan))?),
        PlanFormat::Dot => print!("{}", render::dot(&plan)),
    }
    Ok(ExitCode::SUCCESS)
}
