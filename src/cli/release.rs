//! `mpbake release` (and `build --push`): build, verify, then publish every target's tags in an
//! order that cannot leave a broken tag — blobs, manifests by digest, indexes by digest, tags.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context as _;
use serde_json::json;

use crate::oci::Registry;
use crate::publish::inspect::human;
use crate::publish::push::{self, Item, Pusher};
use crate::publish::source::Source;
use crate::publish::verify;

/// How to publish.
pub struct Options {
    pub dry_run: bool,
    /// Docker's manifest-list media types instead of OCI's.
    pub docker_media_types: bool,
    pub verify: bool,
    pub metadata_file: Option<String>,
    pub insecure: Vec<String>,
}

/// Publishes built targets; exit 1 for bad input (no tags, overlapping platforms, a failed
/// verification), 2 when a registry fails (with what was pushed, and no tag moved).
/// `metadata` holds the build's `--metadata-file` entries by target; each gains what was pushed.
pub fn publish(
    built: &[push::Built],
    options: &Options,
    mut metadata: serde_json::Map<String, serde_json::Value>,
) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    if let Some(untagged) = built.iter().find(|b| b.tags.is_empty()) {
        eprintln!("mpbake: error: target `{}` has no tags to publish; give it `tags = [\"REGISTRY/NAME:TAG\"]`", untagged.target);
        return Ok(ExitCode::from(1));
    }
    if options.verify && !verified(built) {
        return Ok(ExitCode::from(1));
    }
    let items = match push::items(built).and_then(|items| match options.docker_media_types {
        true => items.iter().map(push::docker_media_types).collect(),
        false => Ok(items),
    }) {
        Ok(items) => items,
        Err(e) => {
            eprintln!("mpbake: error: {e}");
            return Ok(ExitCode::from(1));
        }
    };
    let mut hosts: Vec<String> = items.iter().map(|i| i.tag.registry.clone()).collect();
    hosts.dedup();
    let registry = match Registry::new(&hosts, &options.insecure) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mpbake: error: {e}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut pusher = Pusher::new(&registry, crate::oci::store::Store::default_root().join("uploads"));
    if options.dry_run {
        return dry_run(&pusher, &items);
    }
    let mut uploaded = vec![0u64; items.len()];
    for phase in ["blobs", "manifests", "indexes"] {
        for (n, item) in items.iter().enumerate() {
            let before = pusher.tally.uploaded_bytes;
            let result = match phase {
                "blobs" => pusher.blobs(item),
                "manifests" => pusher.manifests(item),
                _ => pusher.index(item),
            };
            uploaded[n] += pusher.tally.uploaded_bytes - before;
            if let Err(e) = result {
                return Ok(failure(&e, &pusher, "no tag was moved; run the release again to push only what is missing"));
            }
        }
    }
    if crate::exec::cancelled() {
        return Ok(failure("the release was cancelled", &pusher, "no tag was moved; run the release again to push only what is missing"));
    }
    for item in &items {
        if let Err(e) = pusher.tag(item) {
            return Ok(failure(&e, &pusher, "the tags listed above were moved, the others were not; run the release again"));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("{:<16} {:<48} {:<20} {:<28} {:>10}", "TARGET", "TAG", "INDEX", "PLATFORMS", "UPLOADED");
    for (item, bytes) in items.iter().zip(&uploaded) {
        println!(
            "{:<16} {:<48} {:<20} {:<28} {:>10}",
            item.targets.join(","),
            item.tag.to_string(),
            item.index_digest.to_string().get(..19).unwrap_or_default(),
            item.platforms.join(","),
            human(*bytes)
        );
    }
    let t = &pusher.tally;
    eprintln!(
        "mpbake: published {} tag(s) in {seconds:.2}s: {} blob(s) uploaded ({}), {} mounted, {} already present ({})",
        items.len(),
        t.uploaded,
        human(t.uploaded_bytes),
        t.mounted,
        t.present,
        human(t.present_bytes)
    );
    if let Some(file) = &options.metadata_file {
        for (item, bytes) in items.iter().zip(&uploaded) {
            let pushed = json!({"tag": item.tag.to_string(), "containerimage.digest": item.index_digest.to_string(),
                "platforms": item.platforms, "uploadedBytes": bytes});
            for target in &item.targets {
                let entry = metadata.entry(target.clone()).or_insert_with(|| json!({}));
                match entry["mpbake.pushed"].as_array_mut() {
                    Some(list) => list.push(pushed.clone()),
                    None => entry["mpbake.pushed"] = json!([pushed]),
                }
            }
        }
        std::fs::write(file, format!("{}\n", serde_json::to_string_pretty(&metadata)?)).with_context(|| format!("writing {file}"))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Every target's layout verified; findings printed.
fn verified(built: &[push::Built]) -> bool {
    let mut ok = true;
    for b in built {
        let source = Source::Layout { dir: b.layout.clone(), tag: None };
        match source.read().and_then(|image| verify::verify(&source, &image)) {
            Ok(report) => {
                for f in &report.findings {
                    ok = false;
                    eprintln!("mpbake: error: {}: {}{}", b.target, f.path.as_ref().map(|p| format!("{p} ")).unwrap_or_default(), f.message);
                    eprintln!("  platform {}", f.platform);
                }
            }
            Err(e) => {
                ok = false;
                eprintln!("mpbake: error: cannot verify {}: {e}", b.target);
            }
        }
    }
    if !ok {
        eprintln!("mpbake: nothing was pushed (skip the check with --no-verify)");
    }
    ok
}

/// `--dry-run`: what would be pushed, and how much of it the registry already has.
/// What a release would do, blob by blob, without writing: present already, mounted from
/// another repository of the registry (a base's, or one an earlier tag of this release fills),
/// or new (uploaded).
fn dry_run(pusher: &Pusher, items: &[Item]) -> anyhow::Result<ExitCode> {
    println!("{:<16} {:<48} {:<28} {:>10} {:>10} {:>10}", "TARGET", "TAG", "PLATFORMS", "NEW", "MOUNT", "PRESENT");
    // blobs an earlier item would upload, by (registry, digest): later repositories mount them
    let mut uploaded = std::collections::BTreeSet::new();
    for item in items {
        let (mut new, mut mount, mut present) = (0u64, 0u64, 0u64);
        let mut seen = std::collections::BTreeSet::new();
        for (_, digest, size) in &item.blobs {
            if !seen.insert(digest.clone()) {
                continue;
            }
            let key = (item.tag.registry.clone(), digest.clone());
            let answer = pusher.present(item, digest).and_then(|there| match there || uploaded.contains(&key) {
                true => Ok((there, true)),
                false => pusher.mountable(item, digest).map(|from| (false, from.is_some())),
            });
            match answer {
                Ok((true, _)) => present += size,
                Ok((false, true)) => mount += size,
                Ok((false, false)) => {
                    new += size;
                    uploaded.insert(key);
                }
                Err(e) => {
                    eprintln!("mpbake: error: {e}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        println!(
            "{:<16} {:<48} {:<28} {:>10} {:>10} {:>10}",
            item.targets.join(","),
            item.tag.to_string(),
            item.platforms.join(","),
            human(new),
            human(mount),
            human(present)
        );
    }
    eprintln!("mpbake: dry run: nothing was pushed");
    Ok(ExitCode::SUCCESS)
}

fn failure(error: &str, pusher: &Pusher, then: &str) -> ExitCode {
    eprintln!("mpbake: error: {error}");
    if pusher.tally.pushed.is_empty() {
        eprintln!("mpbake: nothing was written to the registry");
    } else {
        eprintln!("mpbake: written before the failure:");
        for line in &pusher.tally.pushed {
            eprintln!("  {line}");
        }
    }
    eprintln!("mpbake: {then}");
    ExitCode::from(2)
}
