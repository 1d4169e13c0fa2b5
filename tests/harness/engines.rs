//! The peer engines the emitted files must build on: buildah (vfs, chroot isolation, private
//! storage) and dockerd's BuildKit (vfs, no bridge network, private sockets and state).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::{run, stdout};

/// buildah with its own storage, so tests neither see nor disturb the machine's images.
pub struct Buildah {
    dir: tempfile::TempDir,
}

impl Buildah {
    pub fn new() -> Buildah {
        Buildah { dir: tempfile::tempdir().expect("buildah dir") }
    }

    pub fn cmd(&self) -> Command {
        let mut c = Command::new("buildah");
        c.arg("--root")
            .arg(self.dir.path().join("storage"))
            .arg("--runroot")
            .arg(self.dir.path().join("run"))
            .args(["--storage-driver", "vfs"]);
        c
    }

    /// Commits a root filesystem as an image of `arch`, named `name`.
    pub fn image_from_rootfs(&self, rootfs: &Path, arch: &str, env: &[&str], name: &str) {
        let ctr = stdout(self.cmd().args(["from", "--arch", arch, "scratch"]));
        run(self.cmd().arg("copy").arg(&ctr).arg(format!("{}/", rootfs.display())).arg("/"));
        let mut config = self.cmd();
        config.args(["config", "--arch", arch, "--os", "linux", "--cmd", "/bin/sh"]);
        for e in env {
            config.args(["--env", e]);
        }
        run(config.arg(&ctr));
        run(self.cmd().args(["commit", "-q", &ctr, name]));
        run(self.cmd().args(["rm", &ctr]));
    }

    /// Pushes images as one index (`manifest push --all`) to `dest` on the plain-HTTP registry.
    pub fn push_list(&self, images: &[String], dest: &str) {
        self.push_list_as(images, dest, None);
    }

    /// `push_list` with `user:password` credentials.
    pub fn push_list_as(&self, images: &[String], dest: &str, creds: Option<&str>) {
        let list = format!("{}-{}-list", dest.replace(['/', ':', '.'], "-"), creds.map_or("anon", |_| "auth"));
        run(self.cmd().args(["manifest", "create", &list]));
        for image in images {
            run(self.cmd().args(["manifest", "add", &list, &format!("containers-storage:localhost/{image}")]));
        }
        let mut push = self.cmd();
        push.args(["manifest", "push", "--all", "--tls-verify=false"]);
        if let Some(c) = creds {
            push.args(["--creds", c]);
        }
        run(push.args([&list, &format!("docker://{dest}")]));
    }

    /// Pushes one image (not an index) to the plain-HTTP registry.
    pub fn push(&self, image: &str, dest: &str) {
        run(self.cmd().args(["push", "--tls-verify=false", image, &format!("docker://{dest}")]));
    }

    /// `buildah build --platform P1,P2 --manifest NAME -f DOCKERFILE CONTEXT`.
    pub fn build(&self, dockerfile: &Path, context: &Path, platforms: &[&str], build_args: &[String], manifest: &str) {
        let mut c = self.cmd();
        c.args(["build", "--isolation", "chroot", "--tls-verify=false", "--platform", &platforms.join(","), "--manifest", manifest, "-f"])
            .arg(dockerfile);
        for a in build_args {
            c.args(["--build-arg", a]);
        }
        run(c.arg(context));
    }

    /// The root filesystem and config architecture of `arch`'s image in a built manifest list
    /// (or in an OCI layout, `oci:DIR`).
    pub fn rootfs(&self, manifest: &str, arch: &str) -> (PathBuf, String) {
        let pull = if manifest.starts_with("oci:") { "--pull=always" } else { "--pull=never" };
        let ctr = stdout(self.cmd().args(["from", pull, "--arch", arch, manifest]));
        let config_arch =
            stdout(self.cmd().args(["inspect", "--type", "container", "--format", "{{.OCIv1.Architecture}}/{{.OCIv1.OS}}", &ctr]));
        (PathBuf::from(stdout(self.cmd().args(["mount", &ctr]))), config_arch)
    }
}

/// A private dockerd (BuildKit inside); stopped on Drop.
pub struct Dockerd {
    child: Child,
    dir: tempfile::TempDir,
}

impl Dockerd {
    pub fn start(insecure_registry: &str) -> Dockerd {
        Dockerd::start_with(insecure_registry, &[])
    }

    /// Starts one with `extra` arguments (another listener, TLS); the unix socket stays.
    pub fn start_with(insecure_registry: &str, extra: &[&str]) -> Dockerd {
        let dir = tempfile::tempdir().expect("dockerd dir");
        let log = std::fs::File::create(dir.path().join("log")).expect("dockerd log");
        let child = Command::new("dockerd")
            .arg("--data-root")
            .arg(dir.path().join("data"))
            .arg("--exec-root")
            .arg(dir.path().join("exec"))
            .arg("--pidfile")
            .arg(dir.path().join("pid"))
            .arg("-H")
            .arg(format!("unix://{}", dir.path().join("sock").display()))
            .args([
                "--storage-driver",
                "vfs",
                "--bridge=none",
                "--iptables=false",
                "--ip-masq=false",
                "--insecure-registry",
                insecure_registry,
            ])
            .args(extra)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start dockerd");
        let d = Dockerd { child, dir };
        let deadline = Instant::now() + Duration::from_secs(60);
        while d.docker().arg("version").output().map(|o| !o.status.success()).unwrap_or(true) {
            assert!(
                Instant::now() < deadline,
                "dockerd did not start: {}",
                std::fs::read_to_string(d.dir.path().join("log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
        d
    }

    /// Kills the daemon and the containerd it started at once (SIGKILL), as a machine that
    /// dies mid-build; matched by their own arguments, never by the socket path clients name.
    pub fn kill(&self) {
        for pattern in [format!("data-root {}", self.dir.path().join("data").display()), self.dir.path().join("exec").display().to_string()]
        {
            let _ = Command::new("pkill").args(["-KILL", "-f", &pattern]).status();
        }
    }

    /// Stops (SIGSTOP) or resumes (SIGCONT) the daemon: stopped, it keeps its connections open
    /// and answers nothing, as a machine cut off without a close.
    pub fn freeze(&self, frozen: bool) {
        let signal = if frozen { "-STOP" } else { "-CONT" };
        let _ = Command::new("kill").args([signal, &self.child.id().to_string()]).status();
    }

    /// The daemon's API socket.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("sock")
    }

    /// The Docker CLI (Debian's, not the client-only one in /usr/local/bin) against this daemon.
    pub fn docker(&self) -> Command {
        let mut c = Command::new("/usr/bin/docker");
        c.env("DOCKER_HOST", format!("unix://{}", self.dir.path().join("sock").display())).env("DOCKER_BUILDKIT", "1");
        c
    }

    /// Builds one platform with BuildKit, tagging `tag`.
    pub fn build(&self, dockerfile: &Path, context: &Path, platform: &str, build_args: &[String], tag: &str) {
        let mut c = self.docker();
        c.args(["build", "--network=host", "--platform", platform, "-t", tag, "-f"]).arg(dockerfile);
        for a in build_args {
            c.args(["--build-arg", a]);
        }
        run(c.arg(context));
    }

    /// A file's bytes from an image (through a created, never started, container).
    pub fn file(&self, image: &str, path: &str, into: &Path) -> Vec<u8> {
        let ctr = stdout(self.docker().args(["create", image]));
        let dest = into.join(path.trim_start_matches('/').replace('/', "_"));
        run(self.docker().arg("cp").arg(format!("{ctr}:{path}")).arg(&dest));
        run(self.docker().args(["rm", &ctr]));
        std::fs::read(&dest).unwrap_or_default()
    }
}

impl Drop for Dockerd {
    fn drop(&mut self) {
        // SIGTERM lets dockerd stop the containerd it started; SIGKILL only if it hangs
        self.freeze(false);
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline && !matches!(self.child.try_wait(), Ok(Some(_))) {
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        // dockerd mounts its data root on itself; one killed (`kill`) leaves that mount behind
        let _ = Command::new("umount").arg("-l").arg(self.dir.path().join("data")).stderr(Stdio::null()).status();
    }
}
