//! RUN steps that try to leave their sandbox, and builds stopped by a signal or killed outright:
//! no user namespace, and no container, mount or scratch directory left behind.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::images::{Image, busybox_layer};
use super::scene::Scene;
use super::{RUN_TOOLS, registry};

/// Processes whose command line is exactly `words`.
fn processes(words: &[&str]) -> Vec<u32> {
    let wanted: Vec<u8> = words.iter().flat_map(|w| w.bytes().chain([0])).collect();
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| c == wanted))
        .collect()
}

/// Mount points under `dir`.
fn mounts_under(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    text.lines().filter_map(|l| l.split(' ').nth(4)).filter(|p| Path::new(p).starts_with(dir)).map(String::from).collect()
}

/// Waits (up to 60 s) until `check` holds.
fn wait_for(what: &str, check: impl Fn() -> bool) {
    let start = Instant::now();
    while !check() {
        assert!(start.elapsed() < Duration::from_secs(60), "waited 60 s for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_run_cannot_make_a_user_namespace() {
    let Some(registry) = registry("a RUN making a user namespace", RUN_TOOLS) else { return };
    let image = Image::of(vec![busybox_layer()]).push(&registry.host(), "busybox");
    let mut scene = Scene::new();
    scene.dockerfile(&format!("FROM {image}\nRUN unshare -U -r true\n"));
    let run = scene.build(&["-o", "type=local,dest=out"]);
    scene.assert_host_unchanged("unshare -U", &run);
    assert_eq!(run.code(), 1, "the RUN must fail under the seccomp filter:\n{}", run.stderr());
    assert!(run.stderr().contains("unshare -U -r true"), "the failing RUN is named:\n{}", run.stderr());
    // the filter leaves ordinary programs alone
    scene.dockerfile(&format!("FROM {image}\nRUN sleep 0 && touch /made\n"));
    let run = scene.build(&["-o", "type=local,dest=out"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

#[test]
fn a_signal_during_a_run_stops_and_cleans_up() {
    let Some(registry) = registry("SIGTERM during a RUN", RUN_TOOLS) else { return };
    let image = Image::of(vec![busybox_layer()]).push(&registry.host(), "busybox");
    let mut scene = Scene::new();
    scene.dockerfile(&format!("FROM {image}\nRUN sleep 671\n"));
    let child = scene.spawn_build(&[]);
    wait_for("the RUN to start", || !processes(&["sleep", "671"]).is_empty());
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let output = child.wait_with_output().unwrap_or_else(|e| panic!("waiting for mpbake: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "a cancelled build exits 130:\n{stderr}");
    assert!(stderr.contains("cancelled"), "{stderr}");
    wait_for("the container to be gone", || processes(&["sleep", "671"]).is_empty());
    assert_eq!(mounts_under(&scene.cache()), Vec::<String>::new(), "no mount is left");
    let tmp = scene.cache().join("snapshots/tmp");
    let left: Vec<_> = std::fs::read_dir(&tmp).into_iter().flatten().flatten().map(|e| e.file_name()).collect();
    assert!(left.is_empty(), "no scratch directory is left: {left:?}");
    assert_eq!(scene.changes(), Vec::<String>::new(), "the host is as it was");
}

#[test]
fn what_a_killed_build_leaves_is_cleaned_by_the_next() {
    let Some(registry) = registry("kill -9 during a RUN", RUN_TOOLS) else { return };
    let image = Image::of(vec![busybox_layer()]).push(&registry.host(), "busybox");
    let mut scene = Scene::new();
    scene.dockerfile(&format!("FROM {image}\nRUN sleep 672\n"));
    let mut child = scene.spawn_build(&[]);
    wait_for("the RUN to start", || !processes(&["sleep", "672"]).is_empty());
    let _ = Command::new("kill").args(["-KILL", &child.id().to_string()]).status();
    let _ = child.wait();
    assert!(!mounts_under(&scene.cache()).is_empty(), "the killed build left its overlay mount (the test's premise)");
    let pruned =
        super::common::run_in_env(scene.path(), &["cache", "prune"], &[("MPBAKE_CACHE_DIR", &scene.cache().display().to_string())]);
    assert_eq!(pruned.code(), 0, "prune cleans a killed build's leftovers first:\n{}", pruned.stderr());
    wait_for("the orphaned container to be gone", || processes(&["sleep", "672"]).is_empty());
    assert_eq!(mounts_under(&scene.cache()), Vec::<String>::new(), "no mount is left");
    assert!(!scene.cache().join("snapshots").exists(), "prune removed everything");
}
