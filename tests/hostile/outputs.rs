//! Outputs on hostile ground: a local output beside the user's files, device nodes and set-id bits from an image, archives and layouts whose destination is a planted symlink.

use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};

use super::images::{Entry, Image};
use super::scene::{Scene, assert_no_crash};
use super::{REGISTRY_TOOLS, registry};

/// `-o type=local,dest=out` writes into `out` (its target's root, `out/default`) and leaves the
/// unrelated files and directories already in `out` as they were.
#[test]
fn a_local_output_keeps_what_its_destination_held() {
    let mut scene = Scene::new();
    scene.canary("ctx/out/subdir/inner.txt", b"a directory beside the output\n");
    scene.dockerfile("FROM scratch\nCOPY canary.txt /copied.txt\n");
    let run = scene.build(&["-o", "type=local,dest=out"]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(scene.ctx().join("out/default/copied.txt").is_file(), "the output is written:\n{}", run.stderr());
    scene.assert_host_unchanged("a local output beside other files", &run);
}

/// An image layer holding a block device (the host's first disk, 8:0, mode 0666) and set-id
/// files: a local output makes no device node and no set-id bit, and says what it skipped.
#[test]
fn a_local_output_has_no_devices_and_no_set_id_bits() {
    let Some(registry) = registry("devices and set-id bits", REGISTRY_TOOLS) else { return };
    let image = Image::of(vec![vec![
        Entry::dir("dev/"),
        Entry::block("dev/hostdisk", 8, 0),
        Entry::file("suid", b"#!/bin/sh\n").mode(0o4755),
        Entry::file("sgid", b"#!/bin/sh\n").mode(0o2755),
    ]])
    .push(&registry.host(), "devices");
    let mut scene = Scene::new();
    scene.dockerfile(&format!("FROM {image}\n"));
    let run = scene.build(&["-o", "type=local,dest=out"]);
    scene.assert_host_unchanged("devices and set-id bits", &run);
    assert_eq!(run.code(), 0, "the image builds, its device skipped:\n{}", run.stderr());
    let root = scene.ctx().join("out/default");
    let mut wrong = Vec::new();
    if let Ok(meta) = root.join("dev/hostdisk").symlink_metadata() {
        let kind = meta.file_type();
        if kind.is_block_device() || kind.is_char_device() {
            let what = if kind.is_block_device() { "block" } else { "character" };
            wrong.push(format!("the local output holds a {what} device node at /dev/hostdisk"));
        }
    }
    for name in ["suid", "sgid"] {
        let mode = std::fs::metadata(root.join(name)).map(|m| m.permissions().mode()).unwrap_or_else(|e| panic!("/{name}: {e}"));
        if mode & 0o6000 != 0 {
            wrong.push(format!("/{name} keeps a set-id bit in the local output: {mode:o}"));
        }
    }
    if !run.stderr().contains("dev/hostdisk") {
        wrong.push("the skipped device is not named".to_string());
    }
    assert!(wrong.is_empty(), "{}\nmpbake said:\n{}", wrong.join("\n"), run.stderr());
}

/// An archive output whose destination is a symlink (planted in the context) to a host file:
/// the host file keeps its bytes, whether the build replaces the link or refuses.
#[test]
fn an_archive_output_through_a_symlink_leaves_its_target_alone() {
    let mut scene = Scene::new();
    scene.dockerfile("FROM scratch\nCOPY canary.txt /copied.txt\n");
    for output in ["type=oci,dest=image.tar,tar=true", "type=docker,dest=image.tar"] {
        let planted = scene.ctx().join("image.tar");
        let _ = std::fs::remove_file(&planted);
        std::os::unix::fs::symlink(scene.path().join("outside.txt"), &planted).unwrap_or_else(|e| panic!("symlink: {e}"));
        let run = scene.build(&["-o", output]);
        scene.assert_host_unchanged(output, &run);
        assert_no_crash(output, &run);
    }
}

/// Beyond the list: an OCI layout output whose target directory (`layout/default`) is
/// a symlink the context planted to a host directory: nothing is written into that directory.
#[test]
fn a_layout_output_through_a_planted_symlink_leaves_its_target_alone() {
    let mut scene = Scene::new();
    scene.dockerfile("FROM scratch\nCOPY canary.txt /copied.txt\n");
    std::fs::create_dir_all(scene.ctx().join("layout")).unwrap_or_else(|e| panic!("layout: {e}"));
    std::os::unix::fs::symlink(scene.path().join("outside"), scene.ctx().join("layout/default")).unwrap_or_else(|e| panic!("symlink: {e}"));
    let run = scene.build(&["-o", "layout"]);
    scene.assert_host_unchanged("a layout output through a planted symlink", &run);
    assert_no_crash("a layout output through a planted symlink", &run);
}
