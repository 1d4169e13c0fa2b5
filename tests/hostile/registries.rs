//! Registries and stores that misbehave — a manifest answer without `Location`, an oversized
//! config, a download that trickles, a store of another user, damaged blobs — and inputs that
//! are not what they claim (a device as a spec file, a sparse archive, `dest=-`).

use std::time::Duration;

use super::harness::proxy::{Faults, Proxy};
use super::images::{Entry, Image};
use super::scene::Scene;
use super::{REGISTRY_TOOLS, registry};

/// A fault proxy in front of `registry`.
fn proxied(registry: &super::harness::registry::Registry, faults: Faults) -> Proxy {
    let port = registry.host().rsplit(':').next().and_then(|p| p.parse().ok()).unwrap_or_default();
    Proxy::start(port, faults)
}

/// A bake file whose target `default` is pushed as `tag`.
fn bake_with_tag(scene: &mut Scene, dockerfile: &str, tag: &str) {
    scene.dockerfile(dockerfile);
    let bake = format!("target \"default\" {{\n  platforms = [\"linux/amd64\"]\n  tags = [\"{tag}\"]\n}}\n");
    scene.canary("ctx/docker-bake.hcl", bake.as_bytes());
}

#[test]
fn a_manifest_answer_without_location_is_no_panic() {
    let Some(registry) = registry("a manifest PUT answered without Location", REGISTRY_TOOLS) else { return };
    let proxy = proxied(&registry, Faults { no_manifest_location: true, ..Faults::default() });
    let mut scene = Scene::new();
    bake_with_tag(&mut scene, "FROM scratch\nCOPY canary.txt /c\n", &format!("127.0.0.1:{}/pushed:1", proxy.port));
    let run = scene.build(&["--push", "-o", "layout"]);
    assert_eq!(run.code(), 0, "the push completes:\n{}", run.stderr());
    assert!(proxy.requests().iter().any(|r| r.starts_with("PUT /v2/pushed/manifests/1")), "the tag went through the proxy");
}

#[test]
fn an_oversized_config_is_refused() {
    let Some(registry) = registry("a 5 MiB config", REGISTRY_TOOLS) else { return };
    // skopeo refuses to push such a config, mpbake pushes it: a 5 MiB label
    let big = format!("{}/big:1", registry.host());
    let mut pusher = Scene::new();
    bake_with_tag(&mut pusher, &format!("FROM scratch\nLABEL padding={}\nCOPY canary.txt /c\n", "x".repeat(5 << 20)), &big);
    let pushed = pusher.build(&["--push", "-o", "layout"]);
    assert_eq!(pushed.code(), 0, "{}", pushed.stderr());
    let mut scene = Scene::new();
    scene.dockerfile(&format!("FROM {big}\n"));
    let run = scene.build(&["-o", "type=local,dest=out"]);
    scene.assert_host_unchanged("a 5 MiB config", &run);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("the config is larger than 4 MiB"), "{}", run.stderr());
}

#[test]
fn a_trickling_download_fails_after_the_stall_timeout() {
    let Some(registry) = registry("a trickling registry", REGISTRY_TOOLS) else { return };
    let image = Image::of(vec![vec![Entry::file("kept.txt", b"kept\n")]]).push(&registry.host(), "slow");
    let proxy = proxied(&registry, Faults { drip_blobs: Some(Duration::from_millis(400)), ..Faults::default() });
    let through_proxy = image.replace(&registry.host(), &format!("127.0.0.1:{}", proxy.port));
    let mut scene = Scene::new();
    scene.dockerfile(&format!("FROM {through_proxy}\n"));
    let run = scene.build(&["-o", "type=local,dest=out", "--stall-timeout", "2"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("--stall-timeout"), "the message names the flag:\n{}", run.stderr());
    assert!(run.stderr().contains("sha256:"), "the message names the blob:\n{}", run.stderr());
}

#[test]
fn a_store_of_another_user_is_refused() {
    let mut scene = Scene::new();
    scene.dockerfile("FROM scratch\nCOPY canary.txt /c\n");
    std::fs::create_dir_all(scene.cache()).unwrap_or_else(|e| panic!("{e}"));
    if std::os::unix::fs::chown(scene.cache(), Some(4242), None).is_err() {
        println!("SKIP a store of another user: cannot chown (not root)");
        return;
    }
    let run = scene.build(&["-o", "layout"]);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("belongs to uid 4242"), "{}", run.stderr());
}

#[test]
fn damaged_blobs_in_the_store_and_the_layout_are_made_again() {
    let mut scene = Scene::new();
    scene.dockerfile("FROM scratch\nCOPY canary.txt /c\n");
    let first = scene.build(&["-o", "layout"]);
    assert_eq!(first.code(), 0, "{}", first.stderr());
    let blob_dirs = [scene.cache().join("blobs/sha256"), scene.ctx().join("layout/default/blobs/sha256")];
    for dir in &blob_dirs {
        for blob in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            std::fs::write(blob.path(), b"damaged").unwrap_or_else(|e| panic!("{e}"));
        }
    }
    let again = scene.build(&["-o", "layout"]);
    assert_eq!(again.code(), 0, "a damaged blob does not block the build:\n{}", again.stderr());
    for blob in std::fs::read_dir(&blob_dirs[1]).into_iter().flatten().flatten() {
        let bytes = std::fs::read(blob.path()).unwrap_or_default();
        let name = blob.file_name().to_string_lossy().into_owned();
        assert_eq!(super::images::sha256(&bytes), format!("sha256:{name}"), "the layout's blob {name} was written again");
    }
}

#[test]
fn a_sparse_file_in_an_archive_is_unpacked_whole() {
    let mut scene = Scene::new();
    scene.dockerfile("FROM scratch\nADD sparse.tar /\n");
    let files = scene.path().join("sparse-src");
    std::fs::create_dir_all(&files).unwrap_or_else(|e| panic!("{e}"));
    let file = std::fs::File::create(files.join("holes.bin")).unwrap_or_else(|e| panic!("{e}"));
    std::os::unix::fs::FileExt::write_at(&file, b"end", 3 << 20).unwrap_or_else(|e| panic!("{e}"));
    super::harness::run(
        std::process::Command::new("tar")
            .arg("--sparse")
            .arg("--format=gnu")
            .arg("-cf")
            .arg(scene.ctx().join("sparse.tar"))
            .arg("-C")
            .arg(&files)
            .arg("holes.bin"),
    );
    let run = scene.build(&["-o", "type=local,dest=out"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let bytes = std::fs::read(scene.ctx().join("out/default/holes.bin")).unwrap_or_else(|e| panic!("the unpacked file: {e}"));
    assert_eq!(bytes.len(), (3 << 20) + 3);
    assert!(bytes.ends_with(b"end") && bytes[..3 << 20].iter().all(|b| *b == 0));
}

#[test]
fn a_device_is_no_spec_file() {
    let scene = Scene::new();
    let run = super::common::run_in(&scene.ctx(), &["print", "-f", "/dev/zero"]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("not a regular file"), "{}", run.stderr());
}

#[test]
fn dest_dash_writes_the_archive_to_standard_output() {
    let mut scene = Scene::new();
    scene.dockerfile("FROM scratch\nCOPY canary.txt /c\n");
    let run = scene.build(&["-o", "type=oci,dest=-,tar=true"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let mut archive = tar::Archive::new(run.0.stdout.as_slice());
    let names: Vec<String> =
        archive.entries().into_iter().flatten().flatten().filter_map(|e| e.path().ok().map(|p| p.display().to_string())).collect();
    assert!(names.iter().any(|n| n == "index.json"), "an OCI layout tar on stdout: {names:?}");
    assert!(!scene.ctx().join("-").exists(), "no file named `-`");
}

#[test]
fn a_base_image_that_does_not_exist_points_at_its_from_line() {
    let Some(registry) = registry("a missing base image", REGISTRY_TOOLS) else { return };
    let proxy = proxied(&registry, Faults::default());
    let mut scene = Scene::new();
    scene.dockerfile(&format!("FROM 127.0.0.1:{}/nope:1\n", proxy.port));
    let run = scene.build(&["-o", "type=local,dest=out"]);
    assert_eq!(run.code(), 1, "a wrong reference is the input's fault:\n{}", run.stderr());
    assert!(
        run.stderr().contains("build::base-not-found") && run.stderr().contains("Dockerfile:1:6"),
        "at the reference: {}",
        run.stderr()
    );
    assert!(run.stderr().contains("check the tag and the repository"), "it says how to fix it: {}", run.stderr());
    let manifest_gets = proxy.requests().iter().filter(|r| r.contains("/manifests/")).count();
    assert_eq!(manifest_gets, 1, "a 404 is not retried: {:?}", proxy.requests());
}
