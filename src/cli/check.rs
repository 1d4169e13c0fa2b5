//! `mpbake check`: every diagnostic of the spec, its Dockerfiles and the lint rules, for people
//! (human), tools (json) or code scanning (sarif); exit 1 when any is an error.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::{CheckFormat, SpecArgs, outputs, planned, unhonoured};
use crate::diag::{render_human, render_json, render_sarif};
use crate::lint;

pub fn run(args: &SpecArgs, names: &[String], format: CheckFormat, build_platform: Option<&str>) -> anyhow::Result<ExitCode> {
    let mut p = planned::planned(args, names, build_platform)?;
    if let Some(plan) = &p.plan {
        let ctx = lint::Context { spec: &p.loaded.spec, dockerfiles: &p.dockerfiles, plan };
        p.loaded.diags.extend(lint::run(&ctx));
        unhonoured::warn(&p.loaded.spec, &p.targets, &mut p.loaded.diags);
        let mut found = Vec::new();
        outputs::of_targets(&p.loaded.spec, &p.targets, None, false, false, &mut found);
        p.loaded.diags.extend(found);
        p.loaded.diags.extend(crate::exec::sources::missing(&p.loaded.spec, &p.targets, plan, &std::env::current_dir()?));
        if args.strict {
            p.loaded.diags.make_strict();
        }
    }
    let items = &p.loaded.diags.items;
    let sources = &p.loaded.sources;
    match format {
        CheckFormat::Human if items.is_empty() => eprintln!("no problems found"),
        CheckFormat::Human => eprint!("{}", render_human(items, sources, std::io::stderr().is_terminal())),
        CheckFormat::Json => println!("{}", serde_json::to_string_pretty(&render_json(items, sources))?),
        CheckFormat::Sarif => println!("{}", serde_json::to_string_pretty(&render_sarif(items, sources))?),
    }
    Ok(ExitCode::from(u8::from(p.loaded.diags.has_errors())))
}

/// bake's `call = "check"`: each target's diagnostics and lint findings, under its name (and
/// description) as buildx prints a check, nothing built; Ok(true) when none was found.
pub fn call_check(args: &SpecArgs, names: &[String]) -> anyhow::Result<bool> {
    let mut clean = true;
    for (i, name) in names.iter().enumerate() {
        let mut p = planned::planned(args, std::slice::from_ref(name), None)?;
        if let Some(plan) = &p.plan {
            let ctx = lint::Context { spec: &p.loaded.spec, dockerfiles: &p.dockerfiles, plan };
            p.loaded.diags.extend(lint::run(&ctx));
        }
        if i > 0 {
            println!();
        }
        println!("{name}");
        if let Some(description) = p.loaded.spec.targets.get(name).and_then(|t| t.description.as_deref()) {
            println!("{description}");
        }
        println!();
        let items = &p.loaded.diags.items;
        if !items.is_empty() {
            eprint!("{}", render_human(items, &p.loaded.sources, std::io::stderr().is_terminal()));
        }
        match items.len() {
            0 => println!("Check complete, no warnings found."),
            1 => println!("Check complete, 1 warning has been found!"),
            n => println!("Check complete, {n} warnings have been found!"),
        }
        clean &= items.is_empty();
    }
    Ok(clean)
}
