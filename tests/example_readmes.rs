//! The examples' READMEs show real `mpbake plan` output and emitted Dockerfiles; this keeps them
//! true. Regenerate with `MPBAKE_BLESS=1 cargo test --test example_readmes`.

mod common;

use common::{repo, run_in};

/// Replaces (or checks) the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`.
fn section(readme: &mut String, name: &str, body: &str) -> bool {
    let (start, end) = (format!("<!-- {name}:start -->\n"), format!("<!-- {name}:end -->"));
    let (Some(s), Some(e)) = (readme.find(&start), readme.find(&end)) else { panic!("README lacks the {name} markers") };
    let fenced = format!("```{}\n{body}```\n", if name == "dockerfile" { "dockerfile" } else { "text" });
    let current = &readme[s + start.len()..e];
    if current == fenced {
        return true;
    }
    readme.replace_range(s + start.len()..e, &fenced);
    false
}

#[test]
fn example_readmes_show_current_output() {
    let bless = std::env::var_os("MPBAKE_BLESS").is_some();
    for (example, target) in [("go-hello", "hello"), ("per-arch-binaries", "xxx")] {
        let dir = repo().join("examples").join(example);
        let plan = run_in(&dir, &["plan", "--build-platform", "linux/amd64"]);
        assert_eq!(plan.code(), 0, "{}", plan.stderr());
        let out = tempfile::tempdir().expect("tempdir");
        let emit = run_in(&dir, &["emit", "-o", out.path().to_str().unwrap_or_default()]);
        assert_eq!(emit.code(), 0, "{}", emit.stderr());
        let dockerfile = std::fs::read_to_string(out.path().join(format!("{target}.Dockerfile"))).unwrap_or_default();
        let path = dir.join("README.md");
        let mut readme = std::fs::read_to_string(&path).unwrap_or_default();
        let fresh = section(&mut readme, "plan", &plan.stdout()) & section(&mut readme, "dockerfile", &dockerfile);
        if bless {
            std::fs::write(&path, &readme).expect("write README");
        } else {
            assert!(fresh, "examples/{example}/README.md is stale: run MPBAKE_BLESS=1 cargo test --test example_readmes");
        }
    }
}
