//! Runs one process in a root filesystem with `runc`: an OCI runtime bundle (config.json
//! written with oci-spec) in a temporary directory, Docker's default capabilities, no network
//! unless asked, the output captured for the build log.

use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;

use oci_spec::runtime::{
    Capability, LinuxBuilder, LinuxCapabilitiesBuilder, LinuxNamespaceType, MountBuilder, ProcessBuilder, RootBuilder, Spec, UserBuilder,
    get_default_mounts, get_default_namespaces,
};

/// A file or directory bind-mounted into the container, or a tmpfs.
#[derive(Debug, Clone)]
pub struct Bind {
    pub source: PathBuf,
    pub destination: String,
    pub readonly: bool,
    /// A fresh tmpfs instead of a bind (`source` unused).
    pub tmpfs: bool,
}

/// What to run and how.
#[derive(Debug, Clone, Default)]
pub struct Process {
    pub args: Vec<String>,
    pub env: Vec<String>,
    pub cwd: String,
    pub uid: u32,
    pub gid: u32,
    pub additional_gids: Vec<u32>,
    pub host_network: bool,
    pub binds: Vec<Bind>,
    /// `shm-size` and `ulimits`.
    pub limits: crate::plan::RunLimits,
}

/// How a process failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the command exited with status {code}")]
    Exit { code: i32, output: String },
    #[error("cannot run runc: {0}")]
    Runtime(String),
}

/// Docker's default capability set, which builds expect (chown, setuid for package managers…).
const CAPABILITIES: [Capability; 14] = [
    Capability::Chown,
    Capability::DacOverride,
    Capability::Fsetid,
    Capability::Fowner,
    Capability::Mknod,
    Capability::NetRaw,
    Capability::Setgid,
    Capability::Setuid,
    Capability::Setfcap,
    Capability::Setpcap,
    Capability::NetBindService,
    Capability::SysChroot,
    Capability::Kill,
    Capability::AuditWrite,
];

/// Every capability mpbake itself may hand on (its bounding set, which holds no capability the
/// kernel lacks), for `RUN --security=insecure`.
fn all_capabilities() -> oci_spec::runtime::Capabilities {
    const NAMES: [&str; 41] = [
        "CHOWN",
        "DAC_OVERRIDE",
        "DAC_READ_SEARCH",
        "FOWNER",
        "FSETID",
        "KILL",
        "SETGID",
        "SETUID",
        "SETPCAP",
        "LINUX_IMMUTABLE",
        "NET_BIND_SERVICE",
        "NET_BROADCAST",
        "NET_ADMIN",
        "NET_RAW",
        "IPC_LOCK",
        "IPC_OWNER",
        "SYS_MODULE",
        "SYS_RAWIO",
        "SYS_CHROOT",
        "SYS_PTRACE",
        "SYS_PACCT",
        "SYS_ADMIN",
        "SYS_BOOT",
        "SYS_NICE",
        "SYS_RESOURCE",
        "SYS_TIME",
        "SYS_TTY_CONFIG",
        "MKNOD",
        "LEASE",
        "AUDIT_WRITE",
        "AUDIT_CONTROL",
        "SETFCAP",
        "MAC_OVERRIDE",
        "MAC_ADMIN",
        "SYSLOG",
        "WAKE_ALARM",
        "BLOCK_SUSPEND",
        "AUDIT_READ",
        "PERFMON",
        "BPF",
        "CHECKPOINT_RESTORE",
    ];
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let bounding = status
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:"))
        .and_then(|mask| u64::from_str_radix(mask.trim(), 16).ok())
        .unwrap_or_default();
    let held = NAMES.iter().enumerate().filter(|(bit, _)| bounding & (1 << bit) != 0);
    held.filter_map(|(_, name)| serde_json::from_value(serde_json::json!(format!("CAP_{name}"))).ok()).collect()
}

/// The step's cgroup limits (bake's `resources`), None when there are none.
fn resources(r: &crate::plan::Resources) -> Result<Option<oci_spec::runtime::LinuxResources>, oci_spec::OciSpecError> {
    use oci_spec::runtime::{LinuxCpuBuilder, LinuxMemoryBuilder, LinuxResourcesBuilder};
    if *r == crate::plan::Resources::default() {
        return Ok(None);
    }
    let mut memory = LinuxMemoryBuilder::default();
    if let Some(limit) = r.memory {
        memory = memory.limit(limit);
    }
    if let Some(swap) = r.memory_swap {
        memory = memory.swap(swap);
    }
    let mut cpu = LinuxCpuBuilder::default();
    if let Some(shares) = r.cpu_shares {
        cpu = cpu.shares(shares);
    }
    if let Some(period) = r.cpu_period {
        cpu = cpu.period(period);
    }
    if let Some(quota) = r.cpu_quota {
        cpu = cpu.quota(quota);
    }
    if let Some(cpus) = &r.cpuset_cpus {
        cpu = cpu.cpus(cpus.clone());
    }
    if let Some(mems) = &r.cpuset_mems {
        cpu = cpu.mems(mems.clone());
    }
    Ok(Some(LinuxResourcesBuilder::default().memory(memory.build()?).cpu(cpu.build()?).build()?))
}

fn spec(rootfs: &Path, process: &Process) -> Result<Spec, oci_spec::OciSpecError> {
    let insecure = process.limits.insecure;
    let caps: oci_spec::runtime::Capabilities = if insecure { all_capabilities() } else { CAPABILITIES.into_iter().collect() };
    let capabilities = LinuxCapabilitiesBuilder::default().bounding(caps.clone()).effective(caps.clone()).permitted(caps).build()?;
    let user = UserBuilder::default().uid(process.uid).gid(process.gid).additional_gids(process.additional_gids.clone()).build()?;
    let runtime_process = ProcessBuilder::default()
        .terminal(false)
        .args(process.args.clone())
        .env(process.env.clone())
        .cwd(if process.cwd.is_empty() { "/".to_string() } else { process.cwd.clone() })
        .user(user)
        .capabilities(capabilities)
        .no_new_privileges(false)
        .build()?;
    let runtime_process = with_ulimits(runtime_process, &process.limits.ulimits)?;
    let mut mounts = get_default_mounts();
    if insecure {
        // a privileged step may write /sys, as BuildKit's insecure mode allows
        for mount in mounts.iter_mut().filter(|m| m.destination() == Path::new("/sys")) {
            let options: Vec<String> = mount.options().clone().unwrap_or_default().into_iter().filter(|o| o != "ro").collect();
            mount.set_options(Some(options));
        }
    }
    if let Some(size) = process.limits.shm_size {
        for mount in mounts.iter_mut().filter(|m| m.destination() == Path::new("/dev/shm")) {
            let mut options: Vec<String> =
                mount.options().clone().unwrap_or_default().into_iter().filter(|o| !o.starts_with("size=")).collect();
            options.push(format!("size={size}"));
            mount.set_options(Some(options));
        }
    }
    let mut binds = process.binds.clone();
    if process.host_network {
        for file in ["/etc/resolv.conf", "/etc/hosts"] {
            // a step's own /etc/hosts (extra hosts) already holds the host's lines
            if Path::new(file).exists() && !binds.iter().any(|b| b.destination == file) {
                binds.push(Bind { source: file.into(), destination: file.into(), readonly: true, tmpfs: false });
            }
        }
    }
    for bind in &binds {
        let mount = match bind.tmpfs {
            true => MountBuilder::default()
                .destination(&bind.destination)
                .typ("tmpfs")
                .source("tmpfs")
                .options(vec!["nosuid".into(), "nodev".into()]),
            false => {
                let options = vec!["rbind".to_string(), if bind.readonly { "ro" } else { "rw" }.to_string()];
                MountBuilder::default().destination(&bind.destination).typ("bind").source(&bind.source).options(options)
            }
        };
        mounts.push(mount.build()?);
    }
    let namespaces: Vec<_> =
        get_default_namespaces().into_iter().filter(|n| !(process.host_network && n.typ() == LinuxNamespaceType::Network)).collect();
    let mut linux = LinuxBuilder::default().namespaces(namespaces);
    if !insecure {
        linux = linux.seccomp(super::seccomp::profile().map_err(|e| oci_spec::OciSpecError::Other(e.to_string()))?);
    }
    if let Some(resources) = resources(&process.limits.resources)? {
        linux = linux.resources(resources);
    }
    let linux = linux.build()?;
    let mut spec = Spec::default();
    spec.set_hostname(Some("mpbake".into()))
        .set_process(Some(runtime_process))
        .set_root(Some(RootBuilder::default().path(rootfs).readonly(false).build()?))
        .set_mounts(Some(mounts))
        .set_linux(Some(linux));
    Ok(spec)
}

/// Runs `process` in `rootfs` (an absolute path) and returns its combined output.
/// Runs the process in a container on `rootfs`, keeping runc's state under `state_root` (one
/// directory per mpbake process, so leftovers of a killed one can be found and deleted).
pub fn run(rootfs: &Path, process: &Process, state_root: &Path, on_line: &(dyn Fn(&str) + Sync)) -> Result<String, RunError> {
    let bundle = tempfile::tempdir().map_err(|e| RunError::Runtime(e.to_string()))?;
    let spec = spec(rootfs, process).map_err(|e| RunError::Runtime(e.to_string()))?;
    let config = serde_json::to_vec(&spec).map_err(|e| RunError::Runtime(e.to_string()))?;
    std::fs::write(bundle.path().join("config.json"), config).map_err(|e| RunError::Runtime(e.to_string()))?;
    let id = format!("mpbake-{}", uuid::Uuid::new_v4().simple());
    let _running = super::cancel::Running::new(state_root, &id);
    let mut child = Command::new("runc")
        .arg("--root")
        .arg(state_root)
        .args(["run", "--bundle"])
        .arg(bundle.path())
        .arg(&id)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            io::ErrorKind::NotFound => RunError::Runtime("`runc` is not installed (Debian: apt-get install runc)".into()),
            _ => RunError::Runtime(e.to_string()),
        })?;
    // both streams read as they come, each line handed on at once and kept in arrival order
    let lines = std::sync::Mutex::new(Vec::new());
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    std::thread::scope(|scope| {
        for stream in [stdout.map(|s| Box::new(s) as Box<dyn io::Read + Send>), stderr.map(|s| Box::new(s) as Box<dyn io::Read + Send>)]
            .into_iter()
            .flatten()
        {
            let lines = &lines;
            scope.spawn(move || {
                let mut reader = io::BufReader::new(stream);
                let mut line = Vec::new();
                while io::BufRead::read_until(&mut reader, b'\n', &mut line).is_ok_and(|n| n > 0) {
                    let text = String::from_utf8_lossy(&line).trim_end_matches(['\n', '\r']).to_string();
                    on_line(&text);
                    if let Ok(mut lines) = lines.lock() {
                        lines.push(text);
                    }
                    line.clear();
                }
            });
        }
    });
    let status = child.wait().map_err(|e| RunError::Runtime(e.to_string()))?;
    let text = lines.into_inner().unwrap_or_default().join("\n");
    match status.code() {
        Some(0) => Ok(text),
        Some(code) => Err(RunError::Exit { code, output: text }),
        None => Err(RunError::Runtime(format!("runc was killed by a signal; output:\n{text}"))),
    }
}

/// The process with the target's ulimits over the runtime's defaults (`nofile` → RLIMIT_NOFILE).
fn with_ulimits(
    mut process: oci_spec::runtime::Process,
    ulimits: &[(String, u64, u64)],
) -> Result<oci_spec::runtime::Process, oci_spec::OciSpecError> {
    if ulimits.is_empty() {
        return Ok(process);
    }
    let mut limits = process.rlimits().clone().unwrap_or_default();
    for (name, soft, hard) in ulimits {
        let typ: oci_spec::runtime::PosixRlimitType = serde_json::from_value(serde_json::json!(format!("RLIMIT_{}", name.to_uppercase())))
            .map_err(|e| oci_spec::OciSpecError::Other(format!("ulimit {name}: {e}")))?;
        limits.retain(|l| l.typ() != typ);
        limits.push(oci_spec::runtime::PosixRlimitBuilder::default().typ(typ).soft(*soft).hard(*hard).build()?);
    }
    process.set_rlimits(Some(limits));
    Ok(process)
}
