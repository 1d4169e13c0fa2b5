//! Bake files evaluated as a real buildx evaluates them: every case of tests/bake_corpus (buildx's
//! own bake tests, and real bake files from public repositories with the environment, targets
//! and `--set`s their projects use) printed by mpbake and compared, byte for byte, with what
//! `buildx bake --print` printed (recorded by tests/bake_corpus/record.py; the commit is in
//! tests/bake_corpus/RECORDED). A case buildx refuses, mpbake must refuse (exit 1). A case's
//! `masks` (regexes) blank out what changes between runs, such as `timestamp()`.

mod common;

use std::path::{Path, PathBuf};

/// Cases where mpbake still prints something else than buildx, with why; issue 12 closes them.
const DIFFERING: &[(&str, &str)] = &[];

struct Case {
    name: String,
    dir: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Patterns of what differs between runs (`timestamp()`), replaced in both outputs.
    masks: Vec<regex::Regex>,
}

fn cases() -> Vec<Case> {
    let root = common::repo().join("tests/bake_corpus");
    let mut out = Vec::new();
    for set in std::fs::read_dir(&root).expect("tests/bake_corpus").flatten().filter(|e| e.path().is_dir()) {
        for dir in std::fs::read_dir(set.path()).expect("a corpus set").flatten().map(|e| e.path()) {
            let Ok(text) = std::fs::read_to_string(dir.join("case.json")) else { continue };
            let case: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let strings = |key: &str| -> Vec<String> {
                case[key].as_array().into_iter().flatten().filter_map(|v| v.as_str().map(String::from)).collect()
            };
            let mut args = vec!["print".to_string()];
            args.extend(strings("files").into_iter().flat_map(|f| ["-f".to_string(), f]));
            args.extend(strings("set").into_iter().flat_map(|s| ["--set".to_string(), s]));
            args.extend(strings("targets"));
            let env = (case["env"].as_object().into_iter().flatten())
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect();
            let masks =
                strings("masks").iter().map(|m| regex::Regex::new(m).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))).collect();
            let name = format!("{}/{}", set.file_name().to_string_lossy(), dir.file_name().unwrap_or_default().to_string_lossy());
            out.push(Case { name, dir, args, env, masks });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// How mpbake's result differs from the recorded one, if it does.
fn difference(case: &Case) -> Option<String> {
    // the HOME record.py gives buildx (homedir() prints it)
    let env: Vec<(&str, &str)> =
        [("HOME", "/home/bake")].into_iter().chain(case.env.iter().map(|(k, v)| (k.as_str(), v.as_str()))).collect();
    let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    let run = common::run_in_env(&case.dir, &args, &env);
    let expected = std::fs::read_to_string(case.dir.join("buildx.json")).ok();
    match (expected, run.code()) {
        (None, 1) => None,
        (None, code) => Some(format!("buildx refuses it ({}), mpbake exits {code}", refusal(&case.dir))),
        (Some(_), code) if code != 0 => Some(format!("buildx prints it, mpbake exits {code}: {}", first_lines(&run.stderr(), 6))),
        (Some(expected), _) => {
            let masked = |text: &str| case.masks.iter().fold(text.to_string(), |t, m| m.replace_all(&t, "<masked>").into_owned());
            let (expected, got) = (masked(&expected), masked(&run.stdout()));
            (expected != got).then(|| first_difference(&expected, &got))
        }
    }
}

fn refusal(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("buildx.err")).unwrap_or_default().trim().to_string()
}

fn first_lines(text: &str, n: usize) -> String {
    text.lines().take(n).collect::<Vec<_>>().join("\n")
}

fn first_difference(expected: &str, got: &str) -> String {
    let (e, g): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), got.lines().collect());
    let at = e.iter().zip(&g).position(|(a, b)| a != b).unwrap_or(e.len().min(g.len()));
    let window = |lines: &[&str]| lines[at.saturating_sub(2)..(at + 3).min(lines.len())].join("\n");
    format!("line {}:\n  buildx:\n{}\n  mpbake:\n{}", at + 1, window(&e), window(&g))
}

#[test]
fn bake_files_print_as_buildx_prints_them() {
    let cases = cases();
    assert!(cases.len() >= 100, "the corpus is missing: {} cases", cases.len());
    let mut unexpected = Vec::new();
    let mut now_matching = Vec::new();
    for case in &cases {
        let listed = DIFFERING.iter().any(|(name, _)| *name == case.name);
        match (difference(case), listed) {
            (Some(diff), false) => unexpected.push(format!("{}: {diff}", case.name)),
            (None, true) => now_matching.push(case.name.clone()),
            _ => {}
        }
    }
    assert!(unexpected.is_empty(), "{} of {} cases differ from buildx:\n\n{}", unexpected.len(), cases.len(), unexpected.join("\n\n"));
    assert!(now_matching.is_empty(), "these cases now match buildx: take them out of DIFFERING: {now_matching:?}");
}
