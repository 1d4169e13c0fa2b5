//! What users see for bad input: each case exits 1 and its rendered diagnostic (file:line:col,
//! labelled span, code, help) is snapshot-tested.

mod common;

use common::Workspace;

/// Runs `mpbake print` (plus `args`) on one file and returns stderr, checking the exit code.
fn diagnose(file: &str, text: &str, args: &[&str]) -> String {
    let ws = Workspace::with(&[(file, text)]);
    let mut all = vec!["print", "-f", file];
    all.extend_from_slice(args);
    let run = ws.run(&all, &[]);
    assert_eq!(run.code(), 1, "expected exit 1, stdout:\n{}\nstderr:\n{}", run.stdout(), run.stderr());
    run.stderr()
}

macro_rules! case {
    ($name:ident, $file:expr, $text:expr $(, $arg:expr)*) => {
        #[test]
        fn $name() {
            insta::assert_snapshot!(diagnose($file, $text, &[$($arg),*]));
        }
    };
}

case!(hcl_syntax_error, "docker-bake.hcl", "target \"app\" {\n  tags = [\"a\",\n}\n");
case!(json_syntax_error, "docker-bake.json", "{\"target\": {\"app\": {\"tags\": [\"a\" \"b\"]}}}\n");
case!(kdl_syntax_error, "mpbake.kdl", "target \"app\" {\n    platforms linux/amd64\n}\n");
case!(unknown_variable, "docker-bake.hcl", "variable \"TAG\" { default = \"1\" }\ntarget \"default\" {\n  tags = [\"app:${TAGS}\"]\n}\n");
case!(unknown_function, "docker-bake.hcl", "target \"default\" {\n  tags = [lowr(\"A\")]\n}\n");
case!(platforms_must_be_a_list, "docker-bake.hcl", "target \"default\" {\n  platforms = \"linux/amd64\"\n}\n");
case!(invalid_platform, "docker-bake.hcl", "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm65\"]\n}\n", "--strict");
case!(duplicate_platform, "docker-bake.hcl", "target \"default\" {\n  platforms = [\"linux/arm64\", \"linux/arm64/v8\"]\n}\n", "--strict");
case!(invalid_tag, "docker-bake.hcl", "target \"default\" {\n  tags = [\"Registry.example/App:1\"]\n}\n", "--strict");
case!(
    variable_cycle,
    "docker-bake.hcl",
    "variable \"A\" { default = B }\nvariable \"B\" { default = \"${A}-x\" }\ntarget \"default\" {}\n"
);
case!(
    target_reference_cycle,
    "docker-bake.hcl",
    "target \"a\" { tags = target.b.tags }\ntarget \"b\" { tags = target.a.tags }\ntarget \"default\" {}\n"
);
case!(inherits_unknown_target, "docker-bake.hcl", "target \"base\" {}\ntarget \"default\" { inherits = [\"bsae\"] }\n");
case!(invalid_target_name, "docker-bake.hcl", "target \"my.app\" {}\ngroup \"default\" { targets = [\"my.app\"] }\n");
case!(group_lists_unknown_target, "docker-bake.hcl", "group \"default\" { targets = [\"ap\"] }\ntarget \"app\" {}\n");
case!(
    missing_per_arch_selection,
    "mpbake.hcl",
    "target \"default\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n  from = \"scratch\"\n  file \"/bin/x\" {\n    select = { \"linux/amd64\" = \"dist/x-amd64\" }\n  }\n}\n"
);
case!(target_vars_outside_file_blocks, "mpbake.hcl", "target \"default\" {\n  tags = [\"x:${TARGETARCH}\"]\n}\n");
case!(
    depends_on_is_unknown_under_strict,
    "docker-bake.hcl",
    "target \"db\" {}\ntarget \"default\" {\n  depends_on = [\"db\"]\n}\n",
    "--strict"
);
case!(invalid_set_override, "docker-bake.hcl", "target \"default\" {}\n", "--set", "default.args=1");
case!(unknown_requested_target, "docker-bake.hcl", "target \"app\" {}\n", "apq");
case!(
    validation_failure,
    "docker-bake.hcl",
    "variable \"PORT\" {\n  type = number\n  default = 70000\n  validation {\n    condition = PORT < 65536\n    error_message = \"PORT must be a TCP port\"\n  }\n}\ntarget \"default\" {}\n"
);

#[test]
fn warnings_alone_exit_zero() {
    let ws = Workspace::with(&[("docker-bake.hcl", "target \"default\" {\n  depends_on = [\"db\"]\n}\n")]);
    let run = ws.run(&["print"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(run.stderr().contains("\"target:other\""), "{}", run.stderr());
}

#[test]
fn check_reports_json_and_sarif_with_locations() {
    let ws = Workspace::with(&[("docker-bake.hcl", "target \"default\" {\n  platforms = [\"linux/amd65\"]\n}\n")]);
    let run = ws.run(&["check", "--format", "json"], &[]);
    assert_eq!(run.code(), 1);
    let json: serde_json::Value = serde_json::from_str(&run.stdout()).expect("json");
    assert_eq!(json[0]["code"], "spec::invalid-platform");
    assert_eq!(
        (json[0]["file"].as_str(), json[0]["line"].as_u64(), json[0]["column"].as_u64()),
        (Some("docker-bake.hcl"), Some(2), Some(15))
    );
    let sarif: serde_json::Value = serde_json::from_str(&ws.run(&["check", "--format", "sarif"], &[]).stdout()).expect("sarif");
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
}

#[test]
fn missing_files_and_usage_errors_exit_one() {
    let ws = Workspace::new();
    assert_eq!(ws.run(&["print", "-f", "nope.hcl"], &[]).code(), 1);
    assert_eq!(ws.run(&["print"], &[]).code(), 1, "no default file");
    assert_eq!(ws.run(&["print", "--no-such-flag"], &[]).code(), 1);
    assert_eq!(ws.run(&["--version"], &[]).code(), 0);
}
