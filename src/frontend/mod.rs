//! Front ends: spec files (HCL, bake JSON, KDL) → shared syntax tree → bake semantics → IR.

pub mod bake;
pub mod csv;
mod depth;
pub mod dockerfile;
pub mod eval;
pub mod hcl;
pub mod json;
pub mod kdl;
pub mod stdlib;
pub mod syntax;
pub mod value;

use crate::diag::Diagnostic;
use crate::source::{FileId, SourceMap};

/// The syntaxes a spec file can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Hcl,
    Json,
    Kdl,
}

impl Format {
    /// By extension; anything else is sniffed (`{` first means JSON, else HCL).
    pub fn detect(name: &str, text: &str) -> Format {
        match name.rsplit('.').next() {
            Some("json") => Format::Json,
            Some("kdl") => Format::Kdl,
            Some("hcl") => Format::Hcl,
            _ if text.trim_start().starts_with('{') => Format::Json,
            _ => Format::Hcl,
        }
    }
}

/// Spec files looked for when none is named: mpbake's own first, then bake's (compose excluded).
pub const DEFAULT_FILES: &[&str] =
    &["mpbake.hcl", "mpbake.kdl", "docker-bake.json", "docker-bake.hcl", "docker-bake.override.json", "docker-bake.override.hcl"];

/// Parses one loaded file into the shared syntax tree.
pub fn parse(sources: &SourceMap, file: FileId) -> Result<syntax::Body, Diagnostic> {
    let source = sources.file(file);
    match Format::detect(&source.name, &source.text) {
        Format::Hcl => hcl::parse(file, &source.text),
        Format::Json => json::parse(file, &source.text),
        Format::Kdl => kdl::parse(file, &source.text),
    }
}

/// Parses and evaluates in-memory files (in order) into a Spec: the whole front end without I/O,
/// for tests, fuzzing and benchmarks.
pub fn evaluate_texts(files: &[(&str, &str)], options: &bake::Options) -> (SourceMap, crate::ir::Spec, crate::diag::Diagnostics) {
    let mut sources = SourceMap::default();
    let mut diags = crate::diag::Diagnostics::default();
    let mut bodies = Vec::new();
    for (name, text) in files {
        let id = sources.add(*name, *text);
        match parse(&sources, id) {
            Ok(body) => bodies.push(body),
            Err(d) => diags.push(d),
        }
    }
    let spec = bake::evaluate(&bodies, options, &mut diags);
    (sources, spec, diags)
}
