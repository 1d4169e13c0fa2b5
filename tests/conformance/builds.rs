//! mpbake's own builds of Dockerfiles in the conformance run: the Go hello (shared builder,
//! qemu, dockerd, reproducible, concurrent), RUN steps against buildah's (also with every base
//! download cut short and resumed, with root filesystems copied, and with the cache on
//! overlayfs, where the snapshotter falls back to copying), RUN --mount.

use std::path::Path;
use std::process::Command;

use super::harness::engines::{Buildah, Dockerd};
use super::harness::proxy::{Faults, Proxy};
use super::harness::registry::Registry;
use super::harness::{elf, run, stdout};
use super::{PLATFORMS, common, example_copy};

/// `mpbake build` of the Go hello: the builder's shared steps run once for both platforms, the
/// arm64 binary runs under qemu-user, the amd64 image runs in dockerd; builds are reproducible
/// and two at once share one store.
pub fn mpbake_builds_the_go_hello(registry: &Registry, dockerd: &Dockerd) {
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
    // the arm64 compile runs on the build platform for arm64: `linux/amd64→linux/arm64`
    assert!(
        log.lines().filter(|l| l.contains("] RUN")).all(|l| l.contains(" linux/amd64]") || l.contains(" linux/amd64→")),
        "every RUN runs natively:\n{log}"
    );
    assert!(
        log.contains("[hello/builder 3/3 linux/amd64→linux/arm64] RUN CGO_ENABLED=0 GOOS=linux GOARCH=arm64 go build"),
        "counted within the stage for arm64, its ARGs shown as BuildKit shows them:\n{log}"
    );
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
pub fn mpbake_runs_like_buildah(registry: &Registry, buildah: &Buildah) {
    let dir = tempfile::tempdir().expect("fixture");
    run(Command::new("cp").arg("-a").arg(format!("{}/.", common::repo().join("tests/fixtures/run-busybox").display())).arg(dir.path()));
    let host = registry.host();
    let (_, direct_index) = build_index(dir.path(), &host, "built", &[], None, "mpbake build of RUN steps failed");
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
        use std::os::unix::fs::MetadataExt as _;
        let owner = |path: &str| std::fs::metadata(ours.join(path)).map(|m| (m.uid(), m.gid(), m.mode() & 0o7777)).ok();
        assert_eq!(owner("data/copied/in"), Some((1000, 1000, 0o755)), "{arch}: a COPY keeps its WORKDIR the USER's");
        assert_eq!(owner("data/last/empty"), Some((0, 0, 0o755)), "{arch}: a stage's last WORKDIR is made");
        let machine = std::fs::read_to_string(ours.join("data/machine")).unwrap_or_default();
        assert_eq!(machine.trim(), if arch == "amd64" { "x86_64" } else { "aarch64" });
    }
    let _ = std::fs::remove_dir_all(&lower);

    // the same build, its base layers downloaded through a proxy that cuts every blob transfer
    // after 200 kB: each download resumes where it broke, and the image is the same
    let cutting = Proxy::start(registry.port, Faults { cut_blobs_after: Some(200_000), ..Faults::default() });
    let (_, resumed_index) = build_index(dir.path(), &cutting.host(), "resumed", &[], None, "a build whose downloads are cut short");
    let requests = cutting.requests();
    assert!(
        requests.iter().any(|r| r.contains("/blobs/sha256:") && r.to_ascii_lowercase().contains("range: bytes=200000-")),
        "a cut download resumes at the byte where it broke: {requests:#?}"
    );
    assert_eq!(resumed_index, direct_index, "resumed downloads give the same image");

    // root filesystems by copying instead of overlayfs: the same layers, byte for byte
    let (_, copied_index) =
        build_index(dir.path(), &host, "copied", &["--snapshotter", "copy"], None, "a build that copies root filesystems");
    assert_eq!(copied_index, direct_index, "copying gives the image overlayfs gives");

    // a cache directory on overlayfs, as inside many containers, where overlayfs will not take
    // an upper directory or its own whiteouts: the default snapshotter says so and copies, with
    // whiteouts as OCI files, and the image is the same
    let nested = OverlayMount::new();
    let cache = nested.merged().join("cache");
    let (log, nested_index) = build_index(dir.path(), &host, "nested", &[], Some(&cache), "a build whose cache is on overlayfs");
    assert!(log.contains("copying root filesystems instead"), "the fallback is said once: {log}");
    assert_eq!(nested_index, direct_index, "the fallback gives the image overlayfs gives");
}

/// `mpbake build -o OUT FLAGS` of the fixture in `dir` from `registry`, with its cache in
/// `cache` (else a fresh one); its log and index.
fn build_index(dir: &Path, registry: &str, out: &str, flags: &[&str], cache: Option<&Path>, what: &str) -> (String, Vec<u8>) {
    let fresh = tempfile::tempdir().expect("cache dir");
    let cache = cache.unwrap_or(fresh.path()).display().to_string();
    let args: Vec<&str> = ["build", "-o", out].iter().chain(flags).copied().collect();
    let built = common::run_in_env(dir, &args, &[("REGISTRY", registry), ("MPBAKE_CACHE_DIR", cache.as_str())]);
    assert_eq!(built.code(), 0, "{what}:\n{}", built.stderr());
    let (_, index, _) = super::releases::layout_index(&dir.join(out).join("default"));
    (built.stderr(), index)
}

/// An overlayfs mount of empty directories, unmounted when dropped.
struct OverlayMount(tempfile::TempDir);

impl OverlayMount {
    fn new() -> OverlayMount {
        let dir = tempfile::tempdir().expect("overlay dirs");
        for d in ["lower", "upper", "work", "merged"] {
            std::fs::create_dir(dir.path().join(d)).expect("overlay dir");
        }
        let p = |d: &str| dir.path().join(d).display().to_string();
        let options = format!("lowerdir={},upperdir={},workdir={}", p("lower"), p("upper"), p("work"));
        run(Command::new("mount").args(["-t", "overlay", "overlay", "-o", &options, &p("merged")]));
        OverlayMount(dir)
    }

    fn merged(&self) -> std::path::PathBuf {
        self.0.path().join("merged")
    }
}

impl Drop for OverlayMount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.merged()).status();
    }
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

/// RUN --mount in runc: the cache persists across builds (by id), the secret's bytes are in no
/// layer, bind mounts read another stage and the context, a tmpfs leaves nothing; a failing RUN
/// points at its instruction with its output.
pub fn mpbake_runs_with_mounts(registry: &Registry) {
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
