//! The seccomp filter every RUN runs under: what Docker's default profile refuses a container
//! with Docker's default capabilities — new namespaces (user namespaces above all, which need
//! no capability), mounts, kernel modules and keyrings, clocks, io_uring, NUMA policy, vsock,
//! host and domain names, reboot — refused with EPERM, and `clone3` with ENOSYS so the C
//! library falls back to `clone`, whose flags can be checked. Everything else is allowed (a
//! deny list, where Docker's is an allow list: see docs/security.md), for the host's
//! architectures and the emulated ones.

use oci_spec::runtime::LinuxSeccomp;
use serde_json::json;

/// System calls refused outright (Docker refuses each of them to a container without the
/// capability that would allow it; mpbake's RUN never has those capabilities).
const REFUSED: &[&str] = &[
    "acct",
    "add_key",
    "bpf",
    "clock_adjtime",
    "clock_settime",
    "create_module",
    "delete_module",
    "fanotify_init",
    "finit_module",
    "fsconfig",
    "fsmount",
    "fsopen",
    "fspick",
    "get_kernel_syms",
    "init_module",
    "io_uring_enter",
    "io_uring_register",
    "io_uring_setup",
    "ioperm",
    "iopl",
    "kexec_file_load",
    "kexec_load",
    "keyctl",
    "lookup_dcookie",
    "mbind",
    "mount",
    "mount_setattr",
    "move_mount",
    "move_pages",
    "name_to_handle_at",
    "nfsservctl",
    "open_by_handle_at",
    "open_tree",
    "perf_event_open",
    "pivot_root",
    "query_module",
    "quotactl",
    "quotactl_fd",
    "reboot",
    "request_key",
    "set_mempolicy",
    "setdomainname",
    "sethostname",
    "setns",
    "settimeofday",
    "stime",
    "swapoff",
    "swapon",
    "_sysctl",
    "sysfs",
    "syslog",
    "umount",
    "umount2",
    "unshare",
    "uselib",
    "userfaultfd",
    "ustat",
    "vhangup",
    "vm86",
    "vm86old",
];

/// `socket`'s address family for vsock, which Docker's profile refuses (it reaches the host).
const AF_VSOCK: u64 = 40;

/// `clone` flags that make a namespace: CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID,
/// NEWNET (and NEWTIME).
const NAMESPACE_FLAGS: [u64; 8] = [0x0002_0000, 0x0200_0000, 0x0400_0000, 0x0800_0000, 0x1000_0000, 0x2000_0000, 0x4000_0000, 0x0000_0080];

const EPERM: u32 = 1;
const ENOSYS: u32 = 38;

/// The filter, for runc's config.
pub fn profile() -> Result<LinuxSeccomp, serde_json::Error> {
    let mut syscalls = vec![
        json!({"names": REFUSED, "action": "SCMP_ACT_ERRNO", "errnoRet": EPERM}),
        json!({"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": ENOSYS}),
    ];
    // one rule per flag: refused when (flags & FLAG) == FLAG
    for flag in NAMESPACE_FLAGS {
        syscalls.push(json!({
            "names": ["clone"],
            "action": "SCMP_ACT_ERRNO",
            "errnoRet": EPERM,
            "args": [{"index": 0, "value": flag, "valueTwo": flag, "op": "SCMP_CMP_MASKED_EQ"}]
        }));
    }
    syscalls.push(json!({
        "names": ["socket"],
        "action": "SCMP_ACT_ERRNO",
        "errnoRet": EPERM,
        "args": [{"index": 0, "value": AF_VSOCK, "op": "SCMP_CMP_EQ"}]
    }));
    serde_json::from_value(json!({
        "defaultAction": "SCMP_ACT_ALLOW",
        "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
        "syscalls": syscalls
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_profile_is_a_valid_runtime_spec_value() {
        let profile = super::profile().unwrap_or_else(|e| panic!("{e}"));
        let value = serde_json::to_value(&profile).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(value["defaultAction"], "SCMP_ACT_ALLOW");
        assert!(value["syscalls"][0]["names"].as_array().is_some_and(|n| n.iter().any(|s| s == "unshare")));
        assert_eq!(value["syscalls"][2]["args"][0]["op"], "SCMP_CMP_MASKED_EQ");
    }
}
