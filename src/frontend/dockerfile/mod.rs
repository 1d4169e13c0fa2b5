//! Dockerfiles: parse-dockerfile's syntax tree (tier 1, spans on every token) → typed
//! instructions and stages in the IR (tiers 2–3); words stay unexpanded until planning.

pub mod expand;
mod flags;
mod health;
mod heredoc;
pub mod shell;
mod words;

use parse_dockerfile::{Command as PdCommand, Instruction, JsonOrStringArray, Source};

use crate::diag::Diagnostic;
use crate::ir::{ArgDecl, Command, CopyOp, Dockerfile, Op, OpKind, Stage};
use crate::source::{FileId, Span};

/// Parses a Dockerfile into stages; the first error is returned with its span.
pub fn parse(file: FileId, text: &str) -> Result<Dockerfile, Diagnostic> {
    // here-documents are read here, as BuildKit reads them; the crate parses the rest
    let extracted = heredoc::extract(text, escape_directive(text)).map_err(|(offset, message)| {
        Diagnostic::error("dockerfile::syntax", message).with_label(Span::new(file, offset..offset + 1), "this instruction")
    })?;
    let parsed = parse_dockerfile::parse(&extracted.masked).map_err(|e| {
        let offset = offset_of(text, e.line(), e.column());
        let message = e.to_string();
        // `RUNN`: the instruction it probably is
        let unknown =
            message.split_once("unknown instruction '").and_then(|(_, rest)| rest.split_once('\'')).map(|(word, _)| word.to_string());
        let help = unknown.and_then(|word| crate::diag::did_you_mean(&word.to_ascii_uppercase(), INSTRUCTIONS.iter().copied()));
        Diagnostic::error("dockerfile::syntax", format!("Dockerfile syntax error: {message}"))
            .with_label(Span::new(file, offset..(offset + 1).min(text.len().max(offset))), "here")
            .with_help_opt(help.map(|s| format!("did you mean `{s}`?")))
    })?;
    let escape = parsed.parser_directives.escape.as_ref().map_or('\\', |d| d.value.value);
    let lower = Lower { file, text, escape, heredocs: &extracted.by_line };
    let mut out = Dockerfile::default();
    out.skip_checks = skip_checks(parsed.parser_directives.check.as_ref().map(|d| d.value.value));
    let mut starts: Vec<usize> = Vec::with_capacity(parsed.instructions.len());
    for instruction in &parsed.instructions {
        let previous = starts.last().copied().unwrap_or(0);
        starts.push(instruction_start(instruction).unwrap_or(previous));
    }
    for (i, instruction) in parsed.instructions.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(text.len());
        let span = lower.span(starts[i]..trim_end(text, starts[i], end));
        match instruction {
            Instruction::From(from) => {
                let (platform, platform_span) = match flags::find(&from.options, "platform") {
                    Some(f) => (f.value.as_ref().map(|v| v.value.to_string()), f.value.as_ref().map(|v| lower.span(v.span.clone()))),
                    None => (None, None),
                };
                flags::only(&from.options, &["platform"], &lower)?;
                out.stages.push(Stage {
                    name: from.as_.as_ref().map(|(_, n)| n.value.to_lowercase()),
                    base: from.image.value.to_string(),
                    base_span: lower.span(from.image.span.clone()),
                    platform,
                    platform_span,
                    span,
                    ops: Vec::new(),
                });
            }
            Instruction::Arg(arg) if out.stages.is_empty() => out.global_args.extend(lower.args(&arg.arguments.value, span)?),
            other => {
                let kind = lower.op(other, span)?;
                let op = Op { kind, span, text: text[span.start as usize..span.end as usize].to_string() };
                match out.stages.last_mut() {
                    Some(stage) => stage.ops.push(op),
                    None => {
                        return Err(Diagnostic::error("dockerfile::before-from", format!("{} before the first FROM", op.kind.keyword()))
                            .with_label(span, "only ARG may come before FROM"));
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Every Dockerfile instruction, for suggestions.
const INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// The escape character a `# escape=` directive at the top sets (the crate reads it again).
pub fn escape_directive(text: &str) -> char {
    for line in text.lines() {
        let Some(comment) = line.trim().strip_prefix('#') else { break };
        if let Some((key, value)) = comment.split_once('=')
            && key.trim().eq_ignore_ascii_case("escape")
            && let Some(c) = value.trim().chars().next()
        {
            return c;
        }
    }
    '\\'
}

/// `# check=skip=A,B;error=true` → [A, B].
fn skip_checks(directive: Option<&str>) -> Vec<String> {
    directive
        .into_iter()
        .flat_map(|d| d.split(';'))
        .filter_map(|part| part.trim().strip_prefix("skip="))
        .flat_map(|ids| ids.split(','))
        .map(|id| id.trim().to_string())
        .filter(|id| !id.is_empty())
        .collect()
}

fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

fn instruction_start(instruction: &Instruction) -> Option<usize> {
    Some(match instruction {
        Instruction::Add(i) => i.add.span.start,
        Instruction::Arg(i) => i.arg.span.start,
        Instruction::Cmd(i) => i.cmd.span.start,
        Instruction::Copy(i) => i.copy.span.start,
        Instruction::Entrypoint(i) => i.entrypoint.span.start,
        Instruction::Env(i) => i.env.span.start,
        Instruction::Expose(i) => i.expose.span.start,
        Instruction::From(i) => i.from.span.start,
        Instruction::Healthcheck(i) => i.healthcheck.span.start,
        Instruction::Label(i) => i.label.span.start,
        Instruction::Maintainer(i) => i.maintainer.span.start,
        Instruction::Onbuild(i) => i.onbuild.span.start,
        Instruction::Run(i) => i.run.span.start,
        Instruction::Shell(i) => i.shell.span.start,
        Instruction::Stopsignal(i) => i.stopsignal.span.start,
        Instruction::User(i) => i.user.span.start,
        Instruction::Volume(i) => i.volume.span.start,
        Instruction::Workdir(i) => i.workdir.span.start,
        _ => return None,
    })
}

/// The end of an instruction: before the next one, less trailing blank and comment lines.
fn trim_end(text: &str, start: usize, end: usize) -> usize {
    let mut slice = &text[start..end];
    loop {
        let trimmed = slice.trim_end();
        match trimmed.rfind('\n') {
            Some(nl) if trimmed[nl + 1..].trim_start().starts_with('#') => slice = &trimmed[..nl],
            _ => return start + trimmed.len(),
        }
    }
}

struct Lower<'t> {
    file: FileId,
    text: &'t str,
    escape: char,
    heredocs: &'t std::collections::BTreeMap<usize, Vec<heredoc::Heredoc>>,
}

impl Lower<'_> {
    fn span(&self, range: std::ops::Range<usize>) -> Span {
        Span::new(self.file, range)
    }

    /// The here-documents of the instruction at `span` (keyed by the start of its line).
    fn heredocs_at(&self, span: Span) -> &[heredoc::Heredoc] {
        self.heredocs
            .range(..=span.start as usize)
            .next_back()
            .filter(|(at, _)| self.text[**at..span.start as usize].trim().is_empty())
            .map_or(&[], |(_, d)| d.as_slice())
    }

    /// A raw word in the `\\`-escaped form the expansion reads.
    fn word(&self, raw: &str) -> String {
        words::with_backslash(raw, self.escape)
    }

    fn args(&self, text: &str, span: Span) -> Result<Vec<ArgDecl>, Diagnostic> {
        Ok(words::split(text, self.escape)
            .into_iter()
            .map(|w| self.word(&w))
            .map(|w| match w.split_once('=') {
                Some((name, default)) => ArgDecl { name: name.to_string(), default: Some(default.to_string()), span },
                None => ArgDecl { name: w, default: None, span },
            })
            .collect())
    }

    fn pairs(&self, text: &str, span: Span) -> Result<Vec<(String, String)>, Diagnostic> {
        let pairs = words::pairs(text, self.escape).map_err(|e| Diagnostic::error("dockerfile::syntax", e).with_label(span, "here"))?;
        Ok(pairs.into_iter().map(|(k, v)| (self.word(&k), self.word(&v))).collect())
    }

    fn op(&self, instruction: &Instruction, span: Span) -> Result<OpKind, Diagnostic> {
        Ok(match instruction {
            Instruction::Arg(a) => OpKind::Arg(self.args(&a.arguments.value, span)?),
            Instruction::Env(e) => OpKind::Env(self.pairs(&e.arguments.value, span)?),
            Instruction::Label(l) => OpKind::Label(self.pairs(&l.arguments.value, span)?),
            Instruction::Run(r) => {
                flags::only(&r.options, &["mount", "network", "security"], self)?;
                let heredocs = self.heredocs_at(span);
                // the command as written, `<<WORD` and all (the crate saw it masked)
                let command = match &r.arguments {
                    PdCommand::Shell(s) if !heredocs.is_empty() => Command::Shell(self.text[s.span.clone()].to_string()),
                    other => command(other),
                };
                OpKind::Run {
                    command,
                    heredocs: heredocs.iter().map(|h| (h.name.clone(), h.body.clone())).collect(),
                    mounts: flags::mounts(&r.options, self)?,
                    network: flags::value(&r.options, "network"),
                    security: match flags::value(&r.options, "security") {
                        Some(s) if s != "insecure" && s != "sandbox" => {
                            return Err(Diagnostic::error(
                                "dockerfile::invalid-flag",
                                format!("`RUN --security={s}`: the value is insecure or sandbox"),
                            )
                            .with_label(span, "here"));
                        }
                        security => security,
                    },
                }
            }
            Instruction::Copy(c) => {
                flags::only(&c.options, &["from", "chown", "chmod", "link", "parents", "exclude"], self)?;
                OpKind::Copy(self.copy(&c.options, &c.src, &c.dest.value, false, self.heredocs_at(span)))
            }
            Instruction::Add(a) => {
                flags::only(&a.options, &["chown", "chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack"], self)?;
                OpKind::Copy(self.copy(&a.options, &a.src, &a.dest.value, true, self.heredocs_at(span)))
            }
            Instruction::Workdir(w) => OpKind::Workdir(self.word(w.arguments.value.trim())),
            Instruction::User(u) => OpKind::User(self.word(u.arguments.value.trim())),
            Instruction::Cmd(c) => OpKind::Cmd(command(&c.arguments)),
            Instruction::Entrypoint(e) => OpKind::Entrypoint(command(&e.arguments)),
            Instruction::Expose(e) => {
                let ports: Vec<String> = e.arguments.iter().map(|p| p.value.to_string()).collect();
                if let Some((bad, why)) = ports.iter().filter(|p| !p.contains('$')).find_map(|p| valid_port(p).err().map(|why| (p, why))) {
                    return Err(Diagnostic::error("dockerfile::invalid-port", format!("`EXPOSE {bad}`: {why}"))
                        .with_label(span, "here")
                        .with_help("write PORT, PORT/tcp, PORT/udp, PORT/sctp or a range START-END, ports 0 to 65535"));
                }
                OpKind::Expose(ports)
            }
            Instruction::Volume(v) => OpKind::Volume(match &v.arguments {
                JsonOrStringArray::Json(j) => j.value.iter().map(|s| s.value.to_string()).collect(),
                JsonOrStringArray::String(s) => s.iter().map(|s| s.value.to_string()).collect(),
            }),
            Instruction::Stopsignal(s) => OpKind::Stopsignal(self.word(s.arguments.value.trim())),
            Instruction::Healthcheck(h) => {
                flags::only(&h.options, &["interval", "timeout", "start-period", "start-interval", "retries"], self)?;
                let given: Vec<(String, String)> = h
                    .options
                    .iter()
                    .map(|f| (f.name.value.to_string(), f.value.as_ref().map(|v| v.value.to_string()).unwrap_or_default()))
                    .collect();
                let options = health::options(&given).map_err(|why| {
                    Diagnostic::error("dockerfile::invalid-healthcheck", format!("HEALTHCHECK: {why}"))
                        .with_label(span, "here")
                        .with_help("durations are Go's: 30s, 1m30s, 500ms (0 for the default, else at least 1ms); --retries is a count")
                })?;
                let command = match &h.arguments {
                    parse_dockerfile::HealthcheckArguments::Cmd { arguments, .. } => Some(command(arguments)),
                    _ => None,
                };
                OpKind::Healthcheck(command, options)
            }
            Instruction::Shell(s) => OpKind::Shell(s.arguments.iter().map(|a| a.value.to_string()).collect()),
            Instruction::Onbuild(o) => {
                let start = instruction_start(&o.instruction).unwrap_or(span.start as usize);
                let text = self.text.get(start..span.end as usize).unwrap_or("").to_string();
                let trigger = match &*o.instruction {
                    Instruction::Onbuild(_) | Instruction::Maintainer(_) | Instruction::From(_) => {
                        return Err(Diagnostic::error(
                            "dockerfile::onbuild-trigger",
                            format!("{} isn't allowed as an ONBUILD trigger", text.split_whitespace().next().unwrap_or("").to_uppercase()),
                        )
                        .with_label(span, "here"));
                    }
                    inner => self.op(inner, span)?,
                };
                OpKind::Onbuild { text, trigger: Box::new(trigger) }
            }
            Instruction::Maintainer(m) => OpKind::Label(vec![("maintainer".into(), m.name.value.to_string())]),
            _ => unsupported(span)?,
        })
    }

    fn copy(&self, options: &[parse_dockerfile::Flag], src: &[Source], dest: &str, is_add: bool, docs: &[heredoc::Heredoc]) -> CopyOp {
        let mut op = CopyOp { dest: dest.to_string(), is_add, ..CopyOp::default() };
        let mut docs = docs.iter();
        for s in src {
            match s {
                // a masked `<<WORD`: the next here-document of the line
                Source::Path(p) if p.value.contains(heredoc::MARK) => {
                    if let Some(doc) = docs.next() {
                        op.heredocs.push((doc.name.clone(), doc.body.clone(), doc.expand));
                    }
                }
                Source::Path(p) => op.sources.push(p.value.to_string()),
                Source::HereDoc(h) => op.heredocs.push((String::new(), h.value.to_string(), h.expand)),
                _ => {}
            }
        }
        for flag in options {
            let value = flag.value.as_ref().map(|v| v.value.to_string());
            match &*flag.name.value {
                "from" => {
                    op.from = value;
                    op.from_span = flag.value.as_ref().map(|v| self.span(v.span.clone()));
                }
                "chown" => op.chown = value,
                "chmod" => op.chmod = value,
                "link" => op.link = value.as_deref() != Some("false"),
                "parents" => op.parents = value.as_deref() != Some("false"),
                "exclude" => op.exclude.extend(value),
                _ => {}
            }
        }
        op
    }
}

/// FROM is handled before `op`; anything else reaching here is an instruction this version of
/// the parser knows and mpbake does not, reported instead of ignored.
/// Whether an EXPOSE word is `PORT[-END][/PROTOCOL]`, as BuildKit accepts it; why not.
fn valid_port(word: &str) -> Result<(), String> {
    let (ports, protocol) = word.split_once('/').unwrap_or((word, "tcp"));
    if !matches!(protocol.to_ascii_lowercase().as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("`{protocol}` is not a protocol"));
    }
    let (start, end) = ports.split_once('-').unwrap_or((ports, ports));
    let port = |text: &str| text.parse::<u16>().map_err(|_| format!("`{text}` is not a port (0 to 65535)"));
    match (port(start)?, port(end)?) {
        (start, end) if start > end => Err(format!("the range {start}-{end} runs backwards")),
        _ => Ok(()),
    }
}

fn unsupported(span: Span) -> Result<OpKind, Diagnostic> {
    Err(Diagnostic::error("dockerfile::unsupported", "this instruction is not supported by mpbake").with_label(span, "here"))
}

fn command(c: &PdCommand) -> Command {
    match c {
        PdCommand::Exec(args) => Command::Exec(args.value.iter().map(|a| a.value.to_string()).collect()),
        PdCommand::Shell(s) => Command::Shell(s.value.to_string()),
        _ => Command::Shell(String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_HELLO: &str = include_str!("../../../examples/go-hello/Dockerfile");

    fn parse_ok(text: &str) -> Dockerfile {
        parse(FileId(0), text).unwrap_or_else(|d| panic!("{}", d.message))
    }

    #[test]
    fn reads_stages_platforms_and_global_args() {
        let df = parse_ok(GO_HELLO);
        assert_eq!(df.global_args.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["REGISTRY"]);
        assert_eq!(df.stages.len(), 2);
        assert_eq!(df.stages[0].name.as_deref(), Some("builder"));
        assert_eq!(df.stages[0].platform.as_deref(), Some("$BUILDPLATFORM"));
        assert_eq!(df.stages[1].platform, None);
        let keywords: Vec<&str> = df.stages[0].ops.iter().map(|o| o.kind.keyword()).collect();
        assert_eq!(keywords, ["WORKDIR", "COPY", "ARG", "RUN"]);
        let OpKind::Copy(copy) = &df.stages[1].ops[0].kind else { panic!("not a copy") };
        assert_eq!(copy.from.as_deref(), Some("builder"));
        assert!(df.stages[0].ops[3].text.starts_with("RUN CGO_ENABLED=0"), "{}", df.stages[0].ops[3].text);
    }

    #[test]
    fn reads_flags_mounts_heredocs_and_check_directive() {
        let text = "# check=skip=emulated-run,shell-platform-switch\nFROM busybox AS a\nRUN --mount=type=cache,target=/root/.cache,id=go --network=none echo hi\nCOPY --link --chmod=755 --exclude=*.md a b /dst/\nCOPY <<EOF /etc/x\nhello\nEOF\nENV A=1 B=\"two words\"\n";
        let df = parse_ok(text);
        assert_eq!(df.skip_checks, ["emulated-run", "shell-platform-switch"]);
        let OpKind::Run { mounts, network, .. } = &df.stages[0].ops[0].kind else { panic!("not a run") };
        assert_eq!(mounts[0].kind, "cache");
        assert_eq!(mounts[0].get("target"), Some("/root/.cache"));
        assert_eq!(network.as_deref(), Some("none"));
        let OpKind::Copy(copy) = &df.stages[0].ops[1].kind else { panic!("not a copy") };
        assert!(copy.link);
        assert_eq!((copy.chmod.as_deref(), copy.exclude.as_slice(), copy.sources.len()), (Some("755"), &["*.md".to_string()][..], 2));
        let OpKind::Copy(heredoc) = &df.stages[0].ops[2].kind else { panic!("not a copy") };
        assert_eq!(heredoc.heredocs[0].1, "hello\n");
        assert_eq!(df.stages[0].ops[3].kind, OpKind::Env(vec![("A".into(), "1".into()), ("B".into(), "\"two words\"".into())]));
    }

    #[test]
    fn errors_point_at_the_problem() {
        let err = parse(FileId(0), "FROM a\nRUN --mout=type=cache echo\n").err().map(|d| d.code);
        assert_eq!(err, Some("dockerfile::unknown-flag"));
        assert!(parse(FileId(0), "RUN echo\n").is_err());
        let port = |text: &str| parse(FileId(0), text).err().map(|d| d.code);
        assert_eq!(port("FROM a\nEXPOSE 80 99999999\n"), Some("dockerfile::invalid-port"));
        assert_eq!(port("FROM a\nEXPOSE 80/tcp 7000-7002/udp 53/UDP $PORT\n"), None);
        assert_eq!(port("FROM a\nEXPOSE 9-3\n"), Some("dockerfile::invalid-port"));
    }
}
