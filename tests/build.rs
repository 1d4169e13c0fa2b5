//! `mpbake build` of inline images and RUN-free Dockerfiles on scratch: an OCI layout whose index lists every platform,
//! each platform's layer holding exactly its selected files, reproducible digests, and a layout
//! other OCI tools read (skopeo, when installed).

mod common;

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use common::{repo, run_in_env};
use serde_json::Value;

fn blob(layout: &Path, digest: &str) -> Vec<u8> {
    let hex = digest.trim_start_matches("sha256:");
    std::fs::read(layout.join("blobs/sha256").join(hex)).unwrap_or_else(|e| panic!("blob {digest}: {e}"))
}

fn json(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{e}"))
}

/// path → contents of every regular file in a gzip layer.
fn layer_files(bytes: &[u8]) -> BTreeMap<String, String> {
    let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(bytes));
    let mut out = BTreeMap::new();
    for mut entry in archive.entries().expect("tar").flatten() {
        if entry.header().entry_type().is_file() {
            let path = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
            let mut text = String::new();
            let _ = entry.read_to_string(&mut text);
            out.insert(path, text);
        }
    }
    out
}

fn build(dir: &Path, env: &[(&str, &str)]) -> String {
    let run = run_in_env(dir, &["build"], env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    run.stdout()
}

fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("dir");
    for entry in ["mpbake.hcl", "files/README", "files/motd-amd64.txt", "files/motd-arm64.txt", "files/motd-armv7.txt"] {
        let to = dir.path().join(entry);
        std::fs::create_dir_all(to.parent().expect("parent")).expect("mkdir");
        std::fs::copy(repo().join("examples/scratch-files").join(entry), &to).expect("copy");
    }
    dir
}

#[test]
fn scratch_images_hold_each_platforms_files() {
    let dir = example();
    build(dir.path(), &[]);
    let layout = dir.path().join("mpbake-out/motd");
    assert_eq!(std::fs::read_to_string(layout.join("oci-layout")).unwrap_or_default(), r#"{"imageLayoutVersion":"1.0.0"}"#);
    let top = json(&std::fs::read(layout.join("index.json")).expect("index.json"));
    let index_digest = top["manifests"][0]["digest"].as_str().unwrap_or_default().to_string();
    assert_eq!(top["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "dev");
    let index = json(&blob(&layout, &index_digest));
    let manifests = index["manifests"].as_array().cloned().unwrap_or_default();
    assert_eq!(manifests.len(), 3);
    for m in manifests {
        let (arch, variant) = (m["platform"]["architecture"].as_str().unwrap_or(""), m["platform"]["variant"].as_str().unwrap_or(""));
        let manifest = json(&blob(&layout, m["digest"].as_str().unwrap_or("")));
        let config = json(&blob(&layout, manifest["config"]["digest"].as_str().unwrap_or("")));
        assert_eq!((config["architecture"].as_str(), config["os"].as_str()), (Some(arch), Some("linux")));
        assert_eq!(config["variant"].as_str().unwrap_or(""), variant);
        assert_eq!(config["config"]["Env"], serde_json::json!(["MOTD=/etc/motd"]));
        let layers = manifest["layers"].as_array().cloned().unwrap_or_default();
        assert_eq!(layers.len(), 1);
        let layer = blob(&layout, layers[0]["digest"].as_str().unwrap_or(""));
        let files = layer_files(&layer);
        let expected_motd = format!("Built for linux/{arch}{}.\n", if variant.is_empty() { String::new() } else { format!("/{variant}") });
        assert_eq!(files.get("etc/motd"), Some(&expected_motd), "{arch}{variant}: {files:?}");
        assert_eq!(files.get("usr/share/motd/README").map(String::as_str), Some("The same file on every platform.\n"));
        assert_eq!(files.len(), 2, "only the selected files: {files:?}");
    }
}

#[test]
fn builds_are_reproducible_and_honour_source_date_epoch() {
    let (a, b) = (example(), example());
    let first = build(a.path(), &[]);
    let second = build(b.path(), &[]);
    assert_eq!(first, second.replace(b.path().to_str().unwrap_or(""), a.path().to_str().unwrap_or("")), "same inputs, same digests");
    let dated = build(a.path(), &[("SOURCE_DATE_EPOCH", "1700000000")]);
    assert_ne!(first.split_whitespace().nth(1), dated.split_whitespace().nth(1), "the epoch is part of the image");
}

#[test]
fn other_oci_tools_read_the_layout() {
    if common_skopeo().is_none() {
        assert!(std::env::var_os("CI").is_none(), "skopeo is installed by .ci/run");
        println!("SKIP: skopeo not installed");
        return;
    }
    let dir = example();
    build(dir.path(), &[]);
    let layout = format!("oci:{}", dir.path().join("mpbake-out/motd").display());
    let out = std::process::Command::new("skopeo")
        .args(["inspect", "--override-arch", "arm", "--override-variant", "v7", &layout])
        .output()
        .expect("skopeo");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(v["Architecture"], "arm");
    assert_eq!(v["Labels"]["org.opencontainers.image.title"], "motd");
}

fn common_skopeo() -> Option<()> {
    std::process::Command::new("skopeo").arg("--version").output().ok().filter(|o| o.status.success()).map(|_| ())
}

#[test]
fn missing_sources_are_input_errors_and_unreachable_registries_tool_errors() {
    let dir = example();
    std::fs::remove_file(dir.path().join("files/motd-arm64.txt")).expect("rm");
    let run = run_in_env(dir.path(), &["build"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("build::missing-source") && run.stderr().contains("mpbake.hcl:16:8"), "{}", run.stderr());
    let dir = example();
    let port = std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(9);
    let base = format!("\"127.0.0.1:{port}/base:1\"");
    let spec = std::fs::read_to_string(dir.path().join("mpbake.hcl")).unwrap_or_default().replace("\"scratch\"", &base);
    std::fs::write(dir.path().join("mpbake.hcl"), spec).expect("write");
    let run = run_in_env(dir.path(), &["build"], &[]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains(&format!("127.0.0.1:{port}/base:1")), "{}", run.stderr());
    // an identity token for a registry that is not there: the error names the image, never the token
    let config = tempfile::tempdir().expect("docker config");
    let auths = format!(r#"{{"auths": {{"127.0.0.1:{port}": {{"identitytoken": "refresh-s3cret"}}}}}}"#);
    std::fs::write(config.path().join("config.json"), auths).expect("config.json");
    let run = run_in_env(dir.path(), &["build"], &[("DOCKER_CONFIG", config.path().to_str().unwrap_or(""))]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains(&format!("127.0.0.1:{port}/base:1")) && !run.stderr().contains("refresh-s3cret"), "{}", run.stderr());
}

#[test]
fn metadata_file_names_the_digests() {
    let dir = example();
    let run = run_in_env(dir.path(), &["build", "--metadata-file", "meta.json"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let meta = json(&std::fs::read(dir.path().join("meta.json")).expect("meta.json"));
    let digest = meta["motd"]["containerimage.digest"].as_str().unwrap_or("").to_string();
    assert!(run.stdout().contains(&digest) && digest.starts_with("sha256:"), "{meta}");
    assert_eq!(meta["motd"]["image.name"], "registry.example/motd:dev");
    assert_eq!(meta["motd"]["mpbake.platforms"].as_object().map(|m| m.len()), Some(3));
    assert_eq!(meta["motd"]["mpbake.outputs"], serde_json::json!(["oci:mpbake-out/motd"]), "where it went, no temporary path");
    let archived = run_in_env(dir.path(), &["build", "--metadata-file", "meta.json", "-o", "type=oci,dest=motd.tar,tar=true", "motd"], &[]);
    assert_eq!(archived.code(), 0, "{}", archived.stderr());
    let meta = json(&std::fs::read(dir.path().join("meta.json")).expect("meta.json"));
    assert_eq!(meta["motd"]["mpbake.outputs"], serde_json::json!(["oci-archive:motd.tar"]));
}

#[test]
fn docker_archive_output_holds_one_platform() {
    let dir = example();
    let run = run_in_env(dir.path(), &["build", "-o", "type=docker,dest=motd.tar,platform=linux/arm64"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stdout().contains("docker-archive:motd.tar (linux/arm64)"), "{}", run.stdout());
    let mut archive = tar::Archive::new(std::fs::File::open(dir.path().join("motd.tar")).expect("archive"));
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for mut entry in archive.entries().expect("entries").flatten() {
        let name = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
        let mut bytes = Vec::new();
        let _ = entry.read_to_end(&mut bytes);
        files.insert(name, bytes);
    }
    let manifest = json(files.get("manifest.json").expect("manifest.json"));
    assert_eq!(manifest[0]["RepoTags"], serde_json::json!(["registry.example/motd:dev"]));
    let config = json(files.get(manifest[0]["Config"].as_str().unwrap_or("")).expect("config"));
    assert_eq!(config["architecture"], "arm64");
    let layer = files.get(manifest[0]["Layers"][0].as_str().unwrap_or("")).expect("layer");
    assert_eq!(layer_files(layer).get("etc/motd").map(String::as_str), Some("Built for linux/arm64.\n"));
    let two =
        run_in_env(dir.path(), &["build", "-f", "mpbake.hcl", "-o", "type=docker,dest=x.tar,platform=linux/amd64", "motd", "motd"], &[]);
    let several = run_in_env(dir.path(), &["build", "-f", "mpbake.hcl", "-o", "type=docker,dest=x.tar", "motd"], &[]);
    assert!(several.code() == 1 && several.stderr().contains("holds one platform"), "{}", several.stderr());
    assert_eq!(two.code(), 0, "the same target twice is one target");
    assert_eq!(run_in_env(dir.path(), &["build", "-o", "type=s3,dest=x"], &[]).code(), 1);
}

/// A Dockerfile target with no RUN: COPY from the context minus .dockerignore, config steps,
/// one image per platform; an unchanged rebuild runs nothing, a changed source re-runs its COPY;
/// `type=local` unpacks each platform's root filesystem.
#[test]
fn dockerfile_targets_build_and_rebuild_from_the_step_cache() {
    let ws = common::Workspace::with(&[
        (
            "Dockerfile",
            "FROM scratch\nARG TARGETARCH\nCOPY app/ /app/\nENV MODE=release PATH=/app:$PATH\nWORKDIR /app\nCOPY --chmod=0755 run.sh ./\nCMD [\"run.sh\"]\n",
        ),
        (".dockerignore", "app/*.log\n"),
        ("app/main.txt", "main"),
        ("app/debug.log", "noise"),
        ("run.sh", "#!/bin/sh\n"),
        ("docker-bake.hcl", "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}\n"),
    ]);
    let cache = tempfile::tempdir().expect("cache");
    let cache_dir = cache.path().display().to_string();
    let env = [("MPBAKE_CACHE_DIR", cache_dir.as_str())];
    let first = ws.run(&["build", "--progress", "plain"], &env);
    assert_eq!(first.code(), 0, "{}", first.stderr());
    assert!(first.stderr().contains("4 steps run, 0 cached"), "two COPYs per platform:\n{}", first.stderr());
    let layout = ws.path().join("mpbake-out/default");
    let index = json(&blob(
        &layout,
        json(&std::fs::read(layout.join("index.json")).expect("index"))["manifests"][0]["digest"].as_str().unwrap_or_default(),
    ));
    assert_eq!(index["manifests"].as_array().map(Vec::len), Some(2));
    let manifest = json(&blob(&layout, index["manifests"][1]["digest"].as_str().unwrap_or_default()));
    let config = json(&blob(&layout, manifest["config"]["digest"].as_str().unwrap_or_default()));
    assert_eq!(config["architecture"], "arm64");
    assert_eq!(config["config"]["WorkingDir"], "/app");
    assert_eq!(config["config"]["Cmd"], serde_json::json!(["run.sh"]));
    let env_list: Vec<&str> = config["config"]["Env"].as_array().into_iter().flatten().filter_map(|e| e.as_str()).collect();
    assert!(env_list.contains(&"MODE=release"));
    assert!(env_list.iter().any(|e| e.starts_with("PATH=/app:/usr/local/sbin")), "ENV sees the image's PATH: {env_list:?}");
    let first_layer = layer_files(&blob(&layout, manifest["layers"][0]["digest"].as_str().unwrap_or_default()));
    assert_eq!(first_layer.keys().collect::<Vec<_>>(), ["app/main.txt"], ".dockerignore keeps the log out");

    let again = ws.run(&["build", "--progress", "plain"], &env);
    assert!(again.stderr().contains("0 steps executed"), "an unchanged rebuild runs nothing:\n{}", again.stderr());
    assert_eq!(again.stdout(), first.stdout(), "and gives the same index");
    ws.write("app/main.txt", "changed");
    let changed = ws.run(&["build", "--progress", "plain"], &env);
    assert!(changed.stderr().contains("4 steps executed"), "the changed COPY and the one after it re-run:\n{}", changed.stderr());

    let archived = ws.run(&["build", "-o", "type=oci,dest=image.tar,tar=true"], &env);
    assert_eq!(archived.code(), 0, "{}", archived.stderr());
    let bytes = std::fs::read(ws.path().join("image.tar")).expect("image.tar");
    let mut archive = tar::Archive::new(bytes.as_slice());
    let names: Vec<String> =
        archive.entries().expect("tar").flatten().filter_map(|e| e.path().ok().map(|p| p.display().to_string())).collect();
    assert!(names.contains(&"oci-layout".to_string()) && names.contains(&"index.json".to_string()), "{names:?}");

    let local = ws.run(&["build", "-o", "type=local,dest=rootfs"], &env);
    assert_eq!(local.code(), 0, "{}", local.stderr());
    assert_eq!(std::fs::read_to_string(ws.path().join("rootfs/default/linux_arm64/app/main.txt")).ok().as_deref(), Some("changed"));
    let mode = std::fs::metadata(ws.path().join("rootfs/default/linux_amd64/app/run.sh"))
        .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777);
    assert_eq!(mode.ok(), Some(0o755));
}

/// A COPY of a missing source is an input error pointing at the instruction.
#[test]
fn a_missing_copy_source_points_at_the_instruction() {
    let ws =
        common::Workspace::with(&[("Dockerfile", "FROM scratch\nCOPY nothing.txt /\n"), ("docker-bake.hcl", "target \"default\" {}\n")]);
    let cache = tempfile::tempdir().expect("cache");
    let run = ws.run(&["build"], &[("MPBAKE_CACHE_DIR", &cache.path().display().to_string())]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("build::missing-source") && run.stderr().contains("Dockerfile:2:1"), "{}", run.stderr());
}

/// HEALTHCHECK keeps its options in the config as BuildKit writes them (nanoseconds, zero left
/// out); a negative interval or retry count is an input error at the instruction.
#[test]
fn healthcheck_options_reach_the_config_and_bad_ones_are_refused() {
    let dockerfile = "FROM scratch\nHEALTHCHECK --interval=5s --timeout=1m30s --start-period=0 --retries=3 CMD [\"/ok\"]\n";
    let ws = common::Workspace::with(&[("Dockerfile", dockerfile), ("docker-bake.hcl", "target \"default\" {}\n")]);
    let cache = tempfile::tempdir().expect("cache");
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    let run = ws.run(&["build"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let layout = ws.path().join("mpbake-out/default");
    let index = json(&std::fs::read(layout.join("index.json")).expect("index"));
    let mut manifest = json(&blob(&layout, index["manifests"][0]["digest"].as_str().unwrap_or_default()));
    if let Some(first) = manifest["manifests"][0]["digest"].as_str() {
        manifest = json(&blob(&layout, first));
    }
    let config = json(&blob(&layout, manifest["config"]["digest"].as_str().unwrap_or_default()));
    let expected = serde_json::json!({"Test": ["CMD", "/ok"], "Interval": 5_000_000_000u64, "Timeout": 90_000_000_000u64, "Retries": 3});
    assert_eq!(config["config"]["Healthcheck"], expected);
    for bad in ["--interval=-5s", "--retries=-1", "--timeout=5"] {
        ws.write("Dockerfile", &format!("FROM scratch\nHEALTHCHECK {bad} CMD [\"/ok\"]\n"));
        let run = ws.run(&["build"], &env);
        assert_eq!(run.code(), 1, "{bad}: {}", run.stderr());
        assert!(run.stderr().contains("dockerfile::invalid-healthcheck") && run.stderr().contains("Dockerfile:2:1"), "{}", run.stderr());
    }
}

/// Annotations land on the index and manifests: `created` from SOURCE_DATE_EPOCH, the spec's
/// own by type and platform.
#[test]
fn annotations_reach_the_index_and_manifests() {
    let spec = "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n  annotations = [\"org.opencontainers.image.title=demo\", \"index:org.opencontainers.image.vendor=acme\", \"manifest[linux/arm64]:note=arm\"]\n}\n";
    let ws = common::Workspace::with(&[("Dockerfile", "FROM scratch\nCOPY a.txt /\n"), ("a.txt", "a"), ("docker-bake.hcl", spec)]);
    let cache = tempfile::tempdir().expect("cache");
    let cache_dir = cache.path().display().to_string();
    let run = ws.run(&["build"], &[("MPBAKE_CACHE_DIR", cache_dir.as_str()), ("SOURCE_DATE_EPOCH", "1700000000")]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let layout = ws.path().join("mpbake-out/default");
    let top = json(&std::fs::read(layout.join("index.json")).expect("index.json"));
    let index = json(&blob(&layout, top["manifests"][0]["digest"].as_str().unwrap_or_default()));
    assert_eq!(index["annotations"]["org.opencontainers.image.vendor"], "acme");
    assert_eq!(index["annotations"]["org.opencontainers.image.created"], "2023-11-14T22:13:20Z");
    for entry in index["manifests"].as_array().into_iter().flatten() {
        let manifest = json(&blob(&layout, entry["digest"].as_str().unwrap_or_default()));
        assert_eq!(manifest["annotations"]["org.opencontainers.image.title"], "demo");
        let arm = entry["platform"]["architecture"] == "arm64";
        assert_eq!(manifest["annotations"]["note"].as_str(), arm.then_some("arm"), "per-platform annotation on arm64 only");
    }
    let bad = ws.write("docker-bake.hcl", "target \"default\" {\n  annotations = [\"index[linux/amd64]:k=v\"]\n}\n");
    let refused = ws.run(&["build"], &[("MPBAKE_CACHE_DIR", cache_dir.as_str())]);
    assert_eq!(refused.code(), 1, "{} ({})", refused.stderr(), bad.display());
    assert!(refused.stderr().contains("build::annotation"), "{}", refused.stderr());
}

/// `--compression zstd`: zstd layers with their media type, readable back (a local output
/// unpacks them); compression is an output's property, so a stored step serves both and a
/// build in the other compression runs nothing again.
#[test]
fn zstd_layers_are_written_and_read() {
    let ws = common::Workspace::with(&[
        ("Dockerfile", "FROM scratch\nCOPY app/ /app/\n"),
        ("app/a.txt", "aaaa"),
        ("docker-bake.hcl", "target \"default\" {\n  platforms = [\"linux/amd64\"]\n}\n"),
    ]);
    let cache = tempfile::tempdir().expect("cache");
    let cache_dir = cache.path().display().to_string();
    let env = [("MPBAKE_CACHE_DIR", cache_dir.as_str())];
    let gzip = ws.run(&["build", "-o", "gzip"], &env);
    assert_eq!(gzip.code(), 0, "{}", gzip.stderr());
    assert!(gzip.stderr().contains("1 steps executed"), "{}", gzip.stderr());
    let zstd = ws.run(&["build", "--compression", "zstd", "-o", "zstd"], &env);
    assert_eq!(zstd.code(), 0, "{}", zstd.stderr());
    assert!(zstd.stderr().contains("0 steps executed, 1 from cache"), "the COPY is not run again: {}", zstd.stderr());
    let layout = ws.path().join("zstd/default");
    let top = json(&std::fs::read(layout.join("index.json")).expect("index.json"));
    let index = json(&blob(&layout, top["manifests"][0]["digest"].as_str().unwrap_or_default()));
    let manifest = json(&blob(&layout, index["manifests"][0]["digest"].as_str().unwrap_or_default()));
    assert_eq!(manifest["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+zstd");
    let layer = blob(&layout, manifest["layers"][0]["digest"].as_str().unwrap_or_default());
    assert_eq!(&layer[..4], &[0x28, 0xb5, 0x2f, 0xfd], "a zstd frame");
    assert_ne!(gzip.stdout().split_whitespace().nth(1), zstd.stdout().split_whitespace().nth(1), "different blobs, different index");
    let local = ws.run(&["build", "--compression", "zstd", "-o", "type=local,dest=rootfs"], &env);
    assert_eq!(local.code(), 0, "{}", local.stderr());
    assert_eq!(std::fs::read_to_string(ws.path().join("rootfs/default/app/a.txt")).ok().as_deref(), Some("aaaa"));
    let verify = ws.run(&["verify", "zstd/default"], &env);
    assert_eq!(verify.code(), 0, "verify reads zstd layers: {}{}", verify.stdout(), verify.stderr());
    let again = ws.run(&["build", "-o", "gzip-again"], &env);
    assert_eq!(again.stdout().split_whitespace().nth(1), gzip.stdout().split_whitespace().nth(1), "the gzip image again, from the store");
}

/// WORKDIR's directories on scratch, without root: a stage that ends with them owed gets them as
/// a layer of their own (0755, the USER's), a COPY into one owed by root makes it with its
/// implied directories, and a target's image does not depend on which other targets are built
/// with it; `COPY --chown` gives the directories it makes to the owner.
#[test]
fn workdirs_are_made_where_buildkit_makes_them() {
    let dockerfile = "FROM scratch AS base\nCOPY a.txt /\nCOPY a.txt /data/\nWORKDIR /app\nWORKDIR /e\nCOPY empty/ ./\nUSER 1000:1000\n\
                      WORKDIR /home/app\n\nFROM base AS child\nWORKDIR /app\nCOPY a.txt ./\nCOPY --chown=7:7 a.txt /data/more/\n\
                      USER root\nWORKDIR /srv\nCOPY --chown=7:7 a.txt ./\n";
    let spec = "target \"child\" {\n  target = \"child\"\n}\ntarget \"base\" {\n  target = \"base\"\n}\n";
    let ws = common::Workspace::with(&[("Dockerfile", dockerfile), ("a.txt", "a"), ("docker-bake.hcl", spec)]);
    std::fs::create_dir(ws.path().join("empty")).expect("mkdir");
    let manifest = |out: &str, target: &str| {
        let layout = ws.path().join(out).join(target);
        let index = json(&std::fs::read(layout.join("index.json")).expect("index.json"));
        let digest = index["manifests"][0]["digest"].as_str().unwrap_or_default().to_string();
        // the layout names the image index, which names the platform's manifest
        let platforms = json(&blob(&layout, &digest));
        let manifest = json(&blob(&layout, platforms["manifests"][0]["digest"].as_str().unwrap_or_default()));
        (manifest, digest, layout)
    };
    let alone = ws.run(&["build", "-o", "alone", "child"], &[]);
    assert_eq!(alone.code(), 0, "{}", alone.stderr());
    let both = ws.run(&["build", "-o", "both", "child", "base"], &[]);
    assert_eq!(both.code(), 0, "{}", both.stderr());
    assert_eq!(manifest("alone", "child").1, manifest("both", "child").1, "building `base` too must not change `child`");
    // path -> (uid, gid, mode) of every entry in an image's layers, the highest layer winning
    let owners = |target: &str| {
        let (manifest, _, layout) = manifest("both", target);
        let mut out = BTreeMap::new();
        for layer in manifest["layers"].as_array().into_iter().flatten() {
            let bytes = blob(&layout, layer["digest"].as_str().unwrap_or_default());
            let mut archive = tar::Archive::new(flate2::read::MultiGzDecoder::new(bytes.as_slice()));
            for entry in archive.entries().expect("tar").flatten() {
                let h = entry.header();
                let path = entry.path().map(|p| p.display().to_string().trim_end_matches('/').to_string()).unwrap_or_default();
                out.insert(path, (h.uid().unwrap_or(9), h.gid().unwrap_or(9), h.mode().unwrap_or(0)));
            }
        }
        out
    };
    let (base, child) = (owners("base"), owners("child"));
    assert_eq!(base.get("app"), Some(&(0, 0, 0o755)), "a stage's WORKDIRs are made when it ends: {base:?}");
    assert_eq!(base.get("e"), Some(&(0, 0, 0o755)), "a COPY that writes nothing leaves its WORKDIR owed: {base:?}");
    assert_eq!(base.get("home"), Some(&(1000, 1000, 0o755)), "a WORKDIR's directories are its USER's: {base:?}");
    assert_eq!(base.get("home/app"), Some(&(1000, 1000, 0o755)), "{base:?}");
    assert_eq!(child.get("home/app"), Some(&(1000, 1000, 0o755)), "an image built on the stage has them too: {child:?}");
    assert_eq!(child.get("app"), Some(&(0, 0, 0o755)), "a directory there already stays as it is: {child:?}");
    assert_eq!(child.get("app/a.txt").map(|o| o.0), Some(0), "COPY into the WORKDIR: {child:?}");
    // --chown: the directories the COPY makes are the owner's; one the image has (an earlier
    // layer's implied parent) is left out
    assert_eq!(child.get("data/more"), Some(&(7, 7, 0o755)), "{child:?}");
    assert_eq!(child.get("data"), None, "{child:?}");
    // a WORKDIR owed by root is root's even when a --chown COPY is the first to write into it
    assert_eq!((child.get("srv"), child.get("srv/a.txt").map(|o| o.0)), (None, Some(7)), "{child:?}");
}
