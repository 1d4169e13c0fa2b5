//! Writes one platform of an OCI layout as a `docker load` archive: `manifest.json` naming the
//! config and layer blobs (layers stay gzip-compressed; docker decompresses on load) and the
//! blobs themselves, in a deterministic tar.

use std::path::Path;

use serde_json::{Value as Json, json};

use crate::ir::Platform;

fn read_blob(layout: &Path, digest: &str) -> std::io::Result<Vec<u8>> {
    std::fs::read(layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:")))
}

fn json_blob(layout: &Path, digest: &str) -> std::io::Result<Json> {
    serde_json::from_slice(&read_blob(layout, digest)?).map_err(|e| std::io::Error::other(format!("{digest}: {e}")))
}

/// Writes `platform`'s image of the layout at `layout` to `dest`, tagged `tags`.
pub fn write_docker_archive(layout: &Path, platform: &Platform, tags: &[String], dest: &Path) -> std::io::Result<()> {
    let top: Json = serde_json::from_slice(&std::fs::read(layout.join("index.json"))?).map_err(std::io::Error::other)?;
    let index = json_blob(layout, top["manifests"][0]["digest"].as_str().unwrap_or_default())?;
    let entry = index["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|m| super::pull::platform_of(&m["platform"]).as_ref() == Some(platform))
        .ok_or_else(|| std::io::Error::other(format!("the image has no {platform} manifest")))?;
    let manifest = json_blob(layout, entry["digest"].as_str().unwrap_or_default())?;
    let config = manifest["config"]["digest"].as_str().unwrap_or_default().to_string();
    let layers: Vec<String> =
        manifest["layers"].as_array().into_iter().flatten().filter_map(|l| l["digest"].as_str().map(String::from)).collect();
    let path_of = |d: &str| format!("blobs/sha256/{}", d.trim_start_matches("sha256:"));
    let docker_manifest =
        json!([{ "Config": path_of(&config), "RepoTags": tags, "Layers": layers.iter().map(|l| path_of(l)).collect::<Vec<_>>() }]);
    super::write_output(dest, |out| {
        let mut tar = tar::Builder::new(out);
        let mut add = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o644);
            header.set_mtime(0);
            header.set_size(bytes.len() as u64);
            tar.append_data(&mut header, name, bytes)
        };
        add("manifest.json", &serde_json::to_vec(&docker_manifest).map_err(std::io::Error::other)?)?;
        add(&path_of(&config), &read_blob(layout, &config)?)?;
        let mut seen = Vec::new();
        for layer in &layers {
            if !seen.contains(layer) {
                add(&path_of(layer), &read_blob(layout, layer)?)?;
                seen.push(layer.clone());
            }
        }
        tar.finish()
    })
}
