//! Shared caches through the CLI with real parts (a registry filled with the test bases): the
//! Go hello exported with `cache-to`, rebuilt on a fresh store with `cache-from`, through a
//! registry and a local layout; damaged, missing, foreign and unreachable caches only warn.

mod common;
mod harness;

use std::process::Command;

use harness::engines::Buildah;
use harness::registry::Registry;
use harness::{ensure_binfmt, images, require};

const TOOLS: &[&str] = &["docker-registry", "buildah", "skopeo", "qemu-aarch64-static", "apt-get", "dpkg", "curl"];

struct Hello {
    dir: tempfile::TempDir,
    host: String,
}

impl Hello {
    /// Builds with a fresh store of its own (a new machine) unless `store` names one.
    fn build(&self, store: &std::path::Path, args: &[&str]) -> common::Run {
        let out = tempfile::tempdir().expect("out");
        let args = [&["build", "--progress", "plain", "-o", out.path().to_str().unwrap_or_default()][..], args].concat();
        common::run_in_env(self.dir.path(), &args, &[("REGISTRY", &self.host), ("MPBAKE_CACHE_DIR", store.to_str().unwrap_or_default())])
    }
}

/// The index digest a build printed for the Go hello.
fn digest(run: &common::Run) -> String {
    let line = run.stdout().lines().find(|l| l.starts_with("hello ")).map(String::from);
    line.unwrap_or_else(|| panic!("no result line: {}{}", run.stdout(), run.stderr()))
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_string()
}

/// `N` of the summary's `N steps executed`.
fn executed(run: &common::Run) -> usize {
    let stderr = run.stderr();
    let line = stderr.lines().find(|l| l.contains(" steps executed, ")).unwrap_or_else(|| panic!("no summary: {stderr}"));
    line.trim_start_matches("mpbake: ").split(' ').next().and_then(|n| n.parse().ok()).unwrap_or(usize::MAX)
}

fn fresh() -> tempfile::TempDir {
    tempfile::tempdir().expect("store")
}

#[test]
fn the_go_hello_rebuilds_from_a_shared_cache_on_a_fresh_machine() {
    if let Err(reason) = require(TOOLS) {
        println!("SKIP shared caches: {reason}");
        return;
    }
    ensure_binfmt();
    let registry = Registry::start();
    let host = registry.host();
    let work = tempfile::tempdir().expect("image work");
    images::fill(&host, &Buildah::new(), work.path());
    let dir = tempfile::tempdir().expect("example");
    harness::run(Command::new("cp").arg("-a").arg(format!("{}/.", common::repo().join("examples/go-hello").display())).arg(dir.path()));
    let hello = Hello { dir, host: host.clone() };
    let cache_ref = format!("type=registry,ref={host}/cache:hello,mode=max");

    // machine A builds and exports every step
    let a = fresh();
    let first = hello.build(a.path(), &["--cache-to", &cache_ref]);
    assert_eq!(first.code(), 0, "{}", first.stderr());
    assert!(first.stderr().contains(&format!("cache-to type=registry,ref={host}/cache:hello: ")), "{}", first.stderr());

    // machine B starts empty: nothing runs, the same image
    let from = format!("type=registry,ref={host}/cache:hello");
    let b = fresh();
    let second = hello.build(b.path(), &["--cache-from", &from]);
    assert_eq!(second.code(), 0, "{}", second.stderr());
    assert_eq!(executed(&second), 0, "{}", second.stderr());
    assert!(second.stderr().contains(" imported)"), "{}", second.stderr());
    assert!(second.stderr().contains(" layers from caches ("), "the output's own layers came from the cache: {}", second.stderr());
    assert_eq!(digest(&second), digest(&first));

    // keys hold no path: another checkout, elsewhere, on another fresh store, hits as well
    let elsewhere = tempfile::tempdir().expect("second checkout");
    harness::run(Command::new("cp").arg("-a").arg(format!("{}/.", hello.dir.path().display())).arg(elsewhere.path()));
    let moved = Hello { dir: elsewhere, host: host.clone() };
    let other = fresh();
    let third = moved.build(other.path(), &["--cache-from", &from]);
    assert_eq!((executed(&third), digest(&third)), (0, digest(&first)), "{}", third.stderr());

    // a changed source: exactly what a warm store would run again runs
    std::fs::write(
        hello.dir.path().join("main.go"),
        std::fs::read_to_string(hello.dir.path().join("main.go")).unwrap_or_default().replace("Hello", "Hi"),
    )
    .expect("edit main.go");
    let warm = hello.build(a.path(), &[]);
    let c = fresh();
    let changed = hello.build(c.path(), &["--cache-from", &from]);
    assert_eq!(changed.code(), 0, "{}", changed.stderr());
    assert_eq!(executed(&changed), executed(&warm), "the cache spares what the local store spares:\n{}", changed.stderr());
    assert!(executed(&changed) > 0 && digest(&changed) == digest(&warm));

    // a local layout does the same
    let layout = hello.dir.path().join("cache-dir");
    let to_local = format!("type=local,dest={},mode=max", layout.display());
    let exported = hello.build(a.path(), &["--cache-to", &to_local]);
    assert_eq!(exported.code(), 0, "{}", exported.stderr());
    let from_local = format!("type=local,src={}", layout.display());
    let d = fresh();
    let local = hello.build(d.path(), &["--cache-from", &from_local]);
    assert_eq!((executed(&local), digest(&local)), (0, digest(&warm)), "{}", local.stderr());

    // a damaged blob: its records are left out, the build is right
    let blobs = layout.join("blobs/sha256");
    let biggest =
        std::fs::read_dir(&blobs).expect("blobs").flatten().max_by_key(|e| e.metadata().map(|m| m.len()).unwrap_or(0)).expect("a blob");
    std::fs::write(biggest.path(), b"not the blob").expect("damage");
    let e = fresh();
    let damaged = hello.build(e.path(), &["--cache-from", &from_local]);
    assert_eq!(damaged.code(), 0, "{}", damaged.stderr());
    assert!(damaged.stderr().contains("unusable, left out"), "{}", damaged.stderr());
    assert_eq!(digest(&damaged), digest(&warm));

    // a missing ref, an unreachable registry, a BuildKit cache: warnings and a normal build
    let buildkit = push_buildkit_cache(&host);
    for (source, said) in [
        (format!("{host}/cache:none"), "no such tag"),
        ("127.0.0.1:1/cache:x".to_string(), "building without it"),
        (buildkit, "BuildKit cache"),
    ] {
        let f = fresh();
        let run = hello.build(f.path(), &["--cache-from", &source]);
        assert_eq!(run.code(), 0, "{source}: {}", run.stderr());
        assert!(run.stderr().contains("warning: cache-from") && run.stderr().contains(said), "{source}: {}", run.stderr());
        assert_eq!(digest(&run), digest(&warm));
    }

    // two machines exporting to one ref at once leave a cache that works
    let shared = format!("type=registry,ref={host}/cache:shared,mode=max");
    let (g, h) = (fresh(), fresh());
    let racers: Vec<_> = [g.path().to_path_buf(), h.path().to_path_buf()]
        .into_iter()
        .map(|store| {
            let (dir, host, shared) = (hello.dir.path().to_path_buf(), host.clone(), shared.clone());
            std::thread::spawn(move || {
                let out = tempfile::tempdir().expect("out");
                common::run_in_env(
                    &dir,
                    &["build", "-o", out.path().to_str().unwrap_or_default(), "--cache-to", &shared],
                    &[("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", store.to_str().unwrap_or_default())],
                )
            })
        })
        .collect();
    for racer in racers {
        let run = racer.join().expect("racer");
        assert_eq!(run.code(), 0, "{}", run.stderr());
    }
    let i = fresh();
    let after = hello.build(i.path(), &["--cache-from", &format!("{host}/cache:shared")]);
    assert_eq!((executed(&after), digest(&after)), (0, digest(&warm)), "{}", after.stderr());

    // a cache gone after its records were imported (its registry stopped): a step whose layers
    // only it held runs again instead of failing the build
    let doomed = Registry::start();
    let doomed_ref = format!("{}/cache:hello", doomed.host());
    let exported = hello.build(fresh().path(), &["--cache-to", &format!("type=registry,ref={doomed_ref},mode=max")]);
    assert_eq!(exported.code(), 0, "{}", exported.stderr());
    let n = fresh();
    let imported = hello.build(n.path(), &["--cache-from", &doomed_ref]);
    assert_eq!((imported.code(), executed(&imported)), (0, 0), "{}", imported.stderr());
    drop(doomed);
    let renamed = std::fs::read_to_string(hello.dir.path().join("Dockerfile"))
        .unwrap_or_default()
        .replace("/usr/local/bin/hello", "/usr/local/bin/hi");
    std::fs::write(hello.dir.path().join("Dockerfile.renamed"), renamed).expect("Dockerfile.renamed");
    let after = hello.build(n.path(), &["--set", "hello.dockerfile=Dockerfile.renamed"]);
    assert_eq!(after.code(), 0, "{}", after.stderr());
    assert!(after.stderr().contains("does not answer") && executed(&after) > 0, "{}", after.stderr());

    // mounts=true: the Go build cache of `RUN --mount=type=cache` travels too, so a RUN that
    // must run again (a changed source) starts warm on a fresh machine
    let dockerfile = std::fs::read_to_string(hello.dir.path().join("Dockerfile")).unwrap_or_default().replace(
        "RUN CGO_ENABLED=0",
        "RUN --mount=type=cache,target=/tmp/go-cache echo \"go cache entries: $(ls /tmp/go-cache | wc -l)\" && CGO_ENABLED=0",
    );
    std::fs::write(hello.dir.path().join("Dockerfile.mounts"), dockerfile).expect("Dockerfile.mounts");
    let mounted = ["--set", "hello.dockerfile=Dockerfile.mounts"];
    let with_mounts = format!("type=registry,ref={host}/cache:mounts,mode=max,mounts=true");
    let j = fresh();
    let exported = hello.build(j.path(), &[&mounted[..], &["--cache-to", &with_mounts]].concat());
    assert_eq!(exported.code(), 0, "{}", exported.stderr());
    assert!(exported.stderr().contains("1 cache mounts"), "{}", exported.stderr());
    std::fs::write(
        hello.dir.path().join("main.go"),
        std::fs::read_to_string(hello.dir.path().join("main.go")).unwrap_or_default().replace("Hi", "Hey"),
    )
    .expect("edit main.go");
    let (k, l) = (fresh(), fresh());
    let warm = hello.build(k.path(), &[&mounted[..], &["--cache-from", &format!("{host}/cache:mounts")]].concat());
    let cold = hello.build(l.path(), &mounted);
    assert_eq!((warm.code(), cold.code()), (0, 0), "{}\n{}", warm.stderr(), cold.stderr());
    assert!(warm.stderr().contains("1 cache mounts restored"), "{}", warm.stderr());
    let entries = |run: &common::Run| -> Vec<usize> {
        let stderr = run.stderr();
        stderr.lines().filter_map(|l| l.split("go cache entries: ").nth(1)).filter_map(|n| n.trim().parse().ok()).collect()
    };
    assert!(!entries(&warm).is_empty() && entries(&warm).iter().all(|n| *n > 0), "restored before the RUN: {}", warm.stderr());
    assert!(entries(&cold).contains(&0), "a fresh machine starts empty: {}", cold.stderr());
    assert_eq!(digest(&warm), digest(&cold));
}

/// Pushes a manifest in BuildKit's cache format (its config media type) to the registry by
/// hand; returns its reference.
fn push_buildkit_cache(host: &str) -> String {
    let config = br#"{"layers":[],"records":[]}"#;
    let config_digest = format!("sha256:{}", images_sha256(config));
    let upload = Command::new("curl")
        .args(["-sf", "-X", "POST", "-D", "-", "-o", "/dev/null", &format!("http://{host}/v2/bkcache/blobs/uploads/")])
        .output()
        .expect("curl");
    let headers = String::from_utf8_lossy(&upload.stdout).to_string();
    let location = headers
        .lines()
        .find_map(|l| l.strip_prefix("Location: ").or(l.strip_prefix("location: ")))
        .expect("upload location")
        .trim()
        .to_string();
    let separator = if location.contains('?') { '&' } else { '?' };
    let put = format!("{location}{separator}digest={config_digest}");
    let put = if put.starts_with("http") { put } else { format!("http://{host}{put}") };
    let body = std::str::from_utf8(config).unwrap_or_default();
    harness::run(Command::new("curl").args([
        "-sS",
        "--fail-with-body",
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/octet-stream",
        "--data-binary",
        body,
        &put,
    ]));
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.buildkit.cacheconfig.v0","digest":"{config_digest}","size":{}}},"layers":[]}}"#,
        config.len()
    );
    harness::run(Command::new("curl").args([
        "-sf",
        "-X",
        "PUT",
        "-H",
        "Content-Type: application/vnd.oci.image.manifest.v1+json",
        "--data-binary",
        &manifest,
        &format!("http://{host}/v2/bkcache/manifests/cache"),
    ]));
    format!("{host}/bkcache:cache")
}

fn images_sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
