//! A node that goes silent mid-build (its engine stopped with SIGSTOP: connections stay open,
//! nothing answers) is given up on after its pings go unanswered, and the platform's other
//! node builds the target; nothing waits forever.

mod common;
mod harness;
#[path = "hostile/images.rs"]
#[allow(dead_code)]
mod images;

use std::io::BufRead as _;
use std::process::{Command, Stdio};

use harness::engines::Dockerd;
use harness::registry::Registry;

#[test]
fn a_node_that_goes_silent_mid_build_hands_its_job_to_the_next_node() {
    if let Err(reason) = harness::require(&["docker-registry", "dockerd", "/usr/bin/docker", "skopeo", "apt-get", "dpkg"]) {
        println!("SKIP silent node: {reason}");
        return;
    }
    let registry = Registry::start();
    let base = images::Image::of(vec![images::busybox_layer()]).push(&registry.host(), "busybox");
    let (frozen, spare) = (Dockerd::start(&registry.host()), Dockerd::start(&registry.host()));
    let dockerfile = format!("FROM {base}\nRUN sleep 8; echo done > /done\n");
    let bake = "target \"default\" {\n  platforms = [\"linux/amd64\"]\n  output = [\"type=local,dest=out\"]\n}\n";
    let ws = common::Workspace::with(&[("docker-bake.hcl", bake), ("Dockerfile", &dockerfile)]);
    let cache = tempfile::tempdir().expect("cache");
    let node = |name: &str, engine: &Dockerd| format!("{name}=linux/amd64=unix://{}", engine.socket().display());
    let mut build = Command::new(env!("CARGO_BIN_EXE_mpbake"))
        .args(["build", "--progress", "plain", "--metadata-file", "m.json"])
        .args(["--node", &node("frozen", &frozen), "--node", &node("spare", &spare)])
        .current_dir(ws.path())
        .env("MPBAKE_CACHE_DIR", cache.path())
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("start mpbake");
    let mut stderr = std::io::BufReader::new(build.stderr.take().expect("stderr"));
    let mut log = String::new();
    loop {
        let mut line = String::new();
        assert!(stderr.read_line(&mut line).expect("read stderr") > 0, "mpbake ended before the node's RUN started:\n{log}");
        log.push_str(&line);
        if line.starts_with("#frozen/") && line.contains("RUN sleep") {
            break;
        }
    }
    frozen.freeze(true);
    std::io::Read::read_to_string(&mut stderr, &mut log).expect("read stderr");
    let status = build.wait().expect("mpbake");
    frozen.freeze(false);
    assert_eq!(status.code(), Some(0), "{log}");
    assert!(log.contains("node frozen failed building default (linux/amd64): the node stopped answering"), "{log}");
    assert!(log.contains("#spare/"), "the spare node built it:\n{log}");
    let metadata: serde_json::Value = serde_json::from_slice(&std::fs::read(ws.path().join("m.json")).expect("metadata")).expect("json");
    assert_eq!(metadata["default"]["mpbake.nodes"], serde_json::json!({"linux/amd64": "spare"}));
    assert_eq!(std::fs::read_to_string(ws.path().join("out/done")).expect("out/done"), "done\n");
}
