//! Where each target's image goes: its `output` entries read as buildx reads them (or `-o`, one
//! place for every target), checked before anything is built.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::diag::Diagnostic;
use crate::ir::{Composable, Platform, Spec, Target};

/// One place a built target goes.
#[derive(Debug, Clone, PartialEq)]
pub enum Export {
    /// `-o DIR` (or `-o type=oci,dest=DIR`): an OCI layout at `DIR/TARGET`.
    Layouts(PathBuf),
    /// `type=oci,tar=false,dest=DIR`: the target's OCI layout at `DIR`.
    OciDir(PathBuf),
    /// `type=oci,dest=FILE`: the layout as one tar file (`-`: standard output).
    OciTar(String),
    /// `type=local,dest=DIR`: each platform's root filesystem (`-o`: under `DIR/TARGET`).
    Local { dest: PathBuf, special: bool },
    /// `type=tar,dest=FILE`: the root filesystems as one tar, a directory per platform when several.
    Tar(String),
    /// `type=docker,dest=FILE`: one platform as a `docker load` archive.
    DockerTar { file: String, platform: Option<Platform>, names: Vec<String> },
    /// `type=docker` without `dest`: one platform loaded into the Docker Engine at `DOCKER_HOST`.
    DockerLoad { platform: Option<Platform>, names: Vec<String> },
    /// `type=registry`, `type=image,push=true`: pushed under `names` after every target is built.
    Push { names: Vec<String>, docker_media_types: bool, insecure: bool },
    /// `type=image` without push, `type=cacheonly`: the result stays in the content store.
    Kept(&'static str),
}

impl Export {
    /// Whether it writes one file (so `-o` can name it for one target only).
    pub fn is_file(&self) -> bool {
        matches!(self, Export::OciTar(_) | Export::Tar(_) | Export::DockerTar { .. })
    }

    /// Whether it writes to standard output.
    pub fn is_stdout(&self) -> bool {
        matches!(self, Export::OciTar(f) | Export::Tar(f) | Export::DockerTar { file: f, .. } if f == "-")
    }
}

/// The exports of each of `names` (see [`of`]), with the errors of docker outputs that cannot
/// choose their one platform.
pub fn of_targets(
    spec: &Spec,
    names: &[String],
    flag: Option<&str>,
    push: bool,
    load: bool,
    diags: &mut Vec<Diagnostic>,
) -> BTreeMap<String, Vec<Export>> {
    let mut exports = BTreeMap::new();
    for (name, target) in names.iter().filter_map(|n| Some((n, spec.targets.get(n)?))) {
        if let Some(list) = of(target, flag, push, load, "mpbake-out", diags) {
            diags.extend(list.iter().filter_map(|e| docker_platform_error(e, target)));
            exports.insert(name.clone(), list);
        }
    }
    exports
}

/// The one platform a docker archive holds: the output's `platform`, else the target's only one,
/// else this machine's when the target names none.
pub fn docker_platform(chosen: Option<&Platform>, target: &Target) -> Result<Platform, String> {
    match (chosen, target.platforms.as_slice()) {
        (Some(p), _) => Ok(p.clone()),
        (None, [only]) => Ok(only.clone()),
        (None, []) => Ok(Platform::host()),
        (None, several) => Err(format!(
            "a docker image holds one platform and the target builds {}; add `platform=OS/ARCH` to the output, or build one platform",
            several.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        )),
    }
}

/// The error of a docker output that cannot choose the one platform it holds.
fn docker_platform_error(export: &Export, target: &Target) -> Option<Diagnostic> {
    let (Export::DockerTar { platform, .. } | Export::DockerLoad { platform, .. }) = export else { return None };
    let why = docker_platform(platform.as_ref(), target).err()?;
    Some(
        Diagnostic::error("build::invalid-output", format!("target `{}`: {why}", target.name))
            .with_label(target.span, "in this target")
            .with_help("e.g. `output = [\"type=docker,platform=linux/amd64\"]`"),
    )
}

/// The keys each type takes; any other is named in a warning.
fn keys_of(kind: &str) -> &'static [&'static str] {
    match kind {
        "oci" => &["dest", "tar", "name"],
        "local" => &["dest", "special"],
        "tar" => &["dest"],
        "docker" => &["dest", "name", "platform"],
        "image" | "registry" => &["name", "push", "oci-mediatypes", "registry.insecure"],
        _ => &[],
    }
}

/// A target's exports: `flag` (`-o`) when given, else its `output` entries (where `--push` and
/// `--load` were already applied as buildx applies them, `*.push=true` and `*.load=true`), else
/// `default`. With `flag`, `push` and `load` add a push and a load. Errors and warnings go to
/// `diags`; None when an entry is an error.
pub fn of(target: &Target, flag: Option<&str>, push: bool, load: bool, default: &str, diags: &mut Vec<Diagnostic>) -> Option<Vec<Export>> {
    let entry = |pairs: &[(&str, &str)]| -> Composable { pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
    let mut entries: Vec<(Composable, bool)> = match flag {
        Some(dir) if !dir.contains('=') => vec![(entry(&[("type", "oci"), ("dest", dir)]), true)],
        Some(text) => vec![(crate::frontend::csv::key_values(text).into_iter().collect(), true)],
        None if target.output.is_empty() => return Some(vec![Export::Layouts(PathBuf::from(default))]),
        None => target.output.iter().map(|o| (o.clone(), false)).collect(),
    };
    if let (Some(_), Some(kind)) = (flag, entries[0].0.get("type").cloned()) {
        match kind.as_str() {
            "image" | "registry" if push => drop(entries[0].0.insert("push".into(), "true".into())),
            _ if push => entries.push((entry(&[("type", "image"), ("push", "true")]), false)),
            _ => {}
        }
        if load && kind != "docker" {
            entries.push((entry(&[("type", "docker")]), false));
        }
    }
    let mut exports = Vec::new();
    for (fields, from_flag) in entries {
        let kind = fields.get("type").map(String::as_str).unwrap_or("local");
        let ignored: Vec<&String> = fields.keys().filter(|k| *k != "type" && !keys_of(kind).contains(&k.as_str())).collect();
        if !ignored.is_empty() && !keys_of(kind).is_empty() {
            let list = ignored.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
            diags.push(
                Diagnostic::warning(
                    "build::unhonoured-attribute",
                    format!("target `{}`: output `type={kind}` key {list} is not applied", target.name),
                )
                .with_label(target.span, "in this target")
                .with_help(format!("`type={kind}` takes {}", keys_of(kind).join(", "))),
            );
        }
        match parse(kind, &fields, target, from_flag) {
            Ok(export) => exports.push(export),
            Err(why) => {
                let place = if from_flag { "--output" } else { "output" };
                diags.push(
                    Diagnostic::error("build::invalid-output", format!("target `{}`: {place} `type={kind}`: {why}", target.name))
                        .with_label(target.span, "in this target")
                        .with_help("see docs/build.md#outputs for the types and their keys"),
                );
                return None;
            }
        }
    }
    Some(exports)
}

/// One output entry; `from_flag` keeps `-o`'s meaning of a directory for every target.
fn parse(kind: &str, fields: &Composable, target: &Target, from_flag: bool) -> Result<Export, String> {
    let dest = fields.get("dest").filter(|d| !d.is_empty()).cloned();
    let flag = |key: &str| fields.get(key).map(|v| v.parse::<bool>().map_err(|_| format!("`{key}={v}` is not true or false"))).transpose();
    let needs_dest = || dest.clone().ok_or_else(|| "needs `dest=PATH` (`dest=-` for standard output)".to_string());
    let names = || match fields.get("name") {
        Some(names) => names.split(',').map(str::trim).filter(|n| !n.is_empty()).map(String::from).collect(),
        None => target.tags.clone(),
    };
    let platform = fields.get("platform").map(|p| Platform::parse(p).map_err(|e| e.0)).transpose()?;
    Ok(match kind {
        "oci" if from_flag && flag("tar")? != Some(true) => Export::Layouts(PathBuf::from(needs_dest()?)),
        "oci" if flag("tar")? == Some(false) => Export::OciDir(PathBuf::from(needs_dest()?)),
        "oci" => Export::OciTar(needs_dest()?),
        "local" => {
            let dest = PathBuf::from(needs_dest()?);
            Export::Local { dest: if from_flag { dest.join(&target.name) } else { dest }, special: flag("special")? == Some(true) }
        }
        "tar" => Export::Tar(needs_dest()?),
        "docker" => match dest {
            Some(file) => Export::DockerTar { file, platform, names: names() },
            None => Export::DockerLoad { platform, names: names() },
        },
        "image" | "registry" if kind == "registry" || flag("push")? == Some(true) => {
            let names = names();
            if names.is_empty() {
                return Err("a push needs a name: give the target `tags`, or the output `name=REGISTRY/REPO:TAG`".into());
            }
            Export::Push {
                names,
                docker_media_types: flag("oci-mediatypes")? == Some(false),
                insecure: flag("registry.insecure")? == Some(true),
            }
        }
        "image" => Export::Kept("an image not pushed (add push=true to publish it) stays in mpbake's content store"),
        "cacheonly" => Export::Kept("cacheonly: the result stays in mpbake's content store"),
        other => return Err(format!("`{other}` is not an output type (oci, local, tar, docker, image, registry, cacheonly)")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(outputs: &[&str]) -> Target {
        let output = outputs.iter().map(|o| crate::frontend::csv::key_values(o).into_iter().collect()).collect();
        Target { name: "app".into(), tags: vec!["r.example/app:1".into()], output, ..Default::default() }
    }

    fn exports(outputs: &[&str], flag: Option<&str>) -> (Option<Vec<Export>>, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        (of(&target(outputs), flag, false, false, "mpbake-out", &mut diags), diags)
    }

    #[test]
    fn target_outputs_are_read_as_buildx_reads_them() {
        let (got, diags) = exports(
            &[
                "type=oci,dest=a.tar",
                "type=oci,dest=dir,tar=false",
                "type=local,dest=root",
                "type=docker",
                "type=registry",
                "type=cacheonly",
            ],
            None,
        );
        assert!(diags.is_empty(), "{diags:?}");
        let names = vec!["r.example/app:1".to_string()];
        assert_eq!(
            got.unwrap_or_default(),
            vec![
                Export::OciTar("a.tar".into()),
                Export::OciDir("dir".into()),
                Export::Local { dest: "root".into(), special: false },
                Export::DockerLoad { platform: None, names: names.clone() },
                Export::Push { names, docker_media_types: false, insecure: false },
                Export::Kept("cacheonly: the result stays in mpbake's content store"),
            ]
        );
    }

    #[test]
    fn the_flag_is_a_place_for_every_target_and_replaces_the_attribute() {
        let (got, _) = exports(&["type=registry"], Some("type=local,dest=out"));
        assert_eq!(got.unwrap_or_default(), vec![Export::Local { dest: PathBuf::from("out/app"), special: false }]);
        let (got, _) = exports(&[], Some("type=oci,dest=out"));
        assert_eq!(got.unwrap_or_default(), vec![Export::Layouts("out".into())]);
        let (got, _) = exports(&[], None);
        assert_eq!(got.unwrap_or_default(), vec![Export::Layouts("mpbake-out".into())]);
        let mut diags = Vec::new();
        let got = of(&target(&[]), Some("out"), true, true, "mpbake-out", &mut diags).unwrap_or_default();
        let names = vec!["r.example/app:1".to_string()];
        assert_eq!(
            got,
            vec![
                Export::Layouts("out".into()),
                Export::Push { names: names.clone(), docker_media_types: false, insecure: false },
                Export::DockerLoad { platform: None, names }
            ]
        );
    }

    #[test]
    fn bad_entries_are_errors_and_unknown_keys_warnings() {
        let (got, diags) = exports(&["type=local"], None);
        assert!(got.is_none() && diags[0].code == "build::invalid-output", "{diags:?}");
        let (got, diags) = exports(&["type=s3,bucket=x"], None);
        assert!(got.is_none() && diags[0].message.contains("`s3` is not an output type"), "{diags:?}");
        let (got, diags) = exports(&["type=oci,dest=a.tar,compression=zstd"], None);
        assert!(got.is_some() && diags[0].message.contains("`compression`"), "{diags:?}");
        let mut untagged = target(&["type=image,push=true"]);
        untagged.tags.clear();
        let mut diags = Vec::new();
        assert!(of(&untagged, None, false, false, "out", &mut diags).is_none() && diags[0].message.contains("needs a name"), "{diags:?}");
    }
}
