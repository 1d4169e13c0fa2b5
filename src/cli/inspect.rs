//! `mpbake inspect` and `mpbake verify` of a registry reference or an OCI layout directory.

use std::process::ExitCode;

use crate::publish::source::{Image, Source};
use crate::publish::{inspect, verify};

/// `--format` of inspect and verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Opens and reads an image; Err is the exit code (1: not a reference, 2: unreachable).
fn read(what: &str, insecure: &[String]) -> Result<(Source, Image), ExitCode> {
    let source = Source::open(what, insecure).map_err(|e| {
        eprintln!("mpbake: error: `{what}`: {e}");
        ExitCode::from(1)
    })?;
    let image = source.read().map_err(|e| {
        eprintln!("mpbake: error: {e}");
        ExitCode::from(2)
    })?;
    Ok((source, image))
}

pub fn inspect(what: &str, format: Format, insecure: &[String]) -> ExitCode {
    let (_, image) = match read(what, insecure) {
        Ok(x) => x,
        Err(code) => return code,
    };
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&inspect::to_json(&image)).unwrap_or_default()),
        Format::Text => print!("{}", inspect::to_text(what, &image)),
    }
    ExitCode::SUCCESS
}

pub fn verify(what: &str, format: Format, insecure: &[String]) -> ExitCode {
    let (source, image) = match read(what, insecure) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let report = match verify::verify(&source, &image) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mpbake: error: {e}");
            return ExitCode::from(2);
        }
    };
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default()),
        Format::Text => {
            for f in &report.findings {
                println!("{}: {}{}", f.platform, f.path.as_ref().map(|p| format!("{p} ")).unwrap_or_default(), f.message);
            }
            println!(
                "{}: {} platform(s), {} ELF file(s) checked, {} problem(s)",
                what,
                report.platforms,
                report.elf_files,
                report.findings.len()
            );
        }
    }
    if report.findings.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) }
}
