//! Renders a Spec as bake's JSON definition (the shape of `docker buildx bake --print`), with
//! mpbake-only fields under one `mpbake` key per target; knows nothing of files or the CLI.

use std::collections::BTreeMap;

use std::borrow::Cow;

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Value as Json, json};

use crate::ir::{Composable, Group, Spec, Target};

/// The targets to print (targets linked as `target:NAME` contexts are added, cache-only) and
/// the groups to print, rendered as bake prints them. `source_date_epoch` is injected into args.
pub fn render(spec: &Spec, targets: &[String], groups: &BTreeMap<String, Group>, source_date_epoch: Option<&str>) -> String {
    let mut out: BTreeMap<&str, PrintTarget> = BTreeMap::new();
    for name in targets {
        if let Some(target) = spec.targets.get(name) {
            out.insert(name, target_json(target, source_date_epoch, false));
        }
    }
    // what they link as `target:` contexts, to any depth, cache-only
    let mut links: Vec<&str> = targets.iter().map(String::as_str).collect();
    while let Some(name) = links.pop() {
        let Some(target) = spec.targets.get(name) else { continue };
        for link in target.contexts.values().filter_map(|v| v.strip_prefix("target:")) {
            if !out.contains_key(link)
                && let Some(linked) = spec.targets.get(link)
            {
                out.insert(link, target_json(linked, source_date_epoch, true));
                links.push(link);
            }
        }
    }
    let groups: BTreeMap<&String, IndexMap<&str, Json>> = groups
        .iter()
        .map(|(n, g)| {
            let mut o = IndexMap::new();
            if let Some(d) = &g.description {
                o.insert("description", json!(d));
            }
            o.insert("targets", json!(g.targets));
            (n, o)
        })
        .collect();
    // serialized from ordered maps: serde_json's Value would sort the keys bake orders
    let doc = PrintDoc { group: groups, target: out };
    go_escape(&serde_json::to_string_pretty(&doc).unwrap_or_default())
}

#[derive(Serialize)]
struct PrintDoc<'a> {
    group: BTreeMap<&'a String, IndexMap<&'static str, Json>>,
    target: BTreeMap<&'a str, PrintTarget<'a>>,
}

/// Go's encoding/json escapes `<`, `>` and `&`; do the same so output diffs cleanly with buildx.
fn go_escape(json: &str) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// `${` → `$${` and `%{` → `%%{`, so printed values read back as the same literal text.
fn escape_template(s: &str) -> Cow<'_, str> {
    if s.contains("${") || s.contains("%{") { Cow::Owned(s.replace("${", "$${").replace("%{", "%%{")) } else { Cow::Borrowed(s) }
}

fn escaped_map(map: &BTreeMap<String, String>) -> BTreeMap<&str, Cow<'_, str>> {
    map.iter().map(|(k, v)| (k.as_str(), escape_template(v))).collect()
}

/// One target as bake prints it: bake's field order, empty fields omitted (`omitempty`).
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct PrintTarget<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attest: Vec<Json>,
    context: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    contexts: BTreeMap<&'a str, &'a str>,
    dockerfile: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    dockerfile_inline: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    args: BTreeMap<&'a str, Cow<'a, str>>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    labels: BTreeMap<&'a str, Cow<'a, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tags: Vec<&'a String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    cache_from: &'a [Composable],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    cache_to: &'a [Composable],
    #[serde(skip_serializing_if = "Option::is_none")]
    target: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    secret: Vec<IndexMap<&'static str, &'a String>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ssh: Vec<Json>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    platforms: &'a [String],
    #[serde(skip_serializing_if = "Json::is_null")]
    output: Json,
    #[serde(skip_serializing_if = "Option::is_none")]
    pull: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    no_cache: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    network: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    no_cache_filter: Vec<&'a String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    shm_size: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ulimits: Vec<&'a String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    resources: Option<&'a crate::ir::Resources>,
    #[serde(skip_serializing_if = "Option::is_none")]
    call: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    entitlements: Vec<&'a String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    extra_hosts: BTreeMap<&'a str, Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mpbake: Option<&'a crate::ir::InlineImage>,
}

fn target_json<'a>(t: &'a Target, source_date_epoch: Option<&'a str>, cache_only: bool) -> PrintTarget<'a> {
    let mut args = escaped_map(&t.args);
    if let Some(epoch) = source_date_epoch {
        args.entry("SOURCE_DATE_EPOCH").or_insert(Cow::Borrowed(epoch));
    }
    let entitlements = non_empty(&t.entitlements);
    let output = match (cache_only, t.output.is_empty()) {
        (true, _) => json!([{"type": "cacheonly"}]),
        (false, true) => Json::Null,
        (false, false) => json!(t.output),
    };
    PrintTarget {
        description: t.description.as_deref(),
        annotations: non_empty(&t.annotations).into_iter().map(|a| escape_template(a)).collect(),
        attest: t.attest.iter().map(attest_json).collect(),
        context: clean_context(t.context.as_deref().unwrap_or(".")),
        contexts: t.contexts.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (k.as_str(), v.as_str())).collect(),
        dockerfile: t.dockerfile.as_deref().filter(|d| !d.is_empty()).unwrap_or("Dockerfile"),
        dockerfile_inline: t.dockerfile_inline.as_deref().map(escape_template),
        args,
        labels: escaped_map(&t.labels),
        tags: non_empty(&t.tags),
        cache_from: &t.cache_from,
        cache_to: &t.cache_to,
        target: t.target.as_deref(),
        secret: t.secret.iter().map(secret_json).collect(),
        ssh: t.ssh.iter().map(ssh_json).collect(),
        platforms: &t.platforms_written,
        output,
        pull: t.pull,
        no_cache: t.no_cache,
        network: t.network.as_deref(),
        no_cache_filter: non_empty(&t.no_cache_filter),
        shm_size: t.shm_size.as_deref(),
        ulimits: non_empty(&t.ulimits),
        resources: t.resources.as_ref().filter(|r| **r != crate::ir::Resources::default()),
        call: t.call.as_deref(),
        entitlements,
        extra_hosts: escaped_map(&t.extra_hosts),
        mpbake: t.image.as_ref(),
    }
}

fn non_empty(items: &[String]) -> Vec<&String> {
    let mut out: Vec<&String> = Vec::new();
    for i in items.iter().filter(|i| !i.is_empty()) {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// Go's path.Clean of a local context; `cwd://` is dropped, URLs are left alone.
fn clean_context(context: &str) -> String {
    let context = context.strip_prefix("cwd://").unwrap_or(context);
    if context.contains("://") || context.starts_with("git@") || context.is_empty() {
        return if context.is_empty() { ".".into() } else { context.into() };
    }
    crate::frontend::stdlib::bake::clean(context)
}

fn attest_json(entry: &Composable) -> Json {
    let mut o = serde_json::Map::new();
    for (k, v) in entry {
        let value = if k == "disabled" { json!(v == "true") } else { json!(v) };
        o.insert(k.clone(), value);
    }
    Json::Object(o)
}

/// A secret in bake's field order (id, src, env), which a JSON value would sort.
fn secret_json(entry: &Composable) -> IndexMap<&'static str, &String> {
    let mut o: IndexMap<&str, &String> = IndexMap::new();
    for key in ["id", "src", "env"] {
        if let Some(v) = entry.get(key).filter(|v| !v.is_empty()) {
            o.insert(key, v);
        }
    }
    o
}

fn ssh_json(entry: &Composable) -> Json {
    let paths: Vec<&str> = entry.get("paths").map(|p| p.split(',').filter(|s| !s.is_empty()).collect()).unwrap_or_default();
    let mut o: IndexMap<&str, Json> = IndexMap::new();
    o.insert("id", json!(entry.get("id")));
    if !paths.is_empty() {
        o.insert("paths", json!(paths));
    }
    json!(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_contexts_like_go() {
        assert_eq!(clean_context("./"), ".");
        assert_eq!(clean_context("./src/"), "src");
        assert_eq!(clean_context("cwd://foo"), "foo");
        assert_eq!(clean_context("a/../b"), "b");
        assert_eq!(clean_context("../x"), "../x");
        assert_eq!(clean_context("https://github.com/a/b.git"), "https://github.com/a/b.git");
    }
}
