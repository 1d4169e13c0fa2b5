//! Conformance against real engines: the seed examples' emitted Dockerfiles build on buildah
//! (both platforms at once) and on dockerd's BuildKit (one platform per build), and every
//! platform's image has the right config and binaries of the right machine that run and print
//! the right platform (arm64 through qemu-user). Base images come from a local registry filled
//! from Debian packages.

mod common;
mod harness;

use std::path::Path;
use std::process::Command;

use harness::engines::{Buildah, Dockerd};
use harness::proxy::{Faults, Proxy};
use harness::registry::Registry;
use harness::tokens::TokenServer;
use harness::{elf, ensure_binfmt, images, require, run, stdout};

const TOOLS: &[&str] =
    &["docker-registry", "htpasswd", "buildah", "dockerd", "/usr/bin/docker", "skopeo", "qemu-aarch64-static", "apt-get", "dpkg"];
const PLATFORMS: [&str; 2] = ["linux/amd64", "linux/arm64"];

/// `mpbake emit --pin`: every base image pinned to the digest the test registry serves.
fn emit(example: &Path, registry: &str, out: &Path) {
    let run = common::run_in_env(example, &["emit", "--pin", "-o", out.to_str().unwrap_or_default()], &[("REGISTRY", registry)]);
    assert_eq!(run.code(), 0, "mpbake emit failed:\n{}", run.stderr());
    for entry in std::fs::read_dir(out).into_iter().flatten().flatten().filter(|e| e.path().extension().is_some_and(|x| x == "Dockerfile"))
    {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for from in text.lines().filter(|l| l.starts_with("FROM ") && l.contains(registry)) {
            assert!(from.contains("@sha256:"), "not pinned: {from}");
        }
    }
}

/// The `auth` value of docker's config.json: base64 of `user:password`.
fn base64_basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

/// Copies an example into a scratch directory (so the build context is exactly the example).
fn example_copy(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("example dir");
    run(Command::new("cp").arg("-a").arg(format!("{}/.", common::repo().join("examples").join(name).display())).arg(dir.path()));
    dir
}

#[test]
fn emitted_dockerfiles_build_on_buildah_and_buildkit() {
    if let Err(reason) = require(TOOLS) {
        println!("SKIP conformance: {reason}");
        return;
    }
    ensure_binfmt();
    let registry = Registry::start();
    let buildah = Buildah::new();
    let busybox = images::fill(&registry.host(), &buildah);
    let dockerd = Dockerd::start(&registry.host());
    let args = vec![format!("REGISTRY={}", registry.host())];

    // per-arch third-party binaries: each platform's image holds its own binary, no RUN
    let per_arch = example_copy("per-arch-binaries");
    std::fs::create_dir_all(per_arch.path().join("dist")).expect("dist");
    for (arch, binary) in &busybox {
        std::fs::copy(binary, per_arch.path().join(format!("dist/xxx.{arch}"))).expect("payload");
    }
    let out = per_arch.path().join("out");
    emit(per_arch.path(), &registry.host(), &out);
    let dockerfile = out.join("xxx.Dockerfile");
    assert!(!std::fs::read_to_string(&dockerfile).unwrap_or_default().contains("RUN"));
    buildah.build(&dockerfile, per_arch.path(), &PLATFORMS, &args, "xxx-list");
    for (arch, payload) in &busybox {
        let (root, config) = buildah.rootfs("xxx-list", arch);
        assert_eq!(config, format!("{arch}/linux"));
        let bytes = std::fs::read(root.join("usr/local/bin/xxx")).unwrap_or_default();
        assert_eq!(elf::machine(&bytes), Some(elf::expected(arch)), "buildah {arch} image holds the wrong binary");
        assert_eq!(bytes, std::fs::read(payload).unwrap_or_default(), "buildah {arch}: not the selected file");
        let files = tempfile::tempdir().expect("files");
        let tag = format!("xxx:{arch}");
        dockerd.build(&dockerfile, per_arch.path(), &format!("linux/{arch}"), &args, &tag);
        assert_eq!(
            stdout(dockerd.docker().args(["image", "inspect", "--format", "{{.Architecture}}/{{.Os}}", &tag])),
            format!("{arch}/linux")
        );
        let bytes = dockerd.file(&tag, "/usr/local/bin/xxx", files.path());
        assert_eq!(elf::machine(&bytes), Some(elf::expected(arch)), "BuildKit {arch} image holds the wrong binary");
    }

    // mpbake's own build of the same spec: the busybox base layers by reference, one layer with
    // the platform's binary, readable by skopeo and runnable in dockerd
    let cache = tempfile::tempdir().expect("cache dir");
    let env = [("REGISTRY", registry.host()), ("MPBAKE_CACHE_DIR", cache.path().display().to_string())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let built = common::run_in_env(per_arch.path(), &["build", "-o", "built"], &env);
    assert_eq!(built.code(), 0, "mpbake build failed:\n{}", built.stderr());
    let du = common::run_in_env(per_arch.path(), &["cache", "du"], &env).stdout();
    assert!(du.contains("2 blobs"), "each platform's busybox layer is in the content store: {du}");
    let archive = common::run_in_env(per_arch.path(), &["build", "-o", "type=docker,dest=xxx.tar,platform=linux/arm64"], &env);
    assert_eq!(archive.code(), 0, "{}", archive.stderr());
    run(dockerd.docker().arg("load").arg("-i").arg(per_arch.path().join("xxx.tar")));
    let loaded =
        stdout(dockerd.docker().args(["image", "inspect", "--format", "{{.Architecture}}", &format!("{}/xxx:dev", registry.host())]));
    assert_eq!(loaded, "arm64", "docker load takes mpbake's archive");
    let again = common::run_in_env(per_arch.path(), &["build", "-o", "built-again"], &env);
    assert_eq!(
        again.stdout().split_whitespace().nth(1),
        built.stdout().split_whitespace().nth(1),
        "a rebuild from the store gives the same index"
    );
    let layout = format!("oci:{}", per_arch.path().join("built/xxx").display());
    for (arch, _) in &busybox {
        let inspected = stdout(Command::new("skopeo").args(["inspect", "--override-arch", arch, &layout]));
        let v: serde_json::Value = serde_json::from_str(&inspected).unwrap_or_default();
        assert_eq!(v["Architecture"].as_str(), Some(arch.as_str()));
        assert_eq!(v["Layers"].as_array().map(Vec::len), Some(2), "busybox's layer and the selection's: {v}");
        let sock = dockerd.socket();
        run(Command::new("skopeo").args([
            "copy",
            "--override-arch",
            arch,
            "--dest-daemon-host",
            &format!("unix://{}", sock.display()),
            &layout,
            &format!("docker-daemon:xxx-mpbake:{arch}"),
        ]));
        // the payload is busybox, which picks its applet by name: run it as `busybox`
        let script = "cp /usr/local/bin/xxx /busybox && /busybox echo built by mpbake";
        let image = format!("xxx-mpbake:{arch}");
        let printed = stdout(dockerd.docker().args([
            "run",
            "--rm",
            "--network",
            "none",
            "--platform",
            &format!("linux/{arch}"),
            "--entrypoint",
            "/bin/sh",
            &image,
            "-c",
            script,
        ]));
        assert_eq!(printed, "built by mpbake", "{arch}: the selected binary runs in the image mpbake built");
    }

    // a registry that wants credentials: mpbake reads them from docker's config.json
    let private = Registry::start_with_auth("mpbake", "s3cret");
    buildah.push_list_as(
        &["busybox-amd64".to_string(), "busybox-arm64".to_string()],
        &format!("{}/busybox:1", private.host()),
        Some("mpbake:s3cret"),
    );
    let docker_config = tempfile::tempdir().expect("docker config");
    let auth = base64_basic("mpbake", "s3cret");
    std::fs::write(docker_config.path().join("config.json"), format!(r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#, private.host()))
        .expect("config.json");
    let anonymous = common::run_in_env(
        per_arch.path(),
        &["build", "-o", "private"],
        &[("REGISTRY", &private.host()), ("DOCKER_CONFIG", "/nonexistent")],
    );
    assert_eq!(anonymous.code(), 2, "without credentials: {}", anonymous.stderr());
    assert!(!anonymous.stderr().contains("s3cret"));
    let config_dir = docker_config.path().display().to_string();
    let with_creds =
        [("REGISTRY", private.host()), ("DOCKER_CONFIG", config_dir.clone()), ("MPBAKE_CACHE_DIR", cache.path().display().to_string())];
    let with_creds: Vec<(&str, &str)> = with_creds.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let authed = common::run_in_env(per_arch.path(), &["build", "-o", "private"], &with_creds);
    assert_eq!(authed.code(), 0, "with docker's credentials: {}", authed.stderr());
    let pinned = common::run_in_env(per_arch.path(), &["emit", "--pin", "-o", "private-out"], &with_creds);
    assert_eq!(pinned.code(), 0, "{}", pinned.stderr());
    assert!(!format!("{}{}", authed.stderr(), pinned.stderr()).contains("s3cret"), "credentials are never printed");
    let released = common::run_in_env(per_arch.path(), &["release", "-o", "private-release"], &with_creds);
    assert_eq!(released.code(), 0, "a release with docker's credentials: {}", released.stderr());
    assert!(!format!("{}{}", released.stdout(), released.stderr()).contains("s3cret"), "credentials are never printed");
    let (_, index, _) = layout_index(&per_arch.path().join("private-release/xxx"));
    assert_eq!(raw_as(&format!("{}/xxx:dev", private.host()), Some("mpbake:s3cret")), Some(index), "pushed through basic auth");

    // the Go hello: a cross-compiling builder on the build platform, one binary per platform
    let hello = example_copy("go-hello");
    let out = hello.path().join("out");
    emit(hello.path(), &registry.host(), &out);
    let dockerfile = out.join("hello.Dockerfile");
    buildah.build(&dockerfile, hello.path(), &PLATFORMS, &args, "hello-list");
    for arch in ["amd64", "arm64"] {
        let (root, config) = buildah.rootfs("hello-list", arch);
        assert_eq!(config, format!("{arch}/linux"));
        let binary = root.join("usr/local/bin/hello");
        assert_eq!(elf::machine(&std::fs::read(&binary).unwrap_or_default()), Some(elf::expected(arch)));
        assert_eq!(stdout(&mut Command::new(&binary)), format!("Hello, linux/{arch}!"), "the {arch} binary (arm64 runs under qemu-user)");
        let tag = format!("hello:{arch}");
        dockerd.build(&dockerfile, hello.path(), &format!("linux/{arch}"), &args, &tag);
        let printed = stdout(dockerd.docker().args(["run", "--rm", "--network", "none", "--platform", &format!("linux/{arch}"), &tag]));
        assert_eq!(printed, format!("Hello, linux/{arch}!"));
    }

    mpbake_builds_the_go_hello(&registry, &dockerd);
    mpbake_runs_like_buildah(&registry, &buildah);
    mpbake_runs_with_mounts(&registry);
    mpbake_releases(&registry, &buildah, &busybox);
    mpbake_releases_with_tokens(&buildah, &busybox);
}

/// The bearer-token flow: a registry that sends clients to a token server, which wants basic
/// credentials (from docker's config.json) and signs what the scope asks.
fn mpbake_releases_with_tokens(buildah: &Buildah, busybox: &[(String, std::path::PathBuf)]) {
    let tokens = TokenServer::start("mpbake", "t0ken-pass");
    let registry = Registry::start_with_tokens(&tokens.realm(), tokens.cert());
    let host = registry.host();
    let creds = "mpbake:t0ken-pass";
    buildah.push_list_as(&["busybox-amd64".to_string(), "busybox-arm64".to_string()], &format!("{host}/busybox:1"), Some(creds));
    let docker_config = tempfile::tempdir().expect("docker config");
    let auth = base64_basic("mpbake", "t0ken-pass");
    std::fs::write(docker_config.path().join("config.json"), format!(r#"{{"auths": {{"{host}": {{"auth": "{auth}"}}}}}}"#))
        .expect("config.json");
    let per_arch = example_copy("per-arch-binaries");
    std::fs::create_dir_all(per_arch.path().join("dist")).expect("dist");
    for (arch, binary) in busybox {
        std::fs::copy(binary, per_arch.path().join(format!("dist/xxx.{arch}"))).expect("payload");
    }
    let cache = tempfile::tempdir().expect("cache dir");
    let (config_dir, cache_dir) = (docker_config.path().display().to_string(), cache.path().display().to_string());
    let env = [("REGISTRY", host.as_str()), ("DOCKER_CONFIG", config_dir.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str())];
    let before = tokens.issued.load(std::sync::atomic::Ordering::SeqCst);
    let released = common::run_in_env(per_arch.path(), &["release"], &env);
    assert_eq!(released.code(), 0, "a release through bearer tokens: {}", released.stderr());
    assert!(!format!("{}{}", released.stdout(), released.stderr()).contains("t0ken-pass"), "credentials are never printed");
    assert!(tokens.issued.load(std::sync::atomic::Ordering::SeqCst) > before, "mpbake asked the token server");
    let (_, index, _) = layout_index(&per_arch.path().join("mpbake-out/xxx"));
    assert_eq!(raw_as(&format!("{host}/xxx:dev"), Some(creds)), Some(index), "pushed with bearer tokens");
}

/// RUN --mount in runc: the cache persists across builds (by id), the secret's bytes are in no
/// layer, bind mounts read another stage and the context, a tmpfs leaves nothing; a failing RUN
/// points at its instruction with its output.
fn mpbake_runs_with_mounts(registry: &Registry) {
    let dir = tempfile::tempdir().expect("fixture");
    run(Command::new("cp").arg("-a").arg(format!("{}/.", common::repo().join("tests/fixtures/run-mounts").display())).arg(dir.path()));
    let cache = tempfile::tempdir().expect("cache dir");
    let cache_dir = cache.path().display().to_string();
    let host = registry.host();
    let secret = "s3cret-token-value";
    let env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str()), ("MPBAKE_TEST_TOKEN", secret)];
    let built = common::run_in_env(dir.path(), &["build", "-o", "type=local,dest=rootfs"], &env);
    assert_eq!(built.code(), 0, "mpbake build with mounts failed:\n{}", built.stderr());
    let root = dir.path().join("rootfs/default");
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_default().trim().to_string();
    assert_eq!(read("cache-count"), "1");
    assert_eq!(read("secret-length"), secret.len().to_string(), "the secret was readable in the RUN");
    assert_eq!(read("from-stage"), "from-tools-stage");
    assert_eq!(read("from-context"), "context file");
    assert_eq!(read("tmpfs-listing"), "file");
    for gone in ["cache", "run/secrets/token", "mnt/tools", "scratch/file"] {
        assert!(!root.join(gone).exists(), "/{gone} is a mount, not part of the image");
    }
    let layout = dir.path().join("layout");
    let again = common::run_in_env(dir.path(), &["build", "-o", layout.to_str().unwrap_or_default()], &env);
    assert_eq!(again.code(), 0, "{}", again.stderr());
    for blob in std::fs::read_dir(layout.join("default/blobs/sha256")).into_iter().flatten().flatten() {
        let bytes = std::fs::read(blob.path()).unwrap_or_default();
        let mut plain = Vec::new();
        if std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(bytes.as_slice()), &mut plain).is_err() {
            plain = bytes;
        }
        assert!(!plain.windows(secret.len()).any(|w| w == secret.as_bytes()), "the secret is in blob {}", blob.path().display());
    }
    // the cache mount outlives the build: a changed step runs again and sees the earlier run
    std::fs::write(
        dir.path().join("Dockerfile"),
        std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap_or_default().replace("echo run", "echo again"),
    )
    .expect("Dockerfile");
    let third = common::run_in_env(dir.path(), &["build", "-o", "type=local,dest=rootfs"], &env);
    assert_eq!(third.code(), 0, "{}", third.stderr());
    assert_eq!(read("cache-count"), "2", "the cache mount kept the first build's line");

    std::fs::write(dir.path().join("Dockerfile"), "ARG REGISTRY\nFROM ${REGISTRY}/busybox:1\nRUN echo about to fail && exit 3\n")
        .expect("Dockerfile");
    let failed = common::run_in_env(dir.path(), &["build"], &env);
    assert_eq!(failed.code(), 1, "a failing RUN is the input's fault: {}", failed.stderr());
    let text = failed.stderr();
    assert!(text.contains("build::run-failed") && text.contains("Dockerfile:3:1") && text.contains("about to fail"), "{text}");
}

/// `skopeo inspect --raw` of a reference on a plain-HTTP registry; None when it is not there.
fn raw(reference: &str) -> Option<Vec<u8>> {
    raw_as(reference, None)
}

/// `raw` with `user:password` credentials.
fn raw_as(reference: &str, creds: Option<&str>) -> Option<Vec<u8>> {
    let mut cmd = Command::new("skopeo");
    cmd.args(["inspect", "--raw", "--tls-verify=false"]);
    if let Some(c) = creds {
        cmd.args(["--creds", c]);
    }
    let out = cmd.arg(format!("docker://{reference}")).output().ok()?;
    out.status.success().then_some(out.stdout)
}

/// A blob by digest: (digest, bytes).
type Blob = (String, Vec<u8>);

/// The index a layout holds (digest, bytes), and its platform manifests.
fn layout_index(layout: &Path) -> (String, Vec<u8>, Vec<Blob>) {
    let read = |digest: &str| std::fs::read(layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"))).expect("blob");
    let top: serde_json::Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).expect("index.json")).expect("json");
    let digest = top["manifests"][0]["digest"].as_str().unwrap_or_default().to_string();
    let index = read(&digest);
    let entries: serde_json::Value = serde_json::from_slice(&index).expect("index");
    let manifests = entries["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let d = m["digest"].as_str().unwrap_or_default().to_string();
            let bytes = read(&d);
            (d, bytes)
        })
        .collect();
    (digest, index, manifests)
}

/// `mpbake release`: pushes the seed examples blob-first, tags last; what the registry serves is
/// byte-identical to the layouts; base layers are mounted, not uploaded; a no-change release
/// uploads nothing; verify stops a wrong binary; 503s and resets are retried; a registry killed
/// mid-release moves no tag, and the re-run completes with the same digests.
fn mpbake_releases(registry: &Registry, buildah: &Buildah, busybox: &[(String, std::path::PathBuf)]) {
    let cache = tempfile::tempdir().expect("cache dir");
    let cache_dir = cache.path().display().to_string();
    let host = registry.host();
    let per_arch = example_copy("per-arch-binaries");
    std::fs::create_dir_all(per_arch.path().join("dist")).expect("dist");
    for (arch, binary) in busybox {
        std::fs::copy(binary, per_arch.path().join(format!("dist/xxx.{arch}"))).expect("payload");
    }
    let env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str()), ("TAG", "release")];

    let dry = common::run_in_env(per_arch.path(), &["release", "--dry-run"], &env);
    assert_eq!(dry.code(), 0, "{}", dry.stderr());
    assert!(dry.stdout().contains(&format!("{host}/xxx:release")) && dry.stderr().contains("nothing was pushed"), "{}", dry.stdout());
    assert!(raw(&format!("{host}/xxx:release")).is_none(), "a dry run pushes nothing");

    let released = common::run_in_env(per_arch.path(), &["release", "--metadata-file", "release.json"], &env);
    assert_eq!(released.code(), 0, "mpbake release failed:\n{}", released.stderr());
    let (digest, index, manifests) = layout_index(&per_arch.path().join("mpbake-out/xxx"));
    assert_eq!(raw(&format!("{host}/xxx:release")), Some(index.clone()), "the tag serves the layout's index, byte for byte");
    for (d, bytes) in &manifests {
        assert_eq!(raw(&format!("{host}/xxx@{d}")).as_ref(), Some(bytes), "manifest {d} byte-identical");
    }
    assert!(released.stderr().contains("2 mounted"), "busybox's two layers are mounted from its repository:\n{}", released.stderr());
    let metadata: serde_json::Value =
        serde_json::from_slice(&std::fs::read(per_arch.path().join("release.json")).expect("metadata")).expect("json");
    let entry = &metadata[format!("{host}/xxx:release")];
    assert_eq!(entry["containerimage.digest"].as_str(), Some(digest.as_str()));
    let expected: u64 = manifests
        .iter()
        .map(|(_, m)| {
            let m: serde_json::Value = serde_json::from_slice(m).expect("manifest");
            // the config and the selection's layer; busybox's layer is mounted
            m["config"]["size"].as_u64().unwrap_or(0) + m["layers"][1]["size"].as_u64().unwrap_or(0)
        })
        .sum();
    assert_eq!(entry["uploadedBytes"].as_u64(), Some(expected), "bytes uploaded are the new blobs only");
    let again = common::run_in_env(per_arch.path(), &["release"], &env);
    assert_eq!(again.code(), 0, "{}", again.stderr());
    assert!(again.stderr().contains("0 blob(s) uploaded"), "a no-change release uploads nothing:\n{}", again.stderr());

    // Docker manifest-list media types for old registries: same blobs, rewritten manifests
    let docker =
        common::run_in_env(per_arch.path(), &["release", "--media-types", "docker", "--set", &format!("xxx.tags={host}/xxx:docker")], &env);
    assert_eq!(docker.code(), 0, "{}", docker.stderr());
    let list: serde_json::Value = serde_json::from_slice(&raw(&format!("{host}/xxx:docker")).unwrap_or_default()).unwrap_or_default();
    assert_eq!(list["mediaType"], "application/vnd.docker.distribution.manifest.list.v2+json");
    let first = list["manifests"][0]["digest"].as_str().unwrap_or_default().to_string();
    let manifest: serde_json::Value = serde_json::from_slice(&raw(&format!("{host}/xxx@{first}")).unwrap_or_default()).unwrap_or_default();
    assert_eq!(manifest["layers"][1]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar.gzip");
    assert!(docker.stderr().contains("0 blob(s) uploaded"), "the blobs are the OCI push's:\n{}", docker.stderr());

    // inspect and verify, of the registry reference and of the layout
    let inspected = common::run_in_env(per_arch.path(), &["inspect", "--format", "json", &format!("{host}/xxx:release")], &env);
    assert_eq!(inspected.code(), 0, "{}", inspected.stderr());
    let v = inspected.json();
    assert_eq!(v["digest"].as_str(), Some(digest.as_str()));
    assert_eq!(v["platforms"].as_array().map(Vec::len), Some(2));
    let verified = common::run_in_env(per_arch.path(), &["verify", &format!("{host}/xxx:release")], &env);
    assert_eq!(verified.code(), 0, "{}{}", verified.stdout(), verified.stderr());
    assert!(verified.stdout().contains("0 problem(s)"), "{}", verified.stdout());

    // a wrong per-arch selection: the amd64 binary in the arm64 image
    let amd64 = &busybox.iter().find(|(a, _)| a == "amd64").expect("amd64 busybox").1;
    std::fs::copy(amd64, per_arch.path().join("dist/xxx.arm64")).expect("wrong payload");
    let bad_env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str()), ("TAG", "wrong")];
    let refused = common::run_in_env(per_arch.path(), &["release", "-o", "wrong-out"], &bad_env);
    assert_eq!(refused.code(), 1, "{}", refused.stderr());
    assert!(
        refused.stderr().contains("/usr/local/bin/xxx") && refused.stderr().contains("x86_64") && refused.stderr().contains("linux/arm64"),
        "verify names the file, its machine and the platform:\n{}",
        refused.stderr()
    );
    assert!(raw(&format!("{host}/xxx:wrong")).is_none(), "nothing tagged after a failed verification");
    let layout_verify = common::run_in_env(per_arch.path(), &["verify", "wrong-out/xxx"], &bad_env);
    assert_eq!(layout_verify.code(), 1, "{}", layout_verify.stdout());
    assert!(layout_verify.stdout().contains("exec format error"), "{}", layout_verify.stdout());

    // the Go hello through a proxy that slows every request and fails one in ten (a reset or a
    // 503): retries succeed, and the registry serves the layout's bytes
    let hello = example_copy("go-hello");
    let flaky = Proxy::start(registry.port, Faults { fail_every: 10, delay: std::time::Duration::from_millis(20), ..Faults::default() });
    let tag = format!("{}/hello:flaky", flaky.host());
    let flaky_env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str())];
    let pushed = common::run_in_env(hello.path(), &["release", "--set", &format!("hello.tags={tag}")], &flaky_env);
    assert_eq!(pushed.code(), 0, "a release through faults:\n{}", pushed.stderr());
    let (_, hello_index, _) = layout_index(&hello.path().join("mpbake-out/hello"));
    assert_eq!(raw(&format!("{host}/hello:flaky")), Some(hello_index), "the Go hello's index, byte for byte");
    assert!(flaky.connections.load(std::sync::atomic::Ordering::SeqCst) > 13, "the faults were met");

    // a registry killed in the middle of a release: no tag moves; restarted, the re-run pushes
    // what is missing and gives the same digests
    let mut victim = Registry::start();
    buildah.push_list(&["busybox-amd64".to_string(), "busybox-arm64".to_string()], &format!("{}/busybox:1", victim.host()));
    std::fs::copy(&busybox.iter().find(|(a, _)| a == "arm64").expect("arm64 busybox").1, per_arch.path().join("dist/xxx.arm64"))
        .expect("payload");
    let doomed = Proxy::start(victim.port, Faults { kill_at: Some((4, victim.pid())), ..Faults::default() });
    let victim_host = victim.host();
    let victim_env = [("REGISTRY", victim_host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str())];
    let tag = format!("{}/xxx:killed", doomed.host());
    let set = format!("xxx.tags={tag}");
    let killed = common::run_in_env(per_arch.path(), &["release", "-o", "killed-out", "--set", &set], &victim_env);
    assert_eq!(killed.code(), 2, "a dead registry is an environment error:\n{}", killed.stderr());
    assert!(killed.stderr().contains("no tag was moved"), "{}", killed.stderr());
    victim.restart();
    assert!(raw(&format!("{}/xxx:killed", victim.host())).is_none(), "no tag after the kill");
    doomed.set(Faults::default());
    let resumed = common::run_in_env(per_arch.path(), &["release", "-o", "killed-out", "--set", &set], &victim_env);
    assert_eq!(resumed.code(), 0, "the re-run completes:\n{}", resumed.stderr());
    let (_, killed_index, _) = layout_index(&per_arch.path().join("killed-out/xxx"));
    assert_eq!(raw(&format!("{}/xxx:killed", victim.host())), Some(killed_index));
    let store = common::run_in_env(per_arch.path(), &["cache", "du"], &victim_env);
    assert_eq!(store.code(), 0, "the content store is intact: {}", store.stderr());
}

/// `mpbake build` of the Go hello: the builder's shared steps run once for both platforms, the
/// arm64 binary runs under qemu-user, the amd64 image runs in dockerd; builds are reproducible
/// and two at once share one store.
fn mpbake_builds_the_go_hello(registry: &Registry, dockerd: &Dockerd) {
    let hello = example_copy("go-hello");
    let cache = tempfile::tempdir().expect("cache dir");
    let cache_dir = cache.path().display().to_string();
    let host = registry.host();
    let env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str())];
    let built = common::run_in_env(hello.path(), &["build", "-o", "built"], &env);
    assert_eq!(built.code(), 0, "mpbake build of the Go hello failed:\n{}", built.stderr());
    let log = built.stderr();
    assert_eq!(log.lines().filter(|l| l.contains("] COPY go.mod main.go")).count(), 1, "the builder's COPY runs once:\n{log}");
    assert_eq!(log.lines().filter(|l| l.contains("] RUN CGO_ENABLED=0")).count(), 2, "one cross-compile per platform:\n{log}");
    assert!(log.lines().filter(|l| l.contains("] RUN")).all(|l| l.contains("linux/amd64]")), "every RUN runs natively:\n{log}");
    let layout = hello.path().join("built/hello");
    for arch in ["amd64", "arm64"] {
        let binary = hello.path().join(format!("hello-{arch}"));
        std::fs::write(&binary, layout_file(&layout, arch, "usr/local/bin/hello")).expect("binary");
        std::fs::set_permissions(&binary, std::os::unix::fs::PermissionsExt::from_mode(0o755)).expect("chmod");
        assert_eq!(elf::machine(&std::fs::read(&binary).unwrap_or_default()), Some(elf::expected(arch)));
        assert_eq!(stdout(&mut Command::new(&binary)), format!("Hello, linux/{arch}!"), "mpbake's {arch} binary");
    }
    let archive = common::run_in_env(hello.path(), &["build", "-o", "type=docker,dest=hello.tar,platform=linux/amd64"], &env);
    assert_eq!(archive.code(), 0, "{}", archive.stderr());
    assert!(archive.stderr().contains("0 steps executed"), "an unchanged rebuild runs nothing:\n{}", archive.stderr());
    run(dockerd.docker().arg("load").arg("-i").arg(hello.path().join("hello.tar")));
    let image = format!("{}/hello:dev", registry.host());
    let printed = stdout(dockerd.docker().args(["run", "--rm", "--network", "none", &image]));
    assert_eq!(printed, "Hello, linux/amd64!", "mpbake's amd64 image runs in dockerd");

    // reproducible: a clean copy with a cold store gives the same index; two builds at once
    // sharing one store both succeed with that index too
    let digest = |out: &common::Run| out.stdout().split_whitespace().nth(1).unwrap_or_default().to_string();
    let elsewhere = example_copy("go-hello");
    let cold = tempfile::tempdir().expect("cold cache");
    let cold_dir = cold.path().display().to_string();
    let cold_env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cold_dir.as_str())];
    let fresh = common::run_in_env(elsewhere.path(), &["build", "-o", "built"], &cold_env);
    assert_eq!(fresh.code(), 0, "{}", fresh.stderr());
    assert_eq!(digest(&fresh), digest(&built), "two clean builds give the same image");
    let shared = tempfile::tempdir().expect("shared cache");
    let shared_dir = shared.path().display().to_string();
    let together: Vec<_> = (0..2)
        .map(|i| {
            let dir = example_copy("go-hello");
            let out = format!("built-{i}");
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpbake"));
            cmd.args(["build", "-o", &out]).current_dir(dir.path()).env("REGISTRY", registry.host()).env("MPBAKE_CACHE_DIR", &shared_dir);
            let child = cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped()).spawn().expect("spawn");
            (dir, child)
        })
        .collect();
    for (_dir, child) in together {
        let output = child.wait_with_output().expect("concurrent build");
        assert!(output.status.success(), "a concurrent build failed:\n{}", String::from_utf8_lossy(&output.stderr));
        assert_eq!(String::from_utf8_lossy(&output.stdout).split_whitespace().nth(1), Some(digest(&built).as_str()));
    }
}

/// A Dockerfile of RUN steps built by mpbake and by buildah: the same files, modes, owners and
/// contents under /data for both platforms (arm64's RUNs under qemu-user), and the same deletion.
fn mpbake_runs_like_buildah(registry: &Registry, buildah: &Buildah) {
    let dir = tempfile::tempdir().expect("fixture");
    run(Command::new("cp").arg("-a").arg(format!("{}/.", common::repo().join("tests/fixtures/run-busybox").display())).arg(dir.path()));
    let cache = tempfile::tempdir().expect("cache dir");
    let cache_dir = cache.path().display().to_string();
    let host = registry.host();
    let env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str())];
    let built = common::run_in_env(dir.path(), &["build", "-o", "built"], &env);
    assert_eq!(built.code(), 0, "mpbake build of RUN steps failed:\n{}", built.stderr());
    let args = vec![format!("REGISTRY={}", registry.host())];
    buildah.build(&dir.path().join("Dockerfile"), dir.path(), &PLATFORMS, &args, "run-busybox-list");
    // buildah names an image after its layout's path, which must be lower case
    let lower = std::env::temp_dir().join(format!("mpbake-run-busybox-{}", std::process::id()));
    run(Command::new("cp").arg("-a").arg(dir.path().join("built/default")).arg(&lower));
    let layout = format!("oci:{}", lower.display());
    for arch in ["amd64", "arm64"] {
        let (theirs, _) = buildah.rootfs("run-busybox-list", arch);
        let (ours, config) = buildah.rootfs(&layout, arch);
        assert_eq!(config, format!("{arch}/linux"));
        let (theirs_tree, ours_tree) = (tree(&theirs.join("data")), tree(&ours.join("data")));
        assert!(ours_tree.len() > 8, "{ours_tree:#?}");
        assert_eq!(ours_tree, theirs_tree, "{arch}: mpbake's /data differs from buildah's");
        assert!(!ours.join("bin/vi").exists() && !theirs.join("bin/vi").exists(), "{arch}: the deletion is a whiteout");
        let machine = std::fs::read_to_string(ours.join("data/machine")).unwrap_or_default();
        assert_eq!(machine.trim(), if arch == "amd64" { "x86_64" } else { "aarch64" });
    }
    let _ = std::fs::remove_dir_all(&lower);
}

/// Every entry under `root`: kind, mode, owner, and contents or link target (no times).
fn tree(root: &Path) -> std::collections::BTreeMap<String, String> {
    use std::os::unix::fs::MetadataExt;
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(meta) = path.symlink_metadata() else { continue };
            let what = if meta.file_type().is_symlink() {
                format!("-> {}", std::fs::read_link(&path).map(|t| t.display().to_string()).unwrap_or_default())
            } else if meta.is_dir() {
                stack.push(path.clone());
                "dir".to_string()
            } else {
                String::from_utf8_lossy(&std::fs::read(&path).unwrap_or_default()).into_owned()
            };
            let relative = path.strip_prefix(root).map(|p| p.display().to_string()).unwrap_or_default();
            out.insert(relative, format!("{:o} {}:{} {what}", meta.mode() & 0o7777, meta.uid(), meta.gid()));
        }
    }
    out
}

/// A file from one platform's image in an OCI layout (the topmost layer that has it).
fn layout_file(layout: &Path, arch: &str, path: &str) -> Vec<u8> {
    let blob = |digest: &str| std::fs::read(layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"))).expect("blob");
    let json = |digest: &str| serde_json::from_slice::<serde_json::Value>(&blob(digest)).expect("json");
    let top: serde_json::Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).expect("index.json")).expect("json");
    let index = json(top["manifests"][0]["digest"].as_str().unwrap_or_default());
    let entry = index["manifests"].as_array().into_iter().flatten().find(|m| m["platform"]["architecture"] == arch).expect("platform");
    let manifest = json(entry["digest"].as_str().unwrap_or_default());
    for layer in manifest["layers"].as_array().into_iter().flatten().rev() {
        let bytes = blob(layer["digest"].as_str().unwrap_or_default());
        let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(bytes.as_slice()));
        for mut entry in archive.entries().expect("tar").flatten() {
            if entry.path().map(|p| p.to_string_lossy().trim_start_matches("./") == path).unwrap_or(false) {
                let mut out = Vec::new();
                std::io::Read::read_to_end(&mut entry, &mut out).expect("read");
                return out;
            }
        }
    }
    panic!("{path} is not in the {arch} image");
}
