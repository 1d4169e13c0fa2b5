//! `mpbake check`: every diagnostic of the spec, for people (human), tools (json) or code
//! scanning (sarif); exit 1 when any is an error.

use std::io::IsTerminal;
use std::process::ExitCode;

use super::{CheckFormat, SpecArgs, load};
use crate::diag::{render_human, render_json, render_sarif};

pub fn run(args: &SpecArgs, format: CheckFormat) -> anyhow::Result<ExitCode> {
    let loaded = load::load(args, &[])?;
    let items = &loaded.diags.items;
    match format {
        CheckFormat::Human if items.is_empty() => eprintln!("no problems found"),
        CheckFormat::Human => eprint!("{}", render_human(items, &loaded.sources, std::io::stderr().is_terminal())),
        CheckFormat::Json => println!("{}", serde_json::to_string_pretty(&render_json(items, &loaded.sources))?),
        CheckFormat::Sarif => println!("{}", serde_json::to_string_pretty(&render_sarif(items, &loaded.sources))?),
    }
    Ok(ExitCode::from(u8::from(loaded.diags.has_errors())))
}
