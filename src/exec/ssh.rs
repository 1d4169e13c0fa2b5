//! `RUN --mount=type=ssh`: a socket of the step's own (owner and mode as the mount asks) that
//! hands each connection to the agent the target names, for as long as the step runs; key
//! files are served by an `ssh-agent` started for the build.

use std::io::ErrorKind;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use super::engine::{Engine, input};
use super::runc::Bind;
use super::state::{State, absolute};
use super::{BuildError, io};
use crate::plan::{Node, RunMount};

/// A socket forwarding every connection to an agent; closed and removed when dropped.
pub struct Forward {
    pub path: PathBuf,
    stop: Arc<AtomicBool>,
    accepting: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Forward {
    /// Listens on a new socket owned by `uid`:`gid` with `mode`, forwarding to `agent`.
    pub fn start(agent: &Path, uid: u32, gid: u32, mode: u32) -> std::io::Result<Forward> {
        let dir = super::cancel::private_dir("ssh", false)?;
        let path = dir.path().join("agent.sock");
        let listener = UnixListener::bind(&path)?;
        rustix::fs::chown(&path, Some(rustix::fs::Uid::from_raw(uid)), Some(rustix::fs::Gid::from_raw(gid)))?;
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(mode))?;
        let stop = Arc::new(AtomicBool::new(false));
        let (agent, stopped) = (agent.to_path_buf(), stop.clone());
        let accepting = std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                if let (Ok(client), Ok(agent)) = (client, UnixStream::connect(&agent)) {
                    pipe(client, agent);
                }
            }
        });
        Ok(Forward { path, stop, accepting: Some(accepting), _dir: dir })
    }
}

impl Drop for Forward {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // wakes the accepting thread, which then sees the stop
        let _ = UnixStream::connect(&self.path);
        if let Some(accepting) = self.accepting.take() {
            let _ = accepting.join();
        }
    }
}

/// Copies both ways between two connections until either side closes.
fn pipe(a: UnixStream, b: UnixStream) {
    let halves = |from: &UnixStream, to: &UnixStream| Some((from.try_clone().ok()?, to.try_clone().ok()?));
    for (mut from, mut to) in [halves(&a, &b), halves(&b, &a)].into_iter().flatten() {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut from, &mut to);
            let _ = to.shutdown(std::net::Shutdown::Write);
        });
    }
}

/// An `ssh-agent` holding the key files an `ssh` entry names, stopped when dropped.
pub struct KeyAgent {
    child: std::process::Child,
    pub socket: PathBuf,
    _dir: tempfile::TempDir,
}

impl KeyAgent {
    /// Starts an agent and adds `keys`; Err says what is missing or which key was refused.
    pub fn start(keys: &[PathBuf]) -> Result<KeyAgent, String> {
        let dir = super::cancel::private_dir("ssh", false).map_err(|e| format!("making the ssh agent's directory: {e}"))?;
        let socket = dir.path().join("agent.sock");
        let child = std::process::Command::new("ssh-agent").arg("-D").arg("-a").arg(&socket).stdout(std::process::Stdio::null()).spawn();
        let child = child.map_err(|e| match e.kind() {
            ErrorKind::NotFound => {
                "key files in `ssh` are served by ssh-agent, which is not installed (Debian: apt-get install openssh-client)".to_string()
            }
            _ => format!("starting ssh-agent: {e}"),
        })?;
        let agent = KeyAgent { child, socket, _dir: dir };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while UnixStream::connect(&agent.socket).is_err() {
            if std::time::Instant::now() > deadline {
                return Err("ssh-agent did not open its socket within 10 s".into());
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let added = std::process::Command::new("ssh-add").args(keys).env("SSH_AUTH_SOCK", &agent.socket).output();
        match added {
            Ok(out) if out.status.success() => Ok(agent),
            Ok(out) => Err(format!("ssh-add refused the key files: {}", String::from_utf8_lossy(&out.stderr).trim())),
            Err(e) => Err(format!("running ssh-add: {e}")),
        }
    }
}

impl Drop for KeyAgent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Engine<'_> {
    /// An ssh mount: where it goes (`/run/buildkit/ssh_agent.N` for the step's Nth by
    /// default), and the forwarding socket bound there, None when the target names no agent for
    /// its id and the mount is optional (BuildKit's default).
    pub(super) fn ssh_mount(
        &self,
        node: &Node,
        m: &RunMount,
        base: &State,
        n: usize,
    ) -> Result<(String, Option<(Bind, Forward)>), BuildError> {
        let target = m.mount.get("target").or(m.mount.get("dst")).or(m.mount.get("destination"));
        let destination = absolute(&base.workdir(), &target.map_or_else(|| format!("/run/buildkit/ssh_agent.{n}"), String::from));
        let id = m.mount.get("id").unwrap_or("default");
        let number = |key: &str, radix: u32, default: u32| match m.mount.get(key) {
            Some(v) => {
                u32::from_str_radix(v, radix).map_err(|_| input(node, "build::mount", format!("ssh mount `{key}={v}` is not a number")))
            }
            None => Ok(default),
        };
        let (uid, gid, mode) = (number("uid", 10, 0)?, number("gid", 10, 0)?, number("mode", 8, 0o600)?);
        let Some(agent) = self.ssh.get(id) else {
            return match m.mount.get("required").is_some_and(|r| r != "false") {
                true => Err(input(
                    node,
                    "build::missing-ssh",
                    format!(
                        "ssh `{id}` is required; give the target ssh = [\"{id}\"] (the agent at SSH_AUTH_SOCK) or ssh = [\"{id}=KEY_FILE\"]"
                    ),
                )),
                false => Ok((destination, None)),
            };
        };
        let forward = Forward::start(agent, uid, gid, mode).map_err(io("opening the step's ssh agent socket"))?;
        let bind = Bind { source: forward.path.clone(), destination: destination.clone(), readonly: false, tmpfs: false };
        Ok((destination, Some((bind, forward))))
    }
}
