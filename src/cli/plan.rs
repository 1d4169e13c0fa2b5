//! `mpbake plan`: the step graph of the requested targets, as text, JSON or dot.

use std::process::ExitCode;

use super::{PlanFormat, SpecArgs, planned, report};
use crate::plan::render;

pub fn run(args: &SpecArgs, names: &[String], format: PlanFormat, build_platform: Option<&str>) -> anyhow::Result<ExitCode> {
    let p = planned::planned(args, names, build_platform)?;
    let failed = report(&p.loaded.diags, &p.loaded.sources);
    let Some(plan) = p.plan.filter(|_| !failed) else { return Ok(ExitCode::from(1)) };
    match format {
        PlanFormat::Text => print!("{}", render::text(&plan)),
        PlanFormat::Json => println!("{}", serde_json::to_string_pretty(&render::json(&plan))?),
        PlanFormat::Dot => print!("{}", render::dot(&plan)),
    }
    Ok(ExitCode::SUCCESS)
}
