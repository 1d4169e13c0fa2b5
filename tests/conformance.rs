//! Conformance against real engines: the seed examples' emitted Dockerfiles build on buildah
//! (both platforms at once) and on dockerd's BuildKit (one platform per build), and every
//! platform's image has the right config and binaries of the right machine that run and print
//! the right platform (arm64 through qemu-user). Base images come from a local registry filled
//! from Debian packages.

#[path = "conformance/builds.rs"]
mod builds;
mod common;
mod harness;
#[path = "conformance/releases.rs"]
mod releases;

use std::path::Path;
use std::process::Command;

use harness::engines::{Buildah, Dockerd};
use harness::registry::Registry;
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
    let image_work = tempfile::tempdir().expect("image work dir");
    let busybox = images::fill(&registry.host(), &buildah, image_work.path());
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
    let blobs = du.lines().find_map(|l| l.strip_prefix("blobs")).and_then(|rest| rest.split_whitespace().next()).unwrap_or_default();
    assert_eq!(blobs, "2", "each platform's busybox layer is in the content store: {du}");
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
    let (_, index, _) = releases::layout_index(&per_arch.path().join("private-release/xxx"));
    assert_eq!(releases::raw_as(&format!("{}/xxx:dev", private.host()), Some("mpbake:s3cret")), Some(index), "pushed through basic auth");

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

    builds::mpbake_builds_the_go_hello(&registry, &dockerd);
    builds::mpbake_runs_like_buildah(&registry, &buildah);
    builds::mpbake_runs_with_mounts(&registry);
    releases::mpbake_releases(&registry, &buildah, &busybox);
    releases::mpbake_releases_with_tokens(&buildah, &busybox);
}
