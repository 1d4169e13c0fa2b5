//! Bake attributes the build applies to RUN, through the CLI with real parts (a registry for
//! the busybox base, runc): `extra-hosts` in RUN's /etc/hosts, `network = "host"` for every RUN
//! of the target, `no-cache` running a stored step again, `shm-size`, `ulimits`, and `pull`
//! (a moved tag is picked up), entitlements granted with `--allow`, `resources` in the
//! step's cgroup, and `RUN --security=insecure`.

mod common;
mod harness;
#[path = "hostile/images.rs"]
#[allow(dead_code)]
mod images;
#[path = "parts/ssh.rs"]
mod ssh;

use common::Workspace;
use harness::registry::Registry;

fn bake(extra: &str) -> String {
    format!("target \"default\" {{\n  platforms = [\"linux/amd64\"]\n{extra}}}\n")
}

#[test]
fn run_steps_follow_the_targets_extra_hosts_network_and_no_cache() {
    if let Err(reason) = harness::require(&["docker-registry", "skopeo", "runc", "apt-get", "dpkg"]) {
        println!("SKIP the bake RUN attributes: {reason}");
        return;
    }
    let registry = Registry::start();
    let mut layer = images::busybox_layer();
    for applet in ["wget", "echo"] {
        layer.push(images::Entry::symlink(&format!("bin/{applet}"), "busybox"));
    }
    layer.push(images::Entry::dir("etc/"));
    let busybox = images::Image::of(vec![layer]).push(&registry.host(), "busybox");
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    let dockerfile = format!("FROM {busybox}\nRUN cat /etc/hosts > /hosts-seen\nRUN cat /proc/sys/kernel/random/uuid > /ran-at\n");

    // extra-hosts: each host a line of the step's /etc/hosts, with the defaults
    let ws =
        Workspace::with(&[("Dockerfile", &dockerfile), ("docker-bake.hcl", &bake("  extra-hosts = { \"db.internal\" = \"10.1.2.3\" }\n"))]);
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let hosts = std::fs::read_to_string(ws.path().join("out/default/hosts-seen")).unwrap_or_default();
    assert!(hosts.contains("10.1.2.3\tdb.internal") && hosts.contains("localhost"), "{hosts:?} {}", run.stderr());
    assert!(!run.stderr().contains("extra-hosts"), "applied, so no warning:\n{}", run.stderr());
    assert!(!ws.path().join("out/default/etc/hosts").exists(), "the mount point is not left in the image");

    // no-cache: the stored step runs again; without it, it is recalled
    let first = std::fs::read_to_string(ws.path().join("out/default/ran-at")).unwrap_or_default();
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(std::fs::read_to_string(ws.path().join("out/default/ran-at")).unwrap_or_default(), first, "recalled from the cache");
    ws.write("docker-bake.hcl", &bake("  extra-hosts = { \"db.internal\" = \"10.1.2.3\" }\n  no-cache = true\n"));
    let mut seen = vec![first];
    for _ in 0..2 {
        let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
        assert_eq!(run.code(), 0, "{}", run.stderr());
        let again = std::fs::read_to_string(ws.path().join("out/default/ran-at")).unwrap_or_default();
        assert!(!again.is_empty() && !seen.contains(&again), "no-cache runs the step again: {again:?} after {seen:?}");
        seen.push(again);
    }

    // shm-size and ulimits: the sizes RUN sees
    let limits = format!("FROM {busybox}\nRUN cat /proc/self/mounts > /mounts && ulimit -n > /nofile && ulimit -Hn > /nofile-hard\n");
    let ws = Workspace::with(&[
        ("Dockerfile", &limits),
        ("docker-bake.hcl", &bake("  shm-size = \"128m\"\n  ulimits = [\"nofile=2048:4096\"]\n")),
    ]);
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let read = |name: &str| std::fs::read_to_string(ws.path().join("out/default").join(name)).unwrap_or_default();
    assert!(read("mounts").lines().any(|l| l.contains(" /dev/shm ") && l.contains("size=131072k")), "{}", read("mounts"));
    assert_eq!((read("nofile").trim(), read("nofile-hard").trim()), ("2048", "4096"));
    ws.write("docker-bake.hcl", &bake("  ulimits = [\"nofile=9:1\"]\n"));
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert!(run.code() == 1 && run.stderr().contains("spec::invalid-limit"), "{}", run.stderr());

    // pull: a tag moved in the registry is what the next build starts from (mpbake resolves
    // base tags on every build, so `pull = true` asks for what it always does)
    let tagged = format!("FROM {busybox}\nRUN cat /marker > /seen || true\n");
    let ws = Workspace::with(&[("Dockerfile", &tagged), ("docker-bake.hcl", &bake("  pull = true\n"))]);
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let mut moved = images::busybox_layer();
    moved.push(images::Entry::file("marker", b"moved\n"));
    images::Image::of(vec![moved]).push(&registry.host(), "busybox");
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_eq!(std::fs::read_to_string(ws.path().join("out/default/seen")).unwrap_or_default(), "moved\n");
    assert!(!run.stderr().contains("`pull`"), "applied, so no warning:\n{}", run.stderr());

    // a base without the target's platform is an error at its FROM line
    let ws = Workspace::with(&[("Dockerfile", &tagged), ("docker-bake.hcl", &bake("").replace("linux/amd64", "linux/arm64/v9"))]);
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert!(run.code() == 1 && run.stderr().contains("build::base-platform") && run.stderr().contains("Dockerfile:1"), "{}", run.stderr());

    // network = "host": every RUN reaches what the host reaches (here the test registry)
    let reach = format!("FROM {busybox}\nRUN wget -q -O /catalog http://{}/v2/_catalog\n", registry.host());
    let ws = Workspace::with(&[("Dockerfile", &reach), ("docker-bake.hcl", &bake(""))]);
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 1, "without it, RUN has no network:\n{}", run.stderr());
    ws.write("docker-bake.hcl", &bake("  network = \"host\"\n"));
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert!(run.code() == 1 && run.stderr().contains("build::entitlement-not-granted"), "not granted:\n{}", run.stderr());
    assert!(run.stderr().contains("--allow network.host") && !run.stderr().contains("steps executed"), "{}", run.stderr());
    let run = ws.run(&["build", "--allow", "network.host", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(std::fs::read_to_string(ws.path().join("out/default/catalog")).unwrap_or_default().contains("busybox"));

    // RUN --network=host needs the target to ask for it, as BuildKit requires
    ws.write("Dockerfile", &reach.replace("RUN wget", "RUN --network=host wget"));
    ws.write("docker-bake.hcl", &bake(""));
    let run = ws.run(&["build", "--allow", "network.host", "-o", "type=local,dest=out"], &env);
    assert!(run.code() == 1 && run.stderr().contains("`RUN --network=host` needs the `network.host` entitlement"), "{}", run.stderr());
    assert!(run.stderr().contains("Dockerfile:2"), "at the RUN: {}", run.stderr());
    ws.write("docker-bake.hcl", &bake("  entitlements = [\"network.host\"]\n"));
    let run = ws.run(&["build", "--allow", "network.host", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

#[test]
fn resources_limit_the_steps_cgroup_and_security_insecure_is_granted_only_when_allowed() {
    if let Err(reason) = harness::require(&["docker-registry", "skopeo", "runc", "apt-get", "dpkg"]) {
        println!("SKIP resources and --security=insecure: {reason}");
        return;
    }
    let registry = Registry::start();
    let busybox = images::Image::of(vec![images::busybox_layer()]).push(&registry.host(), "busybox");
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];

    // resources: the step's cgroup has the memory and CPU limits (cgroup v2's files, else v1's)
    let read_limits = "(cat /sys/fs/cgroup/memory.max || cat /sys/fs/cgroup/memory/memory.limit_in_bytes) > /memory && \
        (cat /sys/fs/cgroup/cpu.max || echo $(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us) $(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)) > /cpu";
    let limits = format!("FROM {busybox}\nRUN {read_limits}\n");
    let spec = bake("  resources = { memory = \"64m\", cpu-quota = 50000, cpu-period = 100000 }\n");
    let ws = Workspace::with(&[("Dockerfile", &limits), ("docker-bake.hcl", &spec)]);
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(!run.stderr().contains("resources"), "applied, so no warning:\n{}", run.stderr());
    // a fresh store: the base layer's download is shown, and counted in the totals
    assert!(run.stderr().contains("downloading sha256:") && run.stderr().contains(&format!("of {busybox} (")), "{}", run.stderr());
    assert!(run.stderr().contains(", 1 base layers downloaded ("), "{}", run.stderr());
    let read = |name: &str| std::fs::read_to_string(ws.path().join("out/default").join(name)).unwrap_or_default();
    assert_eq!(read("memory").trim(), "67108864");
    assert_eq!(read("cpu").trim(), "50000 100000");
    ws.write("docker-bake.hcl", &bake("  resources = { memory = \"lots\" }\n"));
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert!(run.code() == 1 && run.stderr().contains("resources.memory `lots` is not a size"), "{}", run.stderr());

    // RUN --security=insecure: every capability, once the target asks and --allow grants
    let privileged = format!("FROM {busybox}\nRUN --security=insecure cat /proc/self/status > /caps\n");
    let ws = Workspace::with(&[("Dockerfile", &privileged), ("docker-bake.hcl", &bake(""))]);
    let run = ws.run(&["build", "--allow", "security.insecure", "-o", "type=local,dest=out"], &env);
    assert!(run.code() == 1 && run.stderr().contains("needs the `security.insecure` entitlement"), "{}", run.stderr());
    ws.write("docker-bake.hcl", &bake("  entitlements = [\"security.insecure\"]\n"));
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert!(run.code() == 1 && run.stderr().contains("--allow security.insecure"), "{}", run.stderr());
    let run = ws.run(&["build", "--allow", "security.insecure", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let mask = effective_capabilities(&ws);
    assert!(mask & (1 << 21) != 0, "CAP_SYS_ADMIN is granted: {mask:x}");
    ws.write("Dockerfile", &privileged.replace("--security=insecure ", ""));
    let run = ws.run(&["build", "--allow", "security.insecure", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let mask = effective_capabilities(&ws);
    assert!(mask & (1 << 21) == 0, "a sandboxed RUN has Docker's default capabilities: {mask:x}");
    assert_eq!(ws.run(&["build", "--allow", "root.everything"], &env).code(), 1, "an unknown entitlement is refused");
}

/// The CapEff mask of the /proc/self/status a RUN saved as /caps in the local output.
fn effective_capabilities(ws: &Workspace) -> u64 {
    let status = std::fs::read_to_string(ws.path().join("out/default/caps")).unwrap_or_default();
    let line = status.lines().find(|l| l.starts_with("CapEff:")).unwrap_or_else(|| panic!("no CapEff in {status}"));
    u64::from_str_radix(line.split_whitespace().nth(1).unwrap_or_default(), 16).unwrap_or_else(|e| panic!("{line}: {e}"))
}

#[test]
fn call_check_lints_the_target_and_builds_nothing() {
    let dockerfile = "FROM --platform=linux/amd64 scratch\nCOPY a /a\n";
    let spec = "target \"app\" {\n  description = \"The app\"\n  call = \"check\"\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}\n";
    let ws = Workspace::with(&[("Dockerfile", dockerfile), ("a", "a\n"), ("docker-bake.hcl", spec)]);
    let run = ws.run(&["build", "app"], &[]);
    assert_eq!(run.code(), 1, "a finding fails the check:\n{}", run.stderr());
    assert_eq!(run.stdout(), "app\nThe app\n\nCheck complete, 1 warning has been found!\n", "buildx's shape");
    assert!(run.stderr().contains("lint::constant-platform") && run.stderr().contains("Dockerfile:1"), "{}", run.stderr());
    assert!(!ws.path().join("mpbake-out").exists(), "nothing is built");

    ws.write("Dockerfile", "FROM scratch\nCOPY a /a\n");
    let run = ws.run(&["build", "app"], &[]);
    assert_eq!((run.code(), run.stdout().lines().last().unwrap_or_default()), (0, "Check complete, no warnings found."));
    assert!(!ws.path().join("mpbake-out").exists());

    // --check (buildx's --call=check) on a target that builds
    ws.write("docker-bake.hcl", "target \"app\" {}\n");
    let run = ws.run(&["build", "--check", "app"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stdout().contains("Check complete") && !ws.path().join("mpbake-out").exists());
    assert_eq!(ws.run(&["build", "app"], &[]).code(), 0);
    assert!(ws.path().join("mpbake-out/app/index.json").is_file());
}

#[test]
fn ssh_forwards_the_agent_or_key_files_to_run_mount_ssh() {
    if let Err(reason) =
        harness::require(&["docker-registry", "skopeo", "runc", "apt-get", "dpkg", "ssh-agent", "ssh-add", "ssh-keygen", "ldd"])
    {
        println!("SKIP ssh: {reason}");
        return;
    }
    let registry = Registry::start();
    let image = ssh::image_with_ssh_add(&registry.host());
    let keys = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let agent = ssh::Agent::start(keys.path());
    let (socket, key) = (agent.socket.clone(), agent.key.clone());
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default()), ("SSH_AUTH_SOCK", socket.to_str().unwrap_or_default())];
    let dockerfile = format!(
        "FROM {image}\nRUN --mount=type=ssh /usr/bin/ssh-add -l > /keys && echo $SSH_AUTH_SOCK > /sock\n\
         RUN --mount=type=ssh,uid=1000,mode=0640 busybox stat -c '%u %a' $SSH_AUTH_SOCK > /perm\n"
    );
    let ws = Workspace::with(&[("Dockerfile", &dockerfile), ("docker-bake.hcl", &bake("  ssh = [\"default\"]\n"))]);
    let read = |name: &str| std::fs::read_to_string(ws.path().join("out/default").join(name)).unwrap_or_default();

    // the default agent is forwarded once --allow ssh grants it, as buildx asks
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert!(run.code() == 1 && run.stderr().contains("--allow ssh"), "{}", run.stderr());
    let run = ws.run(&["build", "--allow", "ssh", "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(read("keys").contains("mpbake-test-key"), "the RUN sees the host agent's key: {:?}", read("keys"));
    assert_eq!(read("sock").trim(), "/run/buildkit/ssh_agent.0");
    assert_eq!(read("perm").trim(), "1000 640", "the socket has the mount's owner and mode");
    assert!(!ws.path().join("out/default/run/buildkit").exists(), "the socket's mount point is not left in the image");

    // key files: served by an agent of the build's own, no entitlement needed
    drop(agent);
    let with_key = format!("  ssh = [\"default={}\"]\n", key.display());
    ws.write("docker-bake.hcl", &bake(&with_key));
    ws.write("Dockerfile", &format!("FROM {image}\nRUN --mount=type=ssh /usr/bin/ssh-add -l > /keys2\n"));
    // the key is outside the working directory: reading it is granted as buildx asks
    let run = ws.run(&["build", "-o", "type=local,dest=out"], &env);
    assert!(run.code() == 1 && run.stderr().contains("--allow fs.read="), "{}", run.stderr());
    let grant = format!("fs.read={}", keys.path().display());
    let run = ws.run(&["build", "--allow", &grant, "-o", "type=local,dest=out"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(read("keys2").contains("mpbake-test-key"), "{:?}", read("keys2"));

    // a required id the target does not give stops the build at the RUN
    ws.write("Dockerfile", &format!("FROM {image}\nRUN --mount=type=ssh,id=deploy,required /usr/bin/ssh-add -l\n"));
    let run = ws.run(&["build", "--allow", &grant, "-o", "type=local,dest=out"], &env);
    assert!(run.code() == 1 && run.stderr().contains("build::missing-ssh") && run.stderr().contains("Dockerfile:2"), "{}", run.stderr());
}
