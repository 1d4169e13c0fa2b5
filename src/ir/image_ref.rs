//! `ImageRef` and `Digest`: parse and normalize image references the way the docker CLI does.

use std::borrow::Cow;
use std::fmt;

/// `sha256:<64 hex>` (or another algorithm with its hex).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    pub algorithm: String,
    pub hex: String,
}

impl Digest {
    pub fn parse(text: &str) -> Result<Digest, String> {
        let (algorithm, hex) = text.split_once(':').ok_or_else(|| format!("`{text}` is not a digest: expected ALGORITHM:HEX"))?;
        let expected_len = match algorithm {
            "sha256" => 64,
            "sha512" => 128,
            _ => return Err(format!("unsupported digest algorithm `{algorithm}` (expected sha256 or sha512)")),
        };
        if hex.len() != expected_len || !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(format!("`{text}`: a {algorithm} digest has {expected_len} lowercase hex characters"));
        }
        Ok(Digest { algorithm: algorithm.into(), hex: hex.into() })
    }
}

impl Digest {
    /// The sha256 digest of some bytes.
    pub fn sha256(bytes: &[u8]) -> Digest {
        use sha2::Digest as _;
        Digest { algorithm: "sha256".into(), hex: hex(&sha2::Sha256::digest(bytes)) }
    }
}

/// Lowercase hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)] as char);
        out.push(DIGITS[usize::from(b & 15)] as char);
    }
    out
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.hex)
    }
}

/// A normalized image reference: `docker.io/library/alpine:latest`, `localhost:5000/x@sha256:..`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    pub registry: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

pub const DOCKER_HUB: &str = "docker.io";

impl ImageRef {
    /// Parses a reference; a bare name gets docker.io, `library/` and the `latest` tag.
    pub fn parse(text: &str) -> Result<ImageRef, String> {
        let (rest, digest) = match text.split_once('@') {
            Some((name, d)) => (name, Some(Digest::parse(d)?)),
            None => (text, None),
        };
        let (name, tag) = match rest.rfind(':') {
            Some(i) if !rest[i + 1..].contains('/') => (&rest[..i], Some(rest[i + 1..].to_string())),
            _ => (rest, None),
        };
        if name.is_empty() {
            return Err(format!("`{text}` is not an image reference: the name is empty"));
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, path)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first.to_string(), path.to_string())
            }
            _ => (DOCKER_HUB.to_string(), name.to_string()),
        };
        let registry = if registry == "index.docker.io" { DOCKER_HUB.to_string() } else { registry };
        let repository = if registry == DOCKER_HUB && !path.contains('/') { format!("library/{path}") } else { path };
        for component in repository.split('/') {
            if !valid_component(component) {
                return Err(format!(
                    "`{text}`: repository path component `{component}` must be lowercase letters, digits and separators (. _ __ -)"
                ));
            }
        }
        if let Some(t) = &tag
            && !valid_tag(t)
        {
            return Err(format!("`{text}`: tag `{t}` must be 1-128 characters of [A-Za-z0-9_.-], not starting with . or -"));
        }
        let tag = if tag.is_none() && digest.is_none() { Some("latest".to_string()) } else { tag };
        Ok(ImageRef { registry, repository, tag, digest })
    }

    /// The repository with its registry: `docker.io/library/alpine`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }
}

fn valid_component(c: &str) -> bool {
    let bytes = c.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    !bytes.is_empty()
        && alnum(bytes[0])
        && alnum(bytes[bytes.len() - 1])
        && bytes.iter().all(|&b| alnum(b) || matches!(b, b'.' | b'_' | b'-'))
}

fn valid_tag(t: &str) -> bool {
    !t.is_empty()
        && t.len() <= 128
        && !t.starts_with(['.', '-'])
        && t.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.name())?;
        if let Some(t) = &self.tag {
            write!(f, ":{t}")?;
        }
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for ImageRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for ImageRef {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        ImageRef::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl schemars::JsonSchema for ImageRef {
    fn schema_name() -> Cow<'static, str> {
        "ImageRef".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "A normalized image reference: REGISTRY/REPOSITORY[:TAG][@DIGEST]"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> String {
        ImageRef::parse(s).map(|r| r.to_string()).unwrap_or_else(|e| e)
    }

    #[test]
    fn normalizes_docker_hub_names() {
        assert_eq!(norm("alpine"), "docker.io/library/alpine:latest");
        assert_eq!(norm("user/app:1.0"), "docker.io/user/app:1.0");
        assert_eq!(norm("index.docker.io/library/busybox:1"), "docker.io/library/busybox:1");
        assert_eq!(norm("localhost:5000/x"), "localhost:5000/x:latest");
        assert_eq!(norm("127.0.0.1:5000/a/b:t"), "127.0.0.1:5000/a/b:t");
    }

    #[test]
    fn keeps_digests() {
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(norm(&format!("alpine@{d}")), format!("docker.io/library/alpine@{d}"));
        assert_eq!(norm(&format!("alpine:3@{d}")), format!("docker.io/library/alpine:3@{d}"));
    }

    #[test]
    fn rejects_bad_references() {
        assert!(ImageRef::parse("Alpine").is_err());
        assert!(ImageRef::parse("alpine:").is_err());
        assert!(ImageRef::parse("alpine@sha256:abc").is_err());
        assert!(ImageRef::parse("").is_err());
    }
}
