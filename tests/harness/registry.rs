//! A real registry (Debian's docker-registry, CNCF distribution) on a free loopback port.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running registry; stopped on Drop.
pub struct Registry {
    child: Child,
    pub port: u16,
    config: std::path::PathBuf,
    dir: tempfile::TempDir,
}

impl Registry {
    pub fn start() -> Registry {
        Registry::start_with(|_| String::new())
    }

    /// A registry that requires HTTP basic auth (htpasswd, bcrypt) for `user:password`.
    pub fn start_with_auth(user: &str, password: &str) -> Registry {
        Registry::start_with(|dir| {
            let line = super::stdout(Command::new("htpasswd").args(["-Bbn", user, password]));
            let htpasswd = dir.join("htpasswd");
            std::fs::write(&htpasswd, format!("{line}\n")).expect("htpasswd");
            format!("auth:\n  htpasswd:\n    realm: mpbake-test\n    path: {}\n", htpasswd.display())
        })
    }

    /// A registry that wants bearer tokens from `realm`, signed by the key of `cert` (PEM).
    pub fn start_with_tokens(realm: &str, cert: &std::path::Path) -> Registry {
        Registry::start_with(|_| {
            format!(
                "auth:\n  token:\n    realm: {realm}\n    service: mpbake-registry\n    issuer: mpbake-token-issuer\n    rootcertbundle: {}\n",
                cert.display()
            )
        })
    }

    /// Starts a registry whose config ends with what `auth` returns (it may write files into
    /// the registry's directory).
    fn start_with(auth: impl FnOnce(&std::path::Path) -> String) -> Registry {
        let dir = tempfile::tempdir().expect("registry dir");
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("free port");
        let config = dir.path().join("config.yml");
        let data = dir.path().join("data");
        let mut text = format!(
            "version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
            data.display()
        );
        text.push_str(&auth(dir.path()));
        std::fs::write(&config, text).expect("write registry config");
        let child = spawn(&config, dir.path());
        let registry = Registry { child, port, config, dir };
        registry.wait_ready();
        registry
    }

    /// The registry's process id (a fault proxy kills it mid-push).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts the registry again on the same port and storage (after it was killed).
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = spawn(&self.config, self.dir.path());
        self.wait_ready();
    }

    /// `127.0.0.1:PORT`.
    pub fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let _ = s.write_all(b"GET /v2/ HTTP/1.0\r\nHost: localhost\r\n\r\n");
                let mut reply = String::new();
                let _ = s.read_to_string(&mut reply);
                // 401 is the answer of a registry that wants credentials: it is up
                if ["200", "401"]
                    .iter()
                    .any(|code| reply.starts_with(&format!("HTTP/1.0 {code}")) || reply.starts_with(&format!("HTTP/1.1 {code}")))
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("docker-registry did not answer on {} within 20 s", self.host());
    }
}

fn spawn(config: &std::path::Path, dir: &std::path::Path) -> Child {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(dir.join("log")).expect("registry log");
    Command::new("docker-registry").arg("serve").arg(config).stdout(Stdio::null()).stderr(log).spawn().expect("start docker-registry")
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
