//! Real parts for conformance tests: a registry on loopback, qemu-user via binfmt_misc, base
//! images made from Debian packages, buildah and dockerd. Every process started is stopped
//! (on Drop, also when a test fails). Missing tools skip with a printed reason, except in CI
//! (`CI` set), where `.ci/run` installs everything and a missing tool is a failure.
#![allow(dead_code)]

pub mod elf;
pub mod engines;
pub mod images;
pub mod liar;
pub mod proxy;
pub mod registry;
pub mod sshd;
pub mod tokens;

use std::path::PathBuf;
use std::process::{Command, Output};

/// Where a program is on PATH.
pub fn which(program: &str) -> Option<PathBuf> {
    if program.starts_with('/') {
        return std::path::Path::new(program).is_file().then(|| PathBuf::from(program));
    }
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| PathBuf::from(d).join(program)).find(|p| p.is_file())
}

/// Ok when every tool is present and we are root; otherwise the reason to skip. In CI the
/// reason is a failure instead.
pub fn require(tools: &[&str]) -> Result<(), String> {
    let missing: Vec<&str> = tools.iter().copied().filter(|t| which(t).is_none()).collect();
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout.starts_with(b"0")).unwrap_or(false);
    let reason = match (missing.is_empty(), root) {
        (true, true) => return Ok(()),
        (false, _) => format!("missing {} (bash .ci/run installs them)", missing.join(", ")),
        (true, false) => "not root (buildah, dockerd and binfmt_misc need it)".to_string(),
    };
    assert!(std::env::var_os("CI").is_none(), "conformance prerequisites absent in CI: {reason}");
    Err(reason)
}

/// Runs a command and returns its output, failing the test with both streams if it fails.
pub fn run(cmd: &mut Command) -> Output {
    let shown = format!("{cmd:?}");
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot start {shown}: {e}"));
    assert!(
        out.status.success(),
        "{shown} failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Stdout of a successful command, trimmed.
pub fn stdout(cmd: &mut Command) -> String {
    String::from_utf8_lossy(&run(cmd).stdout).trim().to_string()
}

/// Makes foreign-architecture binaries run through qemu-user-static: mounts binfmt_misc and
/// registers aarch64 and arm with the flags (F) that work inside chroots and containers.
pub fn ensure_binfmt() {
    let dir = std::path::Path::new("/proc/sys/fs/binfmt_misc");
    if !dir.join("register").exists() {
        run(Command::new("mount").args(["-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc"]));
    }
    for arch in ["aarch64", "arm"] {
        if !dir.join(format!("qemu-{arch}")).exists() {
            let conf = std::fs::read_to_string(format!("/usr/lib/binfmt.d/qemu-{arch}.conf"))
                .unwrap_or_else(|e| panic!("qemu-user-static's binfmt entry for {arch}: {e}"));
            std::fs::write(dir.join("register"), conf).unwrap_or_else(|e| panic!("registering qemu-{arch}: {e}"));
        }
    }
}
