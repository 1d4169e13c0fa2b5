//! The bake `output` attribute, `--push` and `--load` through the CLI with real parts (a
//! registry, skopeo, a private dockerd): every output type lands where buildx puts it, pushes
//! reach the registry, `--load` images run in docker, and bad outputs fail before building.

mod common;
mod harness;
#[path = "hostile/images.rs"]
#[allow(dead_code)]
mod images;

use std::io::Read as _;
use std::process::Command;

use common::Workspace;
use harness::engines::Dockerd;
use harness::registry::Registry;

fn bake(tags: &str, extra: &str) -> String {
    format!("target \"app\" {{\n  platforms = [\"linux/amd64\"]\n  tags = [{tags}]\n{extra}}}\n")
}

/// The names in a tar file (or stream).
fn tar_names(bytes: &[u8]) -> Vec<String> {
    let mut archive = tar::Archive::new(bytes);
    let entries = archive.entries().unwrap_or_else(|e| panic!("not a tar: {e}"));
    entries.filter_map(|e| Some(e.ok()?.path().ok()?.display().to_string())).collect()
}

/// The digest of what `reference` names in the registry (its manifest bytes' sha256).
fn pushed_digest(reference: &str) -> String {
    let raw = Command::new("skopeo").args(["inspect", "--raw", "--tls-verify=false"]).arg(format!("docker://{reference}")).output();
    let raw = raw.unwrap_or_else(|e| panic!("skopeo: {e}"));
    assert!(raw.status.success(), "{reference} is not in the registry: {}", String::from_utf8_lossy(&raw.stderr));
    images::sha256(&raw.stdout)
}

/// The index digest a build printed for `target`.
fn printed_digest(stdout: &str, target: &str) -> String {
    let line = stdout.lines().find(|l| l.starts_with(&format!("{target} "))).unwrap_or_else(|| panic!("no line for {target}: {stdout}"));
    line.split_whitespace().nth(1).unwrap_or_default().to_string()
}

#[test]
fn every_output_type_lands_where_buildx_puts_it_and_pushes_reach_the_registry() {
    if let Err(reason) = harness::require(&["docker-registry", "skopeo", "apt-get", "dpkg"]) {
        println!("SKIP the bake outputs: {reason}");
        return;
    }
    let registry = Registry::start();
    let busybox = images::Image::of(vec![images::busybox_layer()]).push(&registry.host(), "busybox");
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    let dockerfile = format!("FROM {busybox}\nCOPY hello.txt /hello.txt\n");
    let tag = format!("\"{}/app:1\"", registry.host());
    let outputs = r#"  output = ["type=oci,dest=app.tar", "type=oci,dest=app-layout,tar=false", "type=local,dest=rootfs", "type=tar,dest=rootfs.tar", "type=docker,dest=app-docker.tar", "type=registry", "type=cacheonly"]
"#;
    let ws = Workspace::with(&[("Dockerfile", &dockerfile), ("hello.txt", "hello\n"), ("docker-bake.hcl", &bake(&tag, outputs))]);
    let run = ws.run(&["build", "app"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(!run.stderr().contains("unhonoured"), "every output is applied:\n{}", run.stderr());
    let read = |name: &str| std::fs::read(ws.path().join(name)).unwrap_or_else(|e| panic!("{name}: {e}\n{}", run.stderr()));
    // oci: a tarball by default, a directory with tar=false
    let layout_tar = tar_names(&read("app.tar"));
    assert!(layout_tar.contains(&"index.json".to_string()) && layout_tar.contains(&"oci-layout".to_string()), "{layout_tar:?}");
    assert!(ws.path().join("app-layout/index.json").is_file() && ws.path().join("app-layout/oci-layout").is_file());
    // local: the root filesystem at dest itself (one platform); tar: the same as one file
    assert_eq!(read("rootfs/hello.txt"), b"hello\n");
    assert!(tar_names(&read("rootfs.tar")).iter().any(|n| n.trim_start_matches("./") == "hello.txt"));
    // docker with dest: a docker load archive
    assert!(tar_names(&read("app-docker.tar")).contains(&"manifest.json".to_string()));
    // registry: the tag is pushed, and is the index the build printed
    assert_eq!(pushed_digest(&format!("{}/app:1", registry.host())), printed_digest(&run.stdout(), "app"));
    assert!(!ws.path().join("mpbake-out").exists(), "outputs replace the default layout");

    // --push, as buildx's *.push=true: a target without outputs is pushed, nothing else written
    let ws = Workspace::with(&[
        ("Dockerfile", &dockerfile),
        ("hello.txt", "pushed\n"),
        ("docker-bake.hcl", &bake(&tag.replace(":1", ":2"), "")),
    ]);
    let run = ws.run(&["build", "--push", "app"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(pushed_digest(&format!("{}/app:2", registry.host())), printed_digest(&run.stdout(), "app"));
    assert!(!ws.path().join("mpbake-out").exists());

    // the output's name= is what is pushed
    let named = format!("  output = [\"type=image,name={}/renamed:1,push=true\"]\n", registry.host());
    ws.write("docker-bake.hcl", &bake("", &named));
    let run = ws.run(&["build", "app"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(pushed_digest(&format!("{}/renamed:1", registry.host())), printed_digest(&run.stdout(), "app"));

    // dest=- writes the archive to standard output, the summary line to stderr
    ws.write("docker-bake.hcl", &bake("", "  output = [\"type=tar,dest=-\"]\n"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_mpbake"))
        .args(["build", "app"])
        .current_dir(ws.path())
        .envs(env)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    let mut stdout = Vec::new();
    child.stdout.take().map(|mut s| s.read_to_end(&mut stdout));
    assert!(child.wait().is_ok_and(|s| s.success()));
    assert!(tar_names(&stdout).iter().any(|n| n.trim_start_matches("./") == "hello.txt"));

    // bad outputs fail before anything is built, at the target
    for (output, says) in [
        ("type=image,push=true", "a push needs a name"),
        ("type=local", "needs `dest=PATH`"),
        ("type=s3,bucket=b", "`s3` is not an output type"),
    ] {
        ws.write("docker-bake.hcl", &bake("", &format!("  output = [\"{output}\"]\n")));
        let run = ws.run(&["build", "app"], &env);
        assert_eq!(run.code(), 1, "{output}: {}", run.stderr());
        assert!(run.stderr().contains(says) && run.stderr().contains("docker-bake.hcl:1"), "{output}: {}", run.stderr());
        assert!(!run.stderr().contains("steps executed"), "nothing was built:\n{}", run.stderr());
        let check = ws.run(&["check", "app"], &env);
        assert!(check.code() == 1 && check.stderr().contains(says), "check sees it too: {}", check.stderr());
    }
}

#[test]
fn load_puts_one_platform_into_the_docker_engine_where_it_runs() {
    if let Err(reason) = harness::require(&["docker-registry", "skopeo", "dockerd", "runc", "apt-get", "dpkg"]) {
        println!("SKIP --load: {reason}");
        return;
    }
    let registry = Registry::start();
    let busybox = images::Image::of(vec![images::busybox_layer()]).push(&registry.host(), "busybox");
    let dockerd = Dockerd::start(&registry.host());
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let docker_host = format!("unix://{}", dockerd.socket().display());
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default()), ("DOCKER_HOST", docker_host.as_str())];
    let dockerfile = format!("FROM {busybox}\nCOPY hello.txt /hello.txt\nCMD [\"cat\", \"/hello.txt\"]\n");
    let ws = Workspace::with(&[
        ("Dockerfile", &dockerfile),
        ("hello.txt", "loaded\n"),
        ("docker-bake.hcl", &bake("\"mpbake-test/app:loaded\"", "")),
    ]);
    let run = ws.run(&["build", "--load", "app"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("Loaded image: mpbake-test/app:loaded"), "{}", run.stderr());
    let ran = harness::stdout(dockerd.docker().args(["run", "--rm", "--network", "none", "mpbake-test/app:loaded"]));
    assert_eq!(ran.trim(), "loaded");

    // the output form, with several platforms: one named is loaded
    let two = "  platforms = [\"linux/amd64\", \"linux/arm64\"]\n";
    let spec = |output: &str| format!("target \"app\" {{\n{two}  tags = [\"mpbake-test/app:two\"]\n  output = [\"{output}\"]\n}}\n");
    ws.write("Dockerfile", &format!("FROM --platform=$BUILDPLATFORM {busybox}\nCOPY hello.txt /hello.txt\n"));
    ws.write("docker-bake.hcl", &spec("type=docker"));
    let run = ws.run(&["build", "app"], &env);
    assert!(run.code() == 1 && run.stderr().contains("holds one platform"), "several platforms cannot be loaded:\n{}", run.stderr());
    ws.write("docker-bake.hcl", &spec("type=docker,platform=linux/arm64"));
    let run = ws.run(&["build", "app"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let arch = harness::stdout(dockerd.docker().args(["image", "inspect", "--format", "{{.Architecture}}", "mpbake-test/app:two"]));
    assert_eq!(arch.trim(), "arm64");

    // an engine that is not there: exit 2 before building, naming where it looked
    let gone = [env[0], ("DOCKER_HOST", "unix:///nonexistent/docker.sock")];
    let run = ws.run(&["build", "app"], &gone);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("unix:///nonexistent/docker.sock") && !run.stderr().contains("steps executed"), "{}", run.stderr());
}
