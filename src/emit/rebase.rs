//! Moves a Dockerfile's context under a directory of the context sent to a node: COPY/ADD
//! sources and RUN bind mounts that read the context get the prefix, so the Dockerfile itself
//! can travel beside the context without becoming part of it (a tar context has no other place).

use crate::ir::CopyOp;

/// A COPY or ADD that reads the context, written again with every local source under
/// `prefix`; `None` when it reads no context (a stage, heredocs) and stays as written.
pub fn copy(c: &CopyOp, prefix: &str) -> Option<String> {
    if c.from.is_some() || !c.heredocs.is_empty() {
        return None;
    }
    let mut words = vec![if c.is_add { "ADD" } else { "COPY" }.to_string()];
    words.extend(c.chown.as_ref().map(|o| format!("--chown={o}")));
    words.extend(c.chmod.as_ref().map(|m| format!("--chmod={m}")));
    words.extend(c.link.then(|| "--link".to_string()));
    words.extend(c.parents.then(|| "--parents".to_string()));
    words.extend(c.exclude.iter().map(|e| format!("--exclude={e}")));
    let mut paths: Vec<String> = c.sources.iter().map(|s| if is_remote(s) { s.clone() } else { under(prefix, s) }).collect();
    paths.push(c.dest.clone());
    words.push(serde_json::to_string(&paths).unwrap_or_default());
    Some(words.join(" "))
}

/// A RUN's text with each bind mount that reads the context (no `from`) reading under `prefix`.
pub fn run_mounts(text: &str, prefix: &str) -> String {
    let (first, rest) = text.split_once('\n').map_or((text, None), |(f, r)| (f, Some(r)));
    let words: Vec<String> = first
        .split(' ')
        .map(|word| match word.strip_prefix("--mount=") {
            Some(spec) => format!("--mount={}", mount(spec, prefix)),
            None => word.to_string(),
        })
        .collect();
    let mut out = words.join(" ");
    if let Some(rest) = rest {
        out.push('\n');
        out.push_str(rest);
    }
    out
}

/// One `--mount` spec, its source moved under `prefix` when it binds the context.
fn mount(spec: &str, prefix: &str) -> String {
    let fields: Vec<(&str, &str)> = spec.split(',').map(|f| f.split_once('=').unwrap_or((f, ""))).collect();
    let kind = fields.iter().find(|(k, _)| *k == "type").map_or("bind", |(_, v)| v);
    if kind != "bind" || spec.contains('"') || fields.iter().any(|(k, _)| *k == "from") {
        return spec.to_string();
    }
    let mut sourced = false;
    let mut out: Vec<String> = fields
        .iter()
        .map(|(k, v)| match *k {
            "source" | "src" => {
                sourced = true;
                format!("{k}={}", under(prefix, v))
            }
            _ if v.is_empty() && !spec.contains(&format!("{k}=")) => k.to_string(),
            _ => format!("{k}={v}"),
        })
        .collect();
    if !sourced {
        out.push(format!("source={prefix}"));
    }
    out.join(",")
}

/// `path` of the context as a path under `prefix` (an absolute path is the context's root).
fn under(prefix: &str, path: &str) -> String {
    let trimmed = path.trim_start_matches('/');
    if trimmed.is_empty() || trimmed == "." { prefix.to_string() } else { format!("{prefix}/{trimmed}") }
}

/// An ADD source fetched by the builder, not read from the context.
fn is_remote(source: &str) -> bool {
    ["http://", "https://", "git@", "git://"].iter().any(|p| source.starts_with(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_reads_move_under_the_prefix() {
        let c = CopyOp {
            sources: vec![".".into(), "/go.mod".into(), "$SRC/*.go".into()],
            dest: "/src/".into(),
            chmod: Some("755".into()),
            ..Default::default()
        };
        assert_eq!(copy(&c, "c").as_deref(), Some(r#"COPY --chmod=755 ["c","c/go.mod","c/$SRC/*.go","/src/"]"#));
        let add = CopyOp { sources: vec!["https://x/y.tgz".into(), "a.tgz".into()], dest: "/".into(), is_add: true, ..Default::default() };
        assert_eq!(copy(&add, "c").as_deref(), Some(r#"ADD ["https://x/y.tgz","c/a.tgz","/"]"#));
        let staged = CopyOp { sources: vec!["/out".into()], dest: "/".into(), from: Some("builder".into()), ..Default::default() };
        assert_eq!(copy(&staged, "c"), None);
    }

    #[test]
    fn only_context_bind_mounts_move() {
        assert_eq!(run_mounts("RUN --mount=type=bind,target=/s make", "c"), "RUN --mount=type=bind,target=/s,source=c make");
        assert_eq!(run_mounts("RUN --mount=target=/s,source=/src make", "c"), "RUN --mount=target=/s,source=c/src make");
        assert_eq!(run_mounts("RUN --mount=type=bind,from=b,target=/s x", "c"), "RUN --mount=type=bind,from=b,target=/s x");
        assert_eq!(run_mounts("RUN --mount=type=cache,target=/root/.cache x", "c"), "RUN --mount=type=cache,target=/root/.cache x");
        assert_eq!(
            run_mounts("RUN --mount=type=bind,target=/s,ro x\n  && y", "c"),
            "RUN --mount=type=bind,target=/s,ro,source=c x\n  && y"
        );
    }
}
