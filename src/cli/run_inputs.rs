//! What RUN steps are given from the host: the targets' secrets (files, or environment
//! variables written to a private directory) and their ssh agents.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::planned;
use crate::exec;

/// The targets' secrets by id: `src=FILE` as is, `env=NAME` written to a file under `dir`.
pub(super) fn secrets(p: &planned::Planned, cwd: &Path, dir: &Path) -> anyhow::Result<BTreeMap<String, PathBuf>> {
    let mut out = BTreeMap::new();
    for target in p.targets.iter().filter_map(|n| p.loaded.spec.targets.get(n)) {
        for secret in &target.secret {
            let Some(id) = secret.get("id") else { continue };
            let path = match (secret.get("src").or(secret.get("source")), secret.get("env")) {
                (Some(src), _) => cwd.join(src),
                (None, Some(var)) => write_secret(dir, &std::env::var(var).unwrap_or_default())?,
                // bake's default: an environment variable named like the id
                (None, None) => write_secret(dir, &std::env::var(id.to_uppercase()).unwrap_or_default())?,
            };
            out.insert(id.clone(), path);
        }
    }
    Ok(out)
}

/// The targets' ssh agents by id: the socket an entry names, else SSH_AUTH_SOCK's, or an
/// ssh-agent started for the key files it names (kept running by the returned guards).
pub(super) fn ssh_agents(p: &planned::Planned) -> Result<(BTreeMap<String, PathBuf>, Vec<exec::ssh::KeyAgent>), String> {
    use std::os::unix::fs::FileTypeExt;
    let (mut sockets, mut agents) = (BTreeMap::new(), Vec::new());
    for entry in p.targets.iter().filter_map(|n| p.loaded.spec.targets.get(n)).flat_map(|t| &t.ssh) {
        let id = entry.get("id").cloned().unwrap_or_else(|| "default".into());
        if sockets.contains_key(&id) {
            continue;
        }
        let paths: Vec<PathBuf> =
            entry.get("paths").into_iter().flat_map(|p| p.split(',')).filter(|p| !p.is_empty()).map(PathBuf::from).collect();
        let socket = match paths.as_slice() {
            [] => std::env::var_os("SSH_AUTH_SOCK")
                .map(PathBuf::from)
                .ok_or(format!("ssh `{id}` forwards the agent at SSH_AUTH_SOCK, which is not set"))?,
            [one] if std::fs::metadata(one).is_ok_and(|m| m.file_type().is_socket()) => one.clone(),
            keys => {
                let agent = exec::ssh::KeyAgent::start(keys).map_err(|e| format!("ssh `{id}`: {e}"))?;
                let socket = agent.socket.clone();
                agents.push(agent);
                socket
            }
        };
        sockets.insert(id, socket);
    }
    Ok((sockets, agents))
}

/// A secret's value in a new file (0600) of the private directory `dir`.
fn write_secret(dir: &Path, value: &str) -> std::io::Result<PathBuf> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let path = dir.join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path)?.write_all(value.as_bytes())?;
    Ok(path)
}
