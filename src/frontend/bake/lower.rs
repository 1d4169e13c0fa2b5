//! Lowers a resolved target's values into `ir::Target`, checking each attribute's shape.

use super::context::Context;
use super::convert;
use super::image;
use super::targets::{Field, RawTarget};
use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{Composable, ImageRef, Platform, Target};

/// Lowers one target; errors are pushed and the target is still returned as far as it lowered.
pub fn lower(ctx: &Context, raw: &RawTarget, host: &Platform, diags: &mut Diagnostics) -> Target {
    let mut t = Target { name: raw.name.clone(), span: raw.span, ..Target::default() };
    let mut report = |r: Result<(), Diagnostic>| {
        if let Err(d) = r {
            diags.push(d);
        }
    };
    for (name, field) in &raw.fields {
        report(set_field(&mut t, name, field));
    }
    if let Some(f) = raw.fields.get("secret") {
        check_secret_files(&t.secret, f, diags);
    }
    if let Some(f) = raw.fields.get("ssh") {
        check_ssh_sources(&t.ssh, f, ctx.env("SSH_AUTH_SOCK"), diags);
    }
    if let Some(f) = raw.fields.get("tags") {
        check_tags(&t.tags, f, diags);
    }
    if let Some(f) = raw.fields.get("platforms") {
        t.platforms = platforms(&t.platforms_written, f, host, diags);
    }
    if ctx.env("BUILDX_BAKE_FILE_RELATIVE_PATHS").and_then(super::types::parse_bool) == Some(true) {
        rebase_paths(ctx, raw, &mut t);
    }
    let platforms_span = raw.fields.get("platforms").map_or(raw.span, |f| f.value_span);
    let mut sub = Diagnostics::default();
    t.image = image::lower(ctx, raw, &t.platforms, platforms_span, host, &mut sub);
    diags.extend(sub.items);
    t
}

fn set_field(t: &mut Target, name: &str, f: &Field) -> Result<(), Diagnostic> {
    match name {
        "annotations" => t.annotations = convert::string_list(name, f)?,
        "args" => t.args = convert::string_map(name, f)?,
        "attest" => t.attest = one_per_key("type", convert::composable(name, f)?),
        "cache-from" => t.cache_from = remove_dupes(convert::composable(name, f)?),
        "cache-to" => t.cache_to = remove_dupes(convert::composable(name, f)?),
        "call" => t.call = convert::string(name, f)?,
        "context" => t.context = convert::string(name, f)?,
        "contexts" => t.contexts = convert::string_map(name, f)?,
        "description" => t.description = convert::string(name, f)?,
        "dockerfile" => t.dockerfile = convert::string(name, f)?,
        "dockerfile-inline" => t.dockerfile_inline = convert::string(name, f)?,
        "entitlements" => t.entitlements = convert::string_list(name, f)?,
        "extra-hosts" => t.extra_hosts = convert::string_map(name, f)?,
        "labels" => t.labels = convert::string_map(name, f)?,
        "network" => t.network = convert::string(name, f)?,
        "no-cache" => t.no_cache = convert::boolean(name, f)?,
        "no-cache-filter" => t.no_cache_filter = convert::string_list(name, f)?,
        "output" => t.output = remove_dupes(convert::composable(name, f)?),
        "platforms" => t.platforms_written = unique(convert::string_list(name, f)?),
        "pull" => t.pull = convert::boolean(name, f)?,
        "resources" => t.resources = convert::resources(f)?,
        "secret" => t.secret = one_per_key("id", convert::composable(name, f)?),
        "shm-size" => t.shm_size = convert::string(name, f)?,
        "ssh" => t.ssh = one_per_key("id", convert::composable(name, f)?),
        "tags" => t.tags = unique(convert::string_list(name, f)?),
        "target" => t.target = convert::string(name, f)?,
        "ulimits" => t.ulimits = convert::string_list(name, f)?,
        _ => {}
    }
    Ok(())
}

/// One entry per `key` (attestations by type, secrets and ssh by id): the last written, at
/// the place of the first, as bake normalizes them.
fn one_per_key(key: &str, entries: Vec<Composable>) -> Vec<Composable> {
    let mut out: Vec<Composable> = Vec::with_capacity(entries.len());
    for entry in entries {
        match out.iter_mut().find(|e| e.get(key) == entry.get(key)) {
            Some(slot) => *slot = entry,
            None => out.push(entry),
        }
    }
    out
}

/// Equal entries (cache, outputs) removed as bake's removeDupes does: walking back from the
/// end, a later duplicate of an entry is replaced by the last entry, which is dropped.
pub(super) fn remove_dupes(mut entries: Vec<Composable>) -> Vec<Composable> {
    for i in (0..entries.len().saturating_sub(1)).rev() {
        if let Some(j) = (i + 1..entries.len()).find(|&j| entries[j] == entries[i]) {
            entries.swap_remove(j);
        }
    }
    entries
}

/// Exact duplicates dropped, first kept, as bake does.
fn unique(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

/// The written platforms normalized (`local` is the host); two spellings of one platform are
/// built once, with a warning, as buildx dedupes them.
fn platforms(written: &[String], f: &Field, host: &Platform, diags: &mut Diagnostics) -> Vec<Platform> {
    let mut out: Vec<Platform> = Vec::new();
    for text in written {
        let parsed = if text == "local" { Ok(host.clone()) } else { Platform::parse(text) };
        match parsed {
            Err(e) => diags.push(
                Diagnostic::error("spec::invalid-platform", format!("invalid platform `{text}`"))
                    .with_label(f.value_span, e.0)
                    .with_help("platforms are OS/ARCH[/VARIANT] (linux/amd64, linux/arm64, linux/arm/v7), an architecture, or `local`"),
            ),
            Ok(p) if out.contains(&p) => diags.push(
                Diagnostic::warning("spec::duplicate-platform", format!("platform `{p}` is listed twice (`{text}` normalizes to it)"))
                    .with_label(f.value_span, "in this list")
                    .with_help("it is built once (linux/arm64/v8 is linux/arm64; linux/arm is linux/arm/v7)"),
            ),
            Ok(p) => out.push(p),
        }
    }
    out
}

/// BUILDX_BAKE_FILE_RELATIVE_PATHS: `context` and `contexts` are relative to the file that
/// sets them (`context = target.X.context` to X's), and a target without `context` uses its
/// last block's file's directory, as bake rebases them. Overrides stay as given.
fn rebase_paths(ctx: &Context, raw: &RawTarget, t: &mut Target) {
    let base = match raw.fields.get("context") {
        Some(f) => context_ref(ctx, f.value_span).map_or_else(|| ctx.file_dir(f.value_span), |r| context_base(ctx, r)),
        None => ctx.file_dir(raw.defined_in),
    };
    if let Some(base) = base {
        t.context = Some(rebase(base, t.context.as_deref().unwrap_or(".")));
    }
    if let Some(base) = raw.fields.get("contexts").and_then(|f| ctx.file_dir(f.value_span)) {
        for value in t.contexts.values_mut() {
            *value = rebase(base, value);
        }
    }
}

/// The target X when `span` is the expression `target.X.context` in a target block.
fn context_ref<'c>(ctx: &'c Context, span: crate::source::Span) -> Option<&'c str> {
    use crate::frontend::syntax::{ExprKind, Traverser};
    let attr = ctx.defs.targets.values().flatten().filter_map(|b| b.body.attr("context")).find(|a| a.expr.span == span)?;
    match &attr.expr.kind {
        ExprKind::Traverse(root, steps) if matches!(&root.kind, ExprKind::Var(v) if v == "target") => match steps.as_slice() {
            [Traverser::Attr(name, _), Traverser::Attr(field, _)] if field == "context" => Some(name),
            _ => None,
        },
        _ => None,
    }
}

/// The directory target `name`'s context is relative to: its `context`'s file, else its last
/// block's.
fn context_base<'c>(ctx: &'c Context, name: &str) -> Option<&'c str> {
    let blocks = ctx.defs.targets.get(name)?;
    let setting = blocks.iter().rev().find_map(|b| b.body.attr("context")).map(|a| a.expr.span);
    ctx.file_dir(setting.unwrap_or(blocks.last()?.name_span()))
}

/// bake's rebaseContextPath: special and absolute paths stay; others join the base, cleaned.
fn rebase(base: &str, path: &str) -> String {
    let special = ["cwd://", "target:", "docker-image:", "oci-layout://"].iter().any(|p| path.starts_with(p)) || path.contains("://");
    if base.is_empty() || path.is_empty() || special || path.starts_with('/') {
        return path.to_string();
    }
    crate::frontend::stdlib::bake::clean(&format!("{base}/{path}"))
}

/// A secret read from a file needs the file, as bake checks before printing or building.
fn check_secret_files(secrets: &[Composable], f: &Field, diags: &mut Diagnostics) {
    for secret in secrets {
        if let Some(src) = secret.get("src").filter(|s| !s.is_empty() && !std::path::Path::new(s).exists()) {
            let id = secret.get("id").map_or("", String::as_str);
            diags.push(
                Diagnostic::error("spec::missing-file", format!("secret `{id}` reads `{src}`, which does not exist"))
                    .with_label(f.value_span, "in these secrets")
                    .with_help("paths are relative to the working directory; create the file, or use env=VAR"),
            );
        }
    }
}

/// An ssh entry needs its key paths, or without paths a running agent (SSH_AUTH_SOCK), as bake
/// checks.
fn check_ssh_sources(entries: &[Composable], f: &Field, agent: Option<&str>, diags: &mut Diagnostics) {
    for entry in entries {
        let id = entry.get("id").map_or("default", String::as_str);
        let paths: Vec<&str> = entry.get("paths").map(|p| p.split(',').filter(|s| !s.is_empty()).collect()).unwrap_or_default();
        let problem = match (paths.iter().find(|p| !std::path::Path::new(p).exists()), paths.is_empty(), agent) {
            (Some(missing), _, _) => Some(format!("ssh `{id}` reads `{missing}`, which does not exist")),
            (None, true, None | Some("")) => Some(format!("ssh `{id}` forwards the SSH agent, but SSH_AUTH_SOCK is not set")),
            (None, true, Some(sock)) if !std::path::Path::new(sock).exists() => {
                Some(format!("ssh `{id}` forwards the SSH agent at `{sock}` (SSH_AUTH_SOCK), which does not exist"))
            }
            _ => None,
        };
        if let Some(message) = problem {
            diags.push(
                Diagnostic::error("spec::missing-file", message)
                    .with_label(f.value_span, "in these ssh entries")
                    .with_help("start an agent (eval $(ssh-agent)) or name key files: ssh = [\"default=/path/to/key\"]"),
            );
        }
    }
}

/// Tags are checked; an invalid one is still printed, as bake prints it.
fn check_tags(tags: &[String], f: &Field, diags: &mut Diagnostics) {
    for tag in tags {
        if let Err(e) = ImageRef::parse(tag) {
            diags.push(
                Diagnostic::error("spec::invalid-tag", format!("invalid tag `{tag}`"))
                    .with_label(f.value_span, e)
                    .with_help("a tag is [REGISTRY/]REPOSITORY[:TAG], lowercase repository, e.g. registry.example/app:1.0"),
            );
        }
    }
}
