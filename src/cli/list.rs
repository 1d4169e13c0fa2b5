//! `mpbake list targets|variables`: names with descriptions, as text or JSON.

use std::process::ExitCode;

use serde_json::json;

use super::{ListFormat, ListWhat, SpecArgs, load, report};

pub fn run(args: &SpecArgs, what: ListWhat, format: ListFormat) -> anyhow::Result<ExitCode> {
    let loaded = load::load(args, None)?;
    if report(&loaded.diags, &loaded.sources) {
        return Ok(ExitCode::from(1));
    }
    let spec = &loaded.spec;
    match (what, format) {
        (ListWhat::Targets, ListFormat::Json) => {
            let groups: Vec<_> =
                spec.groups.values().map(|g| json!({"name": g.name, "description": g.description, "targets": g.targets})).collect();
            let targets: Vec<_> =
                spec.targets.values().map(|t| json!({"name": t.name, "description": t.description, "platforms": t.platforms})).collect();
            println!("{}", serde_json::to_string_pretty(&json!({"groups": groups, "targets": targets}))?);
        }
        (ListWhat::Targets, ListFormat::Text) => {
            let width = spec.targets.keys().chain(spec.groups.keys()).map(String::len).max().unwrap_or(0).max(6);
            println!("{:width$}  DESCRIPTION", "TARGET");
            for g in spec.groups.values() {
                let desc = g.description.clone().unwrap_or_else(|| format!("group: {}", g.targets.join(", ")));
                println!("{:width$}  {desc}", g.name);
            }
            for t in spec.targets.values() {
                println!("{:width$}  {}", t.name, t.description.as_deref().unwrap_or(""));
            }
        }
        (ListWhat::Variables, ListFormat::Json) => {
            let vars: Vec<_> = spec
                .variables
                .iter()
                .map(|(n, v)| {
                    let (description, declared) = spec.variable_docs.get(n).cloned().unwrap_or_default();
                    json!({"name": n, "value": v, "type": declared, "description": description})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&vars)?);
        }
        (ListWhat::Variables, ListFormat::Text) => {
            let rows: Vec<[String; 4]> = spec
                .variables
                .iter()
                .map(|(n, v)| {
                    let (description, declared) = spec.variable_docs.get(n).cloned().unwrap_or_default();
                    [n.clone(), declared.unwrap_or_default(), v.to_string(), description.unwrap_or_default()]
                })
                .collect();
            let width = |i: usize, title: &str| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0).max(title.len());
            let (name, ty, value) = (width(0, "VARIABLE"), width(1, "TYPE"), width(2, "VALUE"));
            println!("{:name$}  {:ty$}  {:value$}  DESCRIPTION", "VARIABLE", "TYPE", "VALUE");
            for [n, t, v, d] in rows {
                println!("{}", format!("{n:name$}  {t:ty$}  {v:value$}  {d}").trim_end());
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
