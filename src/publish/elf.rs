//! Reads an ELF header — class, byte order, machine, ARM float ABI — and names the platform
//! architecture a binary runs on, so a binary of the wrong machine is caught before it runs.

/// What an ELF header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Elf {
    /// The machine as `uname -m` spells it (`x86_64`, `aarch64`, `arm`, …).
    pub machine: &'static str,
    /// The OCI architecture that machine is (`amd64`, `arm64`, …), when mpbake knows it.
    pub arch: Option<&'static str>,
    /// For 32-bit ARM: whether the hard-float ABI flag is set.
    pub hard_float: Option<bool>,
}

/// The header of `bytes` (at least the first 64 bytes of a file), or None when not ELF.
pub fn parse(bytes: &[u8]) -> Option<Elf> {
    if bytes.len() < 20 || &bytes[..4] != b"\x7fELF" {
        return None;
    }
    let (class64, little) = (bytes[4] == 2, bytes[5] == 1);
    let u16_at =
        |i: usize| if little { u16::from_le_bytes([bytes[i], bytes[i + 1]]) } else { u16::from_be_bytes([bytes[i], bytes[i + 1]]) };
    let (machine, arch) = match u16_at(18) {
        0x3e => ("x86_64", Some("amd64")),
        0x03 => ("i386", Some("386")),
        0xb7 => ("aarch64", Some("arm64")),
        0x28 => ("arm", Some("arm")),
        0xf3 if class64 => ("riscv64", Some("riscv64")),
        0xf3 => ("riscv32", None),
        0x15 if little => ("ppc64le", Some("ppc64le")),
        0x15 => ("ppc64", Some("ppc64")),
        0x16 => ("s390x", Some("s390x")),
        0x08 if little && class64 => ("mips64el", Some("mips64le")),
        0x08 => ("mips", None),
        _ => ("unknown", None),
    };
    // e_flags sits after e_entry, e_phoff and e_shoff, whose width depends on the class
    let flags_at = if class64 { 48 } else { 36 };
    let hard_float = (machine == "arm" && bytes.len() >= flags_at + 4).then(|| {
        let raw = [bytes[flags_at], bytes[flags_at + 1], bytes[flags_at + 2], bytes[flags_at + 3]];
        let flags = if little { u32::from_le_bytes(raw) } else { u32::from_be_bytes(raw) };
        flags & 0x400 != 0
    });
    Some(Elf { machine, arch, hard_float })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header(class: u8, machine: u16, flags: u32) -> Vec<u8> {
        let mut h = vec![0u8; 64];
        h[..4].copy_from_slice(b"\x7fELF");
        h[4] = class;
        h[5] = 1;
        h[18..20].copy_from_slice(&machine.to_le_bytes());
        let at = if class == 2 { 48 } else { 36 };
        h[at..at + 4].copy_from_slice(&flags.to_le_bytes());
        h
    }

    #[test]
    fn machines_map_to_architectures() {
        assert_eq!(parse(&header(2, 0x3e, 0)).map(|e| e.arch), Some(Some("amd64")));
        assert_eq!(parse(&header(2, 0xb7, 0)).map(|e| e.machine), Some("aarch64"));
        assert_eq!(parse(&header(1, 0x28, 0x400)).map(|e| e.hard_float), Some(Some(true)));
        assert_eq!(parse(&header(1, 0x28, 0x200)).map(|e| e.hard_float), Some(Some(false)));
        assert_eq!(parse(b"#!/bin/sh\necho not elf\n"), None);
    }
}
