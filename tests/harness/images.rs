//! Base images made from Debian packages and pushed to the test registry: a static busybox for
//! linux/amd64 and linux/arm64, and a Go toolchain (golang-1.19) for the amd64 build platform.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::engines::Buildah;
use super::run;

/// The .deb files, downloaded once per target directory (`apt-get download`).
pub fn debs() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("debs");
    std::fs::create_dir_all(&dir).expect("debs dir");
    let wanted = [
        ("busybox-static:amd64", "busybox-static_", "_amd64.deb"),
        ("busybox-static:arm64", "busybox-static_", "_arm64.deb"),
        ("golang-1.19-go:amd64", "golang-1.19-go_", "_amd64.deb"),
        ("golang-1.19-src", "golang-1.19-src_", "_all.deb"),
        ("libc6:amd64", "libc6_", "_amd64.deb"),
    ];
    let missing: Vec<&str> = wanted.iter().filter(|(_, pre, suf)| find(&dir, pre, suf).is_none()).map(|(p, _, _)| *p).collect();
    if !missing.is_empty() {
        let out = Command::new("apt-get").arg("download").args(&missing).current_dir(&dir).output().expect("apt-get download");
        assert!(
            out.status.success(),
            "apt-get download {missing:?} failed (arm64 packages need `dpkg --add-architecture arm64 && apt-get update`, which .ci/run does):\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    dir
}

/// The file in `dir` named PREFIX...SUFFIX.
pub fn find(dir: &Path, prefix: &str, suffix: &str) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix) && n.ends_with(suffix)))
}

fn extract(deb: &Path, into: &Path) {
    run(Command::new("dpkg").arg("-x").arg(deb).arg(into));
}

/// A root filesystem holding static busybox for `arch` (amd64, arm64) with its applet links.
pub fn busybox_rootfs(debs: &Path, arch: &str, into: &Path) -> PathBuf {
    let deb = find(debs, "busybox-static_", &format!("_{arch}.deb")).expect("busybox deb");
    extract(&deb, into);
    let host = find(debs, "busybox-static_", "_amd64.deb").expect("amd64 busybox deb");
    let lister = into.with_extension("lister");
    extract(&host, &lister);
    let list = super::stdout(Command::new(lister.join("bin/busybox")).arg("--list"));
    for applet in list.lines().filter(|a| *a != "busybox") {
        let _ = std::os::unix::fs::symlink("busybox", into.join("bin").join(applet));
    }
    into.join("bin/busybox")
}

/// Pushes `REGISTRY/busybox:1` (an index: amd64 + arm64) and `REGISTRY/golang:1.19` (amd64) built from
/// Debian packages, their root filesystems made in `work` (the caller's, removed with it);
/// returns the busybox binary of each architecture, for use as test payloads.
pub fn fill(registry: &str, buildah: &Buildah, work: &Path) -> Vec<(String, PathBuf)> {
    let debs = debs();
    let mut binaries = Vec::new();
    let mut names = Vec::new();
    for arch in ["amd64", "arm64"] {
        let rootfs = work.join(format!("busybox-{arch}"));
        binaries.push((arch.to_string(), busybox_rootfs(&debs, arch, &rootfs)));
        let name = format!("busybox-{arch}");
        buildah.image_from_rootfs(&rootfs, arch, &["PATH=/bin:/usr/bin"], &name);
        names.push(name);
    }
    buildah.push_list(&names, &format!("{registry}/busybox:1"));
    let go = work.join("golang");
    for (prefix, suffix) in [("golang-1.19-go_", "_amd64.deb"), ("golang-1.19-src_", "_all.deb"), ("libc6_", "_amd64.deb")] {
        extract(&find(&debs, prefix, suffix).expect("golang deb"), &go);
    }
    busybox_rootfs(&debs, "amd64", &go);
    std::fs::create_dir_all(go.join("tmp")).expect("tmp");
    let env = ["PATH=/usr/lib/go-1.19/bin:/usr/bin:/bin", "GOCACHE=/tmp/go-cache", "GOPATH=/tmp/go", "GOFLAGS=-mod=mod"];
    buildah.image_from_rootfs(&go, "amd64", &env, "golang-amd64");
    // a single image, not an index: buildah 1.28 ignores `FROM --platform=$BUILDPLATFORM` and
    // looks for the target platform in an index, while a single image is used as it is
    buildah.push("golang-amd64", &format!("{registry}/golang:1.19"));
    binaries
}
