//! Contexts and outputs that try to slip something through: a `.dockerignore` with a byte
//! order mark, a symlink to an ignored file, entry names carrying terminal escapes, a full
//! output filesystem, and secrets from the environment a killed build leaves behind.

use std::process::Command;
use std::time::{Duration, Instant};

use super::images::{Entry, Image, busybox_layer};
use super::scene::{Scene, assert_no_crash};
use super::{REGISTRY_TOOLS, RUN_TOOLS, registry};

#[test]
fn ignored_files_stay_out_even_through_a_bom_or_a_symlink() {
    let mut scene = Scene::new();
    scene.write("ctx/secret.txt", scene.secret.clone().as_bytes());
    scene.write("ctx/.dockerignore", "\u{feff}secret.txt\nout\n".as_bytes());
    std::os::unix::fs::symlink("secret.txt", scene.ctx().join("link")).unwrap_or_else(|e| panic!("link: {e}"));
    scene.dockerfile("FROM scratch\nCOPY . /all/\n");
    let run = scene.build(&["-o", "type=local,dest=out"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(!scene.ctx().join("out/default/all/secret.txt").exists(), "the BOM does not swallow the first pattern");
    assert_eq!(scene.leaked_into(&scene.ctx().join("out")), None, "the link is copied as a link, never followed");
    scene.dockerfile("FROM scratch\nCOPY link /x\n");
    let run = scene.build(&["-o", "type=local,dest=out"]);
    assert_eq!(run.code(), 1, "a named link to an ignored file is not there:\n{}", run.stderr());
    assert_eq!(scene.leaked_into(&scene.ctx().join("out")), None);
}

#[test]
fn entry_names_with_terminal_escapes_are_quoted_escaped() {
    let Some(registry) = registry("terminal escapes in entry names", REGISTRY_TOOLS) else { return };
    let image = Image::of(vec![vec![Entry::file("evil\u{1b}[2J/../../x", b"x")]]).push(&registry.host(), "escapes");
    let mut scene = Scene::new();
    scene.dockerfile(&format!("FROM {image}\n"));
    let run = scene.build(&["-o", "type=local,dest=out"]);
    scene.assert_host_unchanged("an escape in an entry name", &run);
    assert!(matches!(run.code(), 1 | 2), "{}", run.stderr());
    assert!(!run.stderr().contains('\u{1b}'), "no raw escape reaches the terminal: {:?}", run.stderr());
    assert!(run.stderr().contains("evil\\u{1b}[2J"), "the name is quoted, escaped: {}", run.stderr());
}

#[test]
fn a_full_output_filesystem_leaves_no_partial_file() {
    if super::harness::require(&["mount"]).is_err() {
        println!("SKIP a full output filesystem: needs root to mount a small tmpfs");
        return;
    }
    let mut scene = Scene::new();
    // incompressible, so the layer alone outgrows the 1 MiB filesystem
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let noise: Vec<u8> = (0..3 << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    scene.write("ctx/big.bin", &noise);
    scene.dockerfile("FROM scratch\nCOPY big.bin /\n");
    let small = scene.path().join("small");
    std::fs::create_dir_all(&small).unwrap_or_else(|e| panic!("{e}"));
    super::harness::run(Command::new("mount").args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"]).arg(&small));
    let dest = small.join("image.tar");
    let run = scene.build(&["-o", &format!("type=oci,dest={},tar=true", dest.display())]);
    let left: Vec<_> = std::fs::read_dir(&small).into_iter().flatten().flatten().map(|e| e.file_name()).collect();
    let _ = Command::new("umount").arg(&small).status();
    assert_eq!(run.code(), 2, "a full disk is the machine's fault:\n{}", run.stderr());
    assert!(left.is_empty(), "nothing half-written is left: {left:?}");
}

#[test]
fn env_secrets_are_private_and_a_killed_builds_are_removed() {
    let Some(registry) = registry("secrets of a killed build", RUN_TOOLS) else { return };
    let image = Image::of(vec![busybox_layer()]).push(&registry.host(), "busybox");
    let mut scene = Scene::new();
    // a here-document script and extra hosts: two more files in $TMPDIR while the RUN runs
    scene.dockerfile(&format!("FROM {image}\nRUN --mount=type=secret,id=token <<EOF\n#!/bin/sh\nsleep 673\nEOF\n"));
    let bake = "target \"default\" {\n  platforms = [\"linux/amd64\"]\n  secret = [\"id=token,env=HOSTILE_TOKEN\"]\n  extra-hosts = { h = \"10.0.0.1\" }\n}\n";
    scene.canary("ctx/docker-bake.hcl", bake.as_bytes());
    let mut child = scene.spawn_build(&[("HOSTILE_TOKEN", scene.secret.as_str())]);
    let prefix = format!("mpbake-secrets-{}.", child.id());
    let started = Instant::now();
    let dir = loop {
        let found =
            std::fs::read_dir("/dev/shm").into_iter().flatten().flatten().find(|e| e.file_name().to_string_lossy().starts_with(&prefix));
        if let Some(found) = found {
            break found.path();
        }
        assert!(started.elapsed() < Duration::from_secs(60), "no secret directory {prefix}* in /dev/shm");
        std::thread::sleep(Duration::from_millis(50));
    };
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
    assert_eq!(mode(&dir), 0o700, "the directory is private");
    let files: Vec<_> = std::fs::read_dir(&dir).into_iter().flatten().flatten().map(|e| e.path()).collect();
    assert!(!files.is_empty() && files.iter().all(|f| mode(f) == 0o600), "each secret is 0600: {files:?}");
    let pid = child.id();
    let tmp = scene.path().join("tmp");
    let run_files = || -> Vec<String> {
        let names = std::fs::read_dir(&tmp).into_iter().flatten().flatten().map(|e| e.file_name().to_string_lossy().into_owned());
        names.filter(|n| n.starts_with(&format!("mpbake-heredoc-{pid}.")) || n.starts_with(&format!("mpbake-hosts-{pid}."))).collect()
    };
    // killed once the RUN runs: its script and hosts file are written by then
    while run_files().len() < 2 {
        assert!(started.elapsed() < Duration::from_secs(60), "the RUN never started: {:?}", run_files());
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(dir.exists(), "a kill -9 leaves it (the test's premise)");
    assert_eq!(run_files().len(), 2, "the script and the hosts file are left too: {:?}", run_files());
    scene.dockerfile("FROM scratch\nCOPY canary.txt /c\n");
    let next = scene.build(&["-o", "type=local,dest=out"]);
    assert_no_crash("the next build", &next);
    assert!(!dir.exists(), "the next build removed what the killed one left");
    assert!(run_files().is_empty(), "and the RUN's files: {:?}", run_files());
    let _ = Command::new("pkill").args(["-f", "sleep 673"]).status();
}
