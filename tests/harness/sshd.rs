//! A private sshd on loopback for one test: its own host key, one authorized client key, a
//! client configuration that trusts exactly that host key; stopped on Drop.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::run;

pub struct Sshd {
    child: Child,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Sshd {
    /// Starts sshd as root on a free loopback port.
    pub fn start() -> Sshd {
        let dir = tempfile::tempdir().expect("sshd dir");
        let path = |name: &str| dir.path().join(name).display().to_string();
        for key in ["host", "client"] {
            run(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f", &path(key)]));
        }
        std::fs::copy(path("client.pub"), path("authorized_keys")).expect("authorized_keys");
        let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nAuthorizedKeysFile {}\nPidFile {}\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nStrictModes no\nUsePAM no\nAllowStreamLocalForwarding yes\n",
            path("host"),
            path("authorized_keys"),
            path("pid"),
        );
        std::fs::write(path("sshd_config"), config).expect("sshd_config");
        let host_key = std::fs::read_to_string(path("host.pub")).expect("host key");
        std::fs::write(path("known_hosts"), format!("[127.0.0.1]:{port} {host_key}")).expect("known_hosts");
        let client = format!(
            "Host 127.0.0.1\n  UserKnownHostsFile {}\n  StrictHostKeyChecking yes\n  IdentityFile {}\n  IdentitiesOnly yes\n",
            path("known_hosts"),
            path("client"),
        );
        std::fs::write(path("ssh_config"), client).expect("ssh_config");
        std::fs::create_dir_all("/run/sshd").expect("/run/sshd");
        let log = std::fs::File::create(path("log")).expect("sshd log");
        let child = Command::new("/usr/sbin/sshd")
            .args(["-D", "-e", "-f", &path("sshd_config")])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start sshd");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "sshd did not start: {}", std::fs::read_to_string(path("log")).unwrap_or_default());
            std::thread::sleep(Duration::from_millis(100));
        }
        Sshd { child, dir, port }
    }

    /// `ssh -F CONFIG`: the ssh that trusts this server and logs in with the client key.
    pub fn ssh_command(&self) -> String {
        format!("ssh -F {}", self.config().display())
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("ssh_config")
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
