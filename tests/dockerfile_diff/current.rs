//! Cases that need a current BuildKit (Debian's dockerd has v0.8): heredocs, the newer
//! parameter forms, options added since. BuildKit's results are fixtures recorded from a
//! buildkitd built from moby/buildkit's public source (commit in buildkit-current/RECORDED),
//! each the image's config and its files as they differ from the base image.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use super::cases::{Case, case};
use super::image::Image;

const A: &[(&str, &str)] = &[("a.txt", "a\n")];
const TREE: &[(&str, &str)] = &[("src/main.go", "package main\n"), ("src/lib/util.go", "package lib\n"), ("src/README.md", "readme\n")];

pub const CASES: &[Case] = &[
    case("heredoc-run", "FROM BUSYBOX\nRUN <<EOF\necho one > /one\necho two > /two\nEOF\n", &[]),
    case("heredoc-run-redirect", "FROM BUSYBOX\nENV W=world\nRUN cat <<EOT > /greeting\nhello $W\nEOT\n", &[]),
    case("heredoc-run-interpreter", "FROM BUSYBOX\nRUN <<EOF /bin/sh\necho sh > /by-sh\nEOF\n", &[]),
    case("heredoc-run-two", "FROM BUSYBOX\nRUN <<A cat > /a-file && cat <<B > /b-file\nfirst\nA\nsecond\nB\n", &[]),
    case("heredoc-run-shebang", "FROM BUSYBOX\nRUN <<EOF\n#!/bin/sh\necho shebang > /by-shebang\nEOF\n", &[]),
    case("heredoc-run-chomp", "FROM BUSYBOX\nRUN <<-EOF\n\techo tabbed > /tabbed\n\tEOF\n", &[]),
    case("heredoc-onbuild", "FROM BUSYBOX AS base\nONBUILD RUN <<EOF\necho trig > /trig\nEOF\nFROM base\n", &[]),
    case("heredoc-unterminated", "FROM BUSYBOX\nRUN <<EOF\necho never ends\n", &[]),
    case("heredoc-copy", "FROM scratch\nENV X=expanded\nCOPY <<EOF /file\nvalue $X\nEOF\n", &[]),
    case("heredoc-copy-quoted-delimiter", "FROM scratch\nENV X=expanded\nCOPY <<\"EOF\" /file\nvalue $X\nEOF\n", &[]),
    case("heredoc-copy-two-into-dir", "FROM scratch\nCOPY <<one.txt <<two.txt /dir/\n1\none.txt\n2\ntwo.txt\n", &[]),
    case("heredoc-copy-chmod", "FROM scratch\nCOPY --chmod=755 <<EOF /run.sh\n#!/bin/sh\nEOF\n", &[]),
    case("param-trim", "FROM scratch\nENV V=abc.tar.gz\nENV A=${V%%.*} B=${V#*.} C=${V%.*} D=${V##*.} E=${V#nomatch}\n", &[]),
    case("param-replace", "FROM scratch\nENV V=banana\nENV A=${V/an/AN} B=${V//an/AN} C=${V/#b/B} D=${NOPE/a/b}x\n", &[]),
    case("param-special", "FROM scratch\nENV A=x$1y B=${1:-one} C=$@z D=${#:-hash}\n", &[]),
    case("param-question-set", "FROM scratch\nENV V=set\nENV A=${V:?must} B=${V?must}\n", &[]),
    case("param-question-unset", "FROM scratch\nENV A=${NOPE:?must be set}\n", &[]),
    case("param-bad-substitution", "FROM scratch\nENV A=${}\n", &[]),
    case("arg-after-env-same-name", "FROM BUSYBOX\nENV X=from-env\nARG X=from-arg\nRUN echo \"$X\" > /x\nENV Y=$X\n", &[]),
    case(
        "healthcheck-start-interval",
        "FROM scratch\nHEALTHCHECK --interval=10s --start-period=5s --start-interval=1s --retries=2 CMD [\"/check\"]\n",
        &[],
    ),
    case("copy-chmod-directory", "FROM scratch\nCOPY --chmod=700 src /app\n", TREE),
    case("copy-chmod-symbolic", "FROM BUSYBOX\nCOPY --chmod=u=rwx,go=rx a.txt /a\n", A),
    case("copy-chmod-symbolic-dir", "FROM scratch\nCOPY --chmod=a+X,go-w src /app\n", TREE),
    case(
        "copy-exclude-wildcard-files",
        "FROM scratch\nCOPY --exclude=b.txt *.txt /d/\n",
        &[("a.txt", "a\n"), ("b.txt", "b\n"), ("c.txt", "c\n")],
    ),
    case("copy-exclude-nested", "FROM scratch\nCOPY --exclude=lib/*.go --exclude=*.md src /app\n", TREE),
    case("heredoc-copy-chown-chmod", "FROM BUSYBOX\nCOPY --chown=1000:1000 --chmod=600 <<EOF /secret\nx\nEOF\n", &[]),
    case("copy-exclude", "FROM scratch\nCOPY --exclude=*.md src /app\n", TREE),
    case("copy-chown-numeric", "FROM scratch\nCOPY --chown=1000 a.txt /a\n", A),
    case("expose-uppercase-protocol", "FROM scratch\nEXPOSE 53/UDP 80/Tcp\n", &[]),
    case("stopsignal-quoted", "FROM scratch\nSTOPSIGNAL \"SIGKILL\"\n", &[]),
    case("onbuild-run-in-child", "FROM BUSYBOX AS base\nONBUILD RUN echo from-trigger > /t\nFROM base\nRUN cat /t > /t2\n", &[]),
];

/// Cases where mpbake still builds something else than current BuildKit, with why.
pub const DIFFERING: &[(&str, &str)] = &[];

/// An image as a fixture holds it: the config, and the files that differ from the base (a
/// base path the image no longer has is `absent`).
pub fn summary(image: &Image, base: Option<&Image>) -> Value {
    let empty = BTreeMap::new();
    let base_files = base.map_or(&empty, |b| &b.files);
    let mut files: BTreeMap<&str, &str> = BTreeMap::new();
    for (path, what) in &image.files {
        if base_files.get(path) != Some(what) {
            files.insert(path, what);
        }
    }
    for path in base_files.keys().filter(|p| !image.files.contains_key(*p)) {
        files.insert(path, "absent");
    }
    json!({"platform": image.platform, "config": image.config, "files": files})
}

pub fn fixture_path(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/dockerfile_diff/buildkit-current").join(format!("{name}.json"))
}

/// What differs between a recorded summary and mpbake's, one line each.
pub fn differences(recorded: &Value, ours: &Value) -> Vec<String> {
    let mut out = Vec::new();
    if recorded.get("refused").is_some() || ours.get("refused").is_some() {
        if recorded.get("refused").is_some() != ours.get("refused").is_some() {
            out.push(format!("BuildKit: {} / mpbake: {}", brief(recorded), brief(ours)));
        }
        return out;
    }
    if recorded["platform"] != ours["platform"] {
        out.push(format!("platform: {} / {}", recorded["platform"], ours["platform"]));
    }
    for section in ["config", "files"] {
        let keys: std::collections::BTreeSet<&String> =
            recorded[section].as_object().into_iter().chain(ours[section].as_object()).flat_map(|o| o.keys()).collect();
        for key in keys {
            let (a, b) = (&recorded[section][key], &ours[section][key]);
            if a != b {
                out.push(format!("{section} {key}: {a} / {b}"));
            }
        }
    }
    out
}

fn brief(v: &Value) -> String {
    match v.get("refused") {
        Some(why) => format!("refused ({})", why.as_str().unwrap_or_default()),
        None => "built".into(),
    }
}
