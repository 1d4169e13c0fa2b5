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
