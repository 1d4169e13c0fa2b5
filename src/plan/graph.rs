//! The node store: content keys, deduplication of identical steps across platforms and
//! targets, and the final dependency-ordered list (checked acyclic with petgraph).

use std::collections::{BTreeSet, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use petgraph::algo::is_cyclic_directed;
use petgraph::graphmap::DiGraphMap;
use sha2::{Digest as _, Sha256};

use super::action::Action;
use super::model::{Class, Node};
use crate::ir::{Platform, hex};
use crate::source::Span;

/// What defines a step; its hash is the step's content key.
pub struct StepDef<'a> {
    pub stage: &'a str,
    pub op: String,
    pub class: Class,
    pub exec_platform: &'a Platform,
    /// Everything the result depends on besides the parents (canonical strings).
    pub inputs: Vec<String>,
    pub parents: Vec<usize>,
    pub span: Option<Span>,
    pub action: Action,
}

/// Content keys are sha256 digests, already uniformly distributed: their first 8 bytes are the
/// hash-map hash (no SipHash over them on every step).
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for (i, b) in bytes.iter().take(8).enumerate() {
            self.0 ^= u64::from(*b) << (8 * i);
        }
    }
}

type Key = [u8; 32];

/// Nodes by content key; a step seen again only gains the platform and target it serves.
#[derive(Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    keys: Vec<Key>,
    by_key: HashMap<Key, usize, BuildHasherDefault<DigestHasher>>,
}

impl Graph {
    /// Adds (or finds) a step serving `platform` (as its normalized string) of `target`.
    pub fn add(&mut self, def: StepDef, target: &str, platform: &str) -> usize {
        let mut hasher = Sha256::new();
        for parent in &def.parents {
            hasher.update(self.keys[*parent]);
        }
        let p = def.exec_platform;
        for part in [def.op.as_str(), &p.os, &p.arch, p.variant.as_deref().unwrap_or(""), p.os_version.as_deref().unwrap_or("")]
            .into_iter()
            .chain(def.inputs.iter().map(String::as_str))
        {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        let key: Key = hasher.finalize().into();
        let index = match self.by_key.get(&key) {
            Some(&i) => i,
            None => {
                let full = hex(&key);
                let depends_on = def.parents.iter().map(|p| self.nodes[*p].id.clone()).collect();
                let (op, stage) = (def.op, def.stage.to_string());
                self.nodes.push(Node {
                    id: full[..12].to_string(),
                    key: full,
                    stage,
                    op,
                    class: def.class,
                    exec_platform: def.exec_platform.clone(),
                    platforms: BTreeSet::new(),
                    targets: BTreeSet::new(),
                    depends_on,
                    span: def.span,
                    parents: def.parents,
                    action: def.action,
                });
                self.keys.push(key);
                self.by_key.insert(key, self.nodes.len() - 1);
                self.nodes.len() - 1
            }
        };
        let node = &mut self.nodes[index];
        if !node.platforms.contains(platform) {
            node.platforms.insert(platform.to_string());
        }
        if !node.targets.contains(target) {
            node.targets.insert(target.to_string());
        }
        index
    }

    /// The nodes in dependency order (parents first: a step is added after its parents, so
    /// insertion order is one). Content keys make cycles impossible; petgraph checks it anyway,
    /// and a cycle, which would be a planner bug, is reported as None rather than a panic.
    pub fn into_ordered(self) -> Option<Vec<Node>> {
        let mut graph: DiGraphMap<usize, ()> = DiGraphMap::with_capacity(self.nodes.len(), self.nodes.len() * 2);
        for (i, node) in self.nodes.iter().enumerate() {
            graph.add_node(i);
            for &p in &node.parents {
                graph.add_edge(p, i, ());
            }
        }
        if is_cyclic_directed(&graph) {
            return None;
        }
        Some(self.nodes)
    }
}
