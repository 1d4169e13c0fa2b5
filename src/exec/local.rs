//! `--output type=local`: each platform's image from an OCI layout unpacked into a plain root
//! filesystem (whiteouts applied), `DEST/OS_ARCH[_VARIANT]` per platform as BuildKit lays them
//! out, or `DEST` itself for a single platform. What is in the destination already stays (as
//! with BuildKit's local exporter), and no device node or set-id bit reaches the host unless
//! asked for.

use std::path::Path;

use serde_json::Value as Json;

use super::unpack::{self, Unpacker, Whiteouts};
use super::{BuildError, io};

/// What a local output wrote: the root filesystems, and what was left out of them.
pub struct Written {
    pub roots: Vec<String>,
    pub skipped: Vec<String>,
}

/// Unpacks every platform of the layout at `layout` under `dest`; `special` keeps device nodes
/// and set-id bits.
pub fn write_rootfs(layout: &Path, dest: &Path, special: bool) -> Result<Written, BuildError> {
    let read = |digest: &str| -> Result<Vec<u8>, BuildError> {
        let path = layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"));
        std::fs::read(&path).map_err(io("reading the built layout"))
    };
    let json = |bytes: Vec<u8>| serde_json::from_slice::<Json>(&bytes).map_err(|e| BuildError::Tool(format!("the built layout: {e}")));
    let top = json(std::fs::read(layout.join("index.json")).map_err(io("reading the built layout"))?)?;
    let index = json(read(top["manifests"][0]["digest"].as_str().unwrap_or_default())?)?;
    let manifests: Vec<&Json> = index["manifests"].as_array().into_iter().flatten().collect();
    let mut written = Written { roots: Vec::new(), skipped: Vec::new() };
    for entry in &manifests {
        let p = &entry["platform"];
        let name =
            [p["os"].as_str(), p["architecture"].as_str(), p["variant"].as_str()].into_iter().flatten().collect::<Vec<_>>().join("_");
        let root = if manifests.len() == 1 { dest.to_path_buf() } else { dest.join(&name) };
        std::fs::create_dir_all(&root).map_err(io("creating the local output"))?;
        let opened = crate::confine::Root::open(&root).map_err(io("opening the local output"))?;
        let mut unpacker = Unpacker::new(&opened, Whiteouts::Apply);
        if !special {
            unpacker = unpacker.without_special_files();
        }
        let manifest = json(read(entry["digest"].as_str().unwrap_or_default())?)?;
        for layer in manifest["layers"].as_array().into_iter().flatten() {
            let blob = read(layer["digest"].as_str().unwrap_or_default())?;
            unpack::apply_blob(blob.as_slice(), &mut unpacker, None)
                .map_err(|e| BuildError::Tool(format!("unpacking into {}: {e}", root.display())))?;
        }
        written.skipped.append(&mut unpacker.skipped);
        written.roots.push(root.display().to_string());
    }
    Ok(written)
}
