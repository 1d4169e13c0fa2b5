//! Walks Dockerfile stages for one target platform: expands words with the scope BuildKit
//! gives each instruction, resolves bases, `--from` and mounts, and adds one step per instruction.

use std::collections::BTreeMap;
use std::rc::Rc;

use std::sync::Arc;

use super::action::{Action, Args, CopyFrom, RunLimits, RunMount};
use super::build::{Builder, Built};
use super::graph::StepDef;
use super::model::Class;
use crate::diag::{Diagnostic, did_you_mean};
use crate::frontend::dockerfile::expand::expand;
use crate::ir::{Command, Dockerfile, Op, OpKind, Platform, Stage, Target};

/// The automatic platform ARGs for a build on `build` targeting `target`.
pub fn platform_args(build: &Platform, target: &Platform) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (prefix, p) in [("BUILD", build), ("TARGET", target)] {
        out.push((format!("{prefix}PLATFORM"), p.to_string()));
        out.push((format!("{prefix}OS"), p.os.clone()));
        out.push((format!("{prefix}ARCH"), p.arch.clone()));
        out.push((format!("{prefix}VARIANT"), p.variant.clone().unwrap_or_default()));
    }
    out
}

/// The scope of FROM lines: the platform ARGs, then the global ARGs (build args override their
/// defaults, defaults may use what comes before them).
pub fn global_scope(automatic: &[(String, String)], args: &BTreeMap<String, String>, df: &Dockerfile) -> Vec<(String, String)> {
    let mut global = automatic.to_vec();
    for arg in &df.global_args {
        let value =
            args.get(&arg.name).cloned().or_else(|| arg.default.as_ref().map(|d| expand(d, &lookup(&global), '\\').unwrap_or_default()));
        if let Some(v) = value {
            global.push((arg.name.clone(), v));
        }
    }
    global
}

/// A lookup over a scope, the latest binding winning.
pub fn lookup(scope: &[(String, String)]) -> impl Fn(&str) -> Option<String> + '_ {
    move |name| scope.iter().rev().find(|(n, _)| n == name).map(|(_, v)| v.clone())
}

/// The per-(target, platform) values every stage starts from.
pub(super) struct Scopes {
    platform_key: String,
    args: std::collections::BTreeMap<String, String>,
    automatic: Vec<(String, String)>,
    global: Vec<(String, String)>,
}

/// Where a `--from`/FROM name points.
enum Source {
    Stage(usize),
    Target(String),
    Image(String),
    Context(String),
}

impl Builder<'_> {
    pub(super) fn dockerfile_target(&mut self, target: &Target, df: &Dockerfile, platform: &Platform) -> Option<Built> {
        let index = match &target.target {
            Some(name) => match df.stage_index(name) {
                Some(i) => i,
                None => {
                    let names: Vec<String> = df.stages.iter().enumerate().map(|(i, s)| s.label(i)).collect();
                    let help = did_you_mean(name, names.iter().map(String::as_str)).map(|s| format!("did you mean `{s}`?"));
                    self.diags.push(
                        Diagnostic::error(
                            "plan::unknown-stage",
                            format!("target `{}` builds stage `{name}`, which the Dockerfile does not have", target.name),
                        )
                        .with_label(target.span, "this target")
                        .with_help_opt(help.or_else(|| Some(format!("stages: {}", names.join(", "))))),
                    );
                    return None;
                }
            },
            None => df.stages.len().checked_sub(1)?,
        };
        self.stage(target, df, index, platform)
    }

    /// What every stage of a target sees for one platform, computed once: build args, the
    /// automatic platform ARGs, and the global scope (global ARGs over the platform ARGs).
    fn scopes(&mut self, target: &Target, df: &Dockerfile, platform: &Platform) -> Rc<Scopes> {
        let memo = (target.name.clone(), platform.to_string());
        if let Some(done) = self.scope_memo.get(&memo) {
            return done.clone();
        }
        let args = target.args_for(platform);
        let automatic = platform_args(&self.inputs.build_platform, platform);
        let global = global_scope(&automatic, &args, df);
        let scopes = Rc::new(Scopes { platform_key: memo.1.clone(), args, automatic, global });
        self.scope_memo.insert(memo, scopes.clone());
        scopes
    }

    fn stage(&mut self, target: &Target, df: &Dockerfile, index: usize, platform: &Platform) -> Option<Built> {
        let memo = (target.name.clone(), platform.to_string(), index);
        if let Some(done) = self.stage_memo.get(&memo) {
            return done.clone();
        }
        let stage = &df.stages[index];
        let key = format!("{}/{}", target.name, stage.display_name(index));
        if let Err(chain) = self.visiting.enter(&key) {
            self.diags.push(
                Diagnostic::error("plan::cycle", format!("stage cycle: {}", chain.join(" → ")))
                    .with_label(stage.base_span, "depends on itself through here"),
            );
            return None;
        }
        let built = self.stage_body(target, df, stage, &key, platform);
        self.visiting.leave();
        self.stage_memo.insert(memo, built.clone());
        built
    }

    fn stage_body(&mut self, target: &Target, df: &Dockerfile, stage: &Stage, key: &str, platform: &Platform) -> Option<Built> {
        let scopes = self.scopes(target, df, platform);
        let Scopes { platform_key, args, automatic, global } = &*scopes;
        let base = expand(&stage.base, &lookup(global), '\\').ok()?;
        let exec = match &stage.platform {
            Some(p) => {
                let text = expand(p, &lookup(global), '\\').unwrap_or_default();
                match Platform::parse(&text) {
                    Ok(p) => p,
                    Err(e) => {
                        self.diags.push(
                            Diagnostic::error("plan::invalid-platform", format!("`--platform={p}` is `{text}`, not a platform"))
                                .with_label(stage.platform_span.unwrap_or(stage.span), e.0),
                        );
                        return None;
                    }
                }
            }
            None => platform.clone(),
        };
        let mut built = match self.resolve(target, df, &base, Some(stage.base_span))? {
            (Source::Stage(i), _) => self.stage(target, df, i, platform)?,
            (Source::Target(t), _) => Built { args: Vec::new(), ..self.target(&t, platform)? },
            (Source::Image(reference), _) => {
                let onbuild = self.registry_triggers(&reference, &exec, stage)?;
                Built {
                    node: self.base(key, &reference, &exec, &target.name, platform, Some(stage.base_span)),
                    exec: exec.clone(),
                    env: Vec::new(),
                    args: Vec::new(),
                    onbuild,
                }
            }
            (Source::Context(c), span) => {
                self.diags.push(
                    Diagnostic::error("plan::invalid-base", format!("`FROM {base}` names the local context `{c}`"))
                        .with_label(span, "not an image or stage"),
                );
                return None;
            }
        };
        // the parent stage's ARGs, then its ENVs (a name declared later wins)
        let mut scope: Vec<(String, String)> = built.args.iter().chain(&built.env).cloned().collect();
        let mut arg_scope: Vec<(String, String)> = std::mem::take(&mut built.args);
        let mut args_now: Args = Arc::new(arg_scope.clone());
        let triggers = std::mem::take(&mut built.onbuild);
        for op in triggers.iter().chain(&stage.ops) {
            // a word that cannot be expanded whatever the variables hold (a quote left open,
            // `${}`, a bad pattern) is an error here, as BuildKit refuses it
            let any_value = |_: &str| Some("x".to_string());
            // (a word without `$`, quotes or escapes cannot fail: not lexed twice)
            let mut lexed = op.kind.expanded_words().into_iter().filter(|w| w.contains(['$', '\'', '"', '\\']));
            if let Some(e) = lexed.find_map(|w| expand(w, &any_value, '\\').err()) {
                self.diags.push(
                    Diagnostic::error("dockerfile::bad-word", format!("{}: {e}", op.kind.keyword()))
                        .with_label(op.span, "this instruction")
                        .with_help("close the quote, or escape the character (\\\" \\' \\$); `${NAME}` needs a name"),
                );
                return None;
            }
            let words = |text: &str, scope: &[(String, String)]| expand(text, &lookup(scope), '\\').unwrap_or_else(|_| text.to_string());
            let (display, class, mut inputs, mut parents, action) = match &op.kind {
                OpKind::Arg(decls) => {
                    for d in decls {
                        let auto = automatic.iter().find(|(n, _)| *n == d.name).map(|(_, v)| v.clone());
                        let global_default = global.iter().rev().find(|(n, _)| *n == d.name).map(|(_, v)| v.clone());
                        let value =
                            args.get(&d.name).cloned().or(auto).or_else(|| d.default.as_ref().map(|v| words(v, &scope))).or(global_default);
                        if let Some(v) = &value {
                            arg_scope.push((d.name.clone(), v.clone()));
                        }
                        scope.push((d.name.clone(), value.unwrap_or_default()));
                    }
                    args_now = Arc::new(arg_scope.clone());
                    continue;
                }
                OpKind::Env(pairs) => {
                    let expanded: Vec<(String, String)> = pairs.iter().map(|(k, v)| (words(k, &scope), words(v, &scope))).collect();
                    built.env.extend(expanded.iter().cloned());
                    scope.extend(expanded.iter().cloned());
                    // an ENV after an ARG of the same name is what later steps see
                    if arg_scope.iter().any(|(n, _)| expanded.iter().any(|(k, _)| k == n)) {
                        arg_scope.retain(|(n, _)| !expanded.iter().any(|(k, _)| k == n));
                        args_now = Arc::new(arg_scope.clone());
                    }
                    let text = expanded.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ");
                    let action = Action::Config { op: op.kind.clone(), args: args_now.clone() };
                    (format!("ENV {text}"), Class::NoExec, Vec::new(), Vec::new(), action)
                }
                OpKind::Run { command, mounts, network, heredocs, security } => {
                    let class = if same_machine(&exec, &self.inputs.build_platform) { Class::Native } else { Class::Emulated };
                    let env: BTreeMap<&str, &str> = scope.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    // the target's network, extra hosts and no-cache shape the step (and its key) only when set
                    let network = network.clone().or_else(|| target.network.clone().filter(|n| n == "host" || n == "none"));
                    let extra_hosts: Vec<(String, String)> = target.extra_hosts.iter().map(|(h, ip)| (h.clone(), ip.clone())).collect();
                    let no_cache = target.no_cache == Some(true) || stage.name.as_ref().is_some_and(|n| target.no_cache_filter.contains(n));
                    let mut inputs = vec![format!("{env:?}"), format!("{command:?}{heredocs:?}{network:?}")];
                    if !extra_hosts.is_empty() {
                        inputs.push(format!("extra-hosts:{extra_hosts:?}"));
                    }
                    if no_cache {
                        inputs.push("no-cache".into());
                    }
                    let limits = match RunLimits::parse(target.shm_size.as_deref(), &target.ulimits, target.resources.as_ref()) {
                        Ok(limits) => RunLimits { insecure: security.as_deref() == Some("insecure"), ..limits },
                        Err(e) => {
                            self.diags
                                .push(Diagnostic::error("spec::invalid-limit", e).with_label(target.span, "in this target").with_help(
                                "shm-size = \"128m\"; ulimits = [\"nofile=1024:2048\"]; resources = { memory = \"1g\", cpu-quota = 50000 }",
                            ));
                            return None;
                        }
                    };
                    if limits != RunLimits::default() {
                        inputs.push(format!("limits:{limits:?}"));
                    }
                    let mut parents = Vec::new();
                    let mut run_mounts = Vec::new();
                    for m in mounts {
                        inputs.push(format!("{m:?}"));
                        let from = match m.get("from") {
                            Some(from) => {
                                let (source, _) = self.resolve(target, df, &words(from, &scope), Some(op.span))?;
                                Some(self.link(target, df, source, &exec, platform, key, &mut parents)?)
                            }
                            // a bind mount without `from` reads the build context
                            None if m.kind == "bind" => {
                                let dir = target.context.clone().unwrap_or_else(|| ".".into());
                                inputs.push(format!("context:{dir}"));
                                Some(CopyFrom::Context { dir, ignore: df.ignore.clone() })
                            }
                            None => None,
                        };
                        run_mounts.push(RunMount { mount: m.clone(), from });
                    }
                    let text = match command {
                        Command::Shell(s) => s.clone(),
                        Command::Exec(args) => format!("{args:?}"),
                    };
                    let action = Action::Run {
                        command: command.clone(),
                        heredocs: heredocs.clone(),
                        mounts: run_mounts,
                        network,
                        extra_hosts,
                        no_cache,
                        limits,
                        args: args_now.clone(),
                    };
                    (format!("RUN {}", text.trim()), class, inputs, parents, action)
                }
                OpKind::Copy(copy) => {
                    let sources: Vec<String> = copy.sources.iter().map(|s| words(s, &scope)).collect();
                    let dest = words(&copy.dest, &scope);
                    let mut inputs =
                        vec![format!("{:?}", (&copy.chown, &copy.chmod, copy.link, copy.parents, &copy.exclude, &copy.heredocs))];
                    let mut parents = Vec::new();
                    let (from_text, copy_from) = match &copy.from {
                        Some(from) => {
                            let from = words(from, &scope);
                            let (source, _) = self.resolve(target, df, &from, copy.from_span)?;
                            if let Source::Context(path) = &source {
                                inputs.push(format!("context:{path}"));
                            }
                            (format!(" --from={from}"), self.link(target, df, source, &exec, platform, key, &mut parents)?)
                        }
                        None => {
                            let dir = target.context.clone().unwrap_or_else(|| ".".into());
                            inputs.push(format!("context:{dir}"));
                            if !df.ignore.is_empty() {
                                inputs.push(format!("ignore:{:?}", df.ignore));
                            }
                            (String::new(), CopyFrom::Context { dir, ignore: df.ignore.clone() })
                        }
                    };
                    let keyword = if copy.is_add { "ADD" } else { "COPY" };
                    let link = if copy.link { " --link" } else { "" };
                    let chmod = copy.chmod.as_ref().map(|m| format!(" --chmod={m}")).unwrap_or_default();
                    let chown = copy.chown.as_ref().map(|o| format!(" --chown={o}")).unwrap_or_default();
                    let action = Action::Copy { op: copy.clone(), from: copy_from, args: args_now.clone() };
                    let display = format!("{keyword}{link}{chmod}{chown}{from_text} {} {dest}", sources.join(" "));
                    (display, Class::NoExec, inputs, parents, action)
                }
                other => {
                    let rest = op.text.split_once(char::is_whitespace).map_or("", |(_, r)| r.trim());
                    // BuildKit expands these; CMD, ENTRYPOINT, SHELL, HEALTHCHECK and ONBUILD stay as written
                    let expands = matches!(
                        other,
                        OpKind::Workdir(_)
                            | OpKind::User(_)
                            | OpKind::Label(_)
                            | OpKind::Expose(_)
                            | OpKind::Volume(_)
                            | OpKind::Stopsignal(_)
                    );
                    let text = if expands { words(rest, &scope) } else { rest.to_string() };
                    let action = Action::Config { op: other.clone(), args: args_now.clone() };
                    (format!("{} {text}", other.keyword()), Class::NoExec, Vec::new(), Vec::new(), action)
                }
            };
            parents.insert(0, built.node);
            inputs.push(display.clone());
            let def = StepDef { stage: key, op: display, class, exec_platform: &exec, inputs, parents, span: Some(op.span), action };
            built.node = self.graph.add(def, &target.name, platform_key);
        }
        built.exec = exec;
        built.args = arg_scope;
        built.onbuild = (stage.ops.iter())
            .filter_map(|op| match &op.kind {
                OpKind::Onbuild { text, trigger } => Some(Op { kind: (**trigger).clone(), span: op.span, text: text.clone() }),
                _ => None,
            })
            .collect();
        Some(built)
    }

    /// The ONBUILD triggers of a registry base, parsed as the instructions they are (placed at
    /// the FROM line); none unless `build` looked the image up.
    fn registry_triggers(&mut self, reference: &str, exec: &Platform, stage: &Stage) -> Option<Vec<Op>> {
        let Some(texts) = self.inputs.base_triggers.get(&(reference.to_string(), exec.to_string())) else { return Some(Vec::new()) };
        let mut ops = Vec::with_capacity(texts.len());
        for text in texts {
            let parsed = crate::frontend::dockerfile::parse(stage.base_span.file, &format!("FROM scratch\n{text}\n"));
            match parsed.ok().and_then(|df| df.stages.into_iter().next()).and_then(|s| s.ops.into_iter().next()) {
                Some(op) => ops.push(Op { kind: op.kind, span: stage.base_span, text: text.clone() }),
                None => {
                    self.diags.push(
                        Diagnostic::error(
                            "dockerfile::onbuild-trigger",
                            format!("`{reference}` has an ONBUILD trigger that does not parse: `{text}`"),
                        )
                        .with_label(stage.base_span, "built FROM here"),
                    );
                    return None;
                }
            }
        }
        Some(ops)
    }

    /// What a FROM base or `--from` name refers to: a named context, a stage, or an image.
    fn resolve(
        &mut self,
        target: &Target,
        df: &Dockerfile,
        name: &str,
        span: Option<crate::source::Span>,
    ) -> Option<(Source, crate::source::Span)> {
        let span = span.unwrap_or(target.span);
        if let Some(value) = target.contexts.get(name) {
            return Some((
                if let Some(t) = value.strip_prefix("target:") {
                    if !self.inputs.spec.targets.contains_key(t) {
                        let help = did_you_mean(t, self.inputs.spec.targets.keys().map(String::as_str))
                            .map(|s| format!("did you mean `target:{s}`?"));
                        self.diags.push(
                            Diagnostic::error("plan::unknown-target", format!("context `{name}` links unknown target `{t}`"))
                                .with_label(target.span, "in this target's contexts")
                                .with_help_opt(help),
                        );
                        return None;
                    }
                    Source::Target(t.to_string())
                } else if let Some(image) = value.strip_prefix("docker-image://") {
                    Source::Image(image.to_string())
                } else {
                    Source::Context(value.clone())
                },
                span,
            ));
        }
        if let Some(i) = df.stage_index(name) {
            return Some((Source::Stage(i), span));
        }
        if name.chars().all(|c| c.is_ascii_digit()) {
            self.diags.push(
                Diagnostic::error("plan::unknown-stage", format!("there is no stage {name}")).with_label(span, "no stage with this index"),
            );
            return None;
        }
        Some((Source::Image(name.to_string()), span))
    }

    /// Links a `--from` source to a step: a local context is read from disk; a stage, target
    /// or image becomes a parent (its position counts the step's own predecessor, inserted first).
    #[allow(clippy::too_many_arguments)]
    fn link(
        &mut self,
        target: &Target,
        df: &Dockerfile,
        source: Source,
        exec: &Platform,
        platform: &Platform,
        stage: &str,
        parents: &mut Vec<usize>,
    ) -> Option<CopyFrom> {
        let node = match source {
            Source::Stage(i) => self.stage(target, df, i, platform)?.node,
            Source::Target(t) => self.target(&t, platform)?.node,
            Source::Image(reference) => self.base(stage, &reference, exec, &target.name, platform, None),
            Source::Context(dir) => return Some(CopyFrom::Context { dir, ignore: Vec::new() }),
        };
        parents.push(node);
        Some(CopyFrom::Parent(parents.len()))
    }
}

/// Whether a RUN for `exec` runs natively on `host` (same OS and architecture).
fn same_machine(exec: &Platform, host: &Platform) -> bool {
    exec.os == host.os && exec.arch == host.arch
}
