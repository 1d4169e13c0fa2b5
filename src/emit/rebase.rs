//! Moves a Dockerfile's context under a directory of the context sent to a node: COPY/ADD
//! sources and RUN bind mounts that read the context get the prefix, so the Dockerfile itself
//! can travel beside the context without becoming part of it (a tar context has no other place).
//! A named context's name becomes what stands for it there (an image reference, or a stage).

use std::collections::BTreeMap;

use crate::ir::CopyOp;

/// A COPY or ADD that reads the context (or a named context), written again with every local
/// source under `prefix` (or `--from` what stands for the name); `None` when it reads neither
/// (a stage, heredocs) and stays as written.
pub fn copy(c: &CopyOp, prefix: &str, named: &BTreeMap<String, String>) -> Option<String> {
    let from = match c.from.as_deref().map(|f| named.get(f)) {
        None => None,
        Some(Some(replacement)) => Some(replacement),
        Some(None) => return None,
    };
    if !c.heredocs.is_empty() {
        return None;
    }
    let mut words = vec![if c.is_add { "ADD" } else { "COPY" }.to_string()];
    words.extend(from.map(|f| format!("--from={f}")));
    words.extend(c.chown.as_ref().map(|o| format!("--chown={o}")));
    words.extend(c.chmod.as_ref().map(|m| format!("--chmod={m}")));
    words.extend(c.link.then(|| "--link".to_string()));
    words.extend(c.parents.then(|| "--parents".to_string()));
    words.extend(c.exclude.iter().map(|e| format!("--exclude={e}")));
    let mut paths: Vec<String> =
        c.sources.iter().map(|s| if is_remote(s) || from.is_some() { s.clone() } else { under(prefix, s) }).collect();
    paths.push(c.dest.clone());
    words.push(serde_json::to_string(&paths).unwrap_or_default());
    Some(words.join(" "))
}

/// A RUN's text with each bind mount that reads the context (no `from`) reading under `prefix`,
/// and each mount `from` a named context from what stands for it.
pub fn run_mounts(text: &str, prefix: &str, named: &BTreeMap<String, String>) -> String {
    let (first, rest) = text.split_once('\n').map_or((text, None), |(f, r)| (f, Some(r)));
    let words: Vec<String> = first
        .split(' ')
        .map(|word| match word.strip_prefix("--mount=") {
            Some(spec) => format!("--mount={}", mount(spec, prefix, named)),
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

/// One `--mount` spec, its source moved under `prefix` when it binds the context, its `from`
/// replaced when it names a named context.
fn mount(spec: &str, prefix: &str, named: &BTreeMap<String, String>) -> String {
    let fields: Vec<(&str, &str)> = spec.split(',').map(|f| f.split_once('=').unwrap_or((f, ""))).collect();
    if let Some(replacement) = fields.iter().find(|(k, _)| *k == "from").and_then(|(_, v)| named.get(*v))
        && !spec.contains('"')
    {
        let fields = spec.split(',').map(|f| if f.starts_with("from=") { format!("from={replacement}") } else { f.to_string() });
        return fields.collect::<Vec<_>>().join(",");
    }
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
        let none = BTreeMap::new();
        assert_eq!(copy(&c, "c", &none).as_deref(), Some(r#"COPY --chmod=755 ["c","c/go.mod","c/$SRC/*.go","/src/"]"#));
        let add = CopyOp { sources: vec!["https://x/y.tgz".into(), "a.tgz".into()], dest: "/".into(), is_add: true, ..Default::default() };
        assert_eq!(copy(&add, "c", &none).as_deref(), Some(r#"ADD ["https://x/y.tgz","c/a.tgz","/"]"#));
        let staged = CopyOp { sources: vec!["/out".into()], dest: "/".into(), from: Some("builder".into()), ..Default::default() };
        assert_eq!(copy(&staged, "c", &none), None);
    }

    #[test]
    fn named_contexts_are_read_from_what_stands_for_them() {
        let named =
            BTreeMap::from([("docs".to_string(), "mpbake-context-0".to_string()), ("alpine".to_string(), "r/alpine:3".to_string())]);
        let from = |f: &str| CopyOp { sources: vec!["/a".into()], dest: "/d/".into(), from: Some(f.into()), ..Default::default() };
        assert_eq!(copy(&from("docs"), "c", &named).as_deref(), Some(r#"COPY --from=mpbake-context-0 ["/a","/d/"]"#));
        assert_eq!(copy(&from("alpine"), "c", &named).as_deref(), Some(r#"COPY --from=r/alpine:3 ["/a","/d/"]"#));
        assert_eq!(copy(&from("stage"), "c", &named), None);
        assert_eq!(
            run_mounts("RUN --mount=type=cache,from=docs,target=/c --mount=from=alpine,source=/etc,target=/e,ro x", "c", &named),
            "RUN --mount=type=cache,from=mpbake-context-0,target=/c --mount=from=r/alpine:3,source=/etc,target=/e,ro x"
        );
    }

    #[test]
    fn only_context_bind_mounts_move() {
        let none = BTreeMap::new();
        assert_eq!(run_mounts("RUN --mount=type=bind,target=/s make", "c", &none), "RUN --mount=type=bind,target=/s,source=c make");
        assert_eq!(run_mounts("RUN --mount=target=/s,source=/src make", "c", &none), "RUN --mount=target=/s,source=c/src make");
        assert_eq!(run_mounts("RUN --mount=type=bind,from=b,target=/s x", "c", &none), "RUN --mount=type=bind,from=b,target=/s x");
        assert_eq!(run_mounts("RUN --mount=type=cache,target=/root/.cache x", "c", &none), "RUN --mount=type=cache,target=/root/.cache x");
        assert_eq!(
            run_mounts("RUN --mount=type=bind,target=/s,ro x\n  && y", "c", &none),
            "RUN --mount=type=bind,target=/s,ro,source=c x\n  && y"
        );
    }
}
