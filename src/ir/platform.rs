//! `Platform`: parse and normalize `os/arch[/variant]` the way containerd does, plus the other
//! spellings release assets use (uname, Debian, Rust triples).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// A normalized target platform such as `linux/arm/v7`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
    pub os_version: Option<String>,
}

/// Why a platform string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PlatformError(pub String);

impl Platform {
    /// The platform of the machine running mpbake.
    pub fn host() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "arm" => "arm",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            other => other,
        };
        Platform::parse(&format!("{}/{arch}", std::env::consts::OS)).unwrap_or_else(|_| Platform {
            os: std::env::consts::OS.into(),
            arch: arch.into(),
            variant: None,
            os_version: None,
        })
    }

    /// Parses and normalizes: `linux/arm64/v8` → `linux/arm64`, `linux/arm` → `linux/arm/v7`,
    /// `linux/x86_64` → `linux/amd64`, `windows(10.0.17763)/amd64` keeps an os.version.
    pub fn parse(text: &str) -> Result<Platform, PlatformError> {
        let trimmed = text.trim();
        let parts: Vec<&str> = trimmed.split('/').collect();
        if let [one] = parts.as_slice()
            && !one.is_empty()
        {
            return Platform::parse_one(one, text);
        }
        if parts.len() < 2 || parts.len() > 3 || parts.iter().any(|p| p.is_empty()) {
            return Err(PlatformError(format!(
                "`{text}` is not a platform: expected OS/ARCH or OS/ARCH/VARIANT, e.g. linux/amd64 or linux/arm/v7"
            )));
        }
        let (os, os_version) = split_os_version(parts[0])?;
        let os = match os.to_ascii_lowercase().as_str() {
            "macos" => "darwin".to_string(),
            other => other.to_string(),
        };
        if !KNOWN_OS.contains(&os.as_str()) {
            return Err(PlatformError(format!("unknown operating system `{os}` in `{text}` (known: {})", KNOWN_OS.join(", "))));
        }
        let (arch, variant) = normalize_arch(&parts[1].to_ascii_lowercase(), parts.get(2).map(|v| v.to_ascii_lowercase()));
        if !KNOWN_ARCH.contains(&arch.as_str()) {
            return Err(PlatformError(format!("unknown architecture `{}` in `{text}` (known: {})", parts[1], KNOWN_ARCH.join(", "))));
        }
        if let (Some(v), Some(known)) = (&variant, variants_of(&arch))
            && !known.contains(&v.as_str())
        {
            return Err(PlatformError(format!("`{v}` is not a variant of {arch} in `{text}` (known: {})", known.join(", "))));
        }
        Ok(Platform { os, arch, variant, os_version })
    }

    /// Whether an image built for `image` runs on this platform, and how far from it (0: the
    /// same): the same OS and architecture, and an older variant of the architecture as
    /// containerd's matcher accepts (arm64 v9.2 runs v9, v8.x and v8; amd64 v3 runs v2 and v1;
    /// arm v7 runs v6 and v5).
    pub fn runs(&self, image: &Platform) -> Option<u32> {
        if self.os != image.os || self.arch != image.arch {
            return None;
        }
        if self.variant == image.variant {
            return Some(0);
        }
        let level = |v: &Option<String>| -> Option<u32> {
            let text = match (v.as_deref(), self.arch.as_str()) {
                (Some(v), _) => v,
                (None, "arm64") => "v8",
                (None, "amd64") => "v1",
                (None, _) => return None,
            };
            let (major, minor) = text.strip_prefix('v')?.split_once('.').unwrap_or((text.strip_prefix('v')?, "0"));
            Some(major.parse::<u32>().ok()? * 100 + minor.parse::<u32>().ok()?)
        };
        let (wanted, offered) = (level(&self.variant)?, level(&image.variant)?);
        (offered <= wanted).then(|| wanted - offered)
    }

    /// One word, as containerd reads it: an OS on the host's architecture (`linux`), else an
    /// architecture on the host's OS (`arm64`).
    fn parse_one(word: &str, text: &str) -> Result<Platform, PlatformError> {
        let host = Platform::host();
        let os = word.to_ascii_lowercase();
        if KNOWN_OS.contains(&os.as_str()) {
            return Platform::parse(&format!("{os}/{}", host.arch));
        }
        let (arch, _) = normalize_arch(&os, None);
        if KNOWN_ARCH.contains(&arch.as_str()) {
            return Platform::parse(&format!("{}/{word}", host.os));
        }
        Err(PlatformError(format!(
            "`{text}` is not a platform: expected OS/ARCH or OS/ARCH/VARIANT (e.g. linux/amd64, linux/arm/v7), or an architecture"
        )))
    }

    /// `TARGETARCH`-style architecture with the variant, as uname prints it (`x86_64`, `aarch64`, `armv7l`).
    pub fn uname_arch(&self) -> String {
        match (self.arch.as_str(), self.variant.as_deref()) {
            ("amd64", _) => "x86_64".into(),
            ("arm64", _) => "aarch64".into(),
            ("arm", Some(v)) => format!("arm{v}l"),
            ("arm", None) => "armv7l".into(),
            ("386", _) => "i686".into(),
            ("ppc64le", _) => "ppc64le".into(),
            (arch, _) => arch.into(),
        }
    }

    /// Debian's architecture name (`amd64`, `arm64`, `armhf`, `armel`, `i386`, `ppc64el`).
    pub fn debian_arch(&self) -> String {
        match (self.arch.as_str(), self.variant.as_deref()) {
            ("arm", Some("v5" | "v6")) => "armel".into(),
            ("arm", _) => "armhf".into(),
            ("386", _) => "i386".into(),
            ("ppc64le", _) => "ppc64el".into(),
            ("mips64le", _) => "mips64el".into(),
            (arch, _) => arch.into(),
        }
    }

    /// The Rust target triple for this platform's usual libc (`gnu`) or for `musl`.
    pub fn rust_triple(&self, libc: &str) -> String {
        let (cpu, abi_suffix) = match (self.arch.as_str(), self.variant.as_deref()) {
            ("amd64", _) => ("x86_64", ""),
            ("arm64", _) => ("aarch64", ""),
            ("arm", Some("v6")) => ("arm", "eabihf"),
            ("arm", Some("v5")) => ("armv5te", "eabi"),
            ("arm", _) => ("armv7", "eabihf"),
            ("386", _) => ("i686", ""),
            ("ppc64le", _) => ("powerpc64le", ""),
            ("riscv64", _) => ("riscv64gc", ""),
            (arch, _) => (arch, ""),
        };
        let os = match self.os.as_str() {
            "darwin" => return format!("{cpu}-apple-darwin"),
            "windows" => return format!("{cpu}-pc-windows-msvc"),
            os => os,
        };
        format!("{cpu}-unknown-{os}-{libc}{abi_suffix}")
    }

    /// The values a per-platform template may use, by name.
    pub fn template_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("TARGETPLATFORM", self.to_string()),
            ("TARGETOS", self.os.clone()),
            ("TARGETARCH", self.arch.clone()),
            ("TARGETVARIANT", self.variant.clone().unwrap_or_default()),
            ("UNAME_ARCH", self.uname_arch()),
            ("DEBIAN_ARCH", self.debian_arch()),
            ("RUST_TARGET", self.rust_triple("gnu")),
            ("RUST_TARGET_MUSL", self.rust_triple("musl")),
        ]
    }
}

const KNOWN_OS: &[&str] =
    &["linux", "windows", "darwin", "freebsd", "netbsd", "openbsd", "solaris", "illumos", "aix", "android", "ios", "plan9", "wasip1", "js"];
const KNOWN_ARCH: &[&str] =
    &["amd64", "arm64", "arm", "386", "ppc64le", "ppc64", "s390x", "riscv64", "mips64le", "mips64", "mipsle", "mips", "loong64", "wasm"];

fn split_os_version(os: &str) -> Result<(&str, Option<String>), PlatformError> {
    match os.split_once('(') {
        None => Ok((os, None)),
        Some((name, rest)) => match rest.strip_suffix(')') {
            Some(version) if !version.is_empty() => Ok((name, Some(version.to_string()))),
            _ => Err(PlatformError(format!("`{os}`: an OS version is written `os(version)`, e.g. windows(10.0.17763)"))),
        },
    }
}

/// The variants an architecture has (containerd's), None for one whose variants are not checked.
fn variants_of(arch: &str) -> Option<&'static [&'static str]> {
    match arch {
        "arm" => Some(&["v5", "v6", "v7", "v8"]),
        "arm64" => Some(&[
            "v8", "v8.1", "v8.2", "v8.3", "v8.4", "v8.5", "v8.6", "v8.7", "v8.8", "v8.9", "v9", "v9.1", "v9.2", "v9.3", "v9.4", "v9.5",
        ]),
        "amd64" => Some(&["v1", "v2", "v3", "v4"]),
        _ => None,
    }
}

fn normalize_arch(arch: &str, variant: Option<String>) -> (String, Option<String>) {
    let variant = variant.map(|v| if v.chars().all(|c| c.is_ascii_digit()) { format!("v{v}") } else { v });
    match arch {
        "i386" | "i686" | "x86" => ("386".into(), None),
        "x86_64" | "x86-64" | "amd64" => ("amd64".into(), variant.filter(|v| v != "v1")),
        "aarch64" | "arm64" => ("arm64".into(), variant.filter(|v| v != "v8")),
        "armhf" => ("arm".into(), Some("v7".into())),
        "armel" => ("arm".into(), Some("v6".into())),
        "armv7" | "armv7l" => ("arm".into(), Some("v7".into())),
        "armv6" | "armv6l" => ("arm".into(), Some("v6".into())),
        "arm" => ("arm".into(), Some(variant.unwrap_or_else(|| "v7".into()))),
        "ppc64el" => ("ppc64le".into(), variant),
        other => (other.into(), variant),
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.os_version {
            Some(v) => write!(f, "{}({v})/{}", self.os, self.arch)?,
            None => write!(f, "{}/{}", self.os, self.arch)?,
        }
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

impl FromStr for Platform {
    type Err = PlatformError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Platform::parse(s)
    }
}

impl serde::Serialize for Platform {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Platform {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Platform::parse(&text).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for Platform {
    fn schema_name() -> Cow<'static, str> {
        "Platform".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "OS/ARCH[/VARIANT], normalized (linux/arm64, linux/arm/v7)",
            "pattern": "^[a-z0-9]+(\\([^)]+\\))?/[a-z0-9]+(/[a-z0-9]+)?$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_are_checked_per_architecture_and_older_ones_run() {
        let p = |t: &str| Platform::parse(t).unwrap_or_else(|e| panic!("{}", e.0));
        assert!(Platform::parse("linux/arm64/v9").is_ok() && Platform::parse("linux/amd64/v3").is_ok());
        let err = Platform::parse("linux/arm64/v7").err().map(|e| e.0).unwrap_or_default();
        assert!(err.contains("`v7` is not a variant of arm64") && err.contains("v9.5"), "{err}");
        assert!(Platform::parse("linux/arm/v9").is_err() && Platform::parse("linux/amd64/v5").is_err());
        assert_eq!(p("linux/arm64/v9").runs(&p("linux/arm64")), Some(100), "v9 runs v8 images");
        assert_eq!(p("linux/arm64/v9").runs(&p("linux/arm64/v8.2")), Some(98));
        assert_eq!(p("linux/arm64").runs(&p("linux/arm64/v9")), None, "v8 does not run v9");
        assert_eq!(p("linux/amd64/v3").runs(&p("linux/amd64")), Some(200));
        assert_eq!(p("linux/arm/v7").runs(&p("linux/arm/v6")), Some(100));
        assert_eq!(p("linux/arm/v6").runs(&p("linux/arm/v7")), None);
        assert_eq!(p("linux/arm64").runs(&p("linux/amd64")), None);
        assert_eq!(p("linux/riscv64").runs(&p("linux/riscv64")), Some(0));
    }

    fn norm(s: &str) -> String {
        Platform::parse(s).map(|p| p.to_string()).unwrap_or_else(|e| e.0)
    }

    #[test]
    fn normalizes_like_containerd() {
        assert_eq!(norm("linux/arm64/v8"), "linux/arm64");
        assert_eq!(norm("linux/arm"), "linux/arm/v7");
        assert_eq!(norm("linux/arm/7"), "linux/arm/v7");
        assert_eq!(norm("linux/x86_64"), "linux/amd64");
        assert_eq!(norm("Linux/AMD64"), "linux/amd64");
        assert_eq!(norm("linux/armhf"), "linux/arm/v7");
        assert_eq!(norm("windows(10.0.17763)/amd64"), "windows(10.0.17763)/amd64");
    }

    #[test]
    fn one_word_is_an_os_or_an_architecture_as_containerd_reads_it() {
        let host = Platform::host();
        assert_eq!(Platform::parse("linux").unwrap(), Platform::parse(&format!("linux/{}", host.arch)).unwrap());
        assert_eq!(norm("arm64"), format!("{}/arm64", host.os));
        assert_eq!(norm("armhf"), format!("{}/arm/v7", host.os));
    }

    #[test]
    fn rejects_malformed() {
        assert!(Platform::parse("linx").is_err());
        assert!(Platform::parse("linux/").is_err());
        assert!(Platform::parse("linux/amd64/v3/x").is_err());
        assert!(Platform::parse("linux/amd65").is_err());
        assert!(Platform::parse("linx/amd64").is_err());
    }

    #[test]
    fn other_spellings() {
        let p = Platform::parse("linux/arm/v7").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.uname_arch(), "armv7l");
        assert_eq!(p.debian_arch(), "armhf");
        assert_eq!(p.rust_triple("gnu"), "armv7-unknown-linux-gnueabihf");
        let a = Platform::parse("linux/arm64").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.uname_arch(), "aarch64");
        assert_eq!(a.rust_triple("musl"), "aarch64-unknown-linux-musl");
    }
}
