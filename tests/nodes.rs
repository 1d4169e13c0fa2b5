//! Remote nodes with real engines: two private dockerd daemons stand in for an amd64 and an
//! arm64 machine (the arm64 one builds through qemu-user here), a registry holds the bases.
//! Each platform must be built by its node (the engines' own image lists say so), the index
//! must hold exactly their images, and a node that fails must never leave a tag behind.

mod common;
mod harness;

use std::process::Command;

use harness::engines::{Buildah, Dockerd};
use harness::registry::Registry;
use harness::{ensure_binfmt, images, require, stdout};

const TOOLS: &[&str] = &["docker-registry", "buildah", "dockerd", "/usr/bin/docker", "skopeo", "qemu-aarch64-static", "apt-get", "dpkg"];

fn example_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("example dir");
    harness::run(Command::new("cp").arg("-a").arg(format!("{}/.", common::repo().join("examples").join(name).display())).arg(dir.path()));
    dir
}

/// `--node NAME=PLATFORM=unix://SOCKET` for a private dockerd.
fn node_flag(name: &str, platform: &str, engine: &Dockerd) -> String {
    format!("{name}={platform}=unix://{}", engine.socket().display())
}

/// The raw manifest (or index) a reference names, through skopeo.
fn raw(reference: &str) -> serde_json::Value {
    let out = Command::new("skopeo").args(["inspect", "--raw", "--tls-verify=false"]).arg(format!("docker://{reference}")).output();
    let out = out.expect("skopeo");
    assert!(out.status.success(), "{reference}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("manifest JSON")
}

/// Image IDs (config digests) an engine holds, with their architecture.
fn engine_images(engine: &Dockerd) -> Vec<(String, String)> {
    let ids = stdout(engine.docker().args(["images", "-a", "-q", "--no-trunc"]));
    let mut out: Vec<(String, String)> = ids
        .lines()
        .map(|id| (id.to_string(), stdout(engine.docker().args(["image", "inspect", "--format", "{{.Architecture}}", id]))))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Each platform of a pushed index → its config digest.
fn configs_of(index_ref: &str, registry: &str, repo: &str) -> Vec<(String, String)> {
    let index = raw(index_ref);
    let manifests = index["manifests"].as_array().cloned().unwrap_or_default();
    manifests
        .iter()
        .map(|m| {
            let arch = m["platform"]["architecture"].as_str().unwrap_or_default().to_string();
            let manifest = raw(&format!("{registry}/{repo}@{}", m["digest"].as_str().unwrap_or_default()));
            (arch, manifest["config"]["digest"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}

#[test]
fn the_go_hello_builds_each_platform_on_its_node_and_releases_one_index() {
    if let Err(reason) = require(TOOLS) {
        println!("SKIP remote nodes: {reason}");
        return;
    }
    ensure_binfmt();
    let registry = Registry::start();
    let host = registry.host();
    images::fill(&host, &Buildah::new());
    let (amd, arm) = (Dockerd::start(&host), Dockerd::start(&host));
    let hello = example_copy("go-hello");
    let cache = tempfile::tempdir().expect("cache");
    let env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    let nodes = ["--node", &node_flag("amd", "linux/amd64", &amd), "--node", &node_flag("arm", "linux/arm64", &arm)];

    // the plan says where each platform goes
    let plan = common::run_in_env(hello.path(), &[&["plan"][..], &nodes].concat(), &env);
    assert_eq!(plan.code(), 0, "{}", plan.stderr());
    let arm_line = plan.stdout().lines().find(|l| l.starts_with("hello linux/arm64 → ")).map(String::from).unwrap_or_default();
    assert!(arm_line.ends_with(&format!("node arm (unix://{})", arm.socket().display())), "{}", plan.stdout());

    let release =
        common::run_in_env(hello.path(), &[&["release", "--progress", "plain", "--metadata-file", "m.json"][..], &nodes].concat(), &env);
    assert_eq!(release.code(), 0, "{}\n{}", release.stdout(), release.stderr());
    let log = release.stderr();
    assert!(log.contains("#arm/") && log.contains("[hello linux/arm64]"), "the arm node's progress is shown with its name:\n{log}");
    assert!(log.contains("linux/arm64 built on node arm"), "{log}");

    // each node built exactly its platform: the index's configs are the engines' own images
    let configs = configs_of(&format!("{host}/hello:dev"), &host, "hello");
    assert_eq!(configs.len(), 2, "{configs:?}");
    let (on_amd, on_arm) = (engine_images(&amd), engine_images(&arm));
    for (arch, config) in &configs {
        let (mine, other) = if arch == "amd64" { (&on_amd, &on_arm) } else { (&on_arm, &on_amd) };
        assert!(mine.contains(&(config.clone(), arch.clone())), "{arch}'s image {config} is its node's own: {mine:?}");
        assert!(!other.iter().any(|(id, _)| id == config), "the other node did not build {arch}");
    }
    assert!(on_amd.iter().all(|(_, a)| a == "amd64") && on_arm.iter().all(|(_, a)| a == "arm64"), "{on_amd:?} {on_arm:?}");

    // verify reads the released image: platforms and ELF machines
    let verified = common::run_in_env(hello.path(), &["verify", &format!("{host}/hello:dev")], &env);
    assert_eq!(verified.code(), 0, "{}{}", verified.stdout(), verified.stderr());
}
