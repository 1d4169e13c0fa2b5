//! What executing a step does, in typed form: the instruction with its words resolved as far as
//! planning can (stage links, build args), the rest expanded by the executor against the image's
//! environment, which only the pulled base config knows.

use std::sync::Arc;

use crate::ir::{Command, CopyOp, Mount, OpKind};

/// The ARG values in scope at a step, in declaration order (later bindings win).
pub type Args = Arc<Vec<(String, String)>>;

/// A step's work.
#[derive(Debug, Clone, Default)]
pub enum Action {
    /// `FROM` a registry image, or `scratch`.
    From { reference: String },
    /// An instruction that only changes the image config (ENV, WORKDIR, USER, CMD, LABEL, …),
    /// its words unexpanded.
    Config { op: OpKind, args: Args },
    /// `RUN`: the command, its mounts (each `from` resolved to a parent of the step), the network
    /// (the instruction's `--network`, else the target's), the target's `extra-hosts`, and
    /// whether the target asks for `no-cache` (the step runs even when its result is stored).
    Run {
        command: Command,
        heredocs: Vec<(String, String)>,
        mounts: Vec<RunMount>,
        network: Option<String>,
        extra_hosts: Vec<(String, String)>,
        no_cache: bool,
        args: Args,
    },
    /// `COPY`/`ADD`, sources and destination unexpanded; `from` resolved.
    Copy { op: CopyOp, from: CopyFrom, args: Args },
    /// A step of an inline image (per-arch files, metadata), which `exec::inline` builds whole.
    #[default]
    Inline,
}

/// Where COPY reads from.
#[derive(Debug, Clone, PartialEq)]
pub enum CopyFrom {
    /// A directory on disk (the build context or a named local context), relative to the
    /// working directory, with the ignore patterns that apply to it.
    Context { dir: String, ignore: Vec<String> },
    /// The result of the step's parent at this position in `Node::parents`.
    Parent(usize),
}

/// A `RUN --mount`, with a `from=` stage or image resolved to a parent of the step.
#[derive(Debug, Clone, PartialEq)]
pub struct RunMount {
    pub mount: Mount,
    pub from: Option<CopyFrom>,
}
