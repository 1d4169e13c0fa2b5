//! What a node's build asks mpbake for through its BuildKit session, with a private dockerd as
//! the node: secrets (a file and an environment variable) and the ssh agent each target
//! declares, nothing it does not, and credentials for a base in a registry that wants them.

mod common;
mod harness;
#[path = "hostile/images.rs"]
#[allow(dead_code)]
mod images;
#[path = "parts/ssh.rs"]
mod ssh;

use std::process::Command;

use harness::engines::Dockerd;
use harness::registry::Registry;

const TOOLS: &[&str] = &[
    "docker-registry",
    "htpasswd",
    "dockerd",
    "/usr/bin/docker",
    "skopeo",
    "apt-get",
    "dpkg",
    "ssh-agent",
    "ssh-add",
    "ssh-keygen",
    "ldd",
];

/// docker's config.json in a new directory, with `user:password` for `host`.
fn docker_config(host: &str, user: &str, password: &str) -> tempfile::TempDir {
    use base64::Engine as _;
    let dir = tempfile::tempdir().expect("docker config dir");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    std::fs::write(dir.path().join("config.json"), format!(r#"{{"auths": {{"{host}": {{"auth": "{auth}"}}}}}}"#)).expect("config.json");
    dir
}

#[test]
fn a_node_build_gets_its_targets_secrets_ssh_agent_and_base_credentials_through_the_session() {
    if let Err(reason) = harness::require(TOOLS) {
        println!("SKIP node sessions: {reason}");
        return;
    }
    let public = Registry::start();
    let private = Registry::start_with_auth("builder", "hunter2");
    let (public_ref, private_host) = (ssh::image_with_ssh_add(&public.host()), private.host());
    harness::run(
        Command::new("skopeo")
            .args(["--insecure-policy", "copy", "--quiet", "--src-tls-verify=false", "--dest-tls-verify=false"])
            .args(["--dest-creds", "builder:hunter2"])
            .arg(format!("docker://{public_ref}"))
            .arg(format!("docker://{private_host}/ssh-add:1")),
    );
    // the node has no credentials of its own: they come from this machine's docker config
    let engine = Dockerd::start(&private_host);
    let keys = tempfile::tempdir().expect("keys");
    let agent = ssh::Agent::start(keys.path());
    let config = docker_config(&private_host, "builder", "hunter2");
    let base = format!("{private_host}/ssh-add:1");
    let app = format!(
        "FROM {base}\n\
         RUN --mount=type=secret,id=token cat /run/secrets/token > /token\n\
         RUN --mount=type=secret,id=fromenv,target=/s cat /s > /env\n\
         RUN --mount=type=ssh /usr/bin/ssh-add -l > /keys\n\
         RUN --mount=type=secret,id=other cat /run/secrets/other > /other 2>/dev/null || echo absent > /other\n\
         RUN sleep 3\n"
    );
    let other = format!("FROM {base}\nRUN --mount=type=secret,id=other,required cat /run/secrets/other > /other\n");
    let bake = "group \"default\" { targets = [\"app\", \"other\"] }\n\
                target \"app\" {\n  platforms = [\"linux/amd64\"]\n  secret = [\"id=token,src=token.txt\", \"id=fromenv,env=MPBAKE_TEST_SECRET\"]\n  ssh = [\"default\"]\n  output = [\"type=local,dest=out/app\"]\n}\n\
                target \"other\" {\n  dockerfile = \"other.Dockerfile\"\n  platforms = [\"linux/amd64\"]\n  secret = [\"id=other,src=other.txt\"]\n  output = [\"type=local,dest=out/other\"]\n}\n";
    let ws = common::Workspace::with(&[
        ("docker-bake.hcl", bake),
        ("Dockerfile", &app),
        ("other.Dockerfile", &other),
        ("token.txt", "t0ken"),
        ("other.txt", "only for other"),
    ]);
    let cache = tempfile::tempdir().expect("cache");
    let env = [
        ("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default()),
        ("DOCKER_CONFIG", config.path().to_str().unwrap_or_default()),
        ("SSH_AUTH_SOCK", agent.socket.to_str().unwrap_or_default()),
        ("MPBAKE_TEST_SECRET", "from the environment"),
    ];
    let node = format!("amd=linux/amd64=unix://{}", engine.socket().display());
    let run = ws.run(&["build", "--allow", "ssh", "--progress", "plain", "--node", &node], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("#amd/"), "the node built it: {}", run.stderr());
    let read = |path: &str| std::fs::read_to_string(ws.path().join("out").join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(read("app/token"), "t0ken");
    assert_eq!(read("app/env"), "from the environment");
    assert!(read("app/keys").contains("mpbake-test-key"), "the node's RUN sees this machine's agent: {}", read("app/keys"));
    assert_eq!(read("app/other"), "absent\n", "a secret another target declares is not given to this one");
    assert_eq!(read("other/other"), "only for other");
    assert!(!ws.path().join("out/app/run/secrets/token").exists(), "secrets stay out of the image");

    // without credentials for the base's registry, the node cannot pull it
    let anonymous = tempfile::tempdir().expect("empty docker config");
    let cache = tempfile::tempdir().expect("cache");
    let mut env = env;
    env[0].1 = cache.path().to_str().unwrap_or_default();
    env[1].1 = anonymous.path().to_str().unwrap_or_default();
    ws.write("Dockerfile", &format!("FROM {base}\nRUN echo changed > /changed\n"));
    let refused = ws.run(&["build", "app", "--allow", "ssh", "--node", &node], &env);
    assert_eq!(refused.code(), 2, "credentials are the machine's: {}", refused.stderr());
    assert!(refused.stderr().contains("on node amd: ") && refused.stderr().contains("401 Unauthorized"), "{}", refused.stderr());
    assert!(refused.stderr().contains("`docker login REGISTRY`"), "{}", refused.stderr());
}

/// Files under `dir` with their contents, relative paths sorted.
fn files_of(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        if entry.is_file() && !entry.is_symlink() {
            let name = entry.strip_prefix(dir).unwrap_or(&entry).display().to_string();
            out.push((name, std::fs::read(&entry).unwrap_or_default()));
        }
    }
    out.sort();
    out
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() && !path.is_symlink() {
            out.extend(walk(&path));
        }
        out.push(path);
    }
    out
}

#[test]
fn named_contexts_reach_a_node_as_images_and_directories_and_build_what_a_local_build_does() {
    if let Err(reason) = harness::require(&["docker-registry", "dockerd", "/usr/bin/docker", "skopeo", "apt-get", "dpkg"]) {
        println!("SKIP named contexts on nodes: {reason}");
        return;
    }
    let registry = Registry::start();
    let base = images::Image::of(vec![images::busybox_layer()]).push(&registry.host(), "busybox");
    let engine = Dockerd::start(&registry.host());
    let dockerfile = "FROM tools AS staging\n\
                      COPY --from=docs /sub/deep.txt /deep.txt\n\
                      FROM tools\n\
                      COPY --from=docs /readme.txt /copied.txt\n\
                      COPY --from=staging /deep.txt /staged.txt\n\
                      RUN --mount=from=docs,target=/d cat /d/readme.txt /d/sub/deep.txt > /mounted.txt\n\
                      RUN --mount=from=tools,source=/bin,target=/t ls /t > /tools.txt\n";
    let bake = format!(
        "target \"default\" {{\n  platforms = [\"linux/amd64\"]\n  contexts = {{\n    docs = \"./documentation\"\n    tools = \"docker-image://{base}\"\n  }}\n}}\n"
    );
    let ws = common::Workspace::with(&[
        ("docker-bake.hcl", &bake),
        ("Dockerfile", dockerfile),
        ("documentation/readme.txt", "read me\n"),
        ("documentation/sub/deep.txt", "deep\n"),
    ]);
    let cache = tempfile::tempdir().expect("cache");
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    let node = format!("amd=linux/amd64=unix://{}", engine.socket().display());
    let there = ws.run(&["build", "--progress", "plain", "--node", &node, "-o", "type=local,dest=there"], &env);
    assert_eq!(there.code(), 0, "{}", there.stderr());
    assert!(there.stderr().contains("#amd/"), "the node built it: {}", there.stderr());
    let here = ws.run(&["build", "-o", "type=local,dest=here"], &env);
    assert_eq!(here.code(), 0, "{}", here.stderr());
    let (there, here) = (files_of(&ws.path().join("there")), files_of(&ws.path().join("here")));
    let named: Vec<&str> = there.iter().map(|(n, _)| n.as_str()).filter(|n| n.ends_with(".txt")).collect();
    assert_eq!(named, ["default/copied.txt", "default/mounted.txt", "default/staged.txt", "default/tools.txt"]);
    assert_eq!(there, here, "the node builds what a build here does");

    // another target's result cannot be sent to a node yet: said at the target, nothing built
    ws.write("docker-bake.hcl", &bake.replace("\"./documentation\"", "\"target:docs\"").replace("}\n}\n", "}\n}\ntarget \"docs\" {\n}\n"));
    let refused = ws.run(&["build", "--node", &node], &env);
    assert_eq!(refused.code(), 1, "{}", refused.stderr());
    assert!(refused.stderr().contains("build::node-unsupported") && refused.stderr().contains("docs=target:docs"), "{}", refused.stderr());
}
