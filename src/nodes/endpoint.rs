//! Where a node's Docker Engine listens, as `DOCKER_HOST` accepts it (`unix://`, `tcp://` with
//! the TLS files docker uses, `ssh://` through an ssh tunnel) or a docker context's name.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use sha2::Digest as _;

/// TLS files for a `tcp://` endpoint: the CA to trust and the client's certificate and key.
#[derive(Debug, Clone, PartialEq)]
pub struct Tls {
    pub ca: Option<PathBuf>,
    pub cert_and_key: Option<(PathBuf, PathBuf)>,
}

/// How to reach an engine.
#[derive(Debug, Clone, PartialEq)]
pub enum Address {
    Unix(PathBuf),
    Tcp {
        authority: String,
        tls: Option<Tls>,
    },
    /// `[user@]host[:port]`, and the engine's socket on that machine.
    Ssh {
        destination: String,
        port: Option<u16>,
        socket: String,
    },
}

/// docker's configuration directory: `DOCKER_CONFIG`, else `~/.docker`.
fn docker_config_dir() -> PathBuf {
    match std::env::var_os("DOCKER_CONFIG") {
        Some(dir) => PathBuf::from(dir),
        None => std::env::var_os("HOME").map(PathBuf::from).unwrap_or_default().join(".docker"),
    }
}

/// The TLS files in `dir` (`ca.pem`, `cert.pem`, `key.pem`), if any are there.
fn tls_in(dir: &Path) -> Option<Tls> {
    let ca = Some(dir.join("ca.pem")).filter(|p| p.is_file());
    let cert_and_key = Some((dir.join("cert.pem"), dir.join("key.pem"))).filter(|(c, k)| c.is_file() && k.is_file());
    (ca.is_some() || cert_and_key.is_some()).then_some(Tls { ca, cert_and_key })
}

/// Reads `endpoint`: a URL, or the name of a docker context (`docker context ls`).
pub fn resolve(endpoint: &str) -> Result<Address, String> {
    if endpoint.contains("://") {
        let tls = (std::env::var("DOCKER_TLS_VERIFY").is_ok_and(|v| !v.is_empty()))
            .then(|| std::env::var_os("DOCKER_CERT_PATH").map_or_else(docker_config_dir, PathBuf::from))
            .and_then(|dir| tls_in(&dir));
        return parse(endpoint, tls);
    }
    let hash = crate::ir::hex(&sha2::Sha256::digest(endpoint.as_bytes()));
    let root = docker_config_dir().join("contexts");
    let meta = root.join("meta").join(&hash).join("meta.json");
    let text = std::fs::read_to_string(&meta).map_err(|_| {
        format!(
            "`{endpoint}` is neither an endpoint (unix://, tcp://, ssh://) nor a docker context ({} has no such context)",
            root.display()
        )
    })?;
    let meta: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("docker context `{endpoint}`: {}: {e}", meta.display()))?;
    let host = meta["Endpoints"]["docker"]["Host"].as_str().ok_or_else(|| format!("docker context `{endpoint}` has no Docker endpoint"))?;
    parse(host, tls_in(&root.join("tls").join(&hash).join("docker")))
}

/// Parses an endpoint URL.
fn parse(url: &str, tls: Option<Tls>) -> Result<Address, String> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("`{url}` is not an endpoint URL"))?;
    match scheme {
        "unix" if !rest.is_empty() => Ok(Address::Unix(PathBuf::from(rest))),
        "tcp" | "http" | "https" if !rest.is_empty() => {
            let authority = rest.trim_end_matches('/').to_string();
            let tls = if scheme == "https" { Some(tls.unwrap_or(Tls { ca: None, cert_and_key: None })) } else { tls };
            Ok(Address::Tcp { authority, tls })
        }
        "ssh" if !rest.is_empty() => {
            let (destination, socket) = match rest.split_once('/') {
                Some((d, path)) if !path.is_empty() => (d, format!("/{path}")),
                Some((d, _)) => (d, "/var/run/docker.sock".to_string()),
                None => (rest, "/var/run/docker.sock".to_string()),
            };
            let (destination, port) = match destination.rsplit_once(':') {
                Some((d, p)) => (d, Some(p.parse::<u16>().map_err(|_| format!("`{url}`: `{p}` is not a port"))?)),
                None => (destination, None),
            };
            Ok(Address::Ssh { destination: destination.to_string(), port, socket })
        }
        _ => Err(format!("`{url}`: endpoints are unix://PATH, tcp://HOST:PORT or ssh://[USER@]HOST[:PORT]")),
    }
}

/// An ssh process forwarding a local socket to the engine's socket on another machine;
/// stopped when dropped.
pub struct Tunnel {
    child: Child,
    _dir: tempfile::TempDir,
    pub socket: PathBuf,
}

impl Tunnel {
    /// Starts `ssh -L` (batch mode: keys or an agent, never a password prompt; the user's ssh
    /// configuration decides host keys) and waits for the local socket.
    pub fn open(destination: &str, port: Option<u16>, remote_socket: &str) -> Result<Tunnel, String> {
        let dir = tempfile::Builder::new().prefix("mpbake-ssh-").tempdir().map_err(|e| e.to_string())?;
        let socket = dir.path().join("docker.sock");
        // MPBAKE_SSH_COMMAND, as git's GIT_SSH_COMMAND: the ssh to run, with its options
        let ssh = std::env::var("MPBAKE_SSH_COMMAND").ok().filter(|c| !c.trim().is_empty()).unwrap_or_else(|| "ssh".into());
        let mut words = ssh.split_whitespace();
        let mut command = Command::new(words.next().unwrap_or("ssh"));
        command.args(words);
        command.args(["-nNT", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes", "-L"]);
        command.arg(format!("{}:{remote_socket}", socket.display()));
        if let Some(port) = port {
            command.args(["-p", &port.to_string()]);
        }
        command.arg("--").arg(destination).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped());
        let child = command.spawn().map_err(|e| format!("cannot run ssh: {e}"))?;
        let mut tunnel = Tunnel { child, _dir: dir, socket };
        let deadline = Instant::now() + Duration::from_secs(30);
        while !tunnel.socket.exists() {
            if let Ok(Some(status)) = tunnel.child.try_wait() {
                let mut said = String::new();
                if let Some(mut err) = tunnel.child.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut err, &mut said);
                }
                return Err(format!("ssh to {destination} ended ({status}): {}", said.trim()));
            }
            if Instant::now() > deadline {
                return Err(format!("ssh to {destination} made no tunnel in 30 s"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(tunnel)
    }
}

impl Drop for Tunnel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_as_docker_host_takes_them() {
        assert_eq!(parse("unix:///run/d.sock", None), Ok(Address::Unix("/run/d.sock".into())));
        assert_eq!(parse("tcp://10.0.0.2:2376", None), Ok(Address::Tcp { authority: "10.0.0.2:2376".into(), tls: None }));
        assert_eq!(
            parse("ssh://builder@arm1:2222", None),
            Ok(Address::Ssh { destination: "builder@arm1".into(), port: Some(2222), socket: "/var/run/docker.sock".into() })
        );
        assert!(parse("ftp://x", None).unwrap_err().contains("ssh://"));
        assert!(resolve("no-such-context-here").unwrap_err().contains("docker context"));
    }
}
