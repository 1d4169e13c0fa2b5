//! Rough edges of everyday use, through the CLI (issue 14): every tag in a layout's index.json
//! (and nothing stale left in it), `created` from the git commit, `inspect` of every form
//! `build` prints, and `release` refusing an untagged target before building.

mod common;
mod harness;

use std::process::Command;

use common::Workspace;

const DOCKERFILE: &str = "FROM scratch\nCOPY a.txt /a.txt\n";

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("not JSON: {e}"))
}

fn bake(tags: &str) -> String {
    format!("target \"app\" {{\n  platforms = [\"linux/amd64\"]\n  tags = [{tags}]\n}}\n")
}

/// The digest of the image a layout's index.json names first, and the config it holds.
fn config_of(layout: &std::path::Path) -> serde_json::Value {
    let blob = |digest: &str| std::fs::read(layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"))).unwrap_or_default();
    let top = json(&std::fs::read(layout.join("index.json")).unwrap_or_default());
    let index = json(&blob(top["manifests"][0]["digest"].as_str().unwrap_or_default()));
    let manifest = json(&blob(index["manifests"][0]["digest"].as_str().unwrap_or_default()));
    json(&blob(manifest["config"]["digest"].as_str().unwrap_or_default()))
}

#[test]
fn every_tag_is_in_the_layout_and_a_rebuild_leaves_no_stale_blob() {
    let ws = Workspace::with(&[
        ("Dockerfile", DOCKERFILE),
        ("a.txt", "one"),
        ("docker-bake.hcl", &bake("\"r.example/app:1\", \"r.example/team/app:latest\"")),
    ]);
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    let run = ws.run(&["build", "app"], &env);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let layout = ws.path().join("mpbake-out/app");
    let top = json(&std::fs::read(layout.join("index.json")).unwrap_or_default());
    let names: Vec<(&str, &str)> = top["manifests"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| {
            let a = &m["annotations"];
            (
                a["org.opencontainers.image.ref.name"].as_str().unwrap_or_default(),
                a["io.containerd.image.name"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(names, [("1", "r.example/app:1"), ("latest", "r.example/team/app:latest")]);
    if harness::which("skopeo").is_some() {
        for tag in ["1", "latest"] {
            let out = Command::new("skopeo").args(["inspect", "--raw"]).arg(format!("oci:{}:{tag}", layout.display())).output();
            assert!(out.is_ok_and(|o| o.status.success()), "skopeo finds oci:DIR:{tag}");
        }
    }
    let blobs = || std::fs::read_dir(layout.join("blobs/sha256")).map(|d| d.count()).unwrap_or_default();
    let before = blobs();
    ws.write("a.txt", "two");
    assert_eq!(ws.run(&["build", "app"], &env).code(), 0);
    assert_eq!(blobs(), before, "index, manifest, config and layer, the old ones removed");
}

#[test]
fn created_is_the_commit_time_unless_source_date_epoch_says() {
    if let Err(reason) = harness::require(&["git"]) {
        println!("SKIP created from git: {reason}");
        return;
    }
    let ws = Workspace::with(&[("Dockerfile", DOCKERFILE), ("a.txt", "a"), ("docker-bake.hcl", &bake(""))]);
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(ws.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .env("GIT_COMMITTER_DATE", "2024-05-06T07:08:09Z")
            .env("GIT_AUTHOR_DATE", "2024-05-06T07:08:09Z")
            .output();
        assert!(out.is_ok_and(|o| o.status.success()), "git {args:?}");
    };
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    assert_eq!(ws.run(&["build", "app"], &env).code(), 0);
    assert_eq!(config_of(&ws.path().join("mpbake-out/app"))["created"], "1970-01-01T00:00:00Z", "no checkout: 0");
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "x"]);
    let run = ws.run(&["build", "app"], &env);
    assert!(run.code() == 0 && run.stderr().contains("0 steps executed"), "the created time is not part of a step: {}", run.stderr());
    assert_eq!(config_of(&ws.path().join("mpbake-out/app"))["created"], "2024-05-06T07:08:09Z");
    let with_epoch = [env[0], ("SOURCE_DATE_EPOCH", "86400")];
    assert_eq!(ws.run(&["build", "app"], &with_epoch).code(), 0);
    assert_eq!(config_of(&ws.path().join("mpbake-out/app"))["created"], "1970-01-02T00:00:00Z");
}

#[test]
fn inspect_reads_every_form_build_prints_and_says_what_is_missing() {
    let ws = Workspace::with(&[("Dockerfile", DOCKERFILE), ("a.txt", "a"), ("docker-bake.hcl", &bake("\"r.example/app:1\""))]);
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    assert_eq!(ws.run(&["build", "app"], &env).code(), 0);
    assert_eq!(ws.run(&["build", "app", "-o", "type=oci,dest=app.tar,tar=true"], &env).code(), 0);
    assert_eq!(ws.run(&["build", "app", "-o", "type=docker,dest=app-docker.tar"], &env).code(), 0);
    let digest = |what: &str| {
        let run = ws.run(&["inspect", "--format", "json", what], &env);
        assert_eq!(run.code(), 0, "{what}: {}", run.stderr());
        run.json()["platforms"][0]["config"]["digest"].as_str().unwrap_or_default().to_string()
    };
    let config = digest("mpbake-out/app");
    assert!(config.starts_with("sha256:"), "{config}");
    for form in
        ["oci:mpbake-out/app", "oci:mpbake-out/app:1", "oci-archive:app.tar", "app.tar", "docker-archive:app-docker.tar", "app-docker.tar"]
    {
        assert_eq!(digest(form), config, "{form} is the same image");
    }
    let verify = ws.run(&["verify", "docker-archive:app-docker.tar"], &env);
    assert_eq!(verify.code(), 0, "verify reads the layers in place: {}{}", verify.stdout(), verify.stderr());

    // what is not there is said plainly, never looked up on Docker Hub
    let run = ws.run(&["inspect", "mpbake-out/ap"], &env);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("no OCI layout at mpbake-out/ap") && run.stderr().contains("mpbake-out/app"), "{}", run.stderr());
    let run = ws.run(&["inspect", "oci:mpbake-out/app:2"], &env);
    assert!(run.code() != 0 && run.stderr().contains("no image tagged `2`") && run.stderr().contains("its tags: 1"), "{}", run.stderr());
    let run = ws.run(&["inspect", "oci:nowhere"], &env);
    assert!(run.code() == 1 && run.stderr().contains("no OCI layout at nowhere"), "{}", run.stderr());
}

#[test]
fn release_refuses_an_untagged_target_before_building() {
    let ws = Workspace::with(&[("Dockerfile", DOCKERFILE), ("a.txt", "a"), ("docker-bake.hcl", &bake(""))]);
    let run = ws.run(&["release", "app"], &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("release::no-tags") && run.stderr().contains("docker-bake.hcl:1"), "{}", run.stderr());
    assert!(!run.stderr().contains("steps executed") && !ws.path().join("mpbake-out").exists(), "nothing built: {}", run.stderr());
}

#[test]
fn completions_and_the_manual_come_from_the_command_line_definition() {
    let ws = Workspace::new();
    for (shell, marker) in [("bash", "_mpbake()"), ("zsh", "#compdef mpbake"), ("fish", "complete -c mpbake")] {
        let run = ws.run(&["completion", shell], &[]);
        assert_eq!(run.code(), 0, "{}", run.stderr());
        assert!(run.stdout().contains(marker) && run.stdout().contains("release") && run.stdout().contains("--allow"), "{shell}");
    }
    let man = ws.run(&["man"], &[]);
    assert_eq!(man.code(), 0, "{}", man.stderr());
    assert!(
        man.stdout().starts_with(".ie") || man.stdout().contains(".TH mpbake"),
        "roff: {}",
        &man.stdout()[..man.stdout().len().min(200)]
    );
    assert!(man.stdout().contains("release") && man.stdout().contains("inspect"));
}

#[test]
fn cache_du_shows_every_kind_and_prune_removes_the_least_recently_used() {
    let spec = "target \"old\" {\n  dockerfile = \"old.Dockerfile\"\n}\ntarget \"new\" {\n  dockerfile = \"new.Dockerfile\"\n}\n";
    let ws = Workspace::with(&[
        ("old.Dockerfile", "FROM scratch\nCOPY old.txt /\n"),
        ("new.Dockerfile", "FROM scratch\nCOPY new.txt /\n"),
        ("old.txt", "old"),
        ("new.txt", "new"),
        ("docker-bake.hcl", spec),
    ]);
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    assert_eq!(ws.run(&["build", "old"], &env).code(), 0);
    // the old target's step was last used two days ago
    let two_days_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(2 * 86400);
    for entry in std::fs::read_dir(cache.path().join("steps")).into_iter().flatten().flatten() {
        let file = std::fs::File::options().write(true).open(entry.path()).unwrap_or_else(|e| panic!("{e}"));
        file.set_modified(two_days_ago).unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(ws.run(&["build", "new"], &env).code(), 0);
    let du = ws.run(&["cache", "du"], &env);
    assert_eq!(du.code(), 0, "{}", du.stderr());
    let row = |text: &str, kind: &str| -> usize {
        let line = text.lines().find(|l| l.starts_with(kind)).unwrap_or_else(|| panic!("no {kind} row in {text}"));
        line[kind.len()..].split_whitespace().next().and_then(|n| n.parse().ok()).unwrap_or_default()
    };
    assert_eq!(row(&du.stdout(), "step records"), 2, "{}", du.stdout());
    assert!(row(&du.stdout(), "blobs") >= 2 && du.stdout().contains("total"), "{}", du.stdout());

    let bad = ws.run(&["cache", "prune", "--filter", "until=soon"], &env);
    assert!(bad.code() == 1 && bad.stderr().contains("not a duration"), "{}", bad.stderr());
    let prune = ws.run(&["cache", "prune", "--force", "--filter", "until=24h"], &env);
    assert_eq!(prune.code(), 0, "{}", prune.stderr());
    assert_eq!(row(&prune.stdout(), "step records"), 1, "only the old step: {}", prune.stdout());
    let again = ws.run(&["build", "new", "old"], &env);
    assert!(again.stderr().contains("1 steps executed, 1 from cache"), "the new one was kept: {}", again.stderr());

    let all = ws.run(&["cache", "prune", "--keep-storage", "0"], &env);
    assert_eq!(all.code(), 0, "{}", all.stderr());
    assert_eq!(row(&ws.run(&["cache", "du"], &env).stdout(), "total"), 0);
}

#[test]
fn check_refuses_a_variant_the_architecture_does_not_have() {
    let spec = "target \"app\" {\n  platforms = [\"linux/amd64\", \"linux/arm64/v7\"]\n}\n";
    let ws = Workspace::with(&[("Dockerfile", DOCKERFILE), ("a.txt", "a"), ("docker-bake.hcl", spec)]);
    let run = ws.run(&["check", "app"], &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    assert!(run.stderr().contains("`v7` is not a variant of arm64") && run.stderr().contains("docker-bake.hcl:2"), "{}", run.stderr());
    ws.write("docker-bake.hcl", &spec.replace("arm64/v7", "arm64/v9"));
    assert_eq!(ws.run(&["check", "app"], &[]).code(), 0, "v9 is an arm64 variant");
}

#[test]
fn check_finds_what_the_build_would_not_find_in_the_context() {
    let spec = "target \"app\" {}\ntarget \"tool\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n  from = \"scratch\"\n  file \"/usr/local/bin/xxx\" {\n    source = \"dist/xxx.${TARGETARCH}\"\n  }\n}\n";
    let dockerfile = "FROM scratch\nCOPY a.txt /\nCOPY secret.txt /\nCOPY missing.txt /\nCOPY *.md /docs/\n";
    let ws = Workspace::with(&[
        ("Dockerfile", dockerfile),
        ("a.txt", "a"),
        ("secret.txt", "s"),
        (".dockerignore", "secret.txt\n"),
        ("dist/xxx.amd64", "x"),
        ("docker-bake.hcl", spec),
    ]);
    let run = ws.run(&["check", "--format", "json", "app", "tool"], &[]);
    assert_eq!(run.code(), 1, "{}", run.stderr());
    let report: serde_json::Value = serde_json::from_str(&run.stdout()).unwrap_or_else(|e| panic!("{e}: {}", run.stderr()));
    let found: Vec<(String, u64)> = report
        .as_array()
        .into_iter()
        .flatten()
        .filter(|d| d["code"] == "check::missing-source")
        .map(|d| (d["message"].as_str().unwrap_or_default().to_string(), d["line"].as_u64().unwrap_or_default()))
        .collect();
    let lines: Vec<u64> = found.iter().map(|(_, line)| *line).collect();
    assert_eq!(lines, [3, 4, 5, 5], "secret.txt (ignored), the missing file, no *.md, and arm64's file: {found:?}");
    assert!(found[0].0.contains("left out (by .dockerignore)") && found[1].0.contains("`missing.txt` is not in"), "{found:?}");
    assert!(found[3].0.contains("linux/arm64: `dist/xxx.arm64`"), "{found:?}");
    ws.write("Dockerfile", "FROM scratch\nCOPY a.txt /\n");
    ws.write("dist/xxx.arm64", "y");
    let run = ws.run(&["check", "app", "tool"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
}

#[test]
fn spec_errors_point_at_their_cause_and_variables_list_their_docs() {
    let ws = Workspace::with(&[("docker-bake.hcl", "target \"app\" {\n  tags = [\"abc]\n  args = { A = \"1\" }\n}\n")]);
    let run = ws.run(&["print", "app"], &[]);
    assert_eq!(run.code(), 1);
    assert!(
        run.stderr().contains("a string is not closed") && run.stderr().contains("docker-bake.hcl:2:11"),
        "where it opens: {}",
        run.stderr()
    );
    ws.write("docker-bake.hcl", "variable \"X\" { default = \"A\" }\ntarget \"app\" {\n  tags = [lowercase(X)]\n}\n");
    let run = ws.run(&["print", "app"], &[]);
    assert!(run.code() == 1 && run.stderr().contains("did you mean `lower`?"), "{}", run.stderr());

    let spec = "variable \"REGISTRY\" {\n  type = string\n  default = \"r.example\"\n  description = \"where the bases come from\"\n}\nvariable \"N\" {\n  default = 3\n}\n";
    ws.write("docker-bake.hcl", spec);
    let run = ws.run(&["list", "variables"], &[]);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let stdout = run.stdout();
    let lines: Vec<Vec<&str>> = stdout.lines().map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(lines[0], ["VARIABLE", "TYPE", "VALUE", "DESCRIPTION"]);
    assert_eq!(lines[1], ["N", "3"]);
    assert_eq!(lines[2], ["REGISTRY", "string", "\"r.example\"", "where", "the", "bases", "come", "from"]);
    let json = ws.run(&["list", "variables", "--format", "json"], &[]).json();
    assert_eq!(json[1]["description"], "where the bases come from");
    assert_eq!(json[1]["type"], "string");
}

#[test]
fn progress_shows_each_step_with_its_place_and_platforms_in_every_mode() {
    let dockerfile = "FROM --platform=$BUILDPLATFORM scratch AS builder\nARG TARGETARCH\nCOPY a.txt /a-$TARGETARCH\n\
                      FROM scratch\nARG TARGETARCH\nCOPY --from=builder /a-$TARGETARCH /a\nCOPY b.txt /b\n";
    let spec = "target \"app\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}\n";
    let ws = Workspace::with(&[("Dockerfile", dockerfile), ("a.txt", "a"), ("b.txt", "b"), ("docker-bake.hcl", spec)]);
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];

    // plain: a start line, the output, an end line per step, counted within the stage
    let plain = ws.run(&["build", "--progress", "plain", "app"], &env);
    assert_eq!(plain.code(), 0, "{}", plain.stderr());
    let stderr = plain.stderr();
    let starts: Vec<&str> = stderr.lines().filter(|l| l.starts_with('#') && l.contains(" [")).collect();
    assert!(starts.iter().any(|l| l.ends_with("[app/stage-1 3/3 linux/arm64] COPY b.txt /b")), "{stderr}");
    if mpbake::ir::Platform::host().arch == "amd64" {
        assert!(starts.iter().any(|l| l.contains("[app/builder 1/1 linux/amd64→linux/arm64] COPY a.txt /a-arm64")), "{stderr}");
    }
    for start in &starts {
        let id = start.split_whitespace().next().unwrap_or_default();
        assert!(stderr.lines().any(|l| l.starts_with(&format!("{id} DONE ")) || *l == format!("{id} CACHED")), "{id} ends: {stderr}");
    }

    // json: timed events with platforms, and a result per target
    let json = ws.run(&["build", "--progress", "json", "app"], &env);
    assert_eq!(json.code(), 0, "{}", json.stderr());
    let events: Vec<serde_json::Value> = json.stderr().lines().map(|l| self::json(l.as_bytes())).collect();
    assert!(events.iter().all(|e| e["time"].as_str().is_some_and(|t| t.ends_with('Z'))), "{}", json.stderr());
    assert!(events.iter().any(|e| e["event"] == "step" && e["status"] == "cached" && e["targetPlatforms"].as_array().is_some()));
    let result = events.iter().find(|e| e["event"] == "result").unwrap_or_else(|| panic!("no result event: {}", json.stderr()));
    assert_eq!((result["target"].as_str(), result["platforms"].as_array().map(Vec::len)), (Some("app"), Some(2)));
    assert_eq!(result["outputs"], serde_json::json!(["oci:mpbake-out/app"]));
    assert!(json.stdout().contains(result["digest"].as_str().unwrap_or("?")));

    // a terminal (a pseudo-terminal from util-linux's script): spinners, then each step's line
    if harness::which("script").is_some() {
        let fresh = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let command = format!("{} build app", env!("CARGO_BIN_EXE_mpbake"));
        let out = Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .current_dir(ws.path())
            .env("MPBAKE_CACHE_DIR", fresh.path())
            .output();
        let out = out.unwrap_or_else(|e| panic!("script: {e}"));
        let screen = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(screen.contains("\u{1b}[2K"), "the spinners are redrawn in place: {screen:?}");
        assert!(screen.contains("0s [app/stage-1 3/3 linux/arm64] COPY b.txt /b"), "a running step's spinner: {screen:?}");
        assert!(screen.contains("] COPY b.txt /b  0.") && screen.contains("steps executed"), "{screen:?}");
    }
}

/// What a terminal shows after `bytes` (120 columns), with times, durations and spinner frames
/// made stable.
fn screen(bytes: &[u8]) -> String {
    let size = |n: u16| std::num::NonZeroU16::new(n).unwrap_or(std::num::NonZeroU16::MIN);
    let mut terminal = vt100::Parser::new(size(40), size(120), 0);
    terminal.process(bytes);
    let mut out = String::new();
    for row in terminal.screen().rows(0, 120) {
        let line = row.trim_end();
        if line.is_empty() {
            continue;
        }
        let words: Vec<String> = line
            .split(' ')
            .map(|w| match w {
                w if w.chars().all(|c| ('\u{2800}'..='\u{28ff}').contains(&c)) && !w.is_empty() => "*".to_string(),
                w if w.ends_with('s') && w[..w.len() - 1].chars().all(|c| c.is_ascii_digit() || c == '.') && w.len() > 1 => {
                    "Ts".to_string()
                }
                w => w.to_string(),
            })
            .collect();
        out.push_str(&words.join(" "));
        out.push('\n');
    }
    out
}

#[test]
fn the_terminal_shows_running_steps_then_their_results() {
    if let Err(reason) = harness::require(&["script"]) {
        println!("SKIP the terminal snapshots: {reason}");
        return;
    }
    let dockerfile = "FROM --platform=$BUILDPLATFORM scratch AS builder\nARG TARGETARCH\nCOPY a.txt /a-$TARGETARCH\n\
                      FROM scratch\nARG TARGETARCH\nCOPY --from=builder /a-$TARGETARCH /a\nCOPY b.txt /b\n";
    let spec = "target \"app\" {\n  platforms = [\"linux/amd64\", \"linux/arm64\"]\n}\n";
    let ws = Workspace::with(&[("Dockerfile", dockerfile), ("a.txt", "a"), ("b.txt", "b"), ("docker-bake.hcl", spec)]);
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    // one step at a time, so what the screen shows follows the plan's order
    let command = format!("stty cols 120 rows 40; {} build -j 1 app", env!("CARGO_BIN_EXE_mpbake"));
    let out =
        Command::new("script").args(["-qec", &command, "/dev/null"]).current_dir(ws.path()).env("MPBAKE_CACHE_DIR", cache.path()).output();
    let out = out.unwrap_or_else(|e| panic!("script: {e}")).stdout;
    // a moment while the last step runs: the steps done above, its spinner below
    let running = "[app/stage-1 3/3 linux/arm64] COPY b.txt /b";
    let text = String::from_utf8_lossy(&out);
    let at = text.find(running).map(|i| i + running.len()).unwrap_or_else(|| panic!("never showed {running}: {text:?}"));
    if mpbake::ir::Platform::host().arch == "amd64" {
        insta::assert_snapshot!("terminal_while_the_last_step_runs", screen(&text.as_bytes()[..at]));
        insta::assert_snapshot!("terminal_at_the_end", screen(&out));
    }
}

#[test]
fn reading_or_writing_outside_the_working_directory_is_granted_as_buildx_asks() {
    let outside = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(outside.path().join("a.txt"), "a").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(outside.path().join("Dockerfile"), DOCKERFILE).unwrap_or_else(|e| panic!("{e}"));
    let spec = format!("target \"app\" {{\n  context = \"{}\"\n}}\n", outside.path().display());
    let ws = Workspace::with(&[("docker-bake.hcl", &spec)]);
    let cache = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let env = [("MPBAKE_CACHE_DIR", cache.path().to_str().unwrap_or_default())];
    let run = ws.run(&["build", "app"], &env);
    assert!(run.code() == 1 && run.stderr().contains("asks to read") && run.stderr().contains("--allow fs.read="), "{}", run.stderr());
    let grant = format!("fs.read={}", outside.path().display());
    assert_eq!(ws.run(&["build", "--allow", &grant, "app"], &env).code(), 0);
    assert_eq!(ws.run(&["build", "--allow", "fs=*", "app"], &env).code(), 0);
    assert_eq!(ws.run(&["build", "app"], &[env[0], ("BUILDX_BAKE_ENTITLEMENTS_FS", "0")]).code(), 0, "turned off as in buildx");

    // an output entry that writes outside needs fs.write; -o is what the user typed, so it is granted
    let out = outside.path().join("image.tar");
    ws.write(
        "docker-bake.hcl",
        &format!("{}  output = [\"type=oci,dest={}\"]\n}}\n", spec.trim_end().trim_end_matches('}'), out.display()),
    );
    let run = ws.run(&["build", "--allow", &grant, "app"], &env);
    assert!(run.code() == 1 && run.stderr().contains("asks to write") && run.stderr().contains("--allow fs.write="), "{}", run.stderr());
    let both = format!("fs={}", outside.path().display());
    assert_eq!(ws.run(&["build", "--allow", &both, "app"], &env).code(), 0);
    assert!(out.is_file());
    let elsewhere = format!("type=oci,dest={},tar=true", outside.path().join("flag.tar").display());
    assert_eq!(ws.run(&["build", "--allow", &grant, "-o", &elsewhere, "app"], &env).code(), 0);
}
