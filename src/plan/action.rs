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

/// What RUN is limited to or granted: the target's `shm-size`, `ulimits` and `resources`, and
/// the instruction's `--security=insecure`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunLimits {
    /// /dev/shm's size in bytes.
    pub shm_size: Option<u64>,
    /// (`nofile`, soft, hard), as `ulimits = ["nofile=1024:2048"]` writes them.
    pub ulimits: Vec<(String, u64, u64)>,
    /// bake's `resources`, for the step's cgroup.
    pub resources: Resources,
    /// `RUN --security=insecure`: every capability, no seccomp filter (granted with the
    /// `security.insecure` entitlement).
    pub insecure: bool,
}

/// bake's `resources` read: bytes, CPU shares and quotas, CPU and memory node sets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resources {
    pub memory: Option<i64>,
    /// -1: unlimited swap.
    pub memory_swap: Option<i64>,
    pub cpu_shares: Option<u64>,
    pub cpu_period: Option<u64>,
    pub cpu_quota: Option<i64>,
    pub cpuset_cpus: Option<String>,
    pub cpuset_mems: Option<String>,
}

/// Docker's size form `64m` (b, k, m, g, t; bytes without a unit), as `--keep-storage` takes it.
/// Zero is a size here (keep nothing).
pub fn parse_size(text: &str) -> Result<u64, String> {
    match text.trim().trim_end_matches(|c: char| c.is_ascii_alphabetic()) {
        "0" => Ok(0),
        _ => size(text, "size"),
    }
}

/// Docker's size form: `64m` (b, k, m, g, t; bytes without a unit); Err names `what`.
fn size(text: &str, what: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_lowercase();
    let (digits, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let scale: u64 = match unit.trim_end_matches('b') {
        "" => 1,
        "k" => 1 << 10,
        "m" => 1 << 20,
        "g" => 1 << 30,
        "t" => 1 << 40,
        _ => return Err(format!("{what} `{text}` is not a size (64m, 1g)")),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(scale))
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{what} `{text}` is not a size (64m, 1g)"))
}

impl RunLimits {
    /// Docker's forms: `shm-size` and `resources.memory` `64m`, ulimits `NAME=SOFT[:HARD]` (-1
    /// is unlimited), `resources.memory-swap` a size or -1; Err says which value is wrong.
    pub fn parse(shm_size: Option<&str>, ulimits: &[String], resources: Option<&crate::ir::Resources>) -> Result<RunLimits, String> {
        let shm_size = shm_size.map(|text| size(text, "shm-size")).transpose()?;
        let limit = |v: &str| if v == "-1" { Some(u64::MAX) } else { v.parse::<u64>().ok() };
        let ulimits = ulimits
            .iter()
            .map(|u| {
                let (name, values) = u.split_once('=').ok_or_else(|| format!("ulimit `{u}` is not NAME=SOFT[:HARD]"))?;
                let (soft, hard) = values.split_once(':').unwrap_or((values, values));
                const NAMES: &[&str] = &[
                    "core",
                    "cpu",
                    "data",
                    "fsize",
                    "locks",
                    "memlock",
                    "msgqueue",
                    "nice",
                    "nofile",
                    "nproc",
                    "rss",
                    "rtprio",
                    "rttime",
                    "sigpending",
                    "stack",
                    "as",
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
        let resources = resources.map(Resources::parse).transpose()?.unwrap_or_default();
        Ok(RunLimits { shm_size, ulimits, resources, insecure: false })
    }
}

impl Resources {
    fn parse(r: &crate::ir::Resources) -> Result<Resources, String> {
        let bytes =
            |text: &str, what: &str| size(text, what).and_then(|n| i64::try_from(n).map_err(|_| format!("{what} `{text}` is too large")));
        let positive = |n: Option<i64>, what: &str| {
            n.map(|n| u64::try_from(n).ok().filter(|n| *n > 0).ok_or_else(|| format!("resources.{what} `{n}` must be above 0"))).transpose()
        };
        Ok(Resources {
            memory: r.memory.as_deref().map(|m| bytes(m, "resources.memory")).transpose()?,
            memory_swap: r
                .memory_swap
                .as_deref()
                .map(|m| if m.trim() == "-1" { Ok(-1) } else { bytes(m, "resources.memory-swap") })
                .transpose()?,
            cpu_shares: positive(r.cpu_shares, "cpu-shares")?,
            cpu_period: positive(r.cpu_period, "cpu-period")?,
            cpu_quota: r.cpu_quota,
            cpuset_cpus: r.cpuset_cpus.clone(),
            cpuset_mems: r.cpuset_mems.clone(),
        })
    }
}
