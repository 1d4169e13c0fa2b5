//! `--output type=local`: each platform's image from an OCI layout unpacked into a plain root
//! filesystem (whiteouts applied), `DEST/OS_ARCH[_VARIANT]` per platform as BuildKit lays them
//! out, or `DEST` itself for a single platform.

use std::path::Path;

use serde_json::Value as Json;

use super::unpack::{self, Whiteouts};
use super::{BuildError, io};

/// Unpacks every platform of the layout at `layout` under `dest`.
pub fn write_rootfs(layout: &Path, dest: &Path) -> Result<Vec<String>, BuildError> {
    let read = |digest: &str| -> Result<Vec<u8>, BuildError> {
        let path = layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"));
        std::fs::read(&path).map_err(io("reading the built layout"))
    };
    let json = |bytes: Vec<u8>| serde_json::from_slice::<Json>(&bytes).map_err(|e| BuildError::Tool(format!("the built layout: {e}")));
    let top = json(std::fs::read(layout.join("index.json")).map_err(io("reading the built layout"))?)?;
    let index = json(read(top["manifests"][0]["digest"].as_str().unwrap_or_default())?)?;
    let manifests: Vec<&Json> = index["manifests"].as_array().into_iter().flatten().collect();
    let mut written = Vec::new();
    for entry in &manifests {
        let p = &entry["platform"];
        let name =
            [p["os"].as_str(), p["architecture"].as_str(), p["variant"].as_str()].into_iter().flatten().collect::<Vec<_>>().join("_");
        let root = if manifests.len() == 1 { dest.to_path_buf() } else { dest.join(&name) };
        if root.exists() {
            std::fs::remove_dir_all(&root).map_err(io("replacing an earlier local output"))?;
        }
        std::fs::create_dir_all(&root).map_err(io("creating the local output"))?;
        let manifest = json(read(entry["digest"].as_str().unwrap_or_default())?)?;
        for layer in manifest["layers"].as_array().into_iter().flatten() {
            let blob = read(layer["digest"].as_str().unwrap_or_default())?;
            unpack::unpack_blob(blob.as_slice(), &root, Whiteouts::Apply)
                .map_err(|e| BuildError::Tool(format!("unpacking into {}: {e}", root.display())))?;
        }
        written.push(root.display().to_string());
    }
    Ok(written)
}
