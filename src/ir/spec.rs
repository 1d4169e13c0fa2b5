//! The resolved spec: groups, targets (bake's attributes plus mpbake's inline image and per-arch
//! files), per-platform overrides. Plain data; no syntax, no I/O.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ImageRef, Platform};
use crate::source::Span;

/// Everything a spec defines, after variables, functions, inherits, matrix and overrides.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Spec {
    pub groups: BTreeMap<String, Group>,
    pub targets: BTreeMap<String, Target>,
    /// Every variable's final value (after environment and `--var` overrides).
    pub variables: BTreeMap<String, serde_json::Value>,
    /// Each variable's `description` and declared `type`, for `list variables`.
    #[serde(skip)]
    #[schemars(skip)]
    pub variable_docs: BTreeMap<String, (Option<String>, Option<String>)>,
    /// mpbake-only `node` blocks: engines that build some platforms (not in bake's print form).
    #[serde(skip)]
    #[schemars(skip)]
    pub nodes: BTreeMap<String, BuildNode>,
}

/// A node: a Docker Engine (BuildKit inside) at an endpoint — a URL as `DOCKER_HOST` takes it,
/// or a docker context's name — that builds `platforms` (docs/nodes.md).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildNode {
    pub name: String,
    pub endpoint: String,
    pub platforms: Vec<Platform>,
    /// Where the spec declares it (none for `--node`).
    pub span: Option<Span>,
}

impl BuildNode {
    /// Whether this node builds `platform`.
    pub fn builds(&self, platform: &Platform) -> bool {
        self.platforms.iter().any(|p| p.runs(platform).is_some())
    }
}

/// A named list of targets and groups.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct Group {
    pub name: String,
    pub description: Option<String>,
    pub targets: Vec<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub span: Span,
}

/// One composable attribute entry (`type=registry,ref=x` ≡ `{ type = "registry", ref = "x" }`).
pub type Composable = BTreeMap<String, String>;

/// A build target: what bake calls a target, with mpbake's extensions in `image`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Target {
    pub name: String,
    pub description: Option<String>,
    pub context: Option<String>,
    pub contexts: BTreeMap<String, String>,
    pub dockerfile: Option<String>,
    pub dockerfile_inline: Option<String>,
    /// The Dockerfile stage to build.
    pub target: Option<String>,
    pub args: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: Vec<String>,
    pub tags: Vec<String>,
    /// The platforms to build, normalized and without duplicates.
    pub platforms: Vec<Platform>,
    /// The platforms as the spec wrote them (`local`, `arm64`, `linux/arm`), which `print` shows.
    pub platforms_written: Vec<String>,
    pub attest: Vec<Composable>,
    pub cache_from: Vec<Composable>,
    pub cache_to: Vec<Composable>,
    pub output: Vec<Composable>,
    pub secret: Vec<Composable>,
    pub ssh: Vec<Composable>,
    pub call: Option<String>,
    pub entitlements: Vec<String>,
    pub extra_hosts: BTreeMap<String, String>,
    pub network: Option<String>,
    pub no_cache: Option<bool>,
    pub no_cache_filter: Vec<String>,
    pub pull: Option<bool>,
    pub shm_size: Option<String>,
    pub ulimits: Vec<String>,
    /// Resource limits for RUN (`memory`, `cpu-shares`, …), as bake's `resources`.
    pub resources: Option<Resources>,
    /// mpbake-only: inline image, per-arch files, per-platform overrides.
    pub image: Option<InlineImage>,
    #[serde(skip)]
    #[schemars(skip)]
    pub span: Span,
}

/// mpbake's extensions of a target: an image described without a Dockerfile (or a final layer
/// of files on top of the Dockerfile's stage), values that differ per platform, lint switches.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct InlineImage {
    /// The base image; `None` with a Dockerfile (files go on top of its stage).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<BaseImage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileSelection>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workdir: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expose: Vec<String>,
    /// Lint ids switched off for this target (`skip-checks`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_checks: Vec<String>,
    /// Per-platform values; keys are normalized platforms.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub platform: BTreeMap<String, PlatformOverride>,
}

/// `scratch` or an image reference; serialized as the string the user writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(into = "String", try_from = "String")]
#[schemars(with = "String")]
pub enum BaseImage {
    Scratch,
    Image(ImageRef),
}

impl From<BaseImage> for String {
    fn from(b: BaseImage) -> String {
        match b {
            BaseImage::Scratch => "scratch".into(),
            BaseImage::Image(r) => r.to_string(),
        }
    }
}

impl TryFrom<String> for BaseImage {
    type Error = String;
    fn try_from(s: String) -> Result<BaseImage, String> {
        if s == "scratch" { Ok(BaseImage::Scratch) } else { ImageRef::parse(&s).map(BaseImage::Image) }
    }
}

/// Permission bits, written and serialized in octal (`"0755"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(into = "String", try_from = "String")]
#[schemars(with = "String")]
pub struct FileMode(pub u32);

impl From<FileMode> for String {
    fn from(m: FileMode) -> String {
        format!("{:04o}", m.0)
    }
}

impl TryFrom<String> for FileMode {
    type Error = String;
    fn try_from(s: String) -> Result<FileMode, String> {
        match u32::from_str_radix(s.trim_start_matches("0o"), 8) {
            Ok(m) if m <= 0o7777 => Ok(FileMode(m)),
            _ => Err(format!("`{s}` is not an octal file mode")),
        }
    }
}

/// Values one platform sees instead of (args and labels: on top of) the target's.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct PlatformOverride {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub args: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<BaseImage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<FileSelection>,
}

/// A destination path whose source file is chosen per target platform: no shell, no emulation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
pub struct FileSelection {
    pub dest: String,
    /// The source path (relative to the context) for each of the target's platforms.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<FileMode>,
    /// `uid[:gid]` or `user[:group]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(skip)]
    #[schemars(skip)]
    pub span: Span,
}

impl Target {
    /// The target's platforms, or `default` (the host, or the build platform) when it declares none.
    pub fn platforms_or(&self, default: &Platform) -> Vec<Platform> {
        if self.platforms.is_empty() { vec![default.clone()] } else { self.platforms.clone() }
    }

    /// Build args one platform sees: the target's, then that platform's overrides.
    pub fn args_for(&self, platform: &Platform) -> BTreeMap<String, String> {
        let mut args = self.args.clone();
        if let Some(o) = self.image.as_ref().and_then(|i| i.platform.get(&platform.to_string())) {
            args.extend(o.args.clone());
        }
        args
    }
}

/// bake's `resources`: RUN's memory and CPU limits, printed in bake's field order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub struct Resources {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_swap: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_shares: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_period: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpu_quota: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpuset_cpus: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cpuset_mems: Option<String>,
}

impl Resources {
    /// Sets one field by bake's key; `Err` names what is wrong.
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), String> {
        let number = || value.trim().parse::<i64>().map_err(|_| format!("`resources.{key}` takes an integer, got `{value}`"));
        match key {
            "memory" => self.memory = Some(value.to_string()),
            "memory-swap" => self.memory_swap = Some(value.to_string()),
            "cpu-shares" => self.cpu_shares = Some(number()?),
            "cpu-period" => self.cpu_period = Some(number()?),
            "cpu-quota" => self.cpu_quota = Some(number()?),
            "cpuset-cpus" => self.cpuset_cpus = Some(value.to_string()),
            "cpuset-mems" => self.cpuset_mems = Some(value.to_string()),
            _ => {
                return Err(format!(
                    "unknown resources key `{key}` (known: memory, memory-swap, cpu-shares, cpu-period, cpu-quota, cpuset-cpus, cpuset-mems)"
                ));
            }
        }
        Ok(())
    }
}
