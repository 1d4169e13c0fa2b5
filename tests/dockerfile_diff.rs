//! Issue 13's differential suite: small Dockerfiles with their contexts, each built by the real
//! BuildKit inside Debian's dockerd and by mpbake, and compared on the image config and the
//! merged filesystem (see dockerfile_diff/image.rs). A case that still differs is listed in
//! `DIFFERING` with the reason; one listed that now matches fails, so the list stays true.

#[path = "dockerfile_diff/cases.rs"]
mod cases;
mod common;
#[path = "dockerfile_diff/current.rs"]
mod current;
mod harness;
#[path = "dockerfile_diff/image.rs"]
mod image;
#[path = "hostile/images.rs"]
#[allow(dead_code)]
mod images;

use std::path::Path;

use harness::engines::Dockerd;
use harness::registry::Registry;
use harness::{require, run};
use image::Image;

/// BuildKit's image: its config from `docker image inspect`, its layers from `docker save`
/// (which refuses an image without layers, as a config-only one from scratch is).
fn buildkit_image(dockerd: &Dockerd, dir: &Path, tag: &str) -> Image {
    let inspect: serde_json::Value =
        serde_json::from_str(&harness::stdout(dockerd.docker().args(["image", "inspect", tag]))).unwrap_or_default();
    let image = &inspect[0];
    let config = serde_json::json!({
        "os": image["Os"], "architecture": image["Architecture"], "variant": image["Variant"], "config": image["Config"]
    });
    if image["RootFS"]["Layers"].as_array().is_none_or(Vec::is_empty) {
        return Image::new(&config, &[]);
    }
    let archive = dir.join("saved.tar");
    run(dockerd.docker().args(["save", "-o"]).arg(&archive).arg(tag));
    let members = tar_members(&archive);
    let manifest: serde_json::Value = serde_json::from_slice(&members["manifest.json"]).unwrap_or_default();
    let layers: Vec<Vec<u8>> =
        manifest[0]["Layers"].as_array().into_iter().flatten().filter_map(|l| members.get(l.as_str()?).cloned()).collect();
    Image::new(&config, &layers)
}

/// mpbake's image: its OCI layout's config and layers.
fn mpbake_image(layout: &Path) -> Image {
    let blob = |digest: &str| std::fs::read(layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"))).unwrap_or_default();
    let json = |bytes: Vec<u8>| serde_json::from_slice::<serde_json::Value>(&bytes).unwrap_or_default();
    let top = json(std::fs::read(layout.join("index.json")).unwrap_or_default());
    let mut manifest = json(blob(top["manifests"][0]["digest"].as_str().unwrap_or_default()));
    if let Some(first) = manifest["manifests"][0]["digest"].as_str() {
        manifest = json(blob(first));
    }
    let config = json(blob(manifest["config"]["digest"].as_str().unwrap_or_default()));
    let layers: Vec<Vec<u8>> =
        manifest["layers"].as_array().into_iter().flatten().map(|l| blob(l["digest"].as_str().unwrap_or_default())).collect();
    Image::new(&config, &layers)
}

/// busybox with every applet the cases run linked in /bin, and the /tmp and /etc a shell expects.
fn busybox_with_applets() -> Vec<images::Entry> {
    let mut layer = images::busybox_layer();
    for applet in ["echo", "mkdir", "chmod", "chown", "ln", "rm", "id", "env", "printf", "mv", "cp", "whoami", "ls"] {
        layer.push(images::Entry::symlink(&format!("bin/{applet}"), "busybox"));
    }
    layer.push(images::Entry::dir("tmp/").mode(0o1777));
    layer.push(images::Entry::dir("etc/"));
    layer.push(images::Entry::file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"));
    layer.push(images::Entry::file("etc/group", b"root:x:0:\napp:x:1000:\n"));
    layer
}

/// A registry image with ONBUILD triggers (RUN, COPY from the building context, ENV), built
/// and pushed by dockerd: the cases built FROM it run them.
fn push_onbuild_image(dockerd: &Dockerd, registry: &str, busybox: &str) -> String {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dockerfile = format!(
        "FROM {busybox}\nONBUILD RUN echo triggered > /trig\nONBUILD COPY a.txt /from-context\nONBUILD ENV T=1\nLABEL kind=triggers\n"
    );
    cases::write(dir.path(), "Dockerfile", &dockerfile);
    let tag = format!("{registry}/triggers:1");
    run(dockerd.docker().args(["build", "--network=host", "--platform", "linux/amd64", "-t", &tag]).arg(dir.path()));
    run(dockerd.docker().args(["push", &tag]));
    tag
}

#[test]
fn dockerfiles_give_the_image_buildkit_gives() {
    if let Err(reason) = require(&["dockerd", "/usr/bin/docker", "docker-registry", "skopeo", "runc", "apt-get", "dpkg"]) {
        println!("SKIP the Dockerfile differential suite: {reason}");
        return;
    }
    let registry = Registry::start();
    let dockerd = Dockerd::start(&registry.host());
    // a base for the RUN cases: Debian's static busybox and its applets
    let busybox = images::Image::of(vec![busybox_with_applets()]).push(&registry.host(), "busybox");
    let with_triggers = push_onbuild_image(&dockerd, &registry.host(), &busybox);
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let mut report = Vec::new();
    let mut wrongly_listed = Vec::new();
    // cases both engines refuse: listed, so a case that builds nowhere cannot pass unnoticed
    let mut refused = Vec::new();
    for case in cases::CASES {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let context = dir.path().join("context");
        for (path, contents) in case.files {
            cases::write(&context, path, contents);
        }
        cases::write(&context, "Dockerfile", &case.dockerfile.replace("TRIGGERS_IMAGE", &with_triggers).replace("BUSYBOX", &busybox));
        std::fs::write(context.join("docker-bake.hcl"), "target \"default\" {\n  platforms = [\"linux/amd64\"]\n}\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let tag = format!("diff-{}", case.name);
        let mut build = dockerd.docker();
        build.args(["build", "--network=host", "--platform", "linux/amd64", "-t", &tag]).arg(&context);
        let buildkit = build.output().unwrap_or_else(|e| panic!("docker build: {e}"));
        let ours = common::run_in_env(
            &context,
            &["build", "-o", dir.path().join("layout").to_str().unwrap_or_default()],
            &[("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())],
        );
        let differences = match (buildkit.status.success(), ours.code() == 0) {
            (true, true) => buildkit_image(&dockerd, dir.path(), &tag).differences(&mpbake_image(&dir.path().join("layout/default"))),
            (false, false) => {
                refused.push(case.name);
                Vec::new()
            }
            (bk, _) => vec![format!(
                "BuildKit {} and mpbake {}: {}{}",
                if bk { "built it" } else { "refused it" },
                if bk { "refused it" } else { "built it" },
                String::from_utf8_lossy(&buildkit.stderr).lines().last().unwrap_or_default(),
                ours.stderr().lines().find(|l| l.contains('×') || l.contains("error")).unwrap_or_default()
            )],
        };
        let listed = cases::DIFFERING.iter().find(|(name, _)| *name == case.name);
        match (differences.is_empty(), listed) {
            (true, Some(_)) => wrongly_listed.push(case.name),
            (false, None) => report.push(format!("{}:\n  {}", case.name, differences.join("\n  "))),
            (false, Some((_, why))) => println!("known difference in {} ({why}):\n  {}", case.name, differences.join("\n  ")),
            (true, None) => {}
        }
    }
    assert!(report.is_empty(), "mpbake's images differ from BuildKit's:\n{}", report.join("\n"));
    assert!(wrongly_listed.is_empty(), "these cases now match BuildKit: take them out of DIFFERING: {wrongly_listed:?}");
    assert_eq!(refused, cases::REFUSED, "the cases both engines refuse");
}

/// Every member of a tar archive by name.
fn tar_members(archive: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let bytes = std::fs::read(archive).unwrap_or_else(|e| panic!("{}: {e}", archive.display()));
    let mut members = std::collections::BTreeMap::new();
    for mut entry in tar::Archive::new(bytes.as_slice()).entries().into_iter().flatten().flatten() {
        let name = entry.path().map(|p| p.display().to_string()).unwrap_or_default();
        let mut data = Vec::new();
        let _ = std::io::Read::read_to_end(&mut entry, &mut data);
        members.insert(name, data);
    }
    members
}

/// An image from an OCI layout tarball (what `buildctl --output type=oci` writes).
fn oci_tar_image(archive: &Path) -> Image {
    let members = tar_members(archive);
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (name, data) in &members {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        if !name.ends_with('/') {
            std::fs::write(&path, data).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    mpbake_image(dir.path())
}

/// Builds a case's context with mpbake: its image, or why it was refused.
fn mpbake_summary(context: &Path, out: &Path, cache: &Path, base: Option<&Image>) -> serde_json::Value {
    let run = common::run_in_env(
        context,
        &["build", "-o", out.to_str().unwrap_or_default()],
        &[("MPBAKE_CACHE_DIR", cache.to_str().unwrap_or_default())],
    );
    match run.code() {
        0 => current::summary(&mpbake_image(&out.join("default")), base),
        _ => serde_json::json!({"refused": run.stderr().lines().find(|l| l.contains('×')).unwrap_or_default().trim()}),
    }
}

/// BuildKit's result for a case, from a running buildkitd (recording only).
fn buildkit_summary(buildctl: &str, addr: &str, context: &Path, base: Option<&Image>) -> serde_json::Value {
    let archive = context.join("../buildkit.tar");
    let out = std::process::Command::new(buildctl)
        .args(["--addr", addr, "build", "--frontend", "dockerfile.v0", "--opt", "platform=linux/amd64"])
        .arg(format!("--local=context={}", context.display()))
        .arg(format!("--local=dockerfile={}", context.display()))
        .arg(format!("--output=type=oci,dest={}", archive.display()))
        .output()
        .unwrap_or_else(|e| panic!("{buildctl}: {e}"));
    match out.status.success() {
        true => current::summary(&oci_tar_image(&archive), base),
        false => {
            let stderr = String::from_utf8_lossy(&out.stderr);
            serde_json::json!({"refused": stderr.lines().rev().find(|l| l.contains("ERROR") || l.contains("error")).unwrap_or_default().trim()})
        }
    }
}

#[test]
fn dockerfiles_give_the_image_current_buildkit_gave() {
    if let Err(reason) = require(&["docker-registry", "skopeo", "runc", "apt-get", "dpkg"]) {
        println!("SKIP the current-BuildKit fixtures: {reason}");
        return;
    }
    // recording: MPBAKE_RECORD_BUILDKIT=unix:///…/buildkitd.sock MPBAKE_BUILDCTL=/path/to/buildctl
    let record = std::env::var("MPBAKE_RECORD_BUILDKIT").ok().zip(std::env::var("MPBAKE_BUILDCTL").ok());
    let registry = Registry::start();
    let busybox = images::Image::of(vec![busybox_with_applets()]).push(&registry.host(), "busybox");
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let scratch = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // the base every BUSYBOX case is compared against
    let base_dir = scratch.path().join("base");
    cases::write(&base_dir, "Dockerfile", &format!("FROM {busybox}\n"));
    cases::write(&base_dir, "docker-bake.hcl", "target \"default\" {\n  platforms = [\"linux/amd64\"]\n}\n");
    let run = common::run_in_env(
        &base_dir,
        &["build", "-o", scratch.path().join("base-out").to_str().unwrap_or_default()],
        &[("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())],
    );
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let base = mpbake_image(&scratch.path().join("base-out/default"));
    let mut report = Vec::new();
    for case in current::CASES {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let context = dir.path().join("context");
        for (path, contents) in case.files {
            cases::write(&context, path, contents);
        }
        cases::write(&context, "Dockerfile", &case.dockerfile.replace("BUSYBOX", &busybox));
        cases::write(&context, "docker-bake.hcl", "target \"default\" {\n  platforms = [\"linux/amd64\"]\n}\n");
        let on_base = case.dockerfile.contains("FROM BUSYBOX").then_some(&base);
        let fixture = current::fixture_path(case.name);
        if let Some((addr, buildctl)) = &record {
            let recorded = buildkit_summary(buildctl, addr, &context, on_base);
            let text = serde_json::to_string_pretty(&recorded).unwrap_or_default() + "\n";
            std::fs::write(&fixture, text).unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
        }
        let recorded: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&fixture).unwrap_or_else(|e| panic!("{}: {e}", fixture.display())))
                .unwrap_or_else(|e| panic!("{}: {e}", fixture.display()));
        let ours = mpbake_summary(&context, &dir.path().join("out"), cache.path(), on_base);
        let differences = current::differences(&recorded, &ours);
        let listed = current::DIFFERING.iter().find(|(name, _)| *name == case.name);
        match (differences.is_empty(), listed) {
            (true, Some(_)) => report.push(format!("{}: now matches BuildKit: take it out of DIFFERING", case.name)),
            (false, None) => report.push(format!("{}:\n  {}", case.name, differences.join("\n  "))),
            _ => {}
        }
    }
    assert!(
        report.is_empty(),
        "mpbake's images differ from current BuildKit's (fixtures in tests/dockerfile_diff/buildkit-current):\n{}",
        report.join("\n")
    );
}
