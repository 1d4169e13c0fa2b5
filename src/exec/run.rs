//! A RUN step: the parent image mounted with overlayfs, the command run by runc with the
//! image's env, user and working directory plus the step's mounts (cache, secret, ssh, bind, tmpfs),
//! foreign platforms through qemu-user binfmt, and the upper directory written as the layer.

use std::path::{Path, PathBuf};

use super::engine::{Engine, input, step_key};
use super::rootfs::{Form, Mounted};
use super::runc::{self, Bind, Process, RunError};
use super::state::{DEFAULT_PATH, State, absolute};
use super::{BuildError, io, users};
use crate::ir::{Command, Platform};
use crate::plan::{Class, CopyFrom, Node, RunMount};

/// The parts of a RUN action.
pub(super) struct RunStep<'a> {
    pub command: &'a Command,
    pub heredocs: &'a [(String, String)],
    pub mounts: &'a [RunMount],
    pub network: Option<&'a str>,
    /// The target's `extra-hosts`: lines added to the step's /etc/hosts.
    pub extra_hosts: &'a [(String, String)],
    /// The target's `no-cache`: run even when the result is stored (and store it again).
    pub no_cache: bool,
    /// The target's `shm-size` and `ulimits`.
    pub limits: &'a crate::plan::RunLimits,
    pub args: &'a [(String, String)],
}

/// Where runc mounts things whether or not the step asks; created mount points are not changes.
const RUNTIME_MOUNTS: [&str; 8] = ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/etc/resolv.conf"];
/// Mount points a RUN leaves in its layer when the image lacked them, as BuildKit's do.
const KEPT_MOUNT_POINTS: [&str; 3] = ["proc", "dev", "sys"];

impl Engine<'_> {
    pub(super) fn run(&self, node: &Node, step: &RunStep, parents: &[State]) -> Result<State, BuildError> {
        let key = step_key(node, parents, &[]);
        if let Some(hit) = (!step.no_cache).then(|| self.recall(&key)).flatten() {
            return Ok(hit);
        }
        if !rustix::process::geteuid().is_root() {
            return Err(BuildError::Tool(format!(
                "{}: RUN steps need root (for runc and their mounts); run mpbake as root, or build with `mpbake emit` and BuildKit",
                node.op
            )));
        }
        if node.class == Class::Emulated {
            emulation_available(node)?;
        }
        let base = &parents[0];
        let mut rootfs = self.mount(base, self.in_output(node))?;
        let user = base.runtime("User").unwrap_or("").to_string();
        let owner = match user.is_empty() {
            true => users::Owner::default(),
            false => users::resolve(&user, Some(&rootfs.merged)).map_err(|e| input(node, "build::user", e))?,
        };
        super::workdirs::make_in(&rootfs.merged, &base.workdirs).map_err(|e| input(node, "build::user", e))?;
        let mut held: Vec<Mounted> = Vec::new();
        let mut binds = Vec::new();
        let (mut forwards, mut ssh_sockets) = (Vec::new(), Vec::new());
        for m in step.mounts.iter().filter(|m| m.mount.kind == "ssh") {
            let (destination, forwarded) = self.ssh_mount(node, m, base, ssh_sockets.len())?;
            ssh_sockets.push(destination);
            if let Some((bind, forward)) = forwarded {
                binds.push(bind);
                forwards.push(forward);
            }
        }
        for m in step.mounts.iter().filter(|m| m.mount.kind != "ssh") {
            if let Some(bind) = self.run_mount(node, m, parents, &mut held)? {
                binds.push(bind);
            }
        }
        let mut env = base.env();
        // the ARGs in scope (an ENV declared after one of them took it out): declared later than
        // the image's ENV of the same name, so they win, as in BuildKit
        for (name, value) in step.args {
            match env.iter_mut().find(|(n, _)| n == name) {
                Some(entry) => entry.1 = value.clone(),
                None => env.push((name.clone(), value.clone())),
            }
        }
        // as BuildKit: the first ssh mount is the agent, unless the image says otherwise
        if let (Some(first), false) = (ssh_sockets.first(), env.iter().any(|(n, _)| n == "SSH_AUTH_SOCK")) {
            env.push(("SSH_AUTH_SOCK".into(), first.clone()));
        }
        if !env.iter().any(|(n, _)| n == "PATH") {
            env.push(("PATH".into(), DEFAULT_PATH.into()));
        }
        let (args, script) = heredoc_command(step, base).map_err(io("writing a here-document script"))?;
        if let Some((file, destination)) = &script {
            binds.push(Bind { source: file.to_path_buf(), destination: destination.clone(), readonly: true, tmpfs: false });
        }
        let hosts = hosts_file(step).map_err(io("writing the step's /etc/hosts"))?;
        if let Some(file) = &hosts {
            binds.push(Bind { source: file.to_path_buf(), destination: "/etc/hosts".into(), readonly: true, tmpfs: false });
        }
        let process = Process {
            args,
            env: env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            cwd: base.workdir(),
            uid: owner.uid,
            gid: owner.gid,
            additional_gids: Vec::new(),
            host_network: step.network == Some("host"),
            binds,
            limits: step.limits.clone(),
        };
        let mount_points: Vec<String> =
            RUNTIME_MOUNTS.iter().map(|s| s.to_string()).chain(process.binds.iter().map(|b| b.destination.clone())).collect();
        // looked up inside the image: a symlink there never sends the lookup to the host
        let image = crate::confine::Root::open(&rootfs.merged).map_err(io("opening the step's root filesystem"))?;
        let absent: Vec<String> = mount_points.into_iter().filter(|p| image.lstat(p).ok().flatten().is_none()).collect();
        drop(image);
        let state_root = super::cancel::run_dir(self.store.root());
        std::fs::create_dir_all(&state_root).map_err(io("making runc's state directory"))?;
        let result = runc::run(&rootfs.merged, &process, &state_root, &|line| self.progress.output(node, line));
        drop(held);
        drop(forwards);
        rootfs.unmount().map_err(io("unmounting the step's filesystem"))?;
        match result {
            Ok(_) => {}
            Err(RunError::Exit { .. }) if super::cancel::stopping() => return Err(BuildError::Tool("the build was cancelled".into())),
            Err(RunError::Exit { code, output }) => {
                let tail: Vec<&str> = output.lines().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect();
                let mut diagnostic = match input(node, "build::run-failed", format!("`{}` exited with status {code}", node.op)) {
                    BuildError::Input(d) => d,
                    other => return Err(other),
                };
                if !tail.is_empty() {
                    diagnostic = diagnostic.with_help(format!("its last output:\n{}", tail.join("\n")));
                }
                return Err(BuildError::Input(diagnostic));
            }
            Err(RunError::Runtime(message)) => return Err(BuildError::Tool(format!("{}: {message}", node.op))),
        }
        for point in &absent {
            remove_mount_point(&rootfs.upper, point, RUNTIME_MOUNTS.contains(&point.as_str()));
        }
        let mut state = base.clone();
        state.key = key;
        state.workdirs.clear();
        if std::fs::read_dir(&rootfs.upper).map_err(io("reading the step's changes"))?.next().is_none() {
            state.history(&node.op, self.epoch, true);
        } else {
            self.add_changes(&mut state, &rootfs.upper, None, &node.op)?;
        }
        self.remember(&state)?;
        Ok(state)
    }

    /// One `--mount`: a directory to bind (cache, secret, bind) or a tmpfs; stage mounts are
    /// kept mounted in `held` until the command ends.
    fn run_mount(&self, node: &Node, m: &RunMount, parents: &[State], held: &mut Vec<Mounted>) -> Result<Option<Bind>, BuildError> {
        let target = m.mount.get("target").or(m.mount.get("dst")).or(m.mount.get("destination")).map(String::from);
        let base = &parents[0];
        let at = |default: Option<String>| -> Result<String, BuildError> {
            let path = target.clone().or(default).ok_or_else(|| input(node, "build::mount", "this mount needs target=PATH".into()))?;
            Ok(absolute(&base.workdir(), &path))
        };
        let readonly = |default: bool| {
            m.mount.get("readonly").or(m.mount.get("ro")).map_or(default, |v| v != "false")
                && m.mount.get("rw").is_none_or(|v| v == "false")
        };
        match m.mount.kind.as_str() {
            "cache" => {
                let destination = at(None)?;
                let id = m.mount.get("id").map(String::from).unwrap_or_else(|| destination.clone());
                let source = super::shared::mount_dir(self.store.root(), &id);
                if !source.is_dir() {
                    std::fs::create_dir_all(&source).map_err(io("creating a cache mount"))?;
                    let (uid, gid) = (m.mount.get("uid").and_then(|u| u.parse().ok()), m.mount.get("gid").and_then(|g| g.parse().ok()));
                    rustix::fs::chown(&source, uid.map(rustix::fs::Uid::from_raw), gid.map(rustix::fs::Gid::from_raw))
                        .map_err(|e| BuildError::Tool(format!("preparing a cache mount: {e}")))?;
                    let mode = m.mount.get("mode").and_then(|v| u32::from_str_radix(v, 8).ok()).unwrap_or(0o755);
                    std::fs::set_permissions(&source, std::os::unix::fs::PermissionsExt::from_mode(mode))
                        .map_err(io("preparing a cache mount"))?;
                }
                Ok(Some(Bind { source, destination, readonly: false, tmpfs: false }))
            }
            "secret" => {
                let id =
                    m.mount.get("id").map(String::from).or_else(|| target.as_deref().and_then(|t| t.rsplit('/').next()).map(String::from));
                let id = id.ok_or_else(|| input(node, "build::mount", "a secret mount needs id=NAME".into()))?;
                let destination = at(Some(format!("/run/secrets/{id}")))?;
                match self.secrets.get(&id) {
                    Some(source) => Ok(Some(Bind { source: source.clone(), destination, readonly: true, tmpfs: false })),
                    None if m.mount.get("required").is_some_and(|r| r != "false") => Err(input(
                        node,
                        "build::missing-secret",
                        format!("secret `{id}` is required; give it in the target: secret = [\"id={id},src=FILE\"]"),
                    )),
                    None => Ok(None),
                }
            }
            "bind" => {
                let destination = at(None)?;
                let source = m.mount.get("source").or(m.mount.get("src")).unwrap_or("");
                let root: PathBuf = match &m.from {
                    Some(CopyFrom::Parent(p)) => {
                        let mounted = self.mount(&parents[*p], false)?;
                        let root = mounted.merged.clone();
                        held.push(mounted);
                        root
                    }
                    Some(CopyFrom::Context { dir, .. }) => self.cwd.join(dir),
                    None => return Err(input(node, "build::mount", "a bind mount needs a source".into())),
                };
                // resolved inside the stage's or context's root: a symlink there never leads out
                let opened = crate::confine::Root::open(&root).map_err(io("opening a bind mount's source"))?;
                let path = match opened.host_path(source) {
                    Ok(path) => path,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                        return Err(input(node, "build::mount", format!("bind source `{source}` does not exist")));
                    }
                    Err(e) => return Err(BuildError::Tool(format!("bind source `{source}`: {e}"))),
                };
                let readonly = readonly(true);
                if !readonly && matches!(m.from, Some(CopyFrom::Context { .. })) {
                    // writes are the RUN's own: the context is seen through a throwaway upper layer
                    let mounted = self.writable_view(&path)?;
                    let view = mounted.merged.clone();
                    held.push(mounted);
                    return Ok(Some(Bind { source: view, destination, readonly, tmpfs: false }));
                }
                Ok(Some(Bind { source: path, destination, readonly, tmpfs: false }))
            }
            "tmpfs" => Ok(Some(Bind { source: PathBuf::new(), destination: at(None)?, readonly: false, tmpfs: true })),
            other => Err(input(
                node,
                "build::mount",
                format!("`--mount=type={other}` is not supported by mpbake's executor (cache, secret, ssh, bind and tmpfs are)"),
            )),
        }
    }
}

impl Engine<'_> {
    /// A writable view of a context path for a `rw` bind: an overlay with a throwaway upper
    /// directory (or a copy, for a file or where overlayfs cannot mount), so the RUN's writes
    /// never reach the source tree.
    fn writable_view(&self, source: &Path) -> Result<Mounted, BuildError> {
        let snapshots = self.snapshots()?;
        let dir = snapshots.scratch().map_err(io("making a writable view of the context"))?;
        let failed = io("making a writable view of the context");
        match source.is_dir() {
            true if snapshots.form == Form::Overlay => Mounted::overlay(&[source.to_path_buf()], dir).map_err(failed),
            true => Mounted::copy(&[source.to_path_buf()], dir).map_err(failed),
            false => {
                let mounted = Mounted::copy(&[], dir).map_err(&failed)?;
                let copy = mounted.merged.join("file");
                std::fs::copy(source, &copy).map_err(&failed)?;
                Ok(mounted.with_merged(copy))
            }
        }
    }
}

/// A RUN for a foreign platform needs qemu-user registered with binfmt_misc.
fn emulation_available(node: &Node) -> Result<(), BuildError> {
    let qemu = qemu_name(&node.exec_platform);
    let entry = Path::new("/proc/sys/fs/binfmt_misc").join(format!("qemu-{qemu}"));
    let enabled = std::fs::read_to_string(&entry).is_ok_and(|s| s.starts_with("enabled"));
    if enabled {
        return Ok(());
    }
    Err(BuildError::Tool(format!(
        "`{}` ({}) runs for {} and needs qemu-{qemu} registered with binfmt_misc, which this machine lacks.\n  \
         Either install qemu-user-static (Debian) so binfmt registers it, or avoid the emulated RUN: \
         build on $BUILDPLATFORM and cross-compile (see `mpbake check`, rule emulated-run)",
        node.op, node.stage, node.exec_platform
    )))
}

/// qemu's name for an architecture.
fn qemu_name(platform: &Platform) -> &str {
    match platform.arch.as_str() {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "386" => "i386",
        "ppc64le" => "ppc64le",
        "riscv64" => "riscv64",
        "s390x" => "s390x",
        "mips64le" => "mips64el",
        other => other,
    }
}

/// Removes a mount point runc created (an empty file or directory, and its created parents),
/// looked up without following any symlink the step left among its changes. The runtime's own
/// /proc, /dev and /sys stay, as BuildKit leaves them, unless a step's mount below one made it
/// (BuildKit then removes the whole chain it made: `/dev/pipes/NAME` takes /dev along).
fn remove_mount_point(upper: &Path, point: &str, runtime: bool) {
    let Ok(parts) = crate::confine::components(point.trim_start_matches('/')) else { return };
    let Ok(top) = crate::confine::Dir::open_host(upper) else { return };
    let mut dirs = vec![top];
    for part in &parts[..parts.len().saturating_sub(1)] {
        match dirs.last().map(|d| d.open_dir(part)) {
            Some(Ok(dir)) => dirs.push(dir),
            _ => break,
        }
    }
    // the deepest part that exists in the changes (a mount below /dev was made in its tmpfs)
    let start = if dirs.len() == parts.len() { parts.len() } else { dirs.len() - 1 };
    for depth in (0..start).rev() {
        let part = &parts[depth];
        if runtime && depth == 0 && KEPT_MOUNT_POINTS.contains(part) || !dirs[depth].remove_empty(part).unwrap_or(false) {
            return;
        }
    }
}

/// A here-document script file and where the RUN sees it.
type Script = (tempfile::TempPath, String);

/// A RUN's argv with its here-documents, as BuildKit runs them: `RUN <<EOF` alone runs the
/// body in the image's shell, or, starting with `#!`, as a script mounted at /dev/pipes/NAME;
/// any other use goes to the shell whole (`cat <<EOT > f` with its body and terminator).
/// The script file, when there is one, must outlive the run.
fn heredoc_command(step: &RunStep, base: &State) -> std::io::Result<(Vec<String>, Option<Script>)> {
    let (Command::Shell(text), [first, ..]) = (step.command, step.heredocs) else {
        return Ok((base.argv(step.command), None));
    };
    let word = text.trim();
    let alone = step.heredocs.len() == 1
        && !word.contains(char::is_whitespace)
        && word.trim_start_matches(|c: char| c.is_ascii_digit()).starts_with("<<");
    let (name, body) = first;
    if alone && body.starts_with("#!") {
        let destination = format!("/dev/pipes/{name}");
        return Ok((vec![destination.clone()], Some((step_file("heredoc", body, 0o755)?, destination))));
    }
    let script = match alone {
        true => body.clone(),
        false => step.heredocs.iter().fold(text.clone(), |full, (name, body)| format!("{full}\n{body}{name}")),
    };
    Ok((base.shell().into_iter().chain([script]).collect(), None))
}

/// The /etc/hosts a RUN sees when its target sets `extra-hosts`: BuildKit's defaults, then one
/// line per host (with host networking, the host's own file and the extra lines).
fn hosts_file(step: &RunStep) -> std::io::Result<Option<tempfile::TempPath>> {
    if step.extra_hosts.is_empty() {
        return Ok(None);
    }
    let base = match step.network {
        Some("host") => std::fs::read_to_string("/etc/hosts").unwrap_or_default(),
        _ => "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n".to_string(),
    };
    let mut text = base;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for (host, ip) in step.extra_hosts {
        text.push_str(&format!("{ip}\t{host}\n"));
    }
    step_file("hosts", &text, 0o644).map(Some)
}

/// A file a RUN mounts, in $TMPDIR as `mpbake-KIND-PID.…` (the next build removes a killed
/// one's), closed (or running it fails with "text file busy") and removed when dropped.
fn step_file(kind: &str, contents: &str, mode: u32) -> std::io::Result<tempfile::TempPath> {
    use std::io::Write as _;
    use std::os::unix::fs::PermissionsExt as _;
    let mut file = tempfile::Builder::new().prefix(&format!("mpbake-{kind}-{}.", std::process::id())).tempfile()?;
    file.write_all(contents.as_bytes())?;
    file.as_file().set_permissions(std::fs::Permissions::from_mode(mode))?;
    Ok(file.into_temp_path())
}
