//! Reads the machine field of an ELF header: which CPU a binary is for.

/// `x86-64`, `aarch64`, `arm`, ... or None for a file that is not ELF.
pub fn machine(bytes: &[u8]) -> Option<&'static str> {
    if bytes.len() < 20 || &bytes[..4] != b"\x7fELF" {
        return None;
    }
    let little = bytes[5] == 1;
    let raw = if little { u16::from_le_bytes([bytes[18], bytes[19]]) } else { u16::from_be_bytes([bytes[18], bytes[19]]) };
    Some(match raw {
        0x3e => "x86-64",
        0xb7 => "aarch64",
        0x28 => "arm",
        0x03 => "x86",
        0xf3 => "riscv",
        0x15 => "ppc64",
        0x16 => "s390x",
        _ => "other",
    })
}

/// The ELF machine a platform's binaries have.
pub fn expected(arch: &str) -> &'static str {
    match arch {
        "amd64" => "x86-64",
        "arm64" => "aarch64",
        "arm" => "arm",
        "386" => "x86",
        _ => "other",
    }
}
