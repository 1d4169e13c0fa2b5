//! The target attributes as data: name, value kind, how inheritance merges it, and a summary.
//! Lowering, merging, `--set` and the docs' attribute table all read this one list.

use crate::diag::{Diagnostic, did_you_mean};
use crate::source::Span;

/// The shape of an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Str,
    Bool,
    StrList,
    /// String keys to string values; a null value means "absent".
    Map,
    /// A list of `k=v,...` CSV strings or objects.
    Composable,
    /// Anything (matrix, inherits, the inline image's fields); checked where lowered.
    Other,
}

/// What `inherits` (and multiple definitions through inheritance) does with a parent's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Merge {
    Replace,
    /// Keys of the child win; the parent's other keys stay.
    Keys,
    /// The child's entries follow the parent's (duplicates dropped).
    Append,
}

pub struct AttrSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub merge: Merge,
    pub summary: &'static str,
}

const fn a(name: &'static str, kind: Kind, merge: Merge, summary: &'static str) -> AttrSpec {
    AttrSpec { name, kind, merge, summary }
}

use Kind::*;
use Merge::*;

/// Every target attribute of bake's reference, in its order.
pub const TARGET_ATTRS: &[AttrSpec] = &[
    a("annotations", StrList, Append, "annotations added to the image index/manifest (`key=value`, optionally `type:`-prefixed)"),
    a("args", Map, Keys, "build arguments; a null value leaves the argument unset"),
    a("attest", Composable, Append, "attestations (`type=provenance,mode=max`, `type=sbom`)"),
    a("cache-from", Composable, Append, "external cache sources"),
    a("cache-to", Composable, Replace, "external cache destinations"),
    a("call", Str, Replace, "frontend method to call instead of building (`build`, `check`, `outline`, `targets`)"),
    a("context", Str, Replace, "build context directory, relative to the working directory (default `.`)"),
    a("contexts", Map, Keys, "named contexts; `target:NAME` links another target"),
    a("description", Str, Replace, "a human description of the target"),
    a("dockerfile", Str, Replace, "Dockerfile path, relative to the context (default `Dockerfile`)"),
    a("dockerfile-inline", Str, Replace, "Dockerfile contents inline (wins over `dockerfile`)"),
    a("entitlements", StrList, Append, "extra privileges (`network.host`, `security.insecure`)"),
    a("extra-hosts", Map, Keys, "extra /etc/hosts entries for RUN"),
    a("inherits", Other, Replace, "targets whose attributes this target starts from, in order (last wins)"),
    a("labels", Map, Keys, "image labels; a null value leaves the label unset"),
    a("matrix", Other, Replace, "expand this target into one per combination of values"),
    a("name", Other, Replace, "the name template of a matrix target"),
    a("network", Str, Replace, "network mode for RUN (`default`, `none`, `host`)"),
    a("no-cache", Bool, Replace, "do not use the build cache"),
    a("no-cache-filter", StrList, Append, "stages not to cache"),
    a("output", Composable, Replace, "outputs (`type=oci,dest=out`, `type=registry`)"),
    a("platforms", StrList, Replace, "target platforms (`linux/amd64`, `linux/arm64`, `linux/arm/v7`)"),
    a("pull", Bool, Replace, "always pull base images"),
    a(
        "resources",
        Other,
        Keys,
        "memory and CPU limits for RUN (`memory`, `memory-swap`, `cpu-shares`, `cpu-period`, `cpu-quota`, `cpuset-cpus`, `cpuset-mems`)",
    ),
    a("secret", Composable, Append, "secrets exposed to RUN --mount=type=secret (`id=x,src=path`, `id=y,env=VAR`)"),
    a("shm-size", Str, Replace, "size of /dev/shm for RUN"),
    a("ssh", Composable, Append, "SSH agent sockets or keys exposed to RUN --mount=type=ssh"),
    a("tags", StrList, Replace, "image names and tags"),
    a("target", Str, Replace, "the Dockerfile stage to build"),
    a("ulimits", StrList, Append, "ulimits for RUN (`nofile=1024:1024`)"),
];

/// mpbake's own target attributes (an image without a Dockerfile, lint switches); they print
/// under `mpbake`.
pub const IMAGE_ATTRS: &[AttrSpec] = &[
    a("from", Str, Replace, "base image of an inline image, or `scratch`"),
    a("env", Map, Keys, "environment variables of the image"),
    a("workdir", Str, Replace, "working directory of the image"),
    a("user", Str, Replace, "user (and group) the image runs as"),
    a("entrypoint", Other, Replace, "entrypoint: a list of strings (exec form) or a string (run by /bin/sh -c)"),
    a("cmd", Other, Replace, "default command: a list of strings or a string"),
    a("expose", StrList, Append, "exposed ports (`8080`, `53/udp`)"),
    a("skip-checks", StrList, Append, "lint rules switched off for this target (docs/rules/)"),
];

pub const MPBAKE_BLOCKS: &[&str] = &["file", "platform"];

pub fn spec(name: &str) -> Option<&'static AttrSpec> {
    TARGET_ATTRS.iter().chain(IMAGE_ATTRS).find(|s| s.name == name)
}

/// The warning for an attribute targets don't have, with a suggestion.
pub fn unknown_attribute(name: &str, span: Span) -> Diagnostic {
    let help = match name {
        "depends_on" | "depends-on" | "dependsOn" => {
            Some("bake has no depends_on: link the other target as a named context, `contexts = { name = \"target:other\" }`".to_string())
        }
        "platform" => Some("did you mean `platforms`? It takes a list: platforms = [\"linux/amd64\"]".to_string()),
        "secrets" => Some("did you mean `secret`?".to_string()),
        "outputs" => Some("did you mean `output`?".to_string()),
        _ => did_you_mean(name, TARGET_ATTRS.iter().chain(IMAGE_ATTRS).map(|s| s.name)).map(|s| format!("did you mean `{s}`?")),
    };
    Diagnostic::warning("spec::unknown-attribute", format!("targets have no attribute `{name}`; it is ignored"))
        .with_label(span, "unknown attribute")
        .with_help_opt(help)
}

/// The attribute tables of docs/spec.md, generated from this list (a test keeps them in sync).
pub fn markdown_tables() -> String {
    let kind = |k: Kind| match k {
        Kind::Str => "string",
        Kind::Bool => "bool",
        Kind::StrList => "list(string)",
        Kind::Map => "map(string)",
        Kind::Composable => "list(string | object)",
        Kind::Other => "see below",
    };
    let merge = |m: Merge| match m {
        Merge::Replace => "replaced",
        Merge::Keys => "merged by key",
        Merge::Append => "appended",
    };
    let table = |specs: &[AttrSpec]| {
        let mut out = String::from("| attribute | type | on `inherits` | meaning |\n|---|---|---|---|\n");
        for s in specs {
            out.push_str(&format!("| `{}` | {} | {} | {} |\n", s.name, kind(s.kind), merge(s.merge), s.summary));
        }
        out
    };
    format!("### Bake target attributes\n\n{}\n### mpbake image attributes\n\n{}", table(TARGET_ATTRS), table(IMAGE_ATTRS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_sorted_and_unique() {
        let names: Vec<&str> = TARGET_ATTRS.iter().map(|s| s.name).collect();
        assert!(names.windows(2).all(|w| w[0] < w[1]), "{names:?}");
        assert!(IMAGE_ATTRS.iter().all(|s| !names.contains(&s.name)));
    }

    #[test]
    fn depends_on_gets_the_contexts_hint() {
        let d = unknown_attribute("depends_on", Span::default());
        assert!(d.help.unwrap_or_default().contains("target:other"));
    }
}
