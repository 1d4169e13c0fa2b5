//! Reads the spec files (named, or bake's default names) and evaluates them into a Spec.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use anyhow::Context as _;

use super::SpecArgs;
use crate::diag::{Diagnostic, Diagnostics};
use crate::frontend::bake::{self, Inputs, Options, SetOverride};
use crate::frontend::{self, DEFAULT_FILES};
use crate::ir::{Platform, Spec};
use crate::source::{FileId, SourceMap, Span};

/// A loaded spec with its sources and findings.
pub struct Loaded {
    pub sources: SourceMap,
    pub spec: Spec,
    pub diags: Diagnostics,
    /// The pseudo-file holding the command line's names, for spans on them.
    pub command_line: FileId,
}

/// Loads and evaluates what `names` asks for (bake's `default` when empty; `None`: every
/// target); names are kept for diagnostics on them. I/O failures are errors (exit 2);
/// problems in the input are diagnostics.
pub fn load(args: &SpecArgs, names: Option<&[String]>) -> anyhow::Result<Loaded> {
    let names_or_none: &[String] = names.unwrap_or_default();
    let mut sources = SourceMap::default();
    let mut diags = Diagnostics::default();
    let command_line_text: String = args.sets.iter().chain(names_or_none).map(|s| format!("{s}\n")).collect();
    let command_line = sources.add("<command line>", command_line_text);
    let files = spec_files(args, &mut diags)?;
    let mut bodies = Vec::new();
    let mut file_dirs = BTreeMap::new();
    for (name, text) in files {
        if name != "<stdin>" {
            // Go's filepath.Dir
            let dir = Path::new(&name).parent().map(|d| d.to_string_lossy().into_owned()).filter(|d| !d.is_empty());
            file_dirs.insert(FileId(sources.len() as u32), dir.unwrap_or_else(|| ".".into()));
        }
        let id = sources.add(name, text);
        match frontend::parse(&sources, id) {
            Ok(body) => bodies.push(body),
            Err(d) => diags.push(d),
        }
    }
    let mut offset = 0;
    let mut sets = Vec::new();
    for text in &args.sets {
        let span = Span::new(command_line, offset..offset + text.len());
        offset += text.len() + 1;
        match SetOverride::parse(text, span) {
            Ok(s) => sets.push(s),
            Err(d) => diags.push(d),
        }
    }
    let host = Platform::host();
    let inputs = Inputs {
        env: std::env::vars().collect(),
        vars: parse_vars(&args.vars, &mut diags),
        cmd_context: "cwd://".into(),
        local_platform: host.to_string(),
        file_dirs,
    };
    let spec = bake::evaluate(&bodies, &Options { inputs, sets, host: Some(host), wanted: names.map(<[String]>::to_vec) }, &mut diags);
    if args.strict {
        diags.make_strict();
    }
    Ok(Loaded { sources, spec, diags, command_line })
}

fn parse_vars(vars: &[String], diags: &mut Diagnostics) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for v in vars {
        match v.split_once('=') {
            Some((k, val)) if !k.is_empty() => {
                out.insert(k.to_string(), val.to_string());
            }
            _ => diags.push(Diagnostic::error("cli::invalid-var", format!("invalid --var `{v}`: expected NAME=VALUE"))),
        }
    }
    out
}

/// The named files, or every default file present in the working directory, with their text.
fn spec_files(args: &SpecArgs, diags: &mut Diagnostics) -> anyhow::Result<Vec<(String, String)>> {
    // bake's BUILDX_BAKE_FILE: files when no -f is given, split on BUILDX_BAKE_PATH_SEPARATOR (`:`)
    let from_env: Vec<String> = match (args.files.is_empty(), std::env::var("BUILDX_BAKE_FILE")) {
        (true, Ok(list)) => {
            let separator = std::env::var("BUILDX_BAKE_PATH_SEPARATOR").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| ":".into());
            list.split(separator.as_str()).map(str::trim).filter(|f| !f.is_empty()).map(String::from).collect()
        }
        _ => Vec::new(),
    };
    let files = if from_env.is_empty() { &args.files } else { &from_env };
    if files.is_empty() {
        let found: Vec<&str> = DEFAULT_FILES.iter().copied().filter(|f| Path::new(f).is_file()).collect();
        if found.is_empty() {
            diags.push(
                Diagnostic::error("cli::no-spec", "no spec file found")
                    .with_help(format!("name one with -f FILE, or create one of: {}", DEFAULT_FILES.join(", "))),
            );
        }
        return found
            .into_iter()
            .map(|f| {
                let bytes = read_input_file(Path::new(f)).with_context(|| format!("reading {f}"))?;
                Ok((f.to_string(), String::from_utf8(bytes).with_context(|| format!("{f} is not UTF-8 text"))?))
            })
            .collect();
    }
    let mut out = Vec::new();
    for f in files {
        if f == "-" {
            let mut text = String::new();
            std::io::Read::take(std::io::stdin(), INPUT_CAP).read_to_string(&mut text).context("reading the spec from stdin")?;
            out.push(("<stdin>".to_string(), text));
            continue;
        }
        match read_input_file(Path::new(f)) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => out.push((f.clone(), text)),
                Err(_) => diags.push(
                    Diagnostic::error("cli::not-utf8", format!("{f} is not UTF-8 text")).with_help("spec files are UTF-8 HCL, JSON or KDL"),
                ),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                diags.push(
                    Diagnostic::error("cli::file-not-found", format!("spec file {f} does not exist"))
                        .with_help("check the path given to -f"),
                );
            }
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                diags.push(
                    Diagnostic::error("cli::not-a-spec-file", format!("{f} cannot be a spec file: {e}"))
                        .with_help("name a regular file of at most 16 MiB with -f, or `-` for standard input"),
                );
            }
            Err(e) => return Err(e).with_context(|| format!("reading {f}")),
        }
    }
    Ok(out)
}

/// The most bytes a spec file or Dockerfile may have.
const INPUT_CAP: u64 = 16 << 20;

/// A spec file or Dockerfile's bytes: a regular file (a device such as /dev/zero, a fifo or a
/// directory is refused rather than read forever) of at most 16 MiB.
pub(super) fn read_input_file(path: &Path) -> std::io::Result<Vec<u8>> {
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, "not a regular file"));
    }
    if meta.len() > INPUT_CAP {
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("larger than {} MiB", INPUT_CAP >> 20)));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::io::Read::read_to_end(&mut std::io::Read::take(file, INPUT_CAP), &mut bytes)?;
    Ok(bytes)
}
