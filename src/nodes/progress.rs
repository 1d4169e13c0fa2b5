//! A node's BuildKit progress in mpbake's display: each step as `#NODE/N [TARGET PLATFORM] NAME`
//! when it starts, its output lines, then DONE, CACHED or ERROR; JSON events carry the node.

use std::collections::HashMap;

use serde_json::json;

use super::trace::Status;
use crate::exec::progress::{Mode, Progress};

/// Shows one job's progress as the node reports it.
pub struct Reporter<'a> {
    progress: &'a Progress,
    node: &'a str,
    /// `TARGET PLATFORM`, in every step's title.
    job: String,
    /// Each step seen: its number, whether its start and its end were shown.
    steps: HashMap<String, (usize, bool, bool)>,
}

impl<'a> Reporter<'a> {
    pub fn new(progress: &'a Progress, node: &'a str, target: &str, platform: &str) -> Reporter<'a> {
        Reporter { progress, node, job: format!("{target} {platform}"), steps: HashMap::new() }
    }

    /// Shows what changed.
    pub fn status(&mut self, status: Status) {
        for vertex in status.vertexes {
            let next = self.steps.len() + 1;
            let (number, shown_start, shown_end) = self.steps.entry(vertex.digest.clone()).or_insert((next, false, false));
            let id = format!("{}/{number}", self.node);
            if vertex.started.is_some() && !*shown_start {
                *shown_start = true;
                match self.progress.mode() {
                    Mode::Json => self.progress.event(
                        json!({"event": "step", "status": "started", "node": self.node, "id": id, "op": vertex.name, "job": self.job}),
                    ),
                    _ => self.progress.line(&format!("#{id} [{}] {}", self.job, vertex.name)),
                }
            }
            let ended = match (vertex.completed, vertex.started) {
                _ if !vertex.error.is_empty() => Some(("failed", format!("ERROR: {}", vertex.error))),
                _ if vertex.cached => Some(("cached", "CACHED".to_string())),
                (Some(end), Some(start)) => Some(("done", format!("DONE {:.2}s", (end - start).max(0.0)))),
                (Some(_), None) => Some(("done", "DONE".to_string())),
                _ => None,
            };
            if let Some((status, text)) = ended.filter(|_| !*shown_end) {
                *shown_end = true;
                match self.progress.mode() {
                    Mode::Json => self.progress.event(json!({"event": "step", "status": status, "node": self.node, "id": id})),
                    _ => self.progress.line(&format!("#{id} {text}")),
                }
            }
        }
        for log in status.logs {
            let Some((number, _, _)) = self.steps.get(&log.vertex) else { continue };
            let id = format!("{}/{number}", self.node);
            for line in String::from_utf8_lossy(&log.message).lines().filter(|l| !l.trim().is_empty()) {
                match self.progress.mode() {
                    Mode::Json => self.progress.event(json!({"event": "output", "node": self.node, "id": id, "line": line})),
                    _ => self.progress.line(&format!("#{id} {line}")),
                }
            }
        }
    }
}
