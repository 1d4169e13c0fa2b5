//! An image as the suite compares it: the config fields both engines write, and the merged
//! filesystem (layers applied in order, OCI whiteouts honoured) as path → kind, mode, owner,
//! content digest or link target. Timestamps, history and layer boundaries are left out.

use std::collections::BTreeMap;
use std::io::Read;

use serde_json::Value;

/// The config fields compared, as both engines name them.
const FIELDS: &[&str] = &[
    "Env",
    "Cmd",
    "Entrypoint",
    "WorkingDir",
    "User",
    "Labels",
    "ExposedPorts",
    "Volumes",
    "Healthcheck",
    "StopSignal",
    "Shell",
    "OnBuild",
];

#[derive(Debug, PartialEq)]
pub struct Image {
    pub platform: String,
    pub config: BTreeMap<String, Value>,
    pub files: BTreeMap<String, String>,
}

impl Image {
    /// From an image config and its layers' tars (compressed or not), bottom first.
    pub fn new(config: &Value, layers: &[Vec<u8>]) -> Image {
        let platform =
            [&config["os"], &config["architecture"], &config["variant"]].iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join("/");
        let mut fields = BTreeMap::new();
        for field in FIELDS {
            let value = &config["config"][*field];
            // absent, null, "" and empty lists or maps all mean unset
            let unset = value.is_null()
                || value.as_str().is_some_and(str::is_empty)
                || value.as_array().is_some_and(Vec::is_empty)
                || value.as_object().is_some_and(|o| o.is_empty());
            if !unset {
                fields.insert(field.to_string(), value.clone());
            }
        }
        let mut files = BTreeMap::new();
        for layer in layers {
            apply(&mut files, layer);
        }
        Image { platform, config: fields, files }
    }

    /// What differs, one line each.
    pub fn differences(&self, other: &Image) -> Vec<String> {
        let mut out = Vec::new();
        if self.platform != other.platform {
            out.push(format!("platform: {} / {}", self.platform, other.platform));
        }
        for key in self.config.keys().chain(other.config.keys()).collect::<std::collections::BTreeSet<_>>() {
            let (a, b) = (self.config.get(key), other.config.get(key));
            if a != b {
                out.push(format!("config {key}: {} / {}", show(a), show(b)));
            }
        }
        for path in self.files.keys().chain(other.files.keys()).collect::<std::collections::BTreeSet<_>>() {
            let (a, b) = (self.files.get(path), other.files.get(path));
            if a != b {
                out.push(format!("/{path}: {} / {}", a.map_or("absent", String::as_str), b.map_or("absent", String::as_str)));
            }
        }
        out
    }
}

fn show(value: Option<&Value>) -> String {
    value.map_or("unset".to_string(), Value::to_string)
}

/// Applies one layer: entries replace what is at their path (a directory replaced by a
/// non-directory takes what was below it along), `.wh.NAME` removes NAME and below,
/// `.wh..wh..opq` empties its directory of lower layers' entries.
fn apply(files: &mut BTreeMap<String, String>, layer: &[u8]) {
    let reader: Box<dyn Read + '_> = match layer.get(..2) {
        Some([0x1f, 0x8b]) => Box::new(flate2::read::MultiGzDecoder::new(layer)),
        _ => Box::new(layer),
    };
    let mut archive = tar::Archive::new(reader);
    let mut ours = std::collections::BTreeSet::new();
    for entry in archive.entries().into_iter().flatten().flatten() {
        let mut entry = entry;
        let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
        let path = raw.trim_start_matches("./").trim_end_matches('/').to_string();
        if path.is_empty() || path == "." {
            continue;
        }
        let (parent, name) = path.rsplit_once('/').map_or(("", path.as_str()), |(p, n)| (p, n));
        let below = |prefix: &str, key: &str| key == prefix || key.starts_with(&format!("{prefix}/"));
        if name == ".wh..wh..opq" {
            let dir = parent.to_string();
            files.retain(|k, _| ours.contains(k) || !(k.starts_with(&format!("{dir}/")) || dir.is_empty()));
            continue;
        }
        if let Some(hidden) = name.strip_prefix(".wh.") {
            let target = if parent.is_empty() { hidden.to_string() } else { format!("{parent}/{hidden}") };
            files.retain(|k, _| !below(&target, k));
            continue;
        }
        let header = entry.header().clone();
        let kind = header.entry_type();
        let mode = header.mode().unwrap_or(0) & 0o7777;
        let owner = format!("{}:{}", header.uid().unwrap_or(0), header.gid().unwrap_or(0));
        let what = match kind {
            k if k.is_dir() => format!("dir {mode:o} {owner}"),
            k if k.is_symlink() => {
                format!("link {owner} -> {}", entry.link_name().ok().flatten().map(|l| l.display().to_string()).unwrap_or_default())
            }
            k if k.is_hard_link() => {
                let target = entry.link_name().ok().flatten().map(|l| l.display().to_string()).unwrap_or_default();
                files.get(target.trim_start_matches('/')).cloned().unwrap_or_else(|| format!("hardlink to missing {target}"))
            }
            k if k.is_file() => {
                let mut bytes = Vec::new();
                let _ = entry.read_to_end(&mut bytes);
                format!("file {mode:o} {owner} {} bytes {}", bytes.len(), digest(&bytes))
            }
            other => format!("{other:?} {mode:o} {owner}"),
        };
        if !kind.is_dir() {
            files.retain(|k, _| !k.starts_with(&format!("{path}/")));
        }
        // a parent a layer does not list is made as extractors make it
        let mut at = 0;
        while let Some(slash) = path[at..].find('/') {
            files.entry(path[..at + slash].to_string()).or_insert_with(|| "dir 755 0:0".to_string());
            at += slash + 1;
        }
        ours.insert(path.clone());
        files.insert(path, what);
    }
}

fn digest(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    mpbake::ir::hex(&sha2::Sha256::digest(bytes))[..16].to_string()
}
