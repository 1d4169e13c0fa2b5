//! ssh parts for tests: an image with the host's `ssh-add`, and an ssh-agent holding a new key.

use std::path::{Path, PathBuf};

/// An image with the busybox applets and the host's `ssh-add` with the libraries it loads.
pub fn image_with_ssh_add(registry: &str) -> String {
    let mut layer = crate::images::busybox_layer();
    let ldd = std::process::Command::new("ldd").arg("/usr/bin/ssh-add").output().unwrap_or_else(|e| panic!("ldd: {e}"));
    let mut files = vec!["/usr/bin/ssh-add".to_string()];
    for line in String::from_utf8_lossy(&ldd.stdout).lines() {
        let path = line.split("=>").last().unwrap_or_default().split_whitespace().next().unwrap_or_default();
        if path.starts_with('/') {
            files.push(path.to_string());
        }
    }
    let mut dirs = std::collections::BTreeSet::new();
    for file in &files {
        let mut dir = std::path::Path::new(file.trim_start_matches('/')).parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            dirs.insert(format!("{}/", d.display()));
            dir = d.parent();
        }
    }
    layer.extend(dirs.iter().map(|d| crate::images::Entry::dir(d)));
    for file in &files {
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{file}: {e}"));
        layer.push(crate::images::Entry::file(file.trim_start_matches('/'), &bytes).mode(0o755));
    }
    crate::images::Image::of(vec![layer]).push(registry, "ssh-add")
}

/// An ssh-agent on a socket in `dir`, holding a new ed25519 key commented `mpbake-test-key`;
/// killed when dropped.
#[allow(dead_code)]
pub struct Agent {
    pub socket: PathBuf,
    pub key: PathBuf,
    child: std::process::Child,
}

impl Agent {
    pub fn start(dir: &Path) -> Agent {
        let key = dir.join("id_ed25519");
        let made = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-C", "mpbake-test-key", "-f"])
            .arg(&key)
            .status();
        assert!(made.is_ok_and(|s| s.success()));
        let socket = dir.join("agent.sock");
        let child = std::process::Command::new("ssh-agent")
            .arg("-D")
            .arg("-a")
            .arg(&socket)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
        let agent = Agent { socket: socket.clone(), key: key.clone(), child: child.unwrap_or_else(|e| panic!("ssh-agent: {e}")) };
        while !socket.exists() {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let added = std::process::Command::new("ssh-add").arg(&key).env("SSH_AUTH_SOCK", &socket).output();
        let added = added.unwrap_or_else(|e| panic!("ssh-add: {e}"));
        assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
        agent
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
