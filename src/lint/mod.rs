//! Lint rules as data: a stable id, a one-line summary, a doc page (docs/rules/ID.md) and one
//! check function each, in a file of its own. Rules are switched off per Dockerfile with
//! `# check=skip=ID` or per target with the spec's `skip-checks = ["ID"]`.

mod constant_platform;
mod early_target_arg;
mod emulated_run;
mod go_build_not_cross;
mod redundant_target_platform;
mod shell_platform_switch;
mod undefined_arg_in_from;
mod unknown_stage;

use std::collections::BTreeMap;

use crate::diag::Diagnostic;
use crate::ir::{Dockerfile, Spec};
use crate::plan::Plan;

/// What the rules look at.
pub struct Context<'a> {
    pub spec: &'a Spec,
    /// Parsed Dockerfiles by target name.
    pub dockerfiles: &'a BTreeMap<String, Dockerfile>,
    pub plan: &'a Plan,
}

/// One lint rule.
pub struct Rule {
    /// Stable id, used in `# check=skip=`, `skip-checks` and as `lint::ID` in diagnostics.
    pub id: &'static str,
    pub summary: &'static str,
    pub check: fn(&Context) -> Vec<Finding>,
}

/// A rule's finding, with the target it concerns (for per-target switches).
pub struct Finding {
    pub target: String,
    pub diagnostic: Diagnostic,
}

/// Every rule, in the order of docs/rules/.
pub const RULES: &[&Rule] = &[
    &emulated_run::RULE,
    &shell_platform_switch::RULE,
    &constant_platform::RULE,
    &redundant_target_platform::RULE,
    &early_target_arg::RULE,
    &go_build_not_cross::RULE,
    &unknown_stage::RULE,
    &undefined_arg_in_from::RULE,
];

/// Runs every rule and drops findings switched off for their target or Dockerfile.
pub fn run(ctx: &Context) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES {
        for finding in (rule.check)(ctx) {
            let in_dockerfile = ctx.dockerfiles.get(&finding.target).is_some_and(|df| df.skip_checks.iter().any(|s| s == rule.id));
            let in_spec = ctx
                .spec
                .targets
                .get(&finding.target)
                .and_then(|t| t.image.as_ref())
                .is_some_and(|i| i.skip_checks.iter().any(|s| s == rule.id));
            if !in_dockerfile && !in_spec && !out.contains(&finding.diagnostic) {
                out.push(finding.diagnostic);
            }
        }
    }
    out
}

/// Each planned Dockerfile target with its Dockerfile.
fn dockerfile_targets<'a>(ctx: &'a Context) -> impl Iterator<Item = (&'a String, &'a Dockerfile)> {
    ctx.dockerfiles.iter().filter(|(name, _)| ctx.plan.targets.contains_key(*name))
}

/// Whether a `--platform` value names the build platform.
fn is_build_platform(value: Option<&str>) -> bool {
    matches!(value, Some("$BUILDPLATFORM" | "${BUILDPLATFORM}"))
}

fn warning(id: &'static str, message: String) -> Diagnostic {
    Diagnostic::warning(id, message)
}
