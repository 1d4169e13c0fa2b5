//! The plan: a DAG of content-addressed build steps, each serving some target platforms, each
//! classified against the build host. Plain data; building it is build.rs's job.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::action::Action;
use crate::ir::Platform;
use crate::source::Span;

/// How a step runs on the build host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// A RUN on the build host's own platform.
    Native,
    /// A RUN for another platform: needs qemu-user, 8–20× slower.
    Emulated,
    /// No process runs: base-image references, COPY, metadata, per-arch file selections.
    NoExec,
}

/// One step of the build.
#[derive(Debug, Clone, Serialize)]
pub struct Node {
    /// The first 12 hex digits of `key`.
    pub id: String,
    /// sha256 of everything that determines the step's result.
    pub key: String,
    /// `TARGET/STAGE` (or `TARGET/image` for inline images, `TARGET/files` for selections).
    pub stage: String,
    /// The instruction, expanded where BuildKit expands it.
    pub op: String,
    pub class: Class,
    /// The platform the step runs as.
    pub exec_platform: Platform,
    /// The target platforms whose images this step contributes to.
    pub platforms: BTreeSet<String>,
    pub targets: BTreeSet<String>,
    pub depends_on: Vec<String>,
    #[serde(skip)]
    pub span: Option<Span>,
    /// The nodes `depends_on` names, as positions in `Plan::nodes`.
    #[serde(skip)]
    pub parents: Vec<usize>,
    #[serde(skip)]
    pub action: Action,
}

impl Node {
    pub fn is_shared(&self) -> bool {
        self.platforms.len() > 1
    }
}

/// Totals, as `mpbake plan` reports them.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Summary {
    pub nodes: usize,
    /// Nodes serving more than one target platform: they run once for all of them.
    pub shared: usize,
    pub per_platform: usize,
    pub emulated: usize,
    pub no_exec: usize,
}

/// A planned target: its final step per platform.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TargetPlan {
    pub platforms: BTreeMap<String, String>,
}

/// Everything `mpbake plan` shows and later stages execute.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub build_platform: Platform,
    pub summary: Summary,
    pub targets: BTreeMap<String, TargetPlan>,
    /// In dependency order: every node after the nodes it depends on.
    pub nodes: Vec<Node>,
}

impl Plan {
    pub fn summarize(nodes: &[Node]) -> Summary {
        Summary {
            nodes: nodes.len(),
            shared: nodes.iter().filter(|n| n.is_shared()).count(),
            per_platform: nodes.iter().filter(|n| !n.is_shared()).count(),
            emulated: nodes.iter().filter(|n| n.class == Class::Emulated).count(),
            no_exec: nodes.iter().filter(|n| n.class == Class::NoExec).count(),
        }
    }
}
