//! The node store: content keys, deduplication of identical steps across platforms and
//! targets, and the final dependency-ordered list (checked acyclic with petgraph).

use std::collections::{BTreeSet, HashMap};

use petgraph::algo::is_cyclic_directed;
use petgraph::graphmap::DiGraphMap;
use sha2::{Digest as _, Sha256};

use super::model::{Class, Node};
use crate::ir::Platform;
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
}

/// Nodes by content key; a step seen again only gains the platform and target it serves.
#[derive(Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    by_key: HashMap<String, usize>,
}

impl Graph {
    pub fn add(&mut self, def: StepDef, target: &str, platform: &Platform) -> usize {
        let mut hasher = Sha256::new();
        for parent in &def.parents {
            hasher.update(self.nodes[*parent].key.as_bytes());
            hasher.update([0]);
        }
        for part in [def.op.as_str(), &def.exec_platform.to_string()].into_iter().chain(def.inputs.iter().map(String::as_str)) {
            hasher.update(part.as_bytes());
            hasher.update([0]);
        }
        let key: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
        let index = match self.by_key.get(&key) {
            Some(&i) => i,
            None => {
                let depends_on = def.parents.iter().map(|p| self.nodes[*p].id.clone()).collect();
                self.nodes.push(Node {
                    id: key[..12].to_string(),
                    key: key.clone(),
                    stage: def.stage.to_string(),
                    op: def.op,
                    class: def.class,
                    exec_platform: def.exec_platform.clone(),
                    platforms: BTreeSet::new(),
                    targets: BTreeSet::new(),
                    depends_on,
                    span: def.span,
                });
                self.by_key.insert(key, self.nodes.len() - 1);
                self.nodes.len() - 1
            }
        };
        let node = &mut self.nodes[index];
        node.platforms.insert(platform.to_string());
        node.targets.insert(target.to_string());
        index
    }

    /// The nodes in dependency order (parents first: a step is added after its parents, so
    /// insertion order is one). Content keys make cycles impossible; petgraph checks it anyway,
    /// and a cycle, which would be a planner bug, is reported as None rather than a panic.
    pub fn into_ordered(self) -> Option<Vec<Node>> {
        let mut graph: DiGraphMap<usize, ()> = DiGraphMap::new();
        let index: HashMap<&str, usize> = self.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
        for (i, node) in self.nodes.iter().enumerate() {
            graph.add_node(i);
            for dep in &node.depends_on {
                if let Some(&d) = index.get(dep.as_str()) {
                    graph.add_edge(d, i, ());
                }
            }
        }
        if is_cyclic_directed(&graph) {
            return None;
        }
        Some(self.nodes)
    }
}
