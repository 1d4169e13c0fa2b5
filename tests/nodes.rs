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

/// A registry filled with the test bases (busybox for both platforms, golang for amd64), qemu
/// registered; None (with the reason printed) when the real parts are absent outside CI.
struct Bases {
    _registry: Registry,
    host: String,
    _work: tempfile::TempDir,
}

fn bases(extra_tools: &[&str]) -> Option<Bases> {
    if let Err(reason) = require(&[TOOLS, extra_tools].concat()) {
        println!("SKIP remote nodes: {reason}");
        return None;
    }
    ensure_binfmt();
    let registry = Registry::start();
    let host = registry.host();
    let work = tempfile::tempdir().expect("image work dir");
    images::fill(&host, &Buildah::new(), work.path());
    Some(Bases { _registry: registry, host, _work: work })
}

#[test]
fn the_go_hello_builds_each_platform_on_its_node_and_releases_one_index() {
    let Some(bases) = bases(&[]) else { return };
    let host = bases.host.clone();
    let (amd, arm) = (Dockerd::start(&host), Dockerd::start(&host));
    let hello = example_copy("go-hello");
    let cache = tempfile::tempdir().expect("cache");
    // the amd64 node is named by a docker context, made by docker's own CLI
    let docker_config = tempfile::tempdir().expect("docker config");
    let endpoint = format!("host=unix://{}", amd.socket().display());
    harness::run(
        Command::new("/usr/bin/docker")
            .arg("--config")
            .arg(docker_config.path())
            .args(["context", "create", "amd-ctx", "--docker", &endpoint]),
    );
    let env = [
        ("REGISTRY", host.as_str()),
        ("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default()),
        ("DOCKER_CONFIG", docker_config.path().to_str().unwrap_or_default()),
    ];
    let nodes = ["--node", "amd=linux/amd64=amd-ctx", "--node", &node_flag("arm", "linux/arm64", &arm)];

    // the plan says where each platform goes
    let plan = common::run_in_env(hello.path(), &[&["plan"][..], &nodes].concat(), &env);
    assert_eq!(plan.code(), 0, "{}", plan.stderr());
    let arm_line = plan.stdout().lines().find(|l| l.starts_with("hello linux/arm64 → ")).map(String::from).unwrap_or_default();
    assert!(arm_line.ends_with(&format!("node arm (unix://{})", arm.socket().display())), "{}", plan.stdout());
    assert!(plan.stdout().contains("node amd (amd-ctx)"), "{}", plan.stdout());

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

/// A six-target group (a matrix) whose RUN needs the target's own userland, its nodes declared
/// in the bake file; `arm-b`'s endpoint is `ARM_B` so a test can point it elsewhere.
const GROUP: &str = r#"variable "REGISTRY" {}
variable "AMD" {}
variable "ARM_A" {}
variable "ARM_B" {}

node "amd" {
  endpoint  = AMD
  platforms = ["linux/amd64"]
}
node "arm-a" {
  endpoint  = ARM_A
  platforms = ["linux/arm64"]
}
node "arm-b" {
  endpoint  = ARM_B
  platforms = ["linux/arm64"]
}

group "default" {
  targets = ["svc"]
}

target "svc" {
  name      = "svc${n}"
  matrix    = { n = [1, 2, 3, 4, 5, 6] }
  args      = { REGISTRY = REGISTRY, N = n }
  platforms = ["linux/amd64", "linux/arm64"]
  tags      = ["${REGISTRY}/svc${n}:dev"]
}
"#;

const GROUP_DOCKERFILE: &str =
    "ARG REGISTRY\nFROM ${REGISTRY}/busybox:1\nARG N\nRUN uname -m > /arch && echo \"$N\" > /n && sleep ${SLEEP:-0}\n";

/// Which node built each target's platforms, from `--metadata-file`.
fn built_by(metadata: &std::path::Path) -> serde_json::Value {
    let text = std::fs::read_to_string(metadata).unwrap_or_else(|e| panic!("{}: {e}", metadata.display()));
    let json: serde_json::Value = serde_json::from_str(&text).expect("metadata JSON");
    let by: serde_json::Map<String, serde_json::Value> =
        json.as_object().into_iter().flatten().map(|(t, v)| (t.clone(), v["mpbake.nodes"].clone())).collect();
    serde_json::Value::Object(by)
}

fn absent(reference: &str) -> bool {
    let out = Command::new("skopeo").args(["inspect", "--raw", "--tls-verify=false"]).arg(format!("docker://{reference}")).output();
    !out.expect("skopeo").status.success()
}

#[test]
fn a_group_spreads_over_the_nodes_of_a_platform_and_bad_nodes_never_move_a_tag() {
    let Some(bases) = bases(&[]) else { return };
    let host = bases.host.clone();
    let (amd, arm_a, arm_b) = (Dockerd::start(&host), Dockerd::start(&host), Dockerd::start(&host));
    let socket = |d: &Dockerd| format!("unix://{}", d.socket().display());
    let ws = common::Workspace::with(&[("docker-bake.hcl", GROUP), ("Dockerfile", GROUP_DOCKERFILE)]);
    let cache = tempfile::tempdir().expect("cache");
    let (amd_at, arm_a_at, arm_b_at) = (socket(&amd), socket(&arm_a), socket(&arm_b));
    let env = |arm_b: &str| {
        vec![
            ("REGISTRY", host.clone()),
            ("AMD", amd_at.clone()),
            ("ARM_A", arm_a_at.clone()),
            ("ARM_B", arm_b.to_string()),
            ("MPBAKE_CACHE_DIR", cache.path().display().to_string()),
        ]
    };
    let as_refs = |v: &[(&'static str, String)]| v.iter().map(|(k, x)| (*k, x.clone())).collect::<Vec<_>>();
    let run = |args: &[&str], arm_b: &str| {
        let vars = as_refs(&env(arm_b));
        let pairs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
        ws.run(args, &pairs)
    };

    // an arm64 node that does not answer, with no other: exit 2 naming it, nothing built or tagged
    let lone = run(
        &[
            "release",
            "--progress",
            "plain",
            "--node",
            "arm-a=linux/arm64=unix:///nonexistent/docker.sock",
            "--node",
            "arm-b=linux/arm64=unix:///nonexistent/b.sock",
        ],
        "x",
    );
    assert_eq!(lone.code(), 2, "{}", lone.stderr());
    assert!(
        lone.stderr().contains("no node that builds linux/arm64 answers")
            && lone.stderr().contains("node arm-a (unix:///nonexistent/docker.sock)"),
        "{}",
        lone.stderr()
    );
    assert!(!lone.stderr().contains("#amd/"), "nothing is built when a platform has no node: {}", lone.stderr());
    assert!(absent(&format!("{host}/svc1:dev")));

    // arm-b unreachable: arm-a takes all of linux/arm64, and says why arm-b did not
    let failover = run(&["release", "--progress", "plain", "--metadata-file", "failover.json"], "unix:///nonexistent/arm-b.sock");
    assert_eq!(failover.code(), 0, "{}", failover.stderr());
    assert!(failover.stderr().contains("node arm-b (unix:///nonexistent/arm-b.sock) cannot be reached"), "{}", failover.stderr());
    let by = built_by(&ws.path().join("failover.json"));
    for n in 1..=6 {
        assert_eq!(by[format!("svc{n}")], serde_json::json!({"linux/amd64": "amd", "linux/arm64": "arm-a"}), "{by}");
    }

    // both arm64 nodes answer: the six arm64 builds are shared three and three
    let plan = run(&["plan", "--format", "json"], &arm_b_at);
    let placement = plan.json()["placement"].clone();
    let firsts: Vec<String> =
        (1..=6).map(|n| placement[format!("svc{n}")]["linux/arm64"][0].as_str().unwrap_or_default().to_string()).collect();
    assert_eq!(firsts.iter().filter(|n| *n == "arm-a").count(), 3, "{placement}");
    assert_eq!(firsts.iter().filter(|n| *n == "arm-b").count(), 3, "{placement}");
    let shared = run(&["release", "--progress", "plain", "--metadata-file", "shared.json"], &arm_b_at);
    assert_eq!(shared.code(), 0, "{}", shared.stderr());
    let by = built_by(&ws.path().join("shared.json"));
    let on_b = (1..=6).filter(|n| by[format!("svc{n}")]["linux/arm64"] == "arm-b").count();
    assert_eq!(on_b, 3, "{by}");
    let b_images: Vec<String> = engine_images(&arm_b).into_iter().map(|(id, arch)| format!("{arch} {id}")).collect();
    for n in (1..=6).filter(|n| by[format!("svc{n}")]["linux/arm64"] == "arm-b") {
        let configs = configs_of(&format!("{host}/svc{n}:dev"), &host, &format!("svc{n}"));
        let (_, config) = configs.iter().find(|(a, _)| a == "arm64").cloned().unwrap_or_default();
        assert!(b_images.contains(&format!("arm64 {config}")), "svc{n}'s arm64 image is arm-b's own: {b_images:?}");
    }
    // the RUN ran on the node for its platform (through qemu on this amd64 machine)
    let arch = stdout(arm_b.docker().args([
        "run",
        "--rm",
        "--network",
        "none",
        "--platform",
        "linux/arm64",
        &format!("{host}/svc1:dev"),
        "cat",
        "/arch",
    ]));
    assert_eq!(arch, "aarch64");
}

#[test]
fn a_node_killed_mid_build_moves_no_tag_and_a_rerun_finishes() {
    let Some(bases) = bases(&[]) else { return };
    let host = bases.host.clone();
    // only the arm64 build is slow: the node is killed while it runs
    let dockerfile =
        "ARG REGISTRY\nFROM ${REGISTRY}/busybox:1\nRUN if [ \"$(uname -m)\" = aarch64 ]; then sleep 15; fi; uname -m > /arch\n";
    let bake = "variable \"REGISTRY\" {}\ntarget \"slow\" {\n  args = { REGISTRY = REGISTRY }\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n  tags = [\"${REGISTRY}/slow:dev\"]\n}\n";
    let ws = common::Workspace::with(&[("docker-bake.hcl", bake), ("Dockerfile", dockerfile)]);
    let cache = tempfile::tempdir().expect("cache");
    let cache_dir = cache.path().display().to_string();
    let arm = Dockerd::start(&host);
    let mut release = Command::new(env!("CARGO_BIN_EXE_mpbake"));
    release
        .args(["release", "slow", "--progress", "plain", "--node", &node_flag("arm", "linux/arm64", &arm)])
        .current_dir(ws.path())
        .env("REGISTRY", &host)
        .env("MPBAKE_CACHE_DIR", &cache_dir)
        .stderr(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null());
    let mut child = release.spawn().expect("start mpbake");
    let mut stderr = std::io::BufReader::new(child.stderr.take().expect("stderr"));
    let mut log = String::new();
    loop {
        let mut line = String::new();
        let n = std::io::BufRead::read_line(&mut stderr, &mut line).expect("read stderr");
        assert!(n > 0, "mpbake ended before the node's RUN started:\n{log}");
        log.push_str(&line);
        if line.starts_with("#arm/") && line.contains("RUN if") {
            break;
        }
    }
    arm.kill();
    std::io::Read::read_to_string(&mut stderr, &mut log).expect("read stderr");
    let status = child.wait().expect("mpbake");
    assert_eq!(status.code(), Some(2), "{log}");
    assert!(log.contains("no node could build linux/arm64 of `slow`") && log.contains("arm: "), "the message names the node:\n{log}");
    assert!(absent(&format!("{host}/slow:dev")), "no tag moved");

    // the machine is back (a new engine at a new place): the rerun builds what is left
    let arm = Dockerd::start(&host);
    let rerun = ws.run(
        &["release", "slow", "--progress", "plain", "--node", &node_flag("arm", "linux/arm64", &arm), "--metadata-file", "m.json"],
        &[("REGISTRY", &host), ("MPBAKE_CACHE_DIR", &cache_dir)],
    );
    assert_eq!(rerun.code(), 0, "{}", rerun.stderr());
    assert!(rerun.stderr().contains("0 steps executed"), "linux/amd64 was built by the first run: {}", rerun.stderr());
    assert_eq!(built_by(&ws.path().join("m.json"))["slow"], serde_json::json!({"linux/arm64": "arm"}));
    assert!(!absent(&format!("{host}/slow:dev")));
}

#[test]
fn a_node_that_builds_another_platform_is_caught_and_named() {
    let Some(bases) = bases(&[]) else { return };
    let host = bases.host.clone();
    let engine = Dockerd::start(&host);
    let liar = harness::liar::Liar::start(&engine.socket(), "linux/arm64", "linux/amd64");
    let dockerfile = "ARG REGISTRY\nFROM ${REGISTRY}/busybox:1\nCOPY a /a\n";
    let bake = "variable \"REGISTRY\" {}\ntarget \"app\" {\n  args = { REGISTRY = REGISTRY }\n  platforms = [\"linux/arm64\"]\n  tags = [\"${REGISTRY}/app:dev\"]\n}\n";
    let ws = common::Workspace::with(&[("docker-bake.hcl", bake), ("Dockerfile", dockerfile), ("a", "a\n")]);
    let cache = tempfile::tempdir().expect("cache");
    let node = format!("liar=linux/arm64=unix://{}", liar.socket.display());
    let run = ws
        .run(&["release", "app", "--node", &node], &[("REGISTRY", &host), ("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("liar: asked for linux/arm64, it built linux/amd64"), "{}", run.stderr());
    assert!(absent(&format!("{host}/app:dev")), "no tag moved");

    // a step failing on the node cancels the build here: the local RUN is stopped, not waited for
    let failing =
        "ARG REGISTRY\nFROM ${REGISTRY}/busybox:1\nRUN if [ \"$(uname -m)\" = aarch64 ]; then echo broken on arm; exit 3; fi; sleep 60\n";
    let both = bake.replace("[\"linux/arm64\"]", "[\"linux/amd64\", \"linux/arm64\"]");
    let ws = common::Workspace::with(&[("docker-bake.hcl", &both), ("Dockerfile", failing)]);
    let node = format!("real=linux/arm64=unix://{}", engine.socket().display());
    let run = ws.run(
        &["build", "app", "--progress", "plain", "--node", &node],
        &[("REGISTRY", &host), ("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())],
    );
    assert_eq!(run.code(), 1, "a failing step is the input's fault: {}", run.stderr());
    let stderr = run.stderr();
    assert!(stderr.contains("app (linux/arm64) on node real:"), "{stderr}");
    let local = stderr
        .lines()
        .find(|l| l.contains("linux/amd64] RUN"))
        .and_then(|l| l.split(' ').next())
        .unwrap_or_else(|| panic!("no local RUN: {stderr}"));
    assert!(stderr.contains(&format!("{local} ERROR")), "the local RUN was stopped: {stderr}");
}

#[test]
fn an_ssh_node_builds_through_a_tunnel_that_ends_with_the_build() {
    let Some(bases) = bases(&["/usr/sbin/sshd", "ssh", "ssh-keygen"]) else { return };
    let host = bases.host.clone();
    let engine = Dockerd::start(&host);
    let sshd = harness::sshd::Sshd::start();
    let hello = example_copy("go-hello");
    let cache = tempfile::tempdir().expect("cache");
    let ssh = sshd.ssh_command();
    let env = [
        ("REGISTRY", host.as_str()),
        ("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default()),
        ("MPBAKE_SSH_COMMAND", ssh.as_str()),
    ];
    // the engine's socket on the "remote" machine is named in the URL's path
    let node = format!("arm=linux/arm64=ssh://root@127.0.0.1:{}{}", sshd.port, engine.socket().display());
    let built = common::run_in_env(hello.path(), &["build", "--progress", "plain", "--node", &node, "--metadata-file", "m.json"], &env);
    assert_eq!(built.code(), 0, "{}", built.stderr());
    assert_eq!(built_by(&hello.path().join("m.json"))["hello"], serde_json::json!({"linux/arm64": "arm"}));
    assert!(built.stderr().contains("node arm (ssh://root@127.0.0.1:"), "{}", built.stderr());
    let tunnels = Command::new("pgrep").args(["-f", &ssh]).output().expect("pgrep");
    assert!(tunnels.stdout.is_empty(), "no ssh tunnel outlives the build: {}", String::from_utf8_lossy(&tunnels.stdout));

    // a host key the client does not trust: refused in batch mode, exit 2 naming the node
    let stranger = harness::sshd::Sshd::start();
    let node = format!("arm=linux/arm64=ssh://root@127.0.0.1:{}{}", stranger.port, engine.socket().display());
    let refused = common::run_in_env(hello.path(), &["build", "--node", &node], &env);
    assert_eq!(refused.code(), 2, "{}", refused.stderr());
    assert!(
        refused.stderr().contains("node arm (ssh://root@127.0.0.1:") && refused.stderr().contains("Host key verification failed"),
        "{}",
        refused.stderr()
    );
}

/// Makes a CA, a server certificate for 127.0.0.1 and a client certificate in `dir`, named as
/// docker's TLS guide names them (ca.pem, server-cert.pem, server-key.pem, cert.pem, key.pem).
fn make_certificates(dir: &std::path::Path) {
    let openssl = |args: &[&str]| harness::run(Command::new("openssl").args(args).current_dir(dir));
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-days",
        "1",
        "-subj",
        "/CN=mpbake-test-ca",
    ]);
    for (who, usage, san) in [("server", "serverAuth", "subjectAltName=IP:127.0.0.1\n"), ("client", "clientAuth", "")] {
        std::fs::write(dir.join(format!("{who}.ext")), format!("{san}extendedKeyUsage={usage}\n")).expect("ext");
        let (key, cert) = if who == "server" { ("server-key.pem", "server-cert.pem") } else { ("key.pem", "cert.pem") };
        openssl(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", &format!("{who}.csr"), "-subj", &format!("/CN={who}")]);
        let ext = format!("{who}.ext");
        openssl(&[
            "x509",
            "-req",
            "-in",
            &format!("{who}.csr"),
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca-key.pem",
            "-CAcreateserial",
            "-out",
            cert,
            "-days",
            "1",
            "-extfile",
            &ext,
        ]);
    }
}

#[test]
fn a_tcp_node_speaks_tls_with_dockers_certificate_files() {
    let Some(bases) = bases(&["openssl"]) else { return };
    let host = bases.host.clone();
    let certs = tempfile::tempdir().expect("certs");
    make_certificates(certs.path());
    let path = |name: &str| certs.path().join(name).display().to_string();
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
    let listen = format!("tcp://127.0.0.1:{port}");
    let (ca, cert, key) = (path("ca.pem"), path("server-cert.pem"), path("server-key.pem"));
    let _engine = Dockerd::start_with(&host, &["-H", &listen, "--tlsverify", "--tlscacert", &ca, "--tlscert", &cert, "--tlskey", &key]);
    let dockerfile = "ARG REGISTRY\nFROM ${REGISTRY}/busybox:1\nRUN uname -m > /arch\n";
    let bake = "variable \"REGISTRY\" {}\ntarget \"app\" {\n  args = { REGISTRY = REGISTRY }\n  platforms = [\"linux/arm64\"]\n}\n";
    let ws = common::Workspace::with(&[("docker-bake.hcl", bake), ("Dockerfile", dockerfile)]);
    let cache = tempfile::tempdir().expect("cache");
    let node = format!("arm=linux/arm64={listen}");
    let base_env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    let cert_path = certs.path().display().to_string();
    let tls_env = [&base_env[..], &[("DOCKER_TLS_VERIFY", "1"), ("DOCKER_CERT_PATH", cert_path.as_str())]].concat();
    let built = ws.run(&["build", "app", "--node", &node, "--metadata-file", "m.json"], &tls_env);
    assert_eq!(built.code(), 0, "{}", built.stderr());
    assert_eq!(built_by(&ws.path().join("m.json"))["app"], serde_json::json!({"linux/arm64": "arm"}));
    // without docker's TLS variables the engine does not answer mpbake: exit 2 naming the node
    let refused = ws.run(&["build", "app", "--node", &node], &base_env);
    assert_eq!(refused.code(), 2, "{}", refused.stderr());
    assert!(refused.stderr().contains(&format!("node arm ({listen}) cannot be reached")), "{}", refused.stderr());
}
