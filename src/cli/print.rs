//! `mpbake print`: the resolved definition as JSON in `docker buildx bake --print`'s shape.

use std::process::ExitCode;

use super::{SpecArgs, load, report, select};
use crate::emit::bake_json;

pub fn run(args: &SpecArgs, names: &[String]) -> anyhow::Result<ExitCode> {
    let mut loaded = load::load(args, Some(names))?;
    if !args.strict {
        // bake prints these and refuses them only when building: a warning here, not another result
        loaded.diags.downgrade(&["spec::invalid-tag", "spec::invalid-platform"]);
    }
    if loaded.diags.has_errors() {
        // names can't be resolved against a spec that did not load; say only what is wrong in it
        report(&loaded.diags, &loaded.sources);
        return Ok(ExitCode::from(1));
    }
    let skip: usize = args.sets.iter().map(|s| s.len() + 1).sum();
    let sel = select::select(&loaded.spec, names, loaded.command_line, skip, &mut loaded.diags);
    if report(&loaded.diags, &loaded.sources) {
        return Ok(ExitCode::from(1));
    }
    let epoch = std::env::var("SOURCE_DATE_EPOCH").ok().filter(|s| !s.is_empty());
    println!("{}", bake_json::render(&loaded.spec, &sel.targets, &sel.groups, epoch.as_deref()));
    Ok(ExitCode::SUCCESS)
}
