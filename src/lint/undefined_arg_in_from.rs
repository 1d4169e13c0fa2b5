//! `undefined-arg-in-from`: `FROM ${REGISTY}/app` names an ARG no global `ARG` declares, so it
//! expands to nothing and the build fails far from the cause (BuildKit's UndefinedArgInFrom).

use super::{Context, Finding, Rule, dockerfile_targets, warning};

pub const RULE: Rule = Rule { id: "undefined-arg-in-from", summary: "FROM uses an ARG that no global ARG declares", check };

/// The ARGs BuildKit gives every FROM without a declaration.
const AUTOMATIC: [&str; 8] =
    ["BUILDPLATFORM", "BUILDOS", "BUILDARCH", "BUILDVARIANT", "TARGETPLATFORM", "TARGETOS", "TARGETARCH", "TARGETVARIANT"];

/// The variable names a word refers to (`$NAME`, `${NAME}`, `${NAME:-x}`), escapes skipped.
fn variables(word: &str) -> Vec<String> {
    let (mut out, mut chars) = (Vec::new(), word.chars().peekable());
    while let Some(c) = chars.next() {
        match c {
            '\\' => drop(chars.next()),
            '$' => {
                let braced = chars.next_if_eq(&'{').is_some();
                let mut name = String::new();
                while let Some(c) = chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    name.push(c);
                }
                if !name.is_empty() && !name.starts_with(|c: char| c.is_ascii_digit()) {
                    out.push(name);
                }
                if braced {
                    // the modifier's own words may refer to more
                    let inner: String = chars.by_ref().take_while(|c| *c != '}').collect();
                    out.extend(variables(&inner));
                }
            }
            _ => {}
        }
    }
    out
}

fn check(ctx: &Context) -> Vec<Finding> {
    let mut out = Vec::new();
    for (target, df) in dockerfile_targets(ctx) {
        let declared: Vec<&str> = df.global_args.iter().map(|a| a.name.as_str()).chain(AUTOMATIC).collect();
        for stage in &df.stages {
            let words = [(Some(&stage.base), Some(stage.base_span)), (stage.platform.as_ref(), stage.platform_span)];
            for (word, span) in words {
                let (Some(word), Some(span)) = (word, span) else { continue };
                for name in variables(word).into_iter().filter(|n| !declared.contains(&n.as_str())) {
                    let help = match crate::diag::did_you_mean(&name, declared.iter().copied()) {
                        Some(close) => format!(
                            "did you mean `{close}`? Otherwise declare it before the first FROM: `ARG {name}` (docs/rules/undefined-arg-in-from.md)"
                        ),
                        None => format!(
                            "declare it before the first FROM: `ARG {name}`, with a default or a value from the spec's args (docs/rules/undefined-arg-in-from.md)"
                        ),
                    };
                    let diagnostic =
                        warning("lint::undefined-arg-in-from", format!("FROM argument `{name}` is not declared, so it expands to nothing"))
                            .with_label(span, "used here")
                            .with_help(help);
                    out.push(Finding { target: target.clone(), diagnostic });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn variables_are_found_in_every_form() {
        assert_eq!(super::variables("${REGISTRY:-x}/app:$TAG"), ["REGISTRY", "TAG"]);
        assert_eq!(super::variables("\\$NOT/${A:-$B}"), ["A", "B"]);
        assert!(super::variables("busybox:1").is_empty());
    }
}
