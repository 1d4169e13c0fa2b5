//! Checks evaluated attribute values against their expected shapes and converts them to IR
//! field types, with a diagnostic at the value when the shape is wrong.

use std::collections::BTreeMap;

use super::targets::Field;
use crate::diag::Diagnostic;
use crate::frontend::csv;
use crate::frontend::value::Value;
use crate::ir::Composable;

fn wrong(name: &str, expected: &str, field: &Field) -> Diagnostic {
    Diagnostic::error("spec::type", format!("`{name}` must be {expected}, got {}", field.value.type_name()))
        .with_label(field.value_span, format!("this is a {}", field.value.type_name()))
}

pub fn string(name: &str, field: &Field) -> Result<Option<String>, Diagnostic> {
    match &field.value {
        Value::Null => Ok(None),
        v => v.to_template_string().map(Some).ok_or_else(|| wrong(name, "a string", field)),
    }
}

pub fn boolean(name: &str, field: &Field) -> Result<Option<bool>, Diagnostic> {
    match &field.value {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::String(s) => super::types::parse_bool(s).map(Some).ok_or_else(|| wrong(name, "a bool", field)),
        _ => Err(wrong(name, "a bool", field)),
    }
}

pub fn string_list(name: &str, field: &Field) -> Result<Vec<String>, Diagnostic> {
    match &field.value {
        Value::Null => Ok(Vec::new()),
        // empty strings are dropped, as bake drops them: `tags = [cond ? "repo:x" : ""]`
        Value::List(items) => items
            .iter()
            .filter(|v| !v.is_null())
            .filter_map(|v| match v.to_template_string() {
                Some(s) if s.is_empty() => None,
                Some(s) => Some(Ok(s)),
                None => Some(Err(wrong(name, "a list of strings", field))),
            })
            .collect(),
        _ => Err(wrong(name, "a list of strings", field).with_help(format!("write a list: {name} = [\"...\"]"))),
    }
}

/// A map of strings; null values mean "absent" and are dropped.
pub fn string_map(name: &str, field: &Field) -> Result<BTreeMap<String, String>, Diagnostic> {
    match &field.value {
        Value::Null => Ok(BTreeMap::new()),
        Value::Object(map) => map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| match v.to_template_string() {
                Some(s) => Ok((k.clone(), s)),
                None => Err(wrong(name, "a map of strings", field).with_help(format!("`{k}` holds a {}", v.type_name()))),
            })
            .collect(),
        _ => Err(wrong(name, "a map of strings", field).with_help(format!("write an object: {name} = {{ KEY = \"value\" }}"))),
    }
}

/// `resources = { memory = "2g", cpu-shares = 512 }`.
pub fn resources(field: &Field) -> Result<Option<crate::ir::Resources>, Diagnostic> {
    let map = match &field.value {
        Value::Null => return Ok(None),
        Value::Object(map) => map,
        _ => return Err(wrong("resources", "an object", field).with_help("write resources = { memory = \"2g\", cpu-shares = 512 }")),
    };
    let mut out = crate::ir::Resources::default();
    for (k, v) in map.iter().filter(|(_, v)| !v.is_null()) {
        let text = v.to_template_string().ok_or_else(|| wrong("resources", "an object of strings and numbers", field))?;
        out.set(k, &text).map_err(|e| Diagnostic::error("spec::type", e).with_label(field.value_span, "in this object"))?;
    }
    Ok(Some(out))
}

/// A list of entries, each a `k=v,...` CSV string or an object.
pub fn composable(name: &str, field: &Field) -> Result<Vec<Composable>, Diagnostic> {
    let items = match &field.value {
        Value::Null => return Ok(Vec::new()),
        Value::List(items) => items.clone(),
        Value::String(_) | Value::Object(_) => vec![field.value.clone()],
        _ => return Err(wrong(name, "a list of strings or objects", field)),
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items.iter().filter(|v| !v.is_null() && !matches!(v, Value::String(s) if s.is_empty())) {
        match item {
            // cache refs without `=`: each CSV field is a registry ref (`"ref1,ref2"`)
            Value::String(s) if !s.contains('=') && matches!(name, "cache-from" | "cache-to") => {
                out.extend(csv::split(s).iter().map(|field| composable_from_csv(name, field)));
            }
            Value::String(s) => out.push(composable_from_csv(name, s)),
            Value::Object(map) => out.push(
                map.iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| v.to_template_string().map(|s| (k.clone(), s)).ok_or_else(|| wrong(name, "objects of strings", field)))
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(wrong(name, "a list of strings or objects", field)),
        }
    }
    Ok(out)
}

/// Entries written back as an attribute's value: a list of objects of strings.
pub fn entries_value(entries: Vec<Composable>) -> Value {
    Value::List(entries.into_iter().map(|e| Value::Object(e.into_iter().map(|(k, v)| (k, Value::String(v))).collect())).collect())
}

/// Reads one CSV entry the way bake does for this attribute: `k=v,...`, or the short forms
/// `user/app:cache` (cache: a registry ref), `out/` (output: a local directory), `default` or
/// `key=/path` (ssh: an id with optional paths).
pub fn composable_from_csv(name: &str, text: &str) -> Composable {
    if name == "ssh" {
        let (id, paths) = text.split_once('=').unwrap_or((text, ""));
        let mut entry = Composable::from([("id".to_string(), id.trim().to_string())]);
        if !paths.is_empty() {
            entry.insert("paths".into(), paths.to_string());
        }
        return entry;
    }
    if !text.contains('=') {
        let short = match name {
            "cache-from" | "cache-to" => Some(("registry", "ref")),
            "output" => Some(("local", "dest")),
            _ => None,
        };
        if let Some((kind, key)) = short {
            return Composable::from([("type".to_string(), kind.to_string()), (key.to_string(), text.trim().to_string())]);
        }
    }
    let entry: Composable =
        csv::key_values(text).into_iter().map(|(k, v)| if k.is_empty() { ("type".to_string(), v) } else { (k, v) }).collect();
    if name == "secret" { secret(entry) } else { entry }
}

/// A secret as bake's Secret holds it: keys lowercased, `source` is `src`, and `type=env`
/// makes a bare `src` the variable's name.
pub fn secret(entry: Composable) -> Composable {
    let mut out = Composable::new();
    let mut kind = None;
    for (k, v) in entry {
        match k.to_ascii_lowercase().as_str() {
            "type" => kind = Some(v),
            "source" | "src" => {
                out.insert("src".into(), v);
            }
            other => {
                out.insert(other.to_string(), v);
            }
        }
    }
    if kind.as_deref() == Some("env")
        && out.get("env").is_none_or(String::is_empty)
        && let Some(src) = out.remove("src")
    {
        out.insert("env".into(), src);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_forms_follow_the_attribute() {
        let c = composable_from_csv("cache-from", "user/app:cache");
        assert_eq!(c.get("type").map(String::as_str), Some("registry"));
        assert_eq!(c.get("ref").map(String::as_str), Some("user/app:cache"));
        let o = composable_from_csv("output", "type=oci,dest=out.tar");
        assert_eq!(o.get("dest").map(String::as_str), Some("out.tar"));
        let s = composable_from_csv("ssh", "key=/a,/b");
        assert_eq!(s.get("id").map(String::as_str), Some("key"));
        assert_eq!(s.get("paths").map(String::as_str), Some("/a,/b"));
    }
}
