//! `mpbake plan`: the step graph of the requested targets, as text, JSON or dot.

use std::process::ExitCode;

use super::{PlanFormat, SpecArgs, planned, report};
use crate::plan::render;

pub fn run(
    args: &SpecArgs,
    names: &[String],
    format: PlanFormat,
    build_platform: Option<&str>,
    node_flags: &[String],
) -> anyhow::Result<ExitCode> {
    let mut p = planned::planned(args, names, build_platform)?;
    let nodes = match super::on_nodes::nodes_of(&p.loaded.spec, node_flags) {
        Ok(nodes) => nodes,
        Err(e) => {
            eprintln!("mpbake: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let mut placement = crate::nodes::Placement::default();
    if let Some(plan) = &p.plan {
        let mut found = Vec::new();
        placement = super::on_nodes::place(&p, plan, &nodes, &mut found);
        p.loaded.diags.extend(found);
    }
    let failed = report(&p.loaded.diags, &p.loaded.sources);
    let Some(plan) = p.plan.filter(|_| !failed) else { return Ok(ExitCode::from(1)) };
    match format {
        PlanFormat::Text => print!("{}", render::text(&plan, &crate::nodes::placement::describe(&plan, &placement, &nodes))),
        PlanFormat::Json => {
            let mut json = render::json(&plan);
            json["placement"] = crate::nodes::placement::to_json(&plan, &placement, &nodes);
            println!("{}", serde_json::to_string_pretty(&json)?)
        }
        PlanFormat::Dot => print!("{}", render::dot(&plan)),
    }
    Ok(ExitCode::SUCCESS)
}
