//! Image annotations: the spec's `annotations` in bake's syntax (`[TYPE[,TYPE][\[PLATFORM\]]:]KEY=VALUE`,
//! TYPE one of `manifest` (the default), `index`, `manifest-descriptor`, `index-descriptor`),
//! over the automatic ones: `org.opencontainers.image.created` from SOURCE_DATE_EPOCH, and
//! `.source` and `.revision` from the git checkout holding the context.

use std::collections::BTreeMap;
use std::path::Path;

use crate::ir::Platform;
use crate::oci::image::rfc3339;

/// Where annotations go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotations {
    pub index: BTreeMap<String, String>,
    pub index_descriptor: BTreeMap<String, String>,
    /// Per platform (None: every platform).
    manifest: BTreeMap<Option<String>, BTreeMap<String, String>>,
    manifest_descriptor: BTreeMap<Option<String>, BTreeMap<String, String>>,
}

impl Annotations {
    /// The annotations of a target: automatic ones, then the spec's `annotations` over them.
    pub fn of(spec: &[String], epoch: Option<i64>, context: &Path) -> Result<Annotations, String> {
        let mut out = Annotations::default();
        let mut automatic = BTreeMap::new();
        if let Some(epoch) = epoch {
            automatic.insert("org.opencontainers.image.created".to_string(), rfc3339(epoch));
        }
        if let Some((source, revision)) = git(context) {
            automatic.extend(source.map(|s| ("org.opencontainers.image.source".to_string(), s)));
            automatic.insert("org.opencontainers.image.revision".to_string(), revision);
        }
        out.index.extend(automatic.clone());
        out.manifest.entry(None).or_default().extend(automatic);
        for entry in spec {
            out.add(entry)?;
        }
        Ok(out)
    }

    fn add(&mut self, entry: &str) -> Result<(), String> {
        let (key, value) = entry.split_once('=').ok_or_else(|| format!("annotation `{entry}` is not KEY=VALUE"))?;
        let (kinds, key) = match key.split_once(':') {
            // `org.example:thing=x` has a colon in the key, not a type list, unless it names types
            Some((types, k)) if types.split(',').all(|t| KINDS.contains(&t.split('[').next().unwrap_or(t))) => (types, k),
            _ => ("manifest", key),
        };
        for kind in kinds.split(',') {
            let (name, platform) = match kind.split_once('[') {
                Some((name, rest)) => {
                    let text = rest.strip_suffix(']').ok_or_else(|| format!("annotation `{entry}`: `{kind}` lacks its `]`"))?;
                    let platform = Platform::parse(text).map_err(|e| format!("annotation `{entry}`: {}", e.0))?;
                    (name, Some(platform.to_string()))
                }
                None => (kind, None),
            };
            let map = match name {
                "manifest" => self.manifest.entry(platform).or_default(),
                "manifest-descriptor" => self.manifest_descriptor.entry(platform).or_default(),
                "index" | "index-descriptor" if platform.is_some() => {
                    return Err(format!("annotation `{entry}`: an index is not per platform"));
                }
                "index" => &mut self.index,
                _ => &mut self.index_descriptor,
            };
            map.insert(key.to_string(), value.to_string());
        }
        Ok(())
    }

    /// The annotations of one platform's manifest.
    pub fn manifest(&self, platform: &Platform) -> BTreeMap<String, String> {
        pick(&self.manifest, platform)
    }

    /// The annotations of one platform's entry in the index.
    pub fn manifest_descriptor(&self, platform: &Platform) -> BTreeMap<String, String> {
        pick(&self.manifest_descriptor, platform)
    }
}

const KINDS: [&str; 4] = ["manifest", "index", "manifest-descriptor", "index-descriptor"];

fn pick(by_platform: &BTreeMap<Option<String>, BTreeMap<String, String>>, platform: &Platform) -> BTreeMap<String, String> {
    let mut out = by_platform.get(&None).cloned().unwrap_or_default();
    out.extend(by_platform.get(&Some(platform.to_string())).cloned().unwrap_or_default());
    out
}

/// The commit time of HEAD of the git checkout holding `dir` (seconds since the epoch), when
/// there is one and git is installed: a built image's default `created`.
pub fn commit_time(dir: &Path) -> Option<i64> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "-1", "--format=%ct", "HEAD"])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok().filter(|_| out.status.success())
}

/// The checkout's remote URL (`origin`, as https without credentials; none when the remote is
/// a local path) and HEAD commit, when `dir` is in a git checkout and git is installed.
fn git(dir: &Path) -> Option<(Option<String>, String)> {
    let run = |args: &[&str]| {
        let out = std::process::Command::new("git").arg("-C").arg(dir).args(args).stderr(std::process::Stdio::null()).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?.trim().to_string();
        (out.status.success() && !text.is_empty()).then_some(text)
    };
    let revision = run(&["rev-parse", "HEAD"])?;
    let source = run(&["remote", "get-url", "origin"]).and_then(|remote| match remote.split_once("://") {
        // https://user:token@host/x → https://host/x
        Some((scheme, rest)) => Some(format!("{scheme}://{}", rest.rsplit_once('@').map_or(rest, |(_, host)| host))),
        // git@host:org/repo.git → https://host/org/repo.git
        None => remote.split_once('@').and_then(|(_, rest)| rest.split_once(':')).map(|(host, path)| format!("https://{host}/{path}")),
    });
    Some((source, revision))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Platform {
        Platform::parse(text).unwrap_or_else(|e| panic!("{}", e.0))
    }

    #[test]
    fn types_platforms_and_defaults_follow_bake() {
        let spec: Vec<String> = [
            "org.opencontainers.image.title=x",
            "index,manifest:org.opencontainers.image.vendor=acme",
            "manifest[linux/arm64]:note=arm",
            "manifest-descriptor:d=1",
            "index-descriptor:i=2",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let a = Annotations::of(&spec, Some(0), Path::new("/nonexistent")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.index.get("org.opencontainers.image.vendor").map(String::as_str), Some("acme"));
        assert_eq!(a.index.get("org.opencontainers.image.created").map(String::as_str), Some("1970-01-01T00:00:00Z"));
        assert!(!a.index.contains_key("org.opencontainers.image.title"), "no type means manifest");
        let arm = a.manifest(&p("linux/arm64"));
        assert_eq!(
            (arm.get("note").map(String::as_str), arm.get("org.opencontainers.image.title").map(String::as_str)),
            (Some("arm"), Some("x"))
        );
        assert!(!a.manifest(&p("linux/amd64")).contains_key("note"));
        assert_eq!(a.manifest_descriptor(&p("linux/amd64")).get("d").map(String::as_str), Some("1"));
        assert_eq!(a.index_descriptor.get("i").map(String::as_str), Some("2"));
        assert!(Annotations::of(&["index[linux/amd64]:k=v".to_string()], None, Path::new("/")).is_err());
        assert!(Annotations::of(&["novalue".to_string()], None, Path::new("/")).is_err());
    }
}
