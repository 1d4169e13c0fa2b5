//! Renders a Spec as bake's JSON definition (the shape of `docker buildx bake --print`), with
//! mpbake-only fields under one `mpbake` key per target; knows nothing of files or the CLI.

use std::collections::BTreeMap;

use indexmap::IndexMap;
use serde_json::{Value as Json, json};

use crate::ir::{Composable, Group, Spec, Target};

/// The targets to print (targets linked as `target:NAME` contexts are added, cache-only) and
/// the groups to print, rendered as bake prints them. `source_date_epoch` is injected into args.
pub fn render(spec: &Spec, targets: &[String], groups: &BTreeMap<String, Group>, source_date_epoch: Option<&str>) -> String {
    let mut out: BTreeMap<String, IndexMap<&str, Json>> = BTreeMap::new();
    for name in targets {
        let Some(target) = spec.targets.get(name) else { continue };
        out.insert(name.clone(), target_json(target, source_date_epoch, false));
        for link in target.contexts.values().filter_map(|v| v.strip_prefix("target:")) {
            if !targets.iter().any(|t| t == link)
                && let Some(linked) = spec.targets.get(link)
            {
                out.insert(link.to_string(), target_json(linked, source_date_epoch, true));
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

#[derive(serde::Serialize)]
struct PrintDoc<'a> {
    group: BTreeMap<&'a String, IndexMap<&'static str, Json>>,
    target: BTreeMap<String, IndexMap<&'static str, Json>>,
}

/// Go's encoding/json escapes `<`, `>` and `&`; do the same so output diffs cleanly with buildx.
fn go_escape(json: &str) -> String {
    json.replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

/// `${` → `$${` and `%{` → `%%{`, so printed values read back as the same literal text.
fn escape_template(s: &str) -> String {
    s.replace("${", "$${").replace("%{", "%%{")
}

fn escaped_map(map: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    map.iter().map(|(k, v)| (k.clone(), escape_template(v))).collect()
}

/// One target in bake's field order; empty fields are omitted, as bake's `omitempty` does.
fn target_json(t: &Target, source_date_epoch: Option<&str>, cache_only: bool) -> IndexMap<&'static str, Json> {
    let mut o: IndexMap<&str, Json> = IndexMap::new();
    let mut put = |k: &'static str, v: Json| {
        let empty = match &v {
            Json::Null => true,
            Json::Array(a) => a.is_empty(),
            Json::Object(m) => m.is_empty(),
            _ => false,
        };
        if !empty {
            o.insert(k, v);
        }
    };
    let mut args = t.args.clone();
    if let Some(epoch) = source_date_epoch {
        args.entry("SOURCE_DATE_EPOCH".into()).or_insert_with(|| epoch.to_string());
    }
    let mut entitlements = t.entitlements.clone();
    if t.network.as_deref() == Some("host") && !entitlements.iter().any(|e| e == "network.host") {
        entitlements.push("network.host".into());
    }
    let contexts: BTreeMap<&String, &String> = t.contexts.iter().filter(|(_, v)| !v.is_empty()).collect();
    put("description", json!(t.description));
    put("annotations", json!(non_empty(&t.annotations).iter().map(|a| escape_template(a)).collect::<Vec<_>>()));
    put("attest", Json::Array(t.attest.iter().map(attest_json).collect()));
    put("context", json!(clean_context(t.context.as_deref().unwrap_or("."))));
    put("contexts", json!(contexts));
    put("dockerfile", json!(t.dockerfile.as_deref().filter(|d| !d.is_empty()).unwrap_or("Dockerfile")));
    put("dockerfile-inline", json!(t.dockerfile_inline.as_deref().map(escape_template)));
    put("args", json!(escaped_map(&args)));
    put("labels", json!(escaped_map(&t.labels)));
    put("tags", json!(non_empty(&t.tags)));
    put("cache-from", json!(t.cache_from));
    put("cache-to", json!(t.cache_to));
    put("target", json!(t.target));
    put("secret", Json::Array(t.secret.iter().map(secret_json).collect()));
    put("ssh", Json::Array(t.ssh.iter().map(ssh_json).collect()));
    put("platforms", json!(t.platforms));
    put("output", if cache_only { json!([{"type": "cacheonly"}]) } else { json!(t.output) });
    put("pull", json!(t.pull));
    put("no-cache", json!(t.no_cache));
    put("network", json!(t.network));
    put("no-cache-filter", json!(non_empty(&t.no_cache_filter)));
    put("shm-size", json!(t.shm_size));
    put("ulimits", json!(non_empty(&t.ulimits)));
    put("call", json!(t.call));
    put("entitlements", json!(non_empty(&entitlements)));
    put("extra-hosts", json!(escaped_map(&t.extra_hosts)));
    put("mpbake", t.image.as_ref().map_or(Json::Null, |i| prune(json!(i))));
    o
}

/// Drops nulls and empty lists and objects, as `omitempty` would.
fn prune(value: Json) -> Json {
    match value {
        Json::Object(map) => Json::Object(
            map.into_iter()
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| !(v.is_null() || v.as_array().is_some_and(Vec::is_empty) || v.as_object().is_some_and(|m| m.is_empty())))
                .collect(),
        ),
        Json::Array(items) => Json::Array(items.into_iter().map(prune).collect()),
        other => other,
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
    let absolute = context.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in context.split('/') {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            ".." if absolute => {}
            p => parts.push(p),
        }
    }
    let joined = parts.join("/");
    match (absolute, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

fn attest_json(entry: &Composable) -> Json {
    let mut o = serde_json::Map::new();
    for (k, v) in entry {
        let value = if k == "disabled" { json!(v == "true") } else { json!(v) };
        o.insert(k.clone(), value);
    }
    Json::Object(o)
}

fn secret_json(entry: &Composable) -> Json {
    let mut o: IndexMap<&str, &String> = IndexMap::new();
    for key in ["id", "src", "env"] {
        if let Some(v) = entry.get(key).filter(|v| !v.is_empty()) {
            o.insert(key, v);
        }
    }
    json!(o)
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
