//! Instruction flags (`--platform`, `--from`, `--mount=type=cache,target=/x`): lookup, the set
//! each instruction accepts, and RUN's mount CSV.

use parse_dockerfile::Flag;

use super::Lower;
use crate::diag::{Diagnostic, did_you_mean};
use crate::frontend::csv;
use crate::ir::Mount;

pub fn find<'f, 'a>(flags: &'f [Flag<'a>], name: &str) -> Option<&'f Flag<'a>> {
    flags.iter().find(|f| f.name.value == name)
}

pub fn value(flags: &[Flag], name: &str) -> Option<String> {
    find(flags, name).and_then(|f| f.value.as_ref()).map(|v| v.value.to_string())
}

/// Refuses flags the instruction does not take, with a suggestion.
pub fn only(flags: &[Flag], allowed: &[&str], lower: &Lower) -> Result<(), Diagnostic> {
    for flag in flags {
        if !allowed.contains(&&*flag.name.value) {
            let help = did_you_mean(&flag.name.value, allowed.iter().copied()).map(|s| format!("did you mean `--{s}`?"));
            return Err(Diagnostic::error("dockerfile::unknown-flag", format!("unknown flag `--{}`", flag.name.value))
                .with_label(lower.span(flag.span()), "not a flag of this instruction")
                .with_help_opt(help.or_else(|| {
                    Some(format!("this instruction takes {}", allowed.iter().map(|a| format!("--{a}")).collect::<Vec<_>>().join(", ")))
                })));
        }
    }
    Ok(())
}

/// Every `--mount=...` of a RUN.
pub fn mounts(flags: &[Flag], lower: &Lower) -> Result<Vec<Mount>, Diagnostic> {
    let mut out = Vec::new();
    for flag in flags.iter().filter(|f| f.name.value == "mount") {
        let text = flag.value.as_ref().map(|v| v.value.to_string()).unwrap_or_default();
        let mut mount = Mount { kind: "bind".into(), options: Vec::new() };
        for field in csv::split(&text).into_iter().filter(|f| !f.is_empty()) {
            let (k, v) = field.split_once('=').map_or((field.as_str(), ""), |(k, v)| (k, v));
            if k == "type" {
                mount.kind = v.to_string();
            } else {
                mount.options.push((k.to_string(), v.to_string()));
            }
        }
        if !matches!(mount.kind.as_str(), "bind" | "cache" | "tmpfs" | "secret" | "ssh") {
            return Err(Diagnostic::error("dockerfile::mount", format!("unknown mount type `{}`", mount.kind))
                .with_label(lower.span(flag.span()), "here")
                .with_help("mount types are bind, cache, tmpfs, secret and ssh"));
        }
        out.push(mount);
    }
    Ok(out)
}
