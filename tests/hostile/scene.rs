//! One hostile build's surroundings: a context, canaries in and around it, beside the output, the cache and $TMPDIR, a host secret outside, and `mpbake build` run there.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::common::{self, Run};

/// A temporary directory laid out as
///
/// ```text
/// T/beside.txt            canary beside the context
/// T/outside/secret        canary dir outside the context (hostile symlinks point here)
/// T/outside.txt           canary file outside the context, holding the secret
/// T/ctx/                  the build context: Dockerfile, docker-bake.hcl, canary.txt, canary-dir/
/// T/ctx/out/keep.txt      canary beside the local output's root (out/default)
/// T/cachebox/canary.txt   canary beside the cache directories T/cachebox/cache-N
/// T/tmp/canary.txt        canary in mpbake's $TMPDIR
/// ```
pub struct Scene {
    pub dir: tempfile::TempDir,
    /// The unique content of the host canaries a hostile build must not read.
    pub secret: String,
    canaries: Vec<(PathBuf, Vec<u8>)>,
    /// Directories whose whole tree must stay as it was (nothing added, nothing removed).
    watched: Vec<(PathBuf, BTreeMap<String, String>)>,
    cache: Cell<usize>,
}

impl Scene {
    pub fn new() -> Scene {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("scene dir: {e}"));
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        let secret = format!("host-secret-{}-{nanos}", std::process::id());
        let mut scene = Scene { dir, secret, canaries: Vec::new(), watched: Vec::new(), cache: Cell::new(0) };
        let secret = scene.secret.clone();
        for (path, text) in [
            ("beside.txt", "beside the context\n".to_string()),
            ("outside/secret", format!("{secret}\n")),
            ("outside.txt", format!("{secret}\n")),
            ("ctx/canary.txt", "in the context\n".to_string()),
            ("ctx/canary-dir/inner.txt", "in a context dir\n".to_string()),
            ("ctx/out/keep.txt", "beside the output\n".to_string()),
            ("cachebox/canary.txt", "beside the cache\n".to_string()),
            ("tmp/canary.txt", "in TMPDIR\n".to_string()),
        ] {
            scene.canary(path, text.as_bytes());
        }
        scene.watch("outside");
        scene.watch("ctx/canary-dir");
        scene
    }

    /// The scene's directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn ctx(&self) -> PathBuf {
        self.path().join("ctx")
    }

    /// Writes `bytes` at `relative` (under the scene) and expects it there, unchanged, after every build.
    pub fn canary(&mut self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.write(relative, bytes);
        self.canaries.retain(|(p, _)| *p != path);
        self.canaries.push((path.clone(), bytes.to_vec()));
        path
    }

    /// Writes `bytes` at `relative` under the scene (a file the build may change).
    pub fn write(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap_or(self.path())).unwrap_or_else(|e| panic!("mkdir for {relative}: {e}"));
        std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("writing {relative}: {e}"));
        path
    }

    /// Expects the tree under `relative` to stay exactly as it is now.
    pub fn watch(&mut self, relative: &str) {
        let path = self.path().join(relative);
        let tree = tree(&path);
        self.watched.push((path, tree));
    }

    /// The context's Dockerfile and a bake file with one linux/amd64 target `default`; both canaries.
    pub fn dockerfile(&mut self, text: &str) {
        self.canary("ctx/Dockerfile", text.as_bytes());
        self.canary("ctx/docker-bake.hcl", b"target \"default\" {\n  platforms = [\"linux/amd64\"]\n}\n");
    }

    /// The cache directory the next build uses.
    pub fn cache(&self) -> PathBuf {
        self.path().join("cachebox").join(format!("cache-{}", self.cache.get()))
    }

    /// Makes the next builds use a new, empty cache directory.
    pub fn fresh_cache(&self) {
        self.cache.set(self.cache.get() + 1);
    }

    /// `mpbake build ARGS` in the context with the scene's cache and $TMPDIR.
    pub fn build(&self, args: &[&str]) -> Run {
        let (cache, tmp) = (self.cache().display().to_string(), self.path().join("tmp").display().to_string());
        let all: Vec<&str> = ["build"].iter().chain(args).copied().collect();
        common::run_in_env(&self.ctx(), &all, &[("MPBAKE_CACHE_DIR", cache.as_str()), ("TMPDIR", tmp.as_str())])
    }

    /// `mpbake build -o type=local,dest=out` started in the background, as `build` runs it,
    /// with `env` besides; its stderr piped.
    pub fn spawn_build(&self, env: &[(&str, &str)]) -> std::process::Child {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_mpbake"));
        command
            .args(["build", "-o", "type=local,dest=out", "--progress", "plain"])
            .current_dir(self.ctx())
            .env("MPBAKE_CACHE_DIR", self.cache())
            .env("TMPDIR", self.path().join("tmp"))
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        command.spawn().unwrap_or_else(|e| panic!("starting mpbake: {e}"))
    }

    /// What changed on the host: canaries gone, no longer plain files or with other bytes, watched trees changed.
    pub fn changes(&self) -> Vec<String> {
        let mut out = Vec::new();
        for (path, bytes) in &self.canaries {
            match path.symlink_metadata() {
                Err(e) => out.push(format!("canary {} is gone ({e})", path.display())),
                Ok(meta) if !meta.is_file() => out.push(format!("canary {} is no longer a plain file", path.display())),
                Ok(_) => {
                    let now = std::fs::read(path).unwrap_or_default();
                    if now != *bytes {
                        out.push(format!("canary {} changed to {:?}", path.display(), String::from_utf8_lossy(&now)));
                    }
                }
            }
        }
        for (path, before) in &self.watched {
            let after = tree(path);
            if after != *before {
                out.push(format!("{} changed: {before:?} -> {after:?}", path.display()));
            }
        }
        out
    }

    /// Fails unless every canary is there with its bytes and every watched tree is as it was.
    pub fn assert_host_unchanged(&self, what: &str, run: &Run) {
        let changes = self.changes();
        assert!(
            changes.is_empty(),
            "{what}: the host changed (exit {}):\n{}\nmpbake said:\n{}",
            run.code(),
            changes.join("\n"),
            run.stderr()
        );
    }

    /// The first regular file under `root` (symlinks not followed) that holds the secret.
    pub fn leaked_into(&self, root: &Path) -> Option<PathBuf> {
        walkdir::WalkDir::new(root)
            .follow_links(false)
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .find(|e| std::fs::read(e.path()).is_ok_and(|b| b.windows(self.secret.len()).any(|w| w == self.secret.as_bytes())))
            .map(|e| e.path().to_path_buf())
    }
}

/// Every entry under `root`: kind and contents or link target.
pub fn tree(root: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false).min_depth(1).into_iter().flatten() {
        let path = entry.path();
        let what = match entry.file_type() {
            t if t.is_symlink() => format!("-> {}", std::fs::read_link(path).map(|l| l.display().to_string()).unwrap_or_default()),
            t if t.is_dir() => "dir".to_string(),
            t if t.is_file() => String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned(),
            _ => "special".to_string(),
        };
        out.insert(path.strip_prefix(root).map(|p| p.display().to_string()).unwrap_or_default(), what);
    }
    out
}

/// A build that may fail but must not panic or be killed.
pub fn assert_no_crash(what: &str, run: &Run) {
    assert!(matches!(run.code(), 0..=2), "{what}: exit {} (a panic or a signal):\n{}", run.code(), run.stderr());
}
