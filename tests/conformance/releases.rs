//! `mpbake release` in the conformance run: byte-identical pushes, mounts, verification, media
//! types, faults (a flaky proxy, a killed registry), basic auth and bearer tokens.

use std::path::Path;
use std::process::Command;

use super::harness::engines::Buildah;
use super::harness::proxy::{Faults, Proxy};
use super::harness::registry::Registry;
use super::harness::tokens::TokenServer;
use super::{base64_basic, common, example_copy};

/// `skopeo inspect --raw` of a reference on a plain-HTTP registry; None when it is not there.
fn raw(reference: &str) -> Option<Vec<u8>> {
    raw_as(reference, None)
}

/// `raw` with `user:password` credentials.
pub fn raw_as(reference: &str, creds: Option<&str>) -> Option<Vec<u8>> {
    let mut cmd = Command::new("skopeo");
    cmd.args(["inspect", "--raw", "--tls-verify=false"]);
    if let Some(c) = creds {
        cmd.args(["--creds", c]);
    }
    let out = cmd.arg(format!("docker://{reference}")).output().ok()?;
    out.status.success().then_some(out.stdout)
}

/// A blob by digest: (digest, bytes).
type Blob = (String, Vec<u8>);

/// The index a layout holds (digest, bytes), and its platform manifests.
pub fn layout_index(layout: &Path) -> (String, Vec<u8>, Vec<Blob>) {
    let read = |digest: &str| std::fs::read(layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"))).expect("blob");
    let top: serde_json::Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).expect("index.json")).expect("json");
    let digest = top["manifests"][0]["digest"].as_str().unwrap_or_default().to_string();
    let index = read(&digest);
    let entries: serde_json::Value = serde_json::from_slice(&index).expect("index");
    let manifests = entries["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let d = m["digest"].as_str().unwrap_or_default().to_string();
            let bytes = read(&d);
            (d, bytes)
        })
        .collect();
    (digest, index, manifests)
}

/// `mpbake release`: pushes the seed examples blob-first, tags last; what the registry serves is
/// byte-identical to the layouts; base layers are mounted, not uploaded; a no-change release
/// uploads nothing; verify stops a wrong binary; 503s and resets are retried; cut uploads resume,
/// also in the next run; a registry killed mid-release moves no tag, and the re-run completes
/// with the same digests.
pub fn mpbake_releases(registry: &Registry, buildah: &Buildah, busybox: &[(String, std::path::PathBuf)]) {
    let cache = tempfile::tempdir().expect("cache dir");
    let cache_dir = cache.path().display().to_string();
    let host = registry.host();
    let per_arch = example_copy("per-arch-binaries");
    std::fs::create_dir_all(per_arch.path().join("dist")).expect("dist");
    for (arch, binary) in busybox {
        std::fs::copy(binary, per_arch.path().join(format!("dist/xxx.{arch}"))).expect("payload");
    }
    let env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str()), ("TAG", "release")];

    let dry = common::run_in_env(per_arch.path(), &["release", "--dry-run"], &env);
    assert_eq!(dry.code(), 0, "{}", dry.stderr());
    assert!(dry.stdout().contains(&format!("{host}/xxx:release")) && dry.stderr().contains("nothing was pushed"), "{}", dry.stdout());
    assert!(raw(&format!("{host}/xxx:release")).is_none(), "a dry run pushes nothing");
    // TARGET TAG PLATFORMS NEW MOUNT PRESENT, sizes as "12.3 kB": busybox's layers would be mounted
    let row = dry.stdout().lines().find(|l| l.contains(&format!("{host}/xxx:release"))).unwrap_or_default().to_string();
    let sizes: Vec<&str> = row.split_whitespace().skip(3).collect();
    assert!(dry.stdout().contains("MOUNT") && sizes.len() == 6 && sizes[2] != "0", "the base's blobs are counted as mounts: {row}");

    let released = common::run_in_env(per_arch.path(), &["release", "--metadata-file", "release.json"], &env);
    assert_eq!(released.code(), 0, "mpbake release failed:\n{}", released.stderr());
    let (digest, index, manifests) = layout_index(&per_arch.path().join("mpbake-out/xxx"));
    assert_eq!(raw(&format!("{host}/xxx:release")), Some(index.clone()), "the tag serves the layout's index, byte for byte");
    for (d, bytes) in &manifests {
        assert_eq!(raw(&format!("{host}/xxx@{d}")).as_ref(), Some(bytes), "manifest {d} byte-identical");
    }
    assert!(released.stderr().contains("2 mounted"), "busybox's two layers are mounted from its repository:\n{}", released.stderr());
    let metadata: serde_json::Value =
        serde_json::from_slice(&std::fs::read(per_arch.path().join("release.json")).expect("metadata")).expect("json");
    // keyed by target, as build's and bake's are, with what was pushed under each tag
    let entry = &metadata["xxx"]["mpbake.pushed"][0];
    assert_eq!(metadata["xxx"]["containerimage.digest"].as_str(), Some(digest.as_str()));
    assert_eq!(entry["tag"].as_str(), Some(format!("{host}/xxx:release").as_str()));
    assert_eq!(entry["containerimage.digest"].as_str(), Some(digest.as_str()));
    let expected: u64 = manifests
        .iter()
        .map(|(_, m)| {
            let m: serde_json::Value = serde_json::from_slice(m).expect("manifest");
            // the config and the selection's layer; busybox's layer is mounted
            m["config"]["size"].as_u64().unwrap_or(0) + m["layers"][1]["size"].as_u64().unwrap_or(0)
        })
        .sum();
    assert_eq!(entry["uploadedBytes"].as_u64(), Some(expected), "bytes uploaded are the new blobs only");
    let again = common::run_in_env(per_arch.path(), &["release"], &env);
    assert_eq!(again.code(), 0, "{}", again.stderr());
    assert!(again.stderr().contains("0 blob(s) uploaded"), "a no-change release uploads nothing:\n{}", again.stderr());

    // Docker manifest-list media types for old registries: same blobs, rewritten manifests
    let docker =
        common::run_in_env(per_arch.path(), &["release", "--media-types", "docker", "--set", &format!("xxx.tags={host}/xxx:docker")], &env);
    assert_eq!(docker.code(), 0, "{}", docker.stderr());
    let list: serde_json::Value = serde_json::from_slice(&raw(&format!("{host}/xxx:docker")).unwrap_or_default()).unwrap_or_default();
    assert_eq!(list["mediaType"], "application/vnd.docker.distribution.manifest.list.v2+json");
    let first = list["manifests"][0]["digest"].as_str().unwrap_or_default().to_string();
    let manifest: serde_json::Value = serde_json::from_slice(&raw(&format!("{host}/xxx@{first}")).unwrap_or_default()).unwrap_or_default();
    assert_eq!(manifest["layers"][1]["mediaType"], "application/vnd.docker.image.rootfs.diff.tar.gzip");
    assert!(docker.stderr().contains("0 blob(s) uploaded"), "the blobs are the OCI push's:\n{}", docker.stderr());

    // inspect and verify, of the registry reference and of the layout
    let inspected = common::run_in_env(per_arch.path(), &["inspect", "--format", "json", &format!("{host}/xxx:release")], &env);
    assert_eq!(inspected.code(), 0, "{}", inspected.stderr());
    let v = inspected.json();
    assert_eq!(v["digest"].as_str(), Some(digest.as_str()));
    assert_eq!(v["platforms"].as_array().map(Vec::len), Some(2));
    let verified = common::run_in_env(per_arch.path(), &["verify", &format!("{host}/xxx:release")], &env);
    assert_eq!(verified.code(), 0, "{}{}", verified.stdout(), verified.stderr());
    assert!(verified.stdout().contains("0 problem(s)"), "{}", verified.stdout());

    // a wrong per-arch selection: the amd64 binary in the arm64 image
    let amd64 = &busybox.iter().find(|(a, _)| a == "amd64").expect("amd64 busybox").1;
    std::fs::copy(amd64, per_arch.path().join("dist/xxx.arm64")).expect("wrong payload");
    let bad_env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str()), ("TAG", "wrong")];
    let refused = common::run_in_env(per_arch.path(), &["release", "-o", "wrong-out"], &bad_env);
    assert_eq!(refused.code(), 1, "{}", refused.stderr());
    assert!(
        refused.stderr().contains("/usr/local/bin/xxx") && refused.stderr().contains("x86_64") && refused.stderr().contains("linux/arm64"),
        "verify names the file, its machine and the platform:\n{}",
        refused.stderr()
    );
    assert!(raw(&format!("{host}/xxx:wrong")).is_none(), "nothing tagged after a failed verification");
    let layout_verify = common::run_in_env(per_arch.path(), &["verify", "wrong-out/xxx"], &bad_env);
    assert_eq!(layout_verify.code(), 1, "{}", layout_verify.stdout());
    assert!(layout_verify.stdout().contains("exec format error"), "{}", layout_verify.stdout());

    // the Go hello through a proxy that slows every request and fails one in ten (a reset or a
    // 503): retries succeed, and the registry serves the layout's bytes
    let hello = example_copy("go-hello");
    let flaky = Proxy::start(registry.port, Faults { fail_every: 10, delay: std::time::Duration::from_millis(20), ..Faults::default() });
    let tag = format!("{}/hello:flaky", flaky.host());
    let flaky_env = [("REGISTRY", host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str())];
    let pushed = common::run_in_env(hello.path(), &["release", "--set", &format!("hello.tags={tag}")], &flaky_env);
    assert_eq!(pushed.code(), 0, "a release through faults:\n{}", pushed.stderr());
    let (_, hello_index, _) = layout_index(&hello.path().join("mpbake-out/hello"));
    assert_eq!(raw(&format!("{host}/hello:flaky")), Some(hello_index.clone()), "the Go hello's index, byte for byte");
    assert!(flaky.connections.load(std::sync::atomic::Ordering::SeqCst) > 13, "the faults were met");

    // every upload chunk cut short after 300 kB: the registry keeps nothing of a broken chunk
    // (distribution 2.8 drops the whole session), so chunks shrink until they get through
    let resumes_past_start = |r: &String| {
        let r = r.to_ascii_lowercase();
        r.starts_with("patch ") && r.contains("content-range: ") && !r.contains("content-range: 0-")
    };
    let cutting = Proxy::start(registry.port, Faults { cut_blobs_after: Some(300_000), ..Faults::default() });
    let set = format!("hello.tags={}/hello-cut:1", cutting.host());
    let cut = common::run_in_env(hello.path(), &["release", "--set", &set], &flaky_env);
    assert_eq!(cut.code(), 0, "a release whose uploads are cut short:\n{}\n{:#?}", cut.stderr(), cutting.requests());
    let requests = cutting.requests();
    assert!(requests.iter().any(resumes_past_start), "a cut upload resumes past its start: {requests:#?}");
    assert_eq!(raw(&format!("{host}/hello-cut:1")), Some(hello_index.clone()), "resumed uploads give the layout's bytes");

    // a release whose registry goes away mid-upload (once a chunk got through, before that
    // upload's closing PUT) leaves its upload sessions behind; the next run picks them up, and a
    // blob whose bytes the registry already has is closed without sending them again
    let going = Proxy::start(registry.port, Faults { refuse_after_chunk_bytes: Some(1), ..Faults::default() });
    let set = format!("hello.tags={}/hello-resumed:1", going.host());
    let broken = common::run_in_env(hello.path(), &["release", "--set", &set], &flaky_env);
    assert_eq!(broken.code(), 2, "a registry gone mid-upload:\n{}", broken.stderr());
    assert!(broken.stderr().contains("no tag was moved"), "{}", broken.stderr());
    let sessions = cache.path().join("uploads");
    assert!(std::fs::read_dir(&sessions).map(|d| d.count()).unwrap_or(0) > 0, "the unfinished uploads are remembered");
    let first_run = going.requests();
    going.set(Faults::default());
    let finished = common::run_in_env(hello.path(), &["release", "--set", &set], &flaky_env);
    assert_eq!(finished.code(), 0, "the re-run resumes the uploads:\n{}", finished.stderr());
    let rerun = going.requests().split_off(first_run.len());
    let earlier: std::collections::HashSet<&str> = first_run.iter().filter_map(|r| upload_id(r)).collect();
    let reused: std::collections::HashSet<&str> = rerun.iter().filter_map(|r| upload_id(r)).filter(|id| earlier.contains(id)).collect();
    let sent_again = |id: &str| rerun.iter().any(|r| upload_id(r) == Some(id) && r.to_ascii_lowercase().contains("content-range: 0-"));
    let closed = |id: &str| rerun.iter().any(|r| r.starts_with("PUT ") && upload_id(r) == Some(id));
    assert!(
        reused.iter().any(|id| closed(id) && !sent_again(id)),
        "the next run closes a remembered upload without sending its bytes again:\nfirst run {first_run:#?}\nre-run {rerun:#?}"
    );
    assert_eq!(raw(&format!("{host}/hello-resumed:1")), Some(hello_index), "resumed uploads give the layout's bytes");
    assert_eq!(std::fs::read_dir(&sessions).map(|d| d.count()).unwrap_or(0), 0, "finished uploads are forgotten");

    // a registry killed in the middle of a release: no tag moves; restarted, the re-run pushes
    // what is missing and gives the same digests
    let mut victim = Registry::start();
    buildah.push_list(&["busybox-amd64".to_string(), "busybox-arm64".to_string()], &format!("{}/busybox:1", victim.host()));
    std::fs::copy(&busybox.iter().find(|(a, _)| a == "arm64").expect("arm64 busybox").1, per_arch.path().join("dist/xxx.arm64"))
        .expect("payload");
    let doomed = Proxy::start(victim.port, Faults { kill_at: Some((4, victim.pid())), ..Faults::default() });
    let victim_host = victim.host();
    let victim_env = [("REGISTRY", victim_host.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str())];
    let tag = format!("{}/xxx:killed", doomed.host());
    let set = format!("xxx.tags={tag}");
    let killed = common::run_in_env(per_arch.path(), &["release", "-o", "killed-out", "--set", &set], &victim_env);
    assert_eq!(killed.code(), 2, "a dead registry is an environment error:\n{}", killed.stderr());
    assert!(killed.stderr().contains("no tag was moved"), "{}", killed.stderr());
    victim.restart();
    assert!(raw(&format!("{}/xxx:killed", victim.host())).is_none(), "no tag after the kill");
    doomed.set(Faults::default());
    let resumed = common::run_in_env(per_arch.path(), &["release", "-o", "killed-out", "--set", &set], &victim_env);
    assert_eq!(resumed.code(), 0, "the re-run completes:\n{}", resumed.stderr());
    let (_, killed_index, _) = layout_index(&per_arch.path().join("killed-out/xxx"));
    assert_eq!(raw(&format!("{}/xxx:killed", victim.host())), Some(killed_index));
    let store = common::run_in_env(per_arch.path(), &["cache", "du"], &victim_env);
    assert_eq!(store.code(), 0, "the content store is intact: {}", store.stderr());
}

/// The upload session a request names (`…/blobs/uploads/ID?…`), if it names one.
fn upload_id(request: &str) -> Option<&str> {
    let (_, rest) = request.split_once("/blobs/uploads/")?;
    let id = rest.split(['?', ' ']).next()?;
    (!id.is_empty()).then_some(id)
}

/// The bearer-token flow: a registry that sends clients to a token server, which wants basic
/// credentials (from docker's config.json) and signs what the scope asks; then the same with
/// an identity token (a refresh token) in docker's config instead of the password.
pub fn mpbake_releases_with_tokens(buildah: &Buildah, busybox: &[(String, std::path::PathBuf)]) {
    let tokens = TokenServer::start("mpbake", "t0ken-pass", "identity-s3cret");
    let registry = Registry::start_with_tokens(&tokens.realm(), tokens.cert());
    let host = registry.host();
    let creds = "mpbake:t0ken-pass";
    buildah.push_list_as(&["busybox-amd64".to_string(), "busybox-arm64".to_string()], &format!("{host}/busybox:1"), Some(creds));
    let docker_config = tempfile::tempdir().expect("docker config");
    let auth = base64_basic("mpbake", "t0ken-pass");
    std::fs::write(docker_config.path().join("config.json"), format!(r#"{{"auths": {{"{host}": {{"auth": "{auth}"}}}}}}"#))
        .expect("config.json");
    let per_arch = example_copy("per-arch-binaries");
    std::fs::create_dir_all(per_arch.path().join("dist")).expect("dist");
    for (arch, binary) in busybox {
        std::fs::copy(binary, per_arch.path().join(format!("dist/xxx.{arch}"))).expect("payload");
    }
    let cache = tempfile::tempdir().expect("cache dir");
    let (config_dir, cache_dir) = (docker_config.path().display().to_string(), cache.path().display().to_string());
    let env = [("REGISTRY", host.as_str()), ("DOCKER_CONFIG", config_dir.as_str()), ("MPBAKE_CACHE_DIR", cache_dir.as_str())];
    let before = tokens.issued.load(std::sync::atomic::Ordering::SeqCst);
    let released = common::run_in_env(per_arch.path(), &["release"], &env);
    assert_eq!(released.code(), 0, "a release through bearer tokens: {}", released.stderr());
    assert!(!format!("{}{}", released.stdout(), released.stderr()).contains("t0ken-pass"), "credentials are never printed");
    assert!(tokens.issued.load(std::sync::atomic::Ordering::SeqCst) > before, "mpbake asked the token server");
    let (_, index, _) = layout_index(&per_arch.path().join("mpbake-out/xxx"));
    assert_eq!(raw_as(&format!("{host}/xxx:dev"), Some(creds)), Some(index), "pushed with bearer tokens");

    std::fs::write(
        docker_config.path().join("config.json"),
        format!(r#"{{"auths": {{"{host}": {{"identitytoken": "identity-s3cret"}}}}}}"#),
    )
    .expect("config.json");
    let env = [("TAG", "identity"), env[0], env[1], env[2]];
    let released = common::run_in_env(per_arch.path(), &["release"], &env);
    assert_eq!(released.code(), 0, "a release with an identity token: {}", released.stderr());
    assert!(!format!("{}{}", released.stdout(), released.stderr()).contains("identity-s3cret"), "identity tokens are never printed");
    assert!(tokens.refreshed.load(std::sync::atomic::Ordering::SeqCst) > 0, "mpbake exchanged the identity token");
    let (_, index, _) = layout_index(&per_arch.path().join("mpbake-out/xxx"));
    assert_eq!(raw_as(&format!("{host}/xxx:identity"), Some(creds)), Some(index), "pushed with an identity token");
}
