//! Bake compatibility through the CLI: docker-bake.hcl/json files evaluate and print as
//! `docker buildx bake --print` does (variables, functions, inherits, matrix, --set, files).

mod common;

use common::{Workspace, print_hcl};
use serde_json::json;

#[test]
fn variables_default_env_var_and_typed_coercion() {
    let spec = r#"
variable "TAG" { default = "dev" }
variable "PUSH" { default = false }
variable "N" { type = number }
variable "LIST" {
  type = list(string)
  default = ["a"]
}
variable "M" {
  type = map(string)
  default = {}
}
variable "NOTHING" {}
target "default" {
  tags = ["app:${TAG}"]
  args = { PUSH = PUSH, N = N, LIST = join(",", LIST), M = jsonencode(M), NOTHING = "[${NOTHING}]" }
}"#;
    let out = print_hcl(spec, &[], &[]);
    let args = &out["target"]["default"]["args"];
    assert_eq!(out["target"]["default"]["tags"], json!(["app:dev"]));
    assert_eq!(args["PUSH"], "false");
    assert!(args.get("N").is_none(), "a typed variable without default is null, so the arg is absent: {args}");
    assert_eq!(args["LIST"], "a");
    assert_eq!(args["NOTHING"], "[]", "an untyped variable without default is the empty string");

    let env = [("TAG", "v1"), ("PUSH", "1"), ("N", "2.5"), ("LIST", "x,y"), ("M", "a:1,b:2")];
    let out = print_hcl(spec, &[], &env);
    let args = &out["target"]["default"]["args"];
    assert_eq!(out["target"]["default"]["tags"], json!(["app:v1"]));
    assert_eq!(args["PUSH"], "true");
    assert_eq!(args["N"], "2.5");
    assert_eq!(args["LIST"], "x,y");
    assert_eq!(args["M"], r#"{"a":"1","b":"2"}"#);

    // typed: NAME_JSON wins over NAME; --var wins over the environment
    let out = print_hcl(spec, &["--var", "TAG=from-var"], &[("TAG", "env"), ("LIST", "p"), ("LIST_JSON", r#"["j1","j2"]"#)]);
    assert_eq!(out["target"]["default"]["tags"], json!(["app:from-var"]));
    assert_eq!(out["target"]["default"]["args"]["LIST"], "j1,j2");
}

#[test]
fn bad_override_types_are_diagnosed_with_the_declaration() {
    let ws = Workspace::with(&[("docker-bake.hcl", "variable \"N\" {\n  type = number\n}\ntarget \"default\" {}\n")]);
    let run = ws.run(&["print"], &[("N", "abc")]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("docker-bake.hcl:1:10"), "{}", run.stderr());
    assert!(run.stderr().contains("\"abc\" is not a number"), "{}", run.stderr());
}

#[test]
fn top_level_attributes_are_variables_that_env_cannot_override() {
    let out = print_hcl("FOO = \"a\"\nBAR = \"${FOO}-b\"\ntarget \"default\" { tags = [\"x:${BAR}\"] }", &[], &[("FOO", "env")]);
    assert_eq!(out["target"]["default"]["tags"], json!(["x:a-b"]));
}

#[test]
fn builtin_variables() {
    let out = print_hcl("target \"default\" { args = { C = BAKE_CMD_CONTEXT, P = BAKE_LOCAL_PLATFORM } }", &[], &[]);
    let args = &out["target"]["default"]["args"];
    assert_eq!(args["C"], "cwd://");
    assert!(args["P"].as_str().is_some_and(|p| p.starts_with("linux/")), "{args}");
}

#[test]
fn validation_blocks_fail_with_the_message() {
    let spec = "variable \"V\" {\n  default = \"x\"\n  validation {\n    condition = V != \"x\"\n    error_message = \"V must not be x\"\n  }\n}\ntarget \"default\" {}\n";
    let ws = Workspace::with(&[("docker-bake.hcl", spec)]);
    let run = ws.run(&["print"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("V must not be x"), "{}", run.stderr());
    assert!(run.stderr().contains("docker-bake.hcl:4:17"), "{}", run.stderr());
    assert_eq!(ws.run(&["print"], &[("V", "y")]).code(), 0);
}

#[test]
fn user_functions_with_variadic_params_call_each_other() {
    let spec = r#"
function "tag" {
  params = [name]
  result = "registry.example/${name}:${suffix("1")}"
}
function "suffix" {
  params = [v]
  variadic_params = rest
  result = "v${v}${length(rest)}"
}
target "default" { tags = [tag("app")] }"#;
    let out = print_hcl(spec, &[], &[]);
    assert_eq!(out["target"]["default"]["tags"], json!(["registry.example/app:v10"]));
}

#[test]
fn inherits_follows_bakes_order_and_merge_rules() {
    // TestNestedInherits: d inherits [b, c]; c's resolved value (from a) beats b's own
    let spec = r#"
target "a" { args = { bar = "234" } }
target "b" {
  inherits = ["a"]
  args = { bar = "567" }
}
target "c" { inherits = ["a"] }
target "d" {
  inherits = ["b", "c"]
  tags = ["d:1"]
}
target "e" {
  inherits = ["d"]
  args = { bar = null, baz = "1" }
  tags = ["e:1"]
}"#;
    let out = print_hcl(spec, &["d", "e"], &[]);
    assert_eq!(out["target"]["d"]["args"], json!({"bar": "234"}));
    assert_eq!(out["target"]["e"]["args"], json!({"bar": "234", "baz": "1"}), "a null arg never clears a parent's value");
    assert_eq!(out["target"]["e"]["tags"], json!(["e:1"]), "tags replace");
}

#[test]
fn inheritance_cycles_are_errors_showing_the_cycle() {
    let ws = Workspace::with(&[("docker-bake.hcl", "target \"a\" { inherits = [\"b\"] }\ntarget \"b\" { inherits = [\"a\"] }\n")]);
    let run = ws.run(&["print", "a"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("inheritance cycle: a → b → a"), "{}", run.stderr());
}

#[test]
fn matrix_expands_targets_and_the_label_becomes_a_group() {
    let spec = r#"
target "app" {
  matrix = { tgt = ["web", "api"], ver = ["1", "2"] }
  name = "app-${tgt}-${ver}"
  tags = ["app/${tgt}:${ver}"]
  args = { V = ver }
}"#;
    let out = print_hcl(spec, &["app"], &[]);
    let group = out["group"]["app"]["targets"].as_array().cloned().unwrap_or_default();
    assert_eq!(group.len(), 4);
    assert_eq!(out["target"]["app-web-2"]["tags"], json!(["app/web:2"]));
    assert_eq!(out["target"]["app-api-1"]["args"], json!({"V": "1"}));
    assert_eq!(out["group"]["default"]["targets"], json!(["app"]));
}

#[test]
fn matrix_without_name_is_a_duplicate_name_error() {
    let ws = Workspace::with(&[("docker-bake.hcl", "target \"app\" {\n  matrix = { v = [\"1\", \"2\"] }\n}\n")]);
    let run = ws.run(&["print", "app"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("name = \"app-${v}\""), "{}", run.stderr());
}

#[test]
fn target_references_ternaries_and_for_expressions() {
    let spec = r#"
variable "PROD" { default = true }
target "base" { tags = ["base:1", "base:2"] }
target "default" {
  tags = [for t in target.base.tags : "${t}-x" if t != "base:2"]
  args = { FIRST = target.base.tags[0], MODE = PROD ? "prod" : "dev", UP = upper("${PROD}") }
}"#;
    let out = print_hcl(spec, &[], &[]);
    assert_eq!(out["target"]["default"]["tags"], json!(["base:1-x"]));
    assert_eq!(out["target"]["default"]["args"], json!({"FIRST": "base:1", "MODE": "prod", "UP": "TRUE"}));
}

#[test]
fn set_overrides_with_globs_and_append() {
    let spec = r#"
target "app" {
  platforms = ["linux/amd64"]
  tags = ["app:1"]
  args = { A = "1" }
}
target "api" { tags = ["api:1"] }
"#;
    let sets = [
        "--set",
        "*.platform+=linux/arm64",
        "--set",
        "app.args.B=2",
        "--set",
        "a*.tags=x:latest",
        "--set",
        "api.no-cache=true",
        "app",
        "api",
    ];
    let out = print_hcl(spec, &sets, &[]);
    assert_eq!(out["target"]["app"]["platforms"], json!(["linux/amd64", "linux/arm64"]));
    assert_eq!(out["target"]["api"]["platforms"], json!(["linux/arm64"]));
    assert_eq!(out["target"]["app"]["args"], json!({"A": "1", "B": "2"}));
    assert_eq!(out["target"]["api"]["tags"], json!(["x:latest"]));
    assert_eq!(out["target"]["api"]["no-cache"], json!(true));
}

#[test]
fn set_args_without_value_reads_the_environment() {
    let out = print_hcl("target \"default\" {}", &["--set", "default.args.FOO"], &[("FOO", "from-env")]);
    assert_eq!(out["target"]["default"]["args"], json!({"FOO": "from-env"}));
}

#[test]
fn invalid_set_keys_get_suggestions() {
    let ws = Workspace::with(&[("docker-bake.hcl", "target \"default\" {}")]);
    let run = ws.run(&["print", "--set", "default.platfrom=linux/arm64"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("did you mean `platform`?"), "{}", run.stderr());
}

#[test]
fn default_files_are_all_loaded_in_bakes_order() {
    let ws = Workspace::with(&[
        ("docker-bake.hcl", "target \"default\" {\n  tags = [\"a:1\"]\n  args = { A = \"1\" }\n  dockerfile = \"x\"\n}"),
        ("docker-bake.override.hcl", "target \"default\" {\n  args = { B = \"2\" }\n  dockerfile = \"y\"\n}"),
        ("docker-bake.json", r#"{"target": {"default": {"platforms": ["linux/arm64"]}}}"#),
    ]);
    let out = ws.run(&["print"], &[]).json();
    let t = &out["target"]["default"];
    assert_eq!(t["dockerfile"], "y");
    assert_eq!(t["args"], json!({"A": "1", "B": "2"}));
    assert_eq!(t["tags"], json!(["a:1"]));
    assert_eq!(t["platforms"], json!(["linux/arm64"]));
}

#[test]
fn explicit_files_merge_in_command_line_order() {
    let ws = Workspace::with(&[("a.hcl", "target \"default\" { tags = [\"a\"] }"), ("b.hcl", "target \"default\" { tags = [\"b\"] }")]);
    assert_eq!(ws.run(&["print", "-f", "a.hcl", "-f", "b.hcl"], &[]).json()["target"]["default"]["tags"], json!(["b"]));
    assert_eq!(ws.run(&["print", "-f", "b.hcl", "-f", "a.hcl"], &[]).json()["target"]["default"]["tags"], json!(["a"]));
}

#[test]
fn json_specs_evaluate_templates() {
    let ws = Workspace::with(&[(
        "docker-bake.json",
        r#"{"variable": {"TAG": {"default": "dev"}, "N": {"type": "number", "default": 1}},
            "function": {"twice": {"params": ["x"], "result": "${x * 2}"}},
            "target": {"default": {"tags": ["app:${TAG}"], "args": {"N": "${twice(N)}", "Z": null}}}}"#,
    )]);
    let out = ws.run(&["print"], &[("TAG", "v2")]).json();
    assert_eq!(out["target"]["default"]["tags"], json!(["app:v2"]));
    assert_eq!(out["target"]["default"]["args"], json!({"N": "2"}));
}

#[test]
fn print_has_bakes_shape_and_escapes() {
    let spec = r#"
target "default" {
  context = "./src/"
  args = { T = "$${NOT_A_VAR}", A = 1 }
  cache-from = ["user/app:cache", { type = "local", src = "/tmp/c" }]
  output = ["type=oci,dest=out.tar"]
  secret = ["id=npm,src=./npmrc"]
  ssh = ["default"]
  network = "host"
  contexts = { base = "target:base" }
}
target "base" {}"#;
    let ws = Workspace::with(&[("docker-bake.hcl", spec), ("npmrc", "token\n")]);
    let agent = ("SSH_AUTH_SOCK", "/dev/null");
    let out = ws.run(&["print"], &[("SOURCE_DATE_EPOCH", "1700000000"), agent]).json();
    let t = &out["target"]["default"];
    assert_eq!(t["context"], "src");
    assert_eq!(t["dockerfile"], "Dockerfile");
    assert_eq!(t["args"], json!({"A": "1", "T": "$${NOT_A_VAR}", "SOURCE_DATE_EPOCH": "1700000000"}));
    assert_eq!(t["cache-from"], json!([{"type": "registry", "ref": "user/app:cache"}, {"type": "local", "src": "/tmp/c"}]));
    assert_eq!(t["output"], json!([{"type": "oci", "dest": "out.tar"}]));
    assert_eq!(t["secret"], json!([{"id": "npm", "src": "./npmrc"}]));
    assert_eq!(t["ssh"], json!([{"id": "default"}]));
    assert_eq!(t["entitlements"], json!(["network.host"]));
    assert_eq!(out["target"]["base"]["output"], json!([{"type": "cacheonly"}]), "linked targets are printed cache-only");
    assert_eq!(out["group"]["default"]["targets"], json!(["default"]));
    // as bake, a secret file and an agent for ssh forwarding must exist
    let run = ws.run(&["print"], &[]);
    assert!(run.code() == 1 && run.stderr().contains("SSH_AUTH_SOCK is not set"), "{}", run.stderr());
    std::fs::remove_file(ws.path().join("npmrc")).unwrap_or_default();
    let run = ws.run(&["print"], &[agent]);
    assert!(run.code() == 1 && run.stderr().contains("secret `npm` reads `./npmrc`, which does not exist"), "{}", run.stderr());
}

#[test]
fn print_key_order_matches_bake() {
    let ws = Workspace::with(&[(
        "docker-bake.hcl",
        "target \"default\" {\n  platforms = [\"linux/amd64\"]\n  tags = [\"a\"]\n  args = { A = \"1\" }\n  description = \"d\"\n}",
    )]);
    let text = ws.run(&["print"], &[]).stdout();
    let pos = |k: &str| text.find(&format!("\"{k}\"")).unwrap_or(usize::MAX);
    assert!(pos("description") < pos("context") && pos("context") < pos("dockerfile") && pos("dockerfile") < pos("args"));
    assert!(pos("args") < pos("tags") && pos("tags") < pos("platforms"), "{text}");
}

#[test]
fn groups_nest_and_the_last_definition_wins() {
    let spec = r#"
group "default" { targets = ["all"] }
group "all" { targets = ["a"] }
group "all" { targets = ["b", "c"] }
target "a" {}
target "b" {}
target "c" {}"#;
    let out = print_hcl(spec, &[], &[]);
    let names: Vec<&String> = out["target"].as_object().map(|m| m.keys().collect()).unwrap_or_default();
    assert_eq!(names, ["b", "c"]);
    assert_eq!(out["group"]["all"]["targets"], json!(["b", "c"]));
}

#[test]
fn only_what_is_asked_for_is_resolved_and_checked() {
    let spec = r#"
group "default" { targets = ["nope"] }
target "app" { contexts = { base = "target:base" } }
target "base" { contexts = { deeper = "target:deeper" } }
target "deeper" { args = { A = "1" } }
target "broken" {
  inherits = ["missing"]
}
target "odd" {
  platforms = ["linux/arm65", "local", "arm64"]
  tags = ["Bad Tag", ""]
  args = { T = target.deeper.target }
}
"#;
    let ws = Workspace::with(&[("docker-bake.hcl", spec)]);
    // the default group's unknown member and the broken target do not stop `app`; links are followed to any depth
    let out = ws.run(&["print", "app"], &[]).json();
    assert_eq!(out["target"]["deeper"]["output"], json!([{"type": "cacheonly"}]), "{out}");
    assert_eq!(out["target"]["base"]["output"], json!([{"type": "cacheonly"}]));
    assert!(out["target"].get("broken").is_none());
    // what bake refuses only when building is printed as written, with warnings; an unset attribute is null
    let run = ws.run(&["print", "odd"], &[]);
    let out = run.json();
    assert_eq!(out["target"]["odd"]["platforms"], json!(["linux/arm65", "local", "arm64"]));
    assert_eq!(out["target"]["odd"]["tags"], json!(["Bad Tag"]));
    assert!(out["target"]["odd"]["args"].get("T").is_none(), "{out}");
    assert!(run.stderr().contains("invalid tag `Bad Tag`") && run.stderr().contains("linux/arm65"), "{}", run.stderr());
    assert_eq!(ws.run(&["print", "--strict", "odd"], &[]).code(), 1);
    assert_eq!(ws.run(&["check", "odd"], &[]).code(), 1, "check refuses what build would");
    // asked for, the broken ones fail
    let run = ws.run(&["print", "broken"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("inherits unknown target `missing`"), "{}", run.stderr());
    let run = ws.run(&["print"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("unknown target `nope`"), "{}", run.stderr());
}

#[test]
fn targets_linking_each_other_in_a_loop_are_refused() {
    let ws = Workspace::with(&[(
        "docker-bake.hcl",
        "target \"a\" {\n  contexts = { x = \"target:b\" }\n}\ntarget \"b\" {\n  contexts = { y = \"target:a\" }\n}\n",
    )]);
    let run = ws.run(&["print", "a"], &[]);
    assert_eq!(run.code(), 1);
    assert!(run.stderr().contains("a → b → a") && run.stderr().contains("docker-bake.hcl:5:14"), "{}", run.stderr());
}

#[test]
fn a_conditional_beside_a_set_gives_a_set_as_go_cty_unifies() {
    let spec = r#"
variable "X" { default = "no" }
target "default" {
  tags = X == "yes" ? setsubtract(["b", "a"], ["z"]) : ["c", "a", "b", "a"]
}"#;
    let out = print_hcl(spec, &[], &[]);
    assert_eq!(out["target"]["default"]["tags"], json!(["a", "b", "c"]), "the list branch becomes a set: sorted, no duplicates");
}

#[test]
fn every_bake_attribute_is_applied_or_named_in_a_warning() {
    // every attribute of the bake reference, set
    let spec = r#"
target "base" {}
target "all" {
  description = "d"
  context = "."
  contexts = { base = "target:base" }
  dockerfile = "Dockerfile"
  args = { A = "1" }
  labels = { l = "v" }
  annotations = ["a=b"]
  tags = ["registry.example/all:1"]
  platforms = ["linux/amd64"]
  target = "final"
  secret = ["id=s,env=S"]
  entitlements = ["network.host"]
  output = ["type=registry"]
  no-cache = true
  no-cache-filter = ["final"]
  pull = true
  cache-from = ["type=registry,ref=registry.example/cache"]
  cache-to = ["type=inline"]
  attest = ["type=sbom"]
  network = "host"
  extra-hosts = { h = "10.0.0.1" }
  shm-size = "128m"
  ulimits = ["nofile=1024:1024"]
  resources = { memory = "1g" }
  ssh = ["default=Dockerfile"]
  call = "check"
}
"#;
    let ws = Workspace::with(&[("docker-bake.hcl", spec), ("Dockerfile", "FROM scratch AS final\nCOPY Dockerfile /\n")]);
    let run = ws.run(&["check", "--format", "json", "all"], &[]);
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}: {}", run.stderr()));
    let mut named: Vec<String> = report
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "build::unhonoured-attribute")
        .map(|d| d["message"].as_str().unwrap_or_default().split('`').nth(3).unwrap_or_default().to_string())
        .collect();
    named.sort();
    // cache-from type=registry is applied; cache-to type=inline is BuildKit's alone
    let expected = ["attest", "cache-to"];
    assert_eq!(named, expected, "one warning per attribute the build does not apply:\n{report}");
    assert_eq!(run.code(), 0, "warnings only");
    assert_eq!(ws.run(&["check", "--strict", "all"], &[]).code(), 1, "--strict makes them errors");
}
