//! Lowers mpbake's target extensions: the inline image (`from`, `env`, `entrypoint`, ...),
//! per-arch `file` selections and `platform` overrides, evaluated once per target platform.

use std::collections::BTreeMap;

use super::context::Context;
use super::convert;
use super::definitions::check_attrs;
use super::schema::IMAGE_ATTRS;
use super::targets::{Field, RawTarget, ScopedBlock};
use crate::diag::{Diagnostic, Diagnostics};
use crate::frontend::eval::Evaluator;
use crate::frontend::syntax::{Block, Expr};
use crate::frontend::value::Value;
use crate::ir::{BaseImage, FileMode, FileSelection, ImageRef, InlineImage, Platform, PlatformOverride};
use crate::source::Span;

/// The platforms files are selected for, and where they were declared (for diagnostics).
struct Platforms<'a> {
    list: &'a [Platform],
    span: Span,
}

pub fn lower(
    ctx: &Context,
    raw: &RawTarget,
    declared: &[Platform],
    span: Span,
    host: &Platform,
    diags: &mut Diagnostics,
) -> Option<InlineImage> {
    let has_image_attr = IMAGE_ATTRS.iter().any(|a| raw.fields.contains_key(a.name));
    if !has_image_attr && raw.blocks.is_empty() {
        return None;
    }
    let host_only = [host.clone()];
    let platforms = Platforms { list: if declared.is_empty() { &host_only } else { declared }, span };
    let mut image = InlineImage::default();
    for (name, field) in &raw.fields {
        if let Err(d) = set_field(&mut image, name, field) {
            diags.push(d);
        }
    }
    for scoped in &raw.blocks {
        match scoped.block.kind.as_str() {
            "file" => {
                if let Some(file) = file_selection(ctx, &scoped.block, &scoped.locals, &platforms, diags) {
                    replace_file(&mut image.files, file);
                }
            }
            _ => platform_override(ctx, scoped, &platforms, &mut image.platform, diags),
        }
    }
    Some(image)
}

fn replace_file(files: &mut Vec<FileSelection>, file: FileSelection) {
    files.retain(|f| f.dest != file.dest);
    files.push(file);
}

fn set_field(image: &mut InlineImage, name: &str, f: &Field) -> Result<(), Diagnostic> {
    match name {
        "from" => image.from = convert::string(name, f)?.map(|s| base_image(&s, f.value_span)).transpose()?,
        "env" => image.env = convert::string_map(name, f)?,
        "workdir" => image.workdir = convert::string(name, f)?,
        "user" => image.user = convert::string(name, f)?,
        "entrypoint" => image.entrypoint = command(name, f)?,
        "cmd" => image.cmd = command(name, f)?,
        "expose" => image.expose = convert::string_list(name, f)?,
        "skip-checks" => image.skip_checks = convert::string_list(name, f)?,
        _ => {}
    }
    Ok(())
}

fn base_image(text: &str, span: Span) -> Result<BaseImage, Diagnostic> {
    if text == "scratch" {
        return Ok(BaseImage::Scratch);
    }
    ImageRef::parse(text).map(BaseImage::Image).map_err(|e| {
        Diagnostic::error("spec::invalid-image", format!("invalid base image `{text}`"))
            .with_label(span, e)
            .with_help("use an image reference such as registry.example/base:1, or \"scratch\"")
    })
}

/// Exec form (a list) as is; a string is run by `/bin/sh -c`, as a Dockerfile's shell form.
fn command(name: &str, f: &Field) -> Result<Option<Vec<String>>, Diagnostic> {
    match &f.value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(vec!["/bin/sh".into(), "-c".into(), s.clone()])),
        _ => convert::string_list(name, f).map(Some),
    }
}

fn eval_in(ctx: &Context, expr: &Expr, locals: Vec<(String, Value)>) -> Result<Value, Diagnostic> {
    Evaluator::new(ctx).with_locals(locals, |ev| ev.eval(expr))
}

fn platform_locals(locals: &[(String, Value)], p: &Platform) -> Vec<(String, Value)> {
    let mut out = locals.to_vec();
    out.extend(p.template_vars().into_iter().map(|(k, v)| (k.to_string(), Value::String(v))));
    out
}

/// A `file "DEST" { source = TEMPLATE, select = { PLATFORM = SOURCE }, mode, owner }` block,
/// resolved to one source per platform (table entries win over the template).
fn file_selection(
    ctx: &Context,
    block: &Block,
    locals: &[(String, Value)],
    platforms: &Platforms,
    diags: &mut Diagnostics,
) -> Option<FileSelection> {
    check_attrs(block, &["source", "select", "mode", "owner"], &[], diags);
    let dest = block.name().to_string();
    if !dest.starts_with('/') {
        diags.push(
            Diagnostic::error("spec::file-dest", format!("file destination `{dest}` is not absolute"))
                .with_label(block.name_span(), "relative path")
                .with_help(format!("write the path inside the image, e.g. file \"/{}\"", dest.trim_start_matches("./"))),
        );
        return None;
    }
    let mut table: BTreeMap<String, (String, Span)> = BTreeMap::new();
    if let Some(select) = block.body.attr("select") {
        match eval_in(ctx, &select.expr, locals.to_vec()) {
            Ok(Value::Object(map)) => {
                for (key, value) in map {
                    let platform = match Platform::parse(&key) {
                        Ok(p) => p,
                        Err(e) => {
                            diags.push(
                                Diagnostic::error("spec::invalid-platform", format!("invalid platform `{key}` in `select`"))
                                    .with_label(select.expr.span, e.0),
                            );
                            continue;
                        }
                    };
                    let Some(source) = value.to_template_string() else {
                        diags.push(
                            Diagnostic::error("spec::type", format!("`select` entry `{key}` must be a path string"))
                                .with_label(select.expr.span, "here"),
                        );
                        continue;
                    };
                    if !platforms.list.contains(&platform) {
                        diags.push(
                            Diagnostic::warning(
                                "spec::unused-selection",
                                format!("`select` has an entry for {platform}, which this target does not build"),
                            )
                            .with_label(select.expr.span, "entry never used")
                            .with_label(platforms.span, "the target's platforms"),
                        );
                    }
                    table.insert(platform.to_string(), (source, select.expr.span));
                }
            }
            Ok(other) => diags.push(
                Diagnostic::error("spec::type", format!("`select` must map platforms to paths, got {}", other.type_name()))
                    .with_label(select.expr.span, "here")
                    .with_help("select = { \"linux/amd64\" = \"dist/x-amd64\", \"linux/arm64\" = \"dist/x-arm64\" }"),
            ),
            Err(d) => diags.push(d),
        }
    }
    let source = block.body.attr("source");
    let mut sources = BTreeMap::new();
    for platform in platforms.list {
        let key = platform.to_string();
        if let Some((path, _)) = table.get(&key) {
            sources.insert(key, path.clone());
            continue;
        }
        let Some(source) = source else {
            diags.push(
                Diagnostic::error("spec::missing-selection", format!("file `{dest}` has no source for platform {platform}"))
                    .with_label(block.name_span(), format!("no `source` template and no `select` entry for {platform}"))
                    .with_label(platforms.span, format!("{platform} is built here"))
                    .with_help(format!(
                        "add `\"{platform}\" = \"path/to/file\"` to `select`, or a `source` template such as \"dist/x-${{TARGETARCH}}\""
                    )),
            );
            continue;
        };
        match eval_in(ctx, &source.expr, platform_locals(locals, platform)).map(|v| v.to_template_string()) {
            Ok(Some(path)) => {
                sources.insert(key, path);
            }
            Ok(None) => diags.push(Diagnostic::error("spec::type", "`source` must be a path string").with_label(source.expr.span, "here")),
            Err(d) => diags.push(d),
        }
    }
    let mode = block.body.attr("mode").and_then(|a| file_mode(ctx, &a.expr, locals, diags));
    let owner = block.body.attr("owner").and_then(|a| match eval_in(ctx, &a.expr, locals.to_vec()) {
        Ok(v) => v.to_template_string(),
        Err(d) => {
            diags.push(d);
            None
        }
    });
    Some(FileSelection { dest, sources, mode, owner, span: block.name_span() })
}

/// `mode = "0755"` (octal string) or `mode = 755` (digits read as octal, since HCL has no octal literal).
fn file_mode(ctx: &Context, expr: &Expr, locals: &[(String, Value)], diags: &mut Diagnostics) -> Option<FileMode> {
    let text = match eval_in(ctx, expr, locals.to_vec()) {
        Ok(v) => v.to_template_string().unwrap_or_default(),
        Err(d) => {
            diags.push(d);
            return None;
        }
    };
    match FileMode::try_from(text.clone()) {
        Ok(mode) => Some(mode),
        Err(_) => {
            diags.push(
                Diagnostic::error("spec::file-mode", format!("invalid file mode `{text}`"))
                    .with_label(expr.span, "not an octal mode")
                    .with_help("write the mode as an octal string, e.g. mode = \"0755\""),
            );
            None
        }
    }
}

/// A `platform "os/arch" { args, labels, from, file ... }` block.
fn platform_override(
    ctx: &Context,
    scoped: &ScopedBlock,
    platforms: &Platforms,
    out: &mut BTreeMap<String, PlatformOverride>,
    diags: &mut Diagnostics,
) {
    let block = &scoped.block;
    check_attrs(block, &["args", "labels", "from"], &["file"], diags);
    let platform = match Platform::parse(block.name()) {
        Ok(p) => p,
        Err(e) => {
            diags.push(
                Diagnostic::error("spec::invalid-platform", format!("invalid platform `{}`", block.name()))
                    .with_label(block.name_span(), e.0),
            );
            return;
        }
    };
    if !platforms.list.contains(&platform) {
        diags.push(
            Diagnostic::warning("spec::unused-platform-block", format!("this target does not build {platform}; the block is never used"))
                .with_label(block.name_span(), "never used")
                .with_label(platforms.span, "the target's platforms"),
        );
    }
    let locals = platform_locals(&scoped.locals, &platform);
    let entry = out.entry(platform.to_string()).or_default();
    for attr in &block.body.attrs {
        let value = match eval_in(ctx, &attr.expr, locals.clone()) {
            Ok(v) => v,
            Err(d) => {
                diags.push(d);
                continue;
            }
        };
        let field = Field { value, name_span: attr.name_span, value_span: attr.expr.span };
        let result = match attr.name.as_str() {
            "args" => convert::string_map("args", &field).map(|m| entry.args.extend(m)),
            "labels" => convert::string_map("labels", &field).map(|m| entry.labels.extend(m)),
            "from" => convert::string("from", &field)
                .and_then(|s| s.map(|s| base_image(&s, field.value_span)).transpose())
                .map(|b| entry.from = b.or(entry.from.take())),
            _ => Ok(()),
        };
        if let Err(d) = result {
            diags.push(d);
        }
    }
    let only_this = [platform];
    let one = Platforms { list: &only_this, span: block.name_span() };
    for inner in block.body.blocks("file") {
        if let Some(file) = file_selection(ctx, inner, &scoped.locals, &one, diags) {
            replace_file(&mut entry.files, file);
        }
    }
}
