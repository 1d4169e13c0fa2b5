//! A Dockerfile as typed stages and instructions, words kept unexpanded (expansion depends on
//! the platform being built, so it happens when planning). Plain data with spans.

use crate::source::Span;

/// A parsed Dockerfile: global ARGs, stages in order, and the checks it switches off.
#[derive(Debug, Clone, Default)]
pub struct Dockerfile {
    pub global_args: Vec<ArgDecl>,
    pub stages: Vec<Stage>,
    /// Lint ids listed in `# check=skip=ID,ID`.
    pub skip_checks: Vec<String>,
    /// The context's ignore patterns (`.dockerignore`, or `NAME.dockerignore` beside the
    /// Dockerfile, which wins, as in BuildKit); comments and blank lines dropped.
    pub ignore: Vec<String>,
    /// The first stage of each `AS` name, made on first lookup (planning looks names up once
    /// per stage: a scan each time would be quadratic in the stages).
    names: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
}

impl Dockerfile {
    /// The stage a `--from`, FROM or `target` name refers to: an `AS` name (case-insensitive) or
    /// an index.
    pub fn stage_index(&self, name: &str) -> Option<usize> {
        let names = self.names.get_or_init(|| {
            let mut names = std::collections::HashMap::new();
            for (i, stage) in self.stages.iter().enumerate() {
                if let Some(n) = &stage.name {
                    names.entry(n.clone()).or_insert(i);
                }
            }
            names
        });
        names.get(&name.to_lowercase()).copied().or_else(|| name.parse::<usize>().ok().filter(|i| *i < self.stages.len()))
    }
}

/// `ARG NAME[=default]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ArgDecl {
    pub name: String,
    pub default: Option<String>,
    pub span: Span,
}

/// `FROM [--platform=P] BASE [AS NAME]` and the instructions after it.
#[derive(Debug, Clone, Default)]
pub struct Stage {
    pub name: Option<String>,
    /// The base as written (a reference, `scratch`, or an earlier stage's name), unexpanded.
    pub base: String,
    pub base_span: Span,
    /// The `--platform` value as written, unexpanded.
    pub platform: Option<String>,
    pub platform_span: Option<Span>,
    pub span: Span,
    pub ops: Vec<Op>,
}

impl Stage {
    /// The name `--from` and `target` use: the `AS` name, or the index.
    pub fn label(&self, index: usize) -> String {
        self.name.clone().unwrap_or_else(|| index.to_string())
    }

    /// The name shown to people: the `AS` name, or `stage-N` as BuildKit shows it.
    pub fn display_name(&self, index: usize) -> String {
        self.name.clone().unwrap_or_else(|| format!("stage-{index}"))
    }
}

/// One instruction after FROM.
#[derive(Debug, Clone)]
pub struct Op {
    pub kind: OpKind,
    /// The whole instruction.
    pub span: Span,
    /// The instruction as written (continuations joined), for display and keys.
    pub text: String,
}

/// A command in exec form (`["a", "b"]`) or shell form (`a b`).
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Exec(Vec<String>),
    Shell(String),
}

/// `RUN --mount=type=...`: the options as written, `k=v` pairs.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mount {
    pub kind: String,
    pub options: Vec<(String, String)>,
}

impl Mount {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.options.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// COPY and ADD.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CopyOp {
    pub sources: Vec<String>,
    /// `COPY <<EOF` bodies: (name, contents, expand).
    pub heredocs: Vec<(String, String, bool)>,
    pub dest: String,
    pub from: Option<String>,
    pub from_span: Option<Span>,
    pub chown: Option<String>,
    pub chmod: Option<String>,
    pub link: bool,
    pub parents: bool,
    pub exclude: Vec<String>,
    pub is_add: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum OpKind {
    Arg(Vec<ArgDecl>),
    Env(Vec<(String, String)>),
    Run {
        command: Command,
        heredocs: Vec<(String, String)>,
        mounts: Vec<Mount>,
        network: Option<String>,
        /// `--security`: `insecure` or `sandbox`.
        security: Option<String>,
    },
    Copy(CopyOp),
    Workdir(String),
    User(String),
    Cmd(Command),
    Entrypoint(Command),
    Label(Vec<(String, String)>),
    Expose(Vec<String>),
    Volume(Vec<String>),
    Stopsignal(String),
    /// `HEALTHCHECK NONE` (no command) or a command with its options.
    Healthcheck(Option<Command>, HealthOptions),
    Shell(Vec<String>),
    /// `ONBUILD`: the trigger as written (what the config's `OnBuild` holds) and parsed.
    Onbuild {
        text: String,
        trigger: Box<OpKind>,
    },
}

impl OpKind {
    /// The words BuildKit expands (its ProcessWord) in this instruction.
    pub fn expanded_words(&self) -> Vec<&str> {
        match self {
            OpKind::Arg(decls) => decls.iter().filter_map(|d| d.default.as_deref()).collect(),
            OpKind::Env(pairs) | OpKind::Label(pairs) => pairs.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]).collect(),
            OpKind::Workdir(w) | OpKind::User(w) | OpKind::Stopsignal(w) => vec![w.as_str()],
            OpKind::Expose(words) | OpKind::Volume(words) => words.iter().map(String::as_str).collect(),
            OpKind::Copy(c) => {
                let flags = [&c.from, &c.chown, &c.chmod].into_iter().filter_map(|f| f.as_deref());
                c.sources.iter().map(String::as_str).chain([c.dest.as_str()]).chain(flags).collect()
            }
            _ => Vec::new(),
        }
    }

    /// The instruction keyword, upper case.
    pub fn keyword(&self) -> &'static str {
        match self {
            OpKind::Arg(_) => "ARG",
            OpKind::Env(_) => "ENV",
            OpKind::Run { .. } => "RUN",
            OpKind::Copy(c) if c.is_add => "ADD",
            OpKind::Copy(_) => "COPY",
            OpKind::Workdir(_) => "WORKDIR",
            OpKind::User(_) => "USER",
            OpKind::Cmd(_) => "CMD",
            OpKind::Entrypoint(_) => "ENTRYPOINT",
            OpKind::Label(_) => "LABEL",
            OpKind::Expose(_) => "EXPOSE",
            OpKind::Volume(_) => "VOLUME",
            OpKind::Stopsignal(_) => "STOPSIGNAL",
            OpKind::Healthcheck(..) => "HEALTHCHECK",
            OpKind::Shell(_) => "SHELL",
            OpKind::Onbuild { .. } => "ONBUILD",
        }
    }
}

/// HEALTHCHECK's options, durations in nanoseconds (0: the runtime's default), as the image
/// config's `Healthcheck` holds them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HealthOptions {
    pub interval: u64,
    pub timeout: u64,
    pub start_period: u64,
    pub start_interval: u64,
    pub retries: u64,
}
