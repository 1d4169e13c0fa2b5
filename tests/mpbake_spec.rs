//! mpbake's own spec through the CLI: per-arch file selections, per-platform values, inline
//! images, and the KDL form meaning the same as the HCL form.

mod common;

use common::{Workspace, repo};
use serde_json::json;

#[test]
fn file_selection_by_template_and_table_with_release_spellings() {
    let spec = r#"
target "default" {
  platforms = ["linux/amd64", "linux/arm64", "linux/arm/v7"]
  from = "scratch"
  file "/bin/a" {
    source = "dist/a-${TARGETOS}-${TARGETARCH}${TARGETVARIANT}"
    select = { "linux/arm/v7" = "dist/a-armhf" }
    mode = "0755"
  }
  file "/bin/b" { source = "dist/b-${UNAME_ARCH}" }
  file "/bin/c" { source = "dist/c-${DEBIAN_ARCH}" }
  file "/bin/d" {
    source = "target/${RUST_TARGET_MUSL}/release/d"
    owner = "1000:1000"
  }
}"#;
    let out = common::print_hcl(spec, &[], &[]);
    let files = &out["target"]["default"]["mpbake"]["files"];
    assert_eq!(
        files[0]["sources"],
        json!({"linux/amd64": "dist/a-linux-amd64", "linux/arm64": "dist/a-linux-arm64", "linux/arm/v7": "dist/a-armhf"})
    );
    assert_eq!(files[0]["mode"], "0755");
    assert_eq!(
        files[1]["sources"],
        json!({"linux/amd64": "dist/b-x86_64", "linux/arm64": "dist/b-aarch64", "linux/arm/v7": "dist/b-armv7l"})
    );
    assert_eq!(files[2]["sources"], json!({"linux/amd64": "dist/c-amd64", "linux/arm64": "dist/c-arm64", "linux/arm/v7": "dist/c-armhf"}));
    assert_eq!(files[3]["sources"]["linux/arm/v7"], "target/armv7-unknown-linux-musleabihf/release/d");
    assert_eq!(files[3]["owner"], "1000:1000");
    assert_eq!(out["target"]["default"]["mpbake"]["from"], "scratch");
}

#[test]
fn per_platform_overrides_and_inherited_files() {
    let spec = r#"
target "base" {
  platforms = ["linux/amd64", "linux/arm/v7"]
  from = "registry.example/base:1"
  args = { A = "1" }
  file "/etc/x" { source = "x-${TARGETARCH}" }
}
target "default" {
  inherits = ["base"]
  env = { PATH = "/bin" }
  workdir = "/srv"
  user = "1000"
  cmd = "serve --port 80"
  expose = [80, "53/udp"]
  file "/etc/x" { source = "child-${TARGETARCH}" }
  platform "linux/arm/v7" {
    args = { GOARM = "${TARGETVARIANT}" }
    from = "registry.example/base-armhf:1"
  }
}"#;
    let out = common::print_hcl(spec, &[], &[]);
    let image = &out["target"]["default"]["mpbake"];
    assert_eq!(image["files"].as_array().map(Vec::len), Some(1), "the child's file replaces the parent's: {image}");
    assert_eq!(image["files"][0]["sources"]["linux/amd64"], "child-amd64");
    assert_eq!(image["platform"]["linux/arm/v7"]["args"], json!({"GOARM": "v7"}));
    assert_eq!(image["platform"]["linux/arm/v7"]["from"], "registry.example/base-armhf:1");
    assert_eq!(image["cmd"], json!(["/bin/sh", "-c", "serve --port 80"]));
    assert_eq!(image["expose"], json!(["80", "53/udp"]));
    assert_eq!((image["workdir"].as_str(), image["user"].as_str()), (Some("/srv"), Some("1000")));
    assert_eq!(out["target"]["default"]["args"], json!({"A": "1"}), "bake's args stay target-level");
}

#[test]
fn files_on_top_of_a_dockerfile_target() {
    let spec = "target \"default\" {\n  dockerfile = \"Dockerfile\"\n  platforms = [\"linux/arm64\"]\n  file \"/x\" { source = \"x\" }\n}";
    let out = common::print_hcl(spec, &[], &[]);
    let image = &out["target"]["default"]["mpbake"];
    assert!(image.get("from").is_none(), "{image}");
    assert_eq!(image["files"][0]["sources"], json!({"linux/arm64": "x"}));
}

#[test]
fn selections_for_platforms_not_built_are_warnings() {
    let ws = Workspace::with(&[(
        "mpbake.hcl",
        "target \"default\" {\n  platforms = [\"linux/amd64\"]\n  file \"/x\" {\n    source = \"x\"\n    select = { \"linux/s390x\" = \"y\" }\n  }\n}\n",
    )]);
    let run = ws.run(&["print"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("spec::unused-selection"), "{}", run.stderr());
    assert_eq!(ws.run(&["print", "--strict"], &[]).code(), 1);
}

#[test]
fn kdl_hcl_and_json_forms_print_the_same() {
    let hcl = r#"
variable "TAG" { default = "dev" }
target "tool" {
  platforms = ["linux/amd64", "linux/arm64"]
  from = "registry.example/base:1"
  tags = ["registry.example/tool:${TAG}"]
  args = { GO_VERSION = "1.23" }
  file "/usr/local/bin/xxx" {
    mode = "0755"
    select = { "linux/amd64" = "dist/xxx.amd64", "linux/arm64" = "dist/xxx.arm64" }
  }
}"#;
    let kdl = r#"
variable "TAG" default="dev"
target "tool" {
    platforms "linux/amd64" "linux/arm64"
    from "registry.example/base:1"
    tags "registry.example/tool:${TAG}"
    args { GO_VERSION "1.23"; }
    file "/usr/local/bin/xxx" mode="0755" {
        select "linux/amd64" "dist/xxx.amd64"
        select "linux/arm64" "dist/xxx.arm64"
    }
}"#;
    let json = r#"{
  "variable": {"TAG": {"default": "dev"}},
  "target": {"tool": {
    "platforms": ["linux/amd64", "linux/arm64"],
    "from": "registry.example/base:1",
    "tags": ["registry.example/tool:${TAG}"],
    "args": {"GO_VERSION": "1.23"},
    "file": {"/usr/local/bin/xxx": {"mode": "0755", "select": {"linux/amd64": "dist/xxx.amd64", "linux/arm64": "dist/xxx.arm64"}}}
  }}
}"#;
    let ws = Workspace::with(&[("a.hcl", hcl), ("a.kdl", kdl), ("a.json", json)]);
    let env = [("TAG", "v9")];
    let from_hcl = ws.run(&["print", "-f", "a.hcl", "tool"], &env).json();
    assert_eq!(from_hcl["target"]["tool"]["tags"], json!(["registry.example/tool:v9"]));
    assert_eq!(ws.run(&["print", "-f", "a.kdl", "tool"], &env).json(), from_hcl);
    assert_eq!(ws.run(&["print", "-f", "a.json", "tool"], &env).json(), from_hcl);
}

#[test]
fn kdl_supports_variables_functions_matrix_and_validation() {
    let kdl = r#"
variable "N" type="number" default=2 {
    validation {
        condition "${N > 0}"
        error_message "N must be positive"
    }
}
function "tag" {
    params "name"
    result "registry.example/${name}:${N}"
}
group "default" {
    targets "app"
}
target "app" {
    matrix {
        v "a" "b"
    }
    name "app-${v}"
    tags "${tag(v)}"
    inherits "base"
}
target "base" {
    platforms "linux/amd64"
    no-cache #true
}"#;
    let ws = Workspace::with(&[("mpbake.kdl", kdl)]);
    let out = ws.run(&["print"], &[]).json();
    assert_eq!(out["target"]["app-b"]["tags"], json!(["registry.example/b:2"]));
    assert_eq!(out["target"]["app-a"]["no-cache"], json!(true));
    assert_eq!(out["target"]["app-a"]["platforms"], json!(["linux/amd64"]));
    let bad = ws.run(&["print"], &[("N", "0")]);
    assert_eq!(bad.code(), 1);
    assert!(bad.stderr().contains("N must be positive"), "{}", bad.stderr());
}

#[test]
fn bundled_examples_print() {
    for example in [
        "per-arch-binaries/mpbake.hcl",
        "per-arch-binaries/mpbake.kdl",
        "go-hello/mpbake.hcl",
        "bake-compat/docker-bake.hcl",
        "bake-compat/docker-bake.json",
    ] {
        let path = repo().join("examples").join(example);
        let ws = Workspace::new();
        let out = ws.run(&["print", "-f", path.to_str().unwrap_or_default()], &[]).json();
        assert!(out["target"].as_object().is_some_and(|t| !t.is_empty()), "{example}: {out}");
    }
}

#[test]
fn list_targets_and_variables() {
    let ws = Workspace::with(&[(
        "docker-bake.hcl",
        "variable \"TAG\" { default = \"dev\" }\ngroup \"default\" { targets = [\"app\"] }\ntarget \"app\" { description = \"the app\" }\n",
    )]);
    let text = ws.run(&["list", "targets"], &[]).stdout();
    assert!(text.contains("app") && text.contains("the app") && text.contains("default"), "{text}");
    let vars = ws.run(&["list", "variables", "--format", "json"], &[("TAG", "v1")]).json();
    assert_eq!(vars, json!([{"name": "TAG", "value": "v1", "type": null, "description": null}]));
}

#[test]
fn node_blocks_place_platforms_in_hcl_and_kdl_alike() {
    let dockerfile = "FROM scratch\nCOPY a /a\n";
    let hcl = r#"
variable "ARM" { default = "ssh://builder@arm1" }
node "arm1" {
  endpoint  = ARM
  platforms = ["linux/arm64"]
}
target "app" {
  platforms = ["linux/amd64", "linux/arm64"]
}
"#;
    let kdl = r#"
variable "ARM" { default "ssh://builder@arm1"; }
node "arm1" {
  endpoint ARM
  platforms "linux/arm64"
}
target "app" {
  platforms "linux/amd64" "linux/arm64"
}
"#;
    let placements: Vec<serde_json::Value> = [("mpbake.hcl", hcl), ("mpbake.kdl", kdl)]
        .iter()
        .map(|(name, text)| {
            let ws = Workspace::with(&[(name, text), ("Dockerfile", dockerfile), ("a", "a")]);
            let run = ws.run(&["plan", "app", "--format", "json"], &[]);
            assert_eq!(run.code(), 0, "{name}: {}", run.stderr());
            run.json()["placement"].clone()
        })
        .collect();
    assert_eq!(placements[0], json!({"app": {"linux/amd64": [], "linux/arm64": ["arm1"]}}));
    assert_eq!(placements[0], placements[1]);

    // the print form is bake's: no node in it
    let ws = Workspace::with(&[("docker-bake.hcl", hcl), ("Dockerfile", dockerfile)]);
    let printed = ws.run(&["print", "app"], &[]);
    assert_eq!(printed.code(), 0, "{}", printed.stderr());
    assert!(!printed.stdout().contains("arm1"), "{}", printed.stdout());

    // a --node of the same name replaces the spec's; the text form says where
    let plan = ws.run(&["plan", "app", "--node", "arm1=linux/arm64,linux/amd64=tcp://10.9.9.9:2375"], &[]);
    assert!(plan.stdout().contains("app linux/amd64 → ") && plan.stdout().contains("node arm1 (tcp://10.9.9.9:2375)"), "{}", plan.stdout());
    assert!(!plan.stdout().contains("ssh://"), "{}", plan.stdout());

    // a node without platforms is an error where it is declared; a bad --node is refused
    let ws = Workspace::with(&[("docker-bake.hcl", "node \"x\" {\n  endpoint = \"unix:///x\"\n}\ntarget \"app\" {}\n")]);
    let run = ws.run(&["plan", "app"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("spec::incomplete-node") && run.stderr().contains("docker-bake.hcl:1:6"), "{}", run.stderr());
    let run = Workspace::with(&[("docker-bake.hcl", hcl)]).run(&["plan", "app", "--node", "linux/arm64"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("PLATFORM[,PLATFORM]=ENDPOINT"), "{}", run.stderr());
}

#[test]
fn a_target_a_node_cannot_be_sent_is_an_error_at_the_target() {
    let dockerfile = "FROM busybox\nCOPY --from=built /a /a\nRUN --mount=type=secret,id=tok cat /run/secrets/tok\n";
    let hcl = "target \"base\" {}\ntarget \"app\" {\n  platforms = [\"linux/arm64\"]\n  contexts = { built = \"target:base\" }\n}\n";
    let ws = Workspace::with(&[("docker-bake.hcl", hcl), ("Dockerfile", dockerfile)]);
    let run = ws.run(&["plan", "app", "--node", "linux/arm64=unix:///x.sock"], &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let stderr = run.stderr();
    assert!(stderr.contains("build::node-unsupported") && stderr.contains("built=target:base"), "{stderr}");
    assert!(stderr.contains("docker-bake.hcl:2:8") && !stderr.contains("secret"), "at the target; secrets are sent: {stderr}");
    let here = ws.run(&["plan", "app"], &[]);
    assert_eq!(here.code(), 0, "built here, the same target is fine: {}", here.stderr());
}
