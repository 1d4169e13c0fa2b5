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
        limits: RunLimits,
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

/// The target's `shm-size` and `ulimits`, as RUN gets them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunLimits {
    /// /dev/shm's size in bytes.
    pub shm_size: Option<u64>,
    /// (`nofile`, soft, hard), as `ulimits = ["nofile=1024:2048"]` writes them.
    pub ulimits: Vec<(String, u64, u64)>,
}

impl RunLimits {
    /// Docker's forms: `shm-size` `64m` (b, k, m, g; bytes without a unit), ulimits
    /// `NAME=SOFT[:HARD]` (-1 is unlimited); Err says which value is wrong.
    pub fn parse(shm_size: Option<&str>, ulimits: &[String]) -> Result<RunLimits, String> {
        let shm_size = shm_size
            .map(|text| {
                let t = text.trim().to_ascii_lowercase();
                let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
                let scale: u64 = match unit.trim_end_matches('b') {
                    "" => 1,
                    "k" => 1 << 10,
                    "m" => 1 << 20,
                    "g" => 1 << 30,
                    _ => return Err(format!("shm-size `{text}` is not a size (64m, 1g)")),
                };
                digits.parse::<u64>().ok().and_then(|n| n.checked_mul(scale)).filter(|n| *n > 0).ok_or_else(|| format!("shm-size `{text}` is not a size (64m, 1g)"))
            })
            .transpose()?;
        let limit = |v: &str| if v == "-1" { Some(u64::MAX) } else { v.parse::<u64>().ok() };
        let ulimits = ulimits
            .iter()
            .map(|u| {
                let (name, values) = u.split_once('=').ok_or_else(|| format!("ulimit `{u}` is not NAME=SOFT[:HARD]"))?;
                let (soft, hard) = values.split_once(':').unwrap_or((values, values));
                const NAMES: &[&str] = &[
                    "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile", "nproc", "rss", "rtprio", "rttime",
                    "sigpending", "stack", "as",
                ];
                if !NAMES.contains(&name) {
                    return Err(format!("ulimit `{name}` is not one of {}", NAMES.join(", ")));
                }
                match (limit(soft), limit(hard)) {
                    (Some(s), Some(h)) if s <= h => Ok((name.to_string(), s, h)),
                    _ => Err(format!("ulimit `{u}`: limits are numbers (or -1), the soft one not above the hard one")),
                }
            })
            .collect::<Result<_, _>>()?;
        Ok(RunLimits { shm_size, ulimits })
    }
}