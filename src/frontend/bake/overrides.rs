//! `--set PATTERN.KEY[+]=VALUE`: bake's command-line overrides, applied after inheritance.

use std::collections::BTreeMap;

use super::convert;
use super::targets::{Field, RawTarget};
use super::types::parse_bool;
use crate::diag::{Diagnostic, Diagnostics, did_you_mean};
use crate::frontend::value::Value;
use crate::ir::Composable;
use crate::source::Span;

/// Keys `--set` accepts (bake's list), and the target field each one writes.
const KEYS: &[(&str, &str)] = &[
    ("annotations", "annotations"),
    ("args", "args"),
    ("attest", "attest"),
    ("cache-from", "cache-from"),
    ("cache-to", "cache-to"),
    ("call", "call"),
    ("context", "context"),
    ("contexts", "contexts"),
    ("dockerfile", "dockerfile"),
    ("entitlements", "entitlements"),
    ("extra-hosts", "extra-hosts"),
    ("labels", "labels"),
    ("load", "output"),
    ("network", "network"),
    ("no-cache", "no-cache"),
    ("no-cache-filter", "no-cache-filter"),
    ("output", "output"),
    ("platform", "platforms"),
    ("pull", "pull"),
    ("push", "output"),
    ("resources", "resources"),
    ("secret", "secret"),
    ("secrets", "secret"),
    ("shm-size", "shm-size"),
    ("ssh", "ssh"),
    ("tags", "tags"),
    ("target", "target"),
    ("ulimits", "ulimits"),
];
const LIST_KEYS: &[&str] = &[
    "annotations",
    "attest",
    "cache-from",
    "cache-to",
    "entitlements",
    "no-cache-filter",
    "output",
    "platform",
    "secrets",
    "ssh",
    "tags",
    "ulimits",
];
const MAP_KEYS: &[&str] = &["args", "contexts", "extra-hosts", "labels", "resources", "secret"];

/// One parsed `--set`, with the span of its text in the command-line pseudo-file.
#[derive(Debug, Clone)]
pub struct SetOverride {
    pub pattern: String,
    pub key: String,
    /// `args.NAME` and friends.
    pub subkey: Option<String>,
    pub value: Option<String>,
    pub append: bool,
    pub span: Span,
}

impl SetOverride {
    pub fn parse(text: &str, span: Span) -> Result<SetOverride, Diagnostic> {
        let (lhs, value) = match text.split_once('=') {
            Some((l, v)) => (l, Some(v.to_string())),
            None => (text, None),
        };
        let append = lhs.ends_with('+');
        let lhs = lhs.trim_end_matches('+');
        let mut parts = lhs.splitn(3, '.');
        let (Some(pattern), Some(key)) = (parts.next(), parts.next()) else {
            return Err(bad(
                span,
                format!("`{text}` is not an override"),
                "write --set TARGET.KEY=VALUE, e.g. --set app.tags=app:dev or --set *.platform=linux/arm64",
            ));
        };
        let subkey = parts.next().map(String::from);
        if !KEYS.iter().any(|(k, _)| *k == key) {
            let help = did_you_mean(key, KEYS.iter().map(|(k, _)| *k)).map_or_else(
                || format!("--set accepts {}", KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")),
                |s| format!("did you mean `{s}`?"),
            );
            return Err(bad(span, format!("`--set` cannot override `{key}`"), &help));
        }
        if MAP_KEYS.contains(&key) != subkey.is_some() {
            let help = if MAP_KEYS.contains(&key) {
                format!("name the entry: --set {pattern}.{key}.NAME=VALUE")
            } else {
                format!("`{key}` has no sub-keys")
            };
            return Err(bad(span, format!("`{lhs}`: wrong number of key parts"), &help));
        }
        if append && !LIST_KEYS.contains(&key) {
            return Err(bad(span, format!("`+=` appends to lists; `{key}` is not one"), "use `=` to replace the value"));
        }
        if value.is_none() && key != "args" {
            return Err(bad(span, format!("`{text}` has no value"), "write --set TARGET.KEY=VALUE"));
        }
        Ok(SetOverride { pattern: pattern.into(), key: key.into(), subkey, value, append, span })
    }
}

fn bad(span: Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::error("spec::invalid-override", message).with_label(span, "this override").with_help(help.to_string())
}

/// The target names a `--set` pattern selects: an exact name, or a glob over target names.
pub fn matching<'a>(pattern: &str, names: impl Iterator<Item = &'a String>) -> Vec<String> {
    let names: Vec<&String> = names.collect();
    if names.iter().any(|n| *n == pattern) {
        return vec![pattern.to_string()];
    }
    let Ok(glob) = glob::Pattern::new(pattern) else { return Vec::new() };
    names.into_iter().filter(|n| glob.matches(n)).cloned().collect()
}

/// Reports overrides whose pattern matches no target.
pub fn check_patterns<'a>(sets: &[SetOverride], names: impl Iterator<Item = &'a String> + Clone, diags: &mut Diagnostics) {
    for set in sets {
        if matching(&set.pattern, names.clone()).is_empty() {
            diags.push(
                Diagnostic::error("spec::unknown-target", format!("could not find any target matching '{}'", set.pattern))
                    .with_label(set.span, "matches no target")
                    .with_help_opt(did_you_mean(&set.pattern, names.clone().map(String::as_str)).map(|s| format!("did you mean `{s}`?"))),
            );
        }
    }
}

/// Applies the overrides that select this target, in command-line order; list keys accumulate
/// across several `--set` of the same key, as in bake.
/// `env` is None when BUILDX_BAKE_DISABLE_VARS_ENV_LOOKUP is set: `args.X` without a value is
/// then the empty string, as in bake.
pub fn apply(
    target: &mut RawTarget,
    all_names: &[String],
    sets: &[SetOverride],
    env: Option<&BTreeMap<String, String>>,
    diags: &mut Diagnostics,
) {
    let mut seen: Vec<&str> = Vec::new();
    let selecting = sets.iter().filter(|set| matching(&set.pattern, all_names.iter()).contains(&target.name));
    // `secret.ID=` changes a declared secret's source once every other override is applied
    let (by_id, others): (Vec<&SetOverride>, Vec<&SetOverride>) = selecting.partition(|set| set.key == "secret");
    for set in &others {
        // values of one list key accumulate; the last `--set` of the key says append or replace
        let last_appends = others.iter().rev().find(|o| o.key == set.key).is_some_and(|o| o.append);
        let replace = !seen.contains(&set.key.as_str()) && !last_appends;
        if let Err(d) = apply_one(target, set, env, replace) {
            diags.push(d);
        }
        seen.push(&set.key);
    }
    for set in by_id {
        if let Err(d) = change_secret(target, set) {
            diags.push(d);
        }
    }
}

/// `--set T.secret.ID=env=VAR` (or `src=PATH`): the declared secret ID reads from there.
fn change_secret(target: &mut RawTarget, set: &SetOverride) -> Result<(), Diagnostic> {
    let (Some(id), Some(value)) = (&set.subkey, &set.value) else {
        return Err(bad(set.span, "`secret` is changed by id".into(), "e.g. --set app.secret.TOKEN=env=CI_TOKEN"));
    };
    let next = super::convert::composable_from_csv("secret", value);
    if next.get("id").is_some_and(|n| n != id) {
        return Err(bad(set.span, format!("secret override id `{}` does not match declared secret `{id}`", next["id"]), "leave id= out"));
    }
    let field = target.fields.get_mut("secret");
    // a `secret` of the wrong shape is reported where the target is lowered
    let Ok(mut secrets) = field.as_deref().map_or(Ok(Vec::new()), |f| convert::composable("secret", f)) else { return Ok(()) };
    let Some(declared) = secrets.iter_mut().find(|s| s.get("id") == Some(id)) else {
        return Err(bad(
            set.span,
            format!("secret `{id}` must be declared before it can be overridden"),
            "declare it in the target's `secret`",
        ));
    };
    for key in ["src", "env"] {
        match next.get(key) {
            Some(v) => declared.insert(key.into(), v.clone()),
            None => declared.remove(key),
        };
    }
    if let Some(field) = field {
        field.value = convert::entries_value(secrets);
    }
    Ok(())
}

fn apply_one(target: &mut RawTarget, set: &SetOverride, env: Option<&BTreeMap<String, String>>, replace: bool) -> Result<(), Diagnostic> {
    let field_name = KEYS.iter().find(|(k, _)| *k == set.key).map_or(set.key.as_str(), |(_, f)| f);
    let field =
        target.fields.entry(field_name.to_string()).or_insert(Field { value: Value::Null, name_span: set.span, value_span: set.span });
    field.name_span = set.span;
    field.value_span = set.span;
    let value = set.value.clone();
    match set.key.as_str() {
        "args" | "contexts" | "extra-hosts" | "labels" => {
            let Some(sub) = &set.subkey else { return Ok(()) };
            let from_env = || match env {
                Some(env) => env.get(sub).cloned(),
                None => Some(String::new()),
            };
            let Some(v) = value.or_else(from_env) else { return Ok(()) };
            set_key(field, sub, v);
        }
        "resources" => {
            let (Some(sub), Some(v)) = (&set.subkey, value) else {
                return Err(bad(set.span, "`resources` is set by key".into(), "e.g. --set app.resources.memory=512m"));
            };
            let mut check = crate::ir::Resources::default();
            check.set(sub, &v).map_err(|e| bad(set.span, e, "e.g. --set app.resources.cpu-shares=512"))?;
            set_key(field, sub, v);
        }
        "no-cache" | "pull" => {
            let v = value.unwrap_or_default();
            let b = parse_bool(&v)
                .ok_or_else(|| bad(set.span, format!("`{}` takes true or false, got `{v}`", set.key), "e.g. --set *.no-cache=true"))?;
            field.value = Value::Bool(b);
        }
        "push" | "load" => {
            let v = value.unwrap_or_default();
            let on = parse_bool(&v)
                .ok_or_else(|| bad(set.span, format!("`{}` takes true or false, got `{v}`", set.key), "e.g. --set *.push=true"))?;
            // an `output` of the wrong shape is reported where the target is lowered
            let Ok(mut outputs) = convert::composable("output", field) else { return Ok(()) };
            match set.key.as_str() {
                "push" => push_override(&mut outputs, on),
                _ => load_override(&mut outputs, on),
            }
            field.value = convert::entries_value(outputs);
        }
        key if LIST_KEYS.contains(&key) => {
            let v = value.unwrap_or_default();
            let items = vec![Value::from(v)];
            let always_append = matches!(key, "attest" | "annotations" | "entitlements");
            if replace && !always_append {
                field.value = Value::List(Vec::new());
            }
            for item in items {
                push_unique(&mut field.value, item);
            }
        }
        _ => field.value = Value::String(value.unwrap_or_default()),
    }
    Ok(())
}

/// `KEY.SUB=VALUE` into a map attribute.
fn set_key(field: &mut Field, sub: &str, value: String) {
    if !matches!(field.value, Value::Object(_)) {
        field.value = Value::Object(BTreeMap::new());
    }
    if let Value::Object(map) = &mut field.value {
        map.insert(sub.to_string(), Value::String(value));
    }
}

fn kind(output: &Composable) -> &str {
    output.get("type").map_or("", String::as_str)
}

/// `push=true`: image outputs push, and one is added when only docker outputs exist (or none);
/// `push=false`: registry outputs are dropped, image outputs stop pushing. As bake's
/// setPushOverride, which drops by swapping in the last entry.
fn push_override(outputs: &mut Vec<Composable>, push: bool) {
    if !push {
        let mut i = 0;
        while i < outputs.len() {
            match kind(&outputs[i]) {
                "registry" => {
                    outputs.swap_remove(i);
                    continue;
                }
                "image" => {
                    outputs[i].insert("push".into(), "false".into());
                }
                _ => {}
            }
            i += 1;
        }
        return;
    }
    let only_docker = outputs.iter().all(|o| kind(o) == "docker");
    for output in outputs.iter_mut().filter(|o| kind(o) == "image") {
        output.insert("push".into(), "true".into());
    }
    if only_docker {
        outputs.push(Composable::from([("type".into(), "image".into()), ("push".into(), "true".into())]));
    }
}

/// `load=true` adds a docker output unless one without `dest` exists, or an output other than
/// image, registry or oci does (bake's setLoadOverride).
fn load_override(outputs: &mut Vec<Composable>, load: bool) {
    let keeps = |o: &Composable| match kind(o) {
        "docker" => o.get("dest").is_none_or(|d| d.is_empty()),
        "image" | "registry" | "oci" => false,
        _ => true,
    };
    if load && !outputs.iter().any(keeps) {
        outputs.push(Composable::from([("type".into(), "docker".into())]));
    }
}

fn push_unique(list: &mut Value, item: Value) {
    if !matches!(list, Value::List(_)) {
        *list = Value::List(Vec::new());
    }
    if let Value::List(items) = list
        && !items.contains(&item)
    {
        items.push(item);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_bake_override_forms() {
        let s = Span::default();
        let o = SetOverride::parse("*.platform+=linux/arm64", s).unwrap_or_else(|d| panic!("{}", d.message));
        assert!(o.append);
        assert_eq!((o.pattern.as_str(), o.key.as_str()), ("*", "platform"));
        let a = SetOverride::parse("app.args.VERSION=1", s).unwrap_or_else(|d| panic!("{}", d.message));
        assert_eq!(a.subkey.as_deref(), Some("VERSION"));
        assert!(SetOverride::parse("app.args=1", s).is_err());
        assert!(SetOverride::parse("app.dockerfile+=x", s).is_err());
        let unknown = SetOverride::parse("app.platfrom=x", s).err().and_then(|d| d.help);
        assert_eq!(unknown.as_deref(), Some("did you mean `platform`?"));
    }
}
