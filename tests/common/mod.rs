//! Shared helpers for the integration tests: run the real `mpbake` binary in a temp directory.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory with spec files written into it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Workspace {
        Workspace { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub fn with(files: &[(&str, &str)]) -> Workspace {
        let ws = Workspace::new();
        for (name, text) in files {
            ws.write(name, text);
        }
        ws
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs mpbake here with a clean environment plus `env`.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpbake"));
        cmd.args(args).current_dir(self.path()).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
        for (k, v) in env {
            cmd.env(k, v);
        }
        Run(cmd.output().expect("run mpbake"))
    }
}

/// The outcome of one mpbake run.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().unwrap_or(-1)
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }

    /// Stdout as JSON, failing the test with stderr shown when the run failed.
    pub fn json(&self) -> serde_json::Value {
        assert_eq!(self.code(), 0, "mpbake failed:\n{}", self.stderr());
        serde_json::from_str(&self.stdout()).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", self.stdout()))
    }
}

/// `mpbake print` of one HCL spec, with extra args and environment.
pub fn print_hcl(spec: &str, args: &[&str], env: &[(&str, &str)]) -> serde_json::Value {
    let ws = Workspace::with(&[("docker-bake.hcl", spec)]);
    let mut all = vec!["print"];
    all.extend_from_slice(args);
    ws.run(&all, env).json()
}

/// Repository root, for the bundled examples.
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs mpbake in `dir` with a clean environment.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpbake"));
    cmd.args(args).current_dir(dir).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    Run(cmd.output().expect("run mpbake"))
}

/// Runs mpbake in `dir` with a clean environment plus `env`.
pub fn run_in_env(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpbake"));
    cmd.args(args).current_dir(dir).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    for (k, v) in env {
        cmd.env(k, v);
    }
    Run(cmd.output().expect("run mpbake"))
}
