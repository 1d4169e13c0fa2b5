//! Issue 11, "Hostile images, contexts and registries cannot touch the host": the real `mpbake
//! build` on images, contexts and archives written to attack it — whiteouts of `..`, symlinks to
//! host paths, a config lying about its diff_ids, rw binds, device nodes, symlinked outputs —
//! and every canary in and around the context, the output, the cache and $TMPDIR unchanged.

mod common;
#[path = "hostile/contexts.rs"]
mod contexts;
mod harness;
#[path = "hostile/images.rs"]
mod images;
#[path = "hostile/outputs.rs"]
mod outputs;
#[path = "hostile/registries.rs"]
mod registries;
#[path = "hostile/runs.rs"]
mod runs;
#[path = "hostile/scene.rs"]
mod scene;

use harness::registry::Registry;
use images::{Entry, Image, busybox_layer, tar_of};
use scene::{Scene, assert_no_crash};

/// What pushing images needs; RUN steps also need runc and busybox from Debian's package.
const REGISTRY_TOOLS: &[&str] = &["docker-registry", "skopeo"];
const RUN_TOOLS: &[&str] = &["docker-registry", "skopeo", "runc", "apt-get", "dpkg"];

/// A registry when `tools` are there (and we are root); None after printing why not.
fn registry(test: &str, tools: &[&str]) -> Option<Registry> {
    match harness::require(tools) {
        Ok(()) => Some(Registry::start()),
        Err(reason) => {
            println!("SKIP {test}: {reason}");
            None
        }
    }
}

/// An image whose second layer holds the whiteout `entry` (a whiteout of a parent or of the
/// directory itself) between ordinary files.
fn whiteout_image(entry: &str) -> Image {
    Image::of(vec![
        vec![Entry::dir("dir/"), Entry::file("dir/kept.txt", b"kept\n"), Entry::file("kept.txt", b"kept\n")],
        vec![Entry::dir("dir/"), Entry::file(entry, b""), Entry::file("after.txt", b"after\n")],
    ])
}

/// `FROM` an image with the whiteout `entry` (alone, and with a `COPY --from` that unpacks it
/// into a snapshot), output as a root filesystem inside the context: refused, the entry named.
fn whiteouts_in_images_are_refused(test: &str, entries: &[&str]) {
    let Some(registry) = registry(test, REGISTRY_TOOLS) else { return };
    let mut wrong = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let image = whiteout_image(entry).push(&registry.host(), &format!("hostile{n}"));
        for dockerfile in [format!("FROM {image}\n"), format!("FROM {image}\nCOPY --from={image} /kept.txt /copied.txt\n")] {
            let mut scene = Scene::new();
            scene.dockerfile(&dockerfile);
            let run = scene.build(&["-o", "type=local,dest=out"]);
            wrong.extend(refusal_problems(&format!("{entry}: {}", dockerfile.replace('\n', "; ")), entry, &scene, &run));
        }
    }
    assert!(wrong.is_empty(), "{test}:\n{}", wrong.join("\n"));
}

/// What is wrong with a build that must be refused naming `entry`, the host untouched.
fn refusal_problems(what: &str, entry: &str, scene: &Scene, run: &common::Run) -> Vec<String> {
    let mut wrong: Vec<String> = scene.changes().into_iter().map(|c| format!("{what}: {c}")).collect();
    if !matches!(run.code(), 1 | 2) {
        wrong.push(format!("{what}: exit {}, expected 1 or 2", run.code()));
    }
    if !run.stderr().contains(entry) {
        wrong.push(format!("{what}: the message does not name `{entry}`"));
    }
    if !wrong.is_empty() {
        wrong.push(format!("{what}: mpbake said:\n{}", run.stderr()));
    }
    wrong
}

#[test]
fn a_whiteout_of_the_parent_at_the_top_level_is_refused() {
    whiteouts_in_images_are_refused("whiteout .wh... at the top level", &[".wh..."]);
}

#[test]
fn a_whiteout_of_the_parent_in_a_subdirectory_is_refused() {
    whiteouts_in_images_are_refused("whiteout dir/.wh...", &["dir/.wh..."]);
}

/// Beyond the list: `.wh..` and `.wh.` name the directory they are in (`dir/.` and
/// `dir/`), which would remove the whole directory rather than an entry of it.
#[test]
fn whiteouts_of_the_directory_itself_are_refused() {
    whiteouts_in_images_are_refused("whiteouts of the directory itself", &[".wh..", "dir/.wh..", "dir/.wh."]);
}

/// `ADD hostile.tar /` of a context archive with a whiteout of `..`: unpacked in $TMPDIR, it
/// must not remove $TMPDIR's or the context's files.
#[test]
fn add_of_an_archive_with_a_whiteout_of_the_parent_is_refused() {
    let mut wrong = Vec::new();
    for entry in [".wh...", "dir/.wh..."] {
        let mut scene = Scene::new();
        let archive =
            tar_of(&[Entry::dir("dir/"), Entry::file("dir/a.txt", b"a\n"), Entry::file(entry, b""), Entry::file("after.txt", b"x\n")]);
        scene.canary("ctx/hostile.tar", &archive);
        scene.dockerfile("FROM scratch\nADD hostile.tar /\n");
        let run = scene.build(&["-o", "type=local,dest=out"]);
        wrong.extend(refusal_problems(&format!("ADD of an archive holding {entry}"), entry, &scene, &run));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `COPY --from` an image (and a stage of it) whose symlinks point at host paths: the paths
/// are looked up inside the image's root, where they do not exist, so nothing of the host's
/// files reaches the output (a "matches nothing" failure is fine).
#[test]
fn image_symlinks_to_host_paths_resolve_inside_the_image() {
    let Some(registry) = registry("image symlinks", REGISTRY_TOOLS) else { return };
    let mut scene = Scene::new();
    let (file, dir) = (scene.path().join("outside.txt").display().to_string(), scene.path().join("outside").display().to_string());
    let image = Image::of(vec![vec![Entry::symlink("leak", &file), Entry::symlink("dirlink", &dir), Entry::symlink("a", &dir)]])
        .push(&registry.host(), "hostile");
    let mut leaks = Vec::new();
    for source in ["/leak", "/dirlink", "/dirlink/secret", "/a/secret"] {
        for (form, dockerfile) in [
            ("image", format!("FROM scratch\nCOPY --from={image} {source} /got\n")),
            ("stage", format!("FROM {image} AS s\nFROM scratch\nCOPY --from=s {source} /got\n")),
        ] {
            let _ = std::fs::remove_dir_all(scene.ctx().join("out/default"));
            scene.fresh_cache();
            scene.dockerfile(&dockerfile);
            let run = scene.build(&["-o", "type=local,dest=out"]);
            let what = format!("COPY --from={form} {source}");
            scene.assert_host_unchanged(&what, &run);
            assert_no_crash(&what, &run);
            if let Some(path) = scene.leaked_into(&scene.ctx().join("out")) {
                leaks.push(format!("{what}: exit {}, the host secret is in {}", run.code(), path.display()));
            }
        }
    }
    assert!(leaks.is_empty(), "host files reached the output through the image's symlinks:\n{}", leaks.join("\n"));
}

/// `RUN --mount=type=bind,from=IMAGE,source=/dirlink,rw` where /dirlink points at a host
/// directory: the bind is of the image's /dirlink, never of the host's directory.
#[test]
fn a_bind_mount_of_an_image_symlink_stays_in_the_image() {
    let Some(registry) = registry("bind mount of an image symlink", RUN_TOOLS) else { return };
    let mut scene = Scene::new();
    let dir = scene.path().join("outside").display().to_string();
    let image = Image::of(vec![busybox_layer(), vec![Entry::symlink("dirlink", &dir)]]).push(&registry.host(), "hostile");
    let mut wrong = Vec::new();
    for (form, dockerfile) in [
        ("image", format!("FROM {image}\nRUN --mount=type=bind,from={image},source=/dirlink,target=/mnt,rw touch /mnt/pwned\n")),
        (
            "stage",
            format!("FROM {image} AS s\nFROM {image}\nRUN --mount=type=bind,from=s,source=/dirlink,target=/mnt,rw touch /mnt/pwned\n"),
        ),
    ] {
        scene.fresh_cache();
        scene.dockerfile(&dockerfile);
        let run = scene.build(&["-o", "type=local,dest=out"]);
        let what = format!("RUN --mount=type=bind,from={form},source=/dirlink,rw");
        assert_no_crash(&what, &run);
        let changes = scene.changes();
        if !changes.is_empty() {
            wrong.push(format!("{what}: exit {}, the host changed:\n{}\nmpbake said:\n{}", run.code(), changes.join("\n"), run.stderr()));
        }
        // the next form starts from an untouched host directory
        let _ = std::fs::remove_file(scene.path().join("outside/pwned"));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Context symlinks to absolute host paths resolve inside the context, as BuildKit's do
/// (`/abs/path` means `<context>/abs/path`): the host's files never reach the output.
#[test]
fn context_symlinks_to_host_paths_resolve_inside_the_context() {
    let mut scene = Scene::new();
    std::os::unix::fs::symlink(scene.path().join("outside"), scene.ctx().join("link")).unwrap_or_else(|e| panic!("link: {e}"));
    std::os::unix::fs::symlink(scene.path().join("outside.txt"), scene.ctx().join("filelink")).unwrap_or_else(|e| panic!("filelink: {e}"));
    let mut leaks = Vec::new();
    for copy in ["COPY link/secret /x", "COPY filelink /y", "COPY link /z/", "ADD filelink /w"] {
        let _ = std::fs::remove_dir_all(scene.ctx().join("out/default"));
        scene.fresh_cache();
        scene.dockerfile(&format!("FROM scratch\n{copy}\n"));
        let run = scene.build(&["-o", "type=local,dest=out"]);
        scene.assert_host_unchanged(copy, &run);
        assert_no_crash(copy, &run);
        if let Some(path) = scene.leaked_into(&scene.ctx().join("out")) {
            leaks.push(format!("{copy}: exit {}, the host secret is in {}", run.code(), path.display()));
        }
    }
    assert!(leaks.is_empty(), "host files reached the output through the context's symlinks:\n{}", leaks.join("\n"));
}

/// An image whose config claims an honest layer's diff_id for different bytes: its build fails
/// naming the mismatch, and the honest image built later with the same cache is honest.
#[test]
fn a_config_lying_about_a_diff_id_poisons_nothing() {
    let Some(registry) = registry("lying diff_id", REGISTRY_TOOLS) else { return };
    let honest_layer = vec![Entry::file("marker", b"honest\n")];
    let honest = Image::of(vec![honest_layer.clone()]).push(&registry.host(), "honest");
    let evil = Image { layers: vec![vec![Entry::file("marker", b"evil\n")]], claimed_diff_ids: Some(vec![images::diff_id(&honest_layer)]) }
        .push(&registry.host(), "evil");
    let mut scene = Scene::new();
    scene.dockerfile(&format!("FROM {evil}\nCOPY --from={evil} /marker /m\n"));
    let run = scene.build(&["-o", "type=local,dest=out"]);
    let mut wrong: Vec<String> = scene.changes();
    let said = run.stderr().to_lowercase();
    if !matches!(run.code(), 1 | 2) {
        wrong.push(format!("the lying image: exit {}, expected 1 or 2", run.code()));
    }
    if !(["diff_id", "diffid", "diff id"].iter().any(|w| said.contains(w)) || said.contains("digest") && said.contains("match")) {
        wrong.push(format!("the lying image: the message does not name the diff_id mismatch:\n{}", run.stderr()));
    }
    // the same cache: the honest image's files are the honest ones, copied or as the base
    for (base, dockerfile) in [
        (false, format!("FROM scratch\nCOPY --from={honest} /marker /m\n")),
        (true, format!("FROM {honest}\nCOPY --from={honest} /marker /m\n")),
    ] {
        let _ = std::fs::remove_dir_all(scene.ctx().join("out/default"));
        scene.dockerfile(&dockerfile);
        let run = scene.build(&["-o", "type=local,dest=out"]);
        let what = format!("after the lying image: {}", dockerfile.replace('\n', "; "));
        let read = |p: &str| std::fs::read_to_string(scene.ctx().join("out/default").join(p)).unwrap_or_default();
        if run.code() != 0 {
            wrong.push(format!("{what}: exit {}:\n{}", run.code(), run.stderr()));
        } else if read("m") != "honest\n" {
            wrong.push(format!("{what}: /m is {:?}: the cache served the lying image's bytes for the honest diff_id", read("m")));
        }
        if base && run.code() == 0 && read("marker") != "honest\n" {
            wrong.push(format!("{what}: the base's /marker is {:?}", read("marker")));
        }
        wrong.extend(scene.changes().into_iter().map(|c| format!("{what}: {c}")));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// `RUN --mount=type=bind,rw` of the context: the RUN may write, but its writes are thrown
/// away (BuildKit's rw binds are copy-on-write), never made in the real context.
#[test]
fn a_rw_bind_of_the_context_writes_nothing_back() {
    let Some(registry) = registry("rw bind of the context", RUN_TOOLS) else { return };
    let image = Image::of(vec![busybox_layer()]).push(&registry.host(), "shell");
    let mut scene = Scene::new();
    scene.dockerfile(&format!("FROM {image}\nRUN --mount=type=bind,rw,target=/ctx touch /ctx/written && echo pwned >> /ctx/canary.txt\n"));
    let run = scene.build(&["-o", "type=local,dest=out"]);
    let mut wrong = scene.changes();
    if scene.ctx().join("written").exists() {
        wrong.push("the RUN made /ctx/written in the real context".into());
    }
    if run.code() != 0 {
        wrong.push(format!("exit {}, expected 0", run.code()));
    }
    assert!(wrong.is_empty(), "the rw bind of the context:\n{}\nmpbake said:\n{}", wrong.join("\n"), run.stderr());
}
