//! Hostile linux/amd64 images made by hand — raw tar headers, gzip, a config that may lie about its diff_ids — pushed to the test registry with skopeo.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::Digest as _;

use super::harness::{images::find, run};

/// One raw tar entry; its header is written by hand so names like `.wh...` or `../x` and
/// absolute link targets survive as they are.
#[derive(Clone, Debug)]
pub struct Entry {
    pub path: String,
    pub kind: tar::EntryType,
    pub link: String,
    pub mode: u32,
    pub data: Vec<u8>,
    pub device: (u32, u32),
}

impl Entry {
    pub fn file(path: &str, data: &[u8]) -> Entry {
        Entry { path: path.into(), kind: tar::EntryType::Regular, link: String::new(), mode: 0o644, data: data.to_vec(), device: (0, 0) }
    }

    pub fn dir(path: &str) -> Entry {
        Entry { kind: tar::EntryType::Directory, mode: 0o755, ..Entry::file(path, b"") }
    }

    pub fn symlink(path: &str, target: &str) -> Entry {
        Entry { kind: tar::EntryType::Symlink, link: target.into(), mode: 0o777, ..Entry::file(path, b"") }
    }

    pub fn block(path: &str, major: u32, minor: u32) -> Entry {
        Entry { kind: tar::EntryType::Block, device: (major, minor), mode: 0o666, ..Entry::file(path, b"") }
    }

    pub fn mode(self, mode: u32) -> Entry {
        Entry { mode, ..self }
    }
}

/// A ustar archive of `entries` (ustar so that ADD takes it for an archive).
pub fn tar_of(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in entries {
        assert!(e.path.len() <= 100 && e.link.len() <= 100, "name or link target too long for a plain header: {e:?}");
        let mut header = tar::Header::new_ustar();
        header.as_old_mut().name[..e.path.len()].copy_from_slice(e.path.as_bytes());
        header.as_old_mut().linkname[..e.link.len()].copy_from_slice(e.link.as_bytes());
        header.set_entry_type(e.kind);
        header.set_mode(e.mode);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(1_700_000_000);
        header.set_size(e.data.len() as u64);
        if matches!(e.kind, tar::EntryType::Block | tar::EntryType::Char) {
            header.set_device_major(e.device.0).unwrap_or_else(|err| panic!("device major: {err}"));
            header.set_device_minor(e.device.1).unwrap_or_else(|err| panic!("device minor: {err}"));
        }
        header.set_cksum();
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(&e.data);
        out.resize(out.len().div_ceil(512) * 512, 0);
    }
    out.extend_from_slice(&[0; 1024]);
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap_or_else(|e| panic!("gzip: {e}"));
    encoder.finish().unwrap_or_else(|e| panic!("gzip: {e}"))
}

/// `sha256:HEX` of `bytes`.
pub fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{:x}", sha2::Sha256::digest(bytes))
}

/// The diff_id (digest of the uncompressed tar) of a layer of `entries`.
pub fn diff_id(entries: &[Entry]) -> String {
    sha256(&tar_of(entries))
}

/// An image: its layers, and the diff_ids its config claims (the true ones when None).
pub struct Image {
    pub layers: Vec<Vec<Entry>>,
    pub claimed_diff_ids: Option<Vec<String>>,
}

impl Image {
    pub fn of(layers: Vec<Vec<Entry>>) -> Image {
        Image { layers, claimed_diff_ids: None }
    }

    /// Writes the image as an OCI layout at `dir`, tagged `1`.
    pub fn write_layout(&self, dir: &Path) {
        let blobs = dir.join("blobs/sha256");
        std::fs::create_dir_all(&blobs).unwrap_or_else(|e| panic!("{}: {e}", blobs.display()));
        let put = |bytes: &[u8]| -> (String, usize) {
            let digest = sha256(bytes);
            std::fs::write(blobs.join(digest.trim_start_matches("sha256:")), bytes).unwrap_or_else(|e| panic!("blob: {e}"));
            (digest, bytes.len())
        };
        let (mut layers, mut diff_ids) = (Vec::new(), Vec::new());
        for entries in &self.layers {
            let tar = tar_of(entries);
            diff_ids.push(sha256(&tar));
            let (digest, size) = put(&gzip(&tar));
            layers.push(serde_json::json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": digest, "size": size}));
        }
        let config = serde_json::json!({
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": ["PATH=/bin"]},
            "rootfs": {"type": "layers", "diff_ids": self.claimed_diff_ids.clone().unwrap_or(diff_ids)},
        });
        let (config_digest, config_size) = put(&serde_json::to_vec(&config).unwrap_or_default());
        let manifest = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
            "layers": layers,
        });
        let (manifest_digest, manifest_size) = put(&serde_json::to_vec(&manifest).unwrap_or_default());
        let index = serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": [{
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": manifest_digest,
                "size": manifest_size,
                "platform": {"architecture": "amd64", "os": "linux"},
                "annotations": {"org.opencontainers.image.ref.name": "1"},
            }],
        });
        std::fs::write(dir.join("index.json"), serde_json::to_vec(&index).unwrap_or_default())
            .unwrap_or_else(|e| panic!("index.json: {e}"));
        std::fs::write(dir.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap_or_else(|e| panic!("oci-layout: {e}"));
    }

    /// Pushes the image as `REGISTRY/NAME:1` and returns that reference.
    pub fn push(&self, registry: &str, name: &str) -> String {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("layout dir: {e}"));
        self.write_layout(dir.path());
        let reference = format!("{registry}/{name}:1");
        run(Command::new("skopeo")
            .args(["--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false"])
            .args([format!("oci:{}:1", dir.path().display()), format!("docker://{reference}")]));
        reference
    }
}

/// A static busybox for amd64 and the applets the tests run under /bin.
pub fn busybox_layer() -> Vec<Entry> {
    let mut layer = vec![Entry::dir("bin/"), Entry::file("bin/busybox", busybox()).mode(0o755)];
    for applet in ["sh", "touch", "cat", "sleep", "unshare"] {
        layer.push(Entry::symlink(&format!("bin/{applet}"), "busybox"));
    }
    layer
}

/// The bytes of Debian's static busybox (amd64), its package downloaded once per target dir.
fn busybox() -> &'static [u8] {
    static BYTES: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BYTES.get_or_init(|| {
        let debs = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("debs");
        std::fs::create_dir_all(&debs).unwrap_or_else(|e| panic!("{}: {e}", debs.display()));
        if find(&debs, "busybox-static_", "_amd64.deb").is_none() {
            run(Command::new("apt-get").args(["download", "busybox-static:amd64"]).current_dir(&debs));
        }
        let deb = find(&debs, "busybox-static_", "_amd64.deb").unwrap_or_else(|| panic!("no busybox-static deb in {}", debs.display()));
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("busybox dir: {e}"));
        run(Command::new("dpkg").arg("-x").arg(&deb).arg(root.path()));
        std::fs::read(root.path().join("bin/busybox")).unwrap_or_else(|e| panic!("busybox from {}: {e}", deb.display()))
    })
}
