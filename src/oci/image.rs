//! OCI image values — config, manifest, index — as canonical JSON bytes (sorted keys, no
//! insignificant whitespace), so the same image always has the same digest. Values are built
//! whole and never mutated after their digest is taken.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::ir::{Digest, Platform};

pub const MEDIA_INDEX: &str = "application/vnd.oci.image.index.v1+json";
pub const MEDIA_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
pub const MEDIA_CONFIG: &str = "application/vnd.oci.image.config.v1+json";
pub const MEDIA_LAYER_GZIP: &str = "application/vnd.oci.image.layer.v1.tar+gzip";
pub const MEDIA_LAYER_ZSTD: &str = "application/vnd.oci.image.layer.v1.tar+zstd";

/// A content descriptor.
#[derive(Debug, Clone, PartialEq)]
pub struct Descriptor {
    pub media_type: &'static str,
    pub digest: Digest,
    pub size: u64,
    pub platform: Option<Platform>,
    pub annotations: BTreeMap<String, String>,
}

impl Descriptor {
    pub fn new(media_type: &'static str, digest: Digest, size: u64) -> Descriptor {
        Descriptor { media_type, digest, size, platform: None, annotations: BTreeMap::new() }
    }

    /// The descriptor of some bytes.
    pub fn of(media_type: &'static str, bytes: &[u8]) -> Descriptor {
        Descriptor::new(media_type, Digest::sha256(bytes), bytes.len() as u64)
    }

    fn to_json(&self) -> Json {
        let mut d = json!({"mediaType": self.media_type, "digest": self.digest.to_string(), "size": self.size});
        if let Some(p) = &self.platform {
            d["platform"] = platform_json(p);
        }
        if !self.annotations.is_empty() {
            d["annotations"] = json!(self.annotations);
        }
        d
    }
}

fn platform_json(p: &Platform) -> Json {
    let mut out = json!({"os": p.os, "architecture": p.arch});
    if let Some(v) = &p.variant {
        out["variant"] = json!(v);
    }
    if let Some(v) = &p.os_version {
        out["os.version"] = json!(v);
    }
    out
}

/// What goes into an image config besides the layers.
#[derive(Debug, Clone, Default)]
pub struct Config {
    pub env: BTreeMap<String, String>,
    pub entrypoint: Option<Vec<String>>,
    pub cmd: Option<Vec<String>>,
    pub workdir: Option<String>,
    pub user: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub exposed_ports: Vec<String>,
}

/// RFC 3339 for a Unix time (UTC), as `created` fields want it.
pub fn rfc3339(epoch: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(epoch)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".into())
}

/// The config blob: platform, runtime config, the layers' diff_ids and one history entry each.
pub fn config(platform: &Platform, config: &Config, diff_ids: &[Digest], history: &[String], created: i64) -> Vec<u8> {
    let mut c = platform_json(platform);
    let mut runtime = serde_json::Map::new();
    if !config.env.is_empty() {
        runtime.insert("Env".into(), json!(config.env.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>()));
    }
    if let Some(e) = &config.entrypoint {
        runtime.insert("Entrypoint".into(), json!(e));
    }
    if let Some(cmd) = &config.cmd {
        runtime.insert("Cmd".into(), json!(cmd));
    }
    if let Some(w) = &config.workdir {
        runtime.insert("WorkingDir".into(), json!(w));
    }
    if let Some(u) = &config.user {
        runtime.insert("User".into(), json!(u));
    }
    if !config.labels.is_empty() {
        runtime.insert("Labels".into(), json!(config.labels));
    }
    if !config.exposed_ports.is_empty() {
        let ports: BTreeMap<String, Json> =
            config.exposed_ports.iter().map(|p| (if p.contains('/') { p.clone() } else { format!("{p}/tcp") }, json!({}))).collect();
        runtime.insert("ExposedPorts".into(), json!(ports));
    }
    let created = rfc3339(created);
    c["created"] = json!(created);
    c["config"] = Json::Object(runtime);
    c["rootfs"] = json!({"type": "layers", "diff_ids": diff_ids.iter().map(ToString::to_string).collect::<Vec<_>>()});
    c["history"] = json!(history.iter().map(|h| json!({"created": created, "created_by": h})).collect::<Vec<_>>());
    serde_json::to_vec(&c).unwrap_or_default()
}

/// The config of an image built on `base` (a pulled config): the base's runtime config with
/// ours over it (env and labels by key, ports added, the rest replaced where we set it; a new
/// entrypoint clears the base's cmd, as in Dockerfiles), our layers and history appended.
pub fn config_on(base: &Json, ours: &Config, diff_ids: &[Digest], history: &[String], created: i64) -> Vec<u8> {
    let mut c = base.clone();
    let created = rfc3339(created);
    let runtime = &mut c["config"];
    if !runtime.is_object() {
        *runtime = json!({});
    }
    let mut env: Vec<String> = runtime["Env"].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(String::from)).collect();
    for (k, v) in &ours.env {
        env.retain(|e| e.split_once('=').map_or(e.as_str(), |(n, _)| n) != k);
        env.push(format!("{k}={v}"));
    }
    if !env.is_empty() {
        runtime["Env"] = json!(env);
    }
    if let Some(e) = &ours.entrypoint {
        runtime["Entrypoint"] = json!(e);
        if ours.cmd.is_none() {
            runtime["Cmd"] = Json::Null;
        }
    }
    if let Some(cmd) = &ours.cmd {
        runtime["Cmd"] = json!(cmd);
    }
    if let Some(w) = &ours.workdir {
        runtime["WorkingDir"] = json!(w);
    }
    if let Some(u) = &ours.user {
        runtime["User"] = json!(u);
    }
    for (k, v) in &ours.labels {
        runtime["Labels"][k] = json!(v);
    }
    for p in &ours.exposed_ports {
        let port = if p.contains('/') { p.clone() } else { format!("{p}/tcp") };
        runtime["ExposedPorts"][port] = json!({});
    }
    c["created"] = json!(created);
    let mut ids: Vec<Json> = c["rootfs"]["diff_ids"].as_array().cloned().unwrap_or_default();
    ids.extend(diff_ids.iter().map(|d| json!(d.to_string())));
    c["rootfs"] = json!({"type": "layers", "diff_ids": ids});
    let mut hist: Vec<Json> = c["history"].as_array().cloned().unwrap_or_default();
    hist.extend(history.iter().map(|h| json!({"created": created, "created_by": h})));
    c["history"] = json!(hist);
    serde_json::to_vec(&c).unwrap_or_default()
}

/// An image manifest.
pub fn manifest(config: &Descriptor, layers: &[Descriptor], annotations: &BTreeMap<String, String>) -> Vec<u8> {
    let mut m = json!({
        "schemaVersion": 2,
        "mediaType": MEDIA_MANIFEST,
        "config": config.to_json(),
        "layers": layers.iter().map(Descriptor::to_json).collect::<Vec<_>>(),
    });
    if !annotations.is_empty() {
        m["annotations"] = json!(annotations);
    }
    serde_json::to_vec(&m).unwrap_or_default()
}

/// An image index over per-platform manifests.
pub fn index(manifests: &[Descriptor], annotations: &BTreeMap<String, String>) -> Vec<u8> {
    let mut i =
        json!({"schemaVersion": 2, "mediaType": MEDIA_INDEX, "manifests": manifests.iter().map(Descriptor::to_json).collect::<Vec<_>>()});
    if !annotations.is_empty() {
        i["annotations"] = json!(annotations);
    }
    serde_json::to_vec(&i).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_carries_platform_runtime_and_layers() {
        let p = Platform::parse("linux/arm/v7").unwrap_or_else(|e| panic!("{}", e.0));
        let cfg = Config { entrypoint: Some(vec!["/x".into()]), exposed_ports: vec!["80".into()], ..Config::default() };
        let bytes = config(&p, &cfg, &[Digest::sha256(b"tar")], &["COPY x".into()], 0);
        let v: Json = serde_json::from_slice(&bytes).unwrap_or_default();
        assert_eq!((v["architecture"].as_str(), v["variant"].as_str(), v["os"].as_str()), (Some("arm"), Some("v7"), Some("linux")));
        assert_eq!(v["config"]["Entrypoint"], json!(["/x"]));
        assert_eq!(v["config"]["ExposedPorts"], json!({"80/tcp": {}}));
        assert_eq!(v["created"], "1970-01-01T00:00:00Z");
        assert_eq!(v["rootfs"]["diff_ids"].as_array().map(Vec::len), Some(1));
        assert_eq!(bytes, config(&p, &cfg, &[Digest::sha256(b"tar")], &["COPY x".into()], 0), "deterministic");
    }
}
