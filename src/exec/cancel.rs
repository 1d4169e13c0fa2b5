//! Cancellation and leftovers: on SIGINT or SIGTERM the running containers are killed so every
//! step ends and unwinds (unmounting, removing its directories); a second signal exits at
//! once. What a process killed outright leaves — containers, overlay mounts, scratch
//! directories, secrets from the environment, all named by its pid — is cleaned by the next
//! mpbake that opens the store.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

static CANCELLED: AtomicBool = AtomicBool::new(false);
/// Set when a part of the build failed and the rest is stopped (not the user's cancel).
static STOPPED: AtomicBool = AtomicBool::new(false);
/// Containers running now: runc's state root and the container's id.
static RUNNING: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());

/// Whether a signal asked the build to stop.
pub fn cancelled() -> bool {
    CANCELLED.load(Ordering::SeqCst)
}

/// Whether the build is stopping: cancelled by a signal, or stopped because a part failed.
pub fn stopping() -> bool {
    cancelled() || STOPPED.load(Ordering::SeqCst)
}

/// Handles SIGINT and SIGTERM for the rest of the process: the first cancels, the second exits
/// with 130 at once.
pub fn install() -> std::io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM])?;
    std::thread::spawn(move || {
        for _ in signals.forever() {
            if cancelled() {
                std::process::exit(130);
            }
            eprintln!("mpbake: cancelling: stopping running steps (a second Ctrl-C exits at once)");
            CANCELLED.store(true, Ordering::SeqCst);
            kill_running();
        }
    });
    Ok(())
}

/// Stops the build because a part of it failed: no new step starts, running containers are
/// killed (so their steps end and unwind), node builds drop their streams.
pub fn stop() {
    if !STOPPED.swap(true, Ordering::SeqCst) {
        kill_running();
    }
}

fn kill_running() {
    for (root, id) in RUNNING.lock().map(|r| r.clone()).unwrap_or_default() {
        let _ = std::process::Command::new("runc").arg("--root").arg(&root).args(["kill", &id, "KILL"]).output();
    }
}

/// A container registered as running until dropped.
pub struct Running {
    entry: (PathBuf, String),
}

impl Running {
    pub fn new(state_root: &Path, id: &str) -> Running {
        let entry = (state_root.to_path_buf(), id.to_string());
        if let Ok(mut running) = RUNNING.lock() {
            running.push(entry.clone());
        }
        Running { entry }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(mut running) = RUNNING.lock() {
            running.retain(|e| *e != self.entry);
        }
    }
}

/// Where this process keeps runc's state under the store: `run/<pid>`.
pub fn run_dir(store_root: &Path) -> PathBuf {
    store_root.join("run").join(std::process::id().to_string())
}

/// The prefix of this process's scratch directories (`<pid>.`), which tells leftovers apart.
pub fn scratch_prefix() -> String {
    format!("{}.", std::process::id())
}

/// Whether a process `pid` runs: if that pid was reused, its leftovers wait until it ends,
/// which is better than touching a live build's containers.
fn alive(pid: &str) -> bool {
    Path::new("/proc").join(pid).exists()
}

/// A directory only this user can enter (0700), named `mpbake-KIND-PID.…` so the next build
/// removes what a killed one left ([`clean_leftovers`]); in memory (/dev/shm) when `in_memory`
/// and the machine has it (secrets); removed when dropped.
pub fn private_dir(kind: &str, in_memory: bool) -> std::io::Result<tempfile::TempDir> {
    use std::os::unix::fs::PermissionsExt;
    let prefix = format!("mpbake-{kind}-{}.", std::process::id());
    let builder = || {
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).permissions(std::fs::Permissions::from_mode(0o700));
        builder
    };
    match in_memory {
        true => builder().tempdir_in("/dev/shm").or_else(|_| builder().tempdir()),
        false => builder().tempdir(),
    }
}

/// Cleans what dead mpbake processes left in the store at `root`: their containers deleted,
/// their overlay mounts detached, their scratch and state directories removed.
pub fn clean_leftovers(root: &Path) -> std::io::Result<()> {
    let dead = |name: &str| name.split('.').next().is_some_and(|pid| pid.parse::<u32>().is_ok() && !alive(pid));
    // secrets a killed build wrote from the environment, and the here-document scripts and
    // /etc/hosts files and ssh agent sockets of its RUNs (`mpbake-secrets-<pid>.…`,
    // `mpbake-heredoc-…`, `mpbake-hosts-…`, `mpbake-ssh-…`; ours only)
    const PREFIXES: [&str; 4] = ["mpbake-secrets-", "mpbake-heredoc-", "mpbake-hosts-", "mpbake-ssh-"];
    for dir in [Path::new("/dev/shm").to_path_buf(), std::env::temp_dir()] {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let ours = entry.metadata().is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == rustix::process::geteuid().as_raw());
            if ours && PREFIXES.iter().any(|p| name.strip_prefix(p).is_some_and(dead)) {
                let _ = match entry.file_type().is_ok_and(|t| t.is_dir()) {
                    true => std::fs::remove_dir_all(entry.path()),
                    false => std::fs::remove_file(entry.path()),
                };
            }
        }
    }
    // context tars and `docker save` archives of node builds (`nodes/PID.…`)
    for entry in std::fs::read_dir(root.join("nodes")).into_iter().flatten().flatten() {
        if dead(&entry.file_name().to_string_lossy()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    for entry in std::fs::read_dir(root.join("run")).into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !dead(&name) {
            continue;
        }
        let state = entry.path();
        for container in std::fs::read_dir(&state).into_iter().flatten().flatten() {
            let id = container.file_name().to_string_lossy().into_owned();
            let _ = std::process::Command::new("runc").arg("--root").arg(&state).args(["delete", "--force", &id]).output();
        }
        std::fs::remove_dir_all(&state)?;
    }
    let scratch: Vec<PathBuf> = [root.join("snapshots/tmp"), root.join("snapshots/portable/tmp")]
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).into_iter().flatten().flatten())
        .filter(|e| dead(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    if scratch.is_empty() {
        return Ok(());
    }
    // mounts inside them first (deepest first), or removing them fails with EBUSY
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let mut points: Vec<PathBuf> = mountinfo
        .lines()
        .filter_map(|line| line.split(' ').nth(4))
        .map(|p| PathBuf::from(p.replace("\\040", " ")))
        .filter(|p| scratch.iter().any(|s| p.starts_with(s)))
        .collect();
    points.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
    for point in points {
        rustix::mount::unmount(&point, rustix::mount::UnmountFlags::DETACH).map_err(std::io::Error::from)?;
    }
    for dir in scratch {
        std::fs::remove_dir_all(&dir)?;
    }
    Ok(())
}
