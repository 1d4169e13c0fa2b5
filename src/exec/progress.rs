//! How a build reports its steps: a spinner per running step on a terminal (indicatif), a line
//! per finished step for CI logs, or a JSON event per line for tools.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::json;

use crate::plan::Node;

/// `--progress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mode {
    /// `tty` on a terminal, else `plain`.
    Auto,
    Tty,
    Plain,
    Json,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Outcome {
    Cached,
    Done(Duration),
    Failed,
}

/// The reporter steps talk to, from any thread.
pub struct Progress {
    mode: Mode,
    bars: Option<MultiProgress>,
    running: Mutex<HashMap<String, ProgressBar>>,
}

impl Progress {
    pub fn new(mode: Mode) -> Progress {
        let mode = match mode {
            Mode::Auto if std::io::stderr().is_terminal() => Mode::Tty,
            Mode::Auto => Mode::Plain,
            other => other,
        };
        let bars = (mode == Mode::Tty).then(MultiProgress::new);
        Progress { mode, bars, running: Mutex::new(HashMap::new()) }
    }

    fn title(node: &Node) -> String {
        format!("[{} {}] {}", node.stage, node.exec_platform, node.op)
    }

    pub fn started(&self, node: &Node) {
        match (self.mode, &self.bars) {
            (Mode::Tty, Some(bars)) => {
                let bar = bars.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(Self::title(node));
                bar.enable_steady_tick(Duration::from_millis(120));
                if let Ok(mut running) = self.running.lock() {
                    running.insert(node.id.clone(), bar);
                }
            }
            (Mode::Json, _) => self.event(json!({"event": "step", "status": "started", "id": node.id, "stage": node.stage,
                "platform": node.exec_platform.to_string(), "op": node.op})),
            _ => {}
        }
    }

    pub fn finished(&self, node: &Node, outcome: Outcome) {
        let status = match outcome {
            Outcome::Cached => "CACHED".to_string(),
            Outcome::Done(d) => format!("{:.2}s", d.as_secs_f64()),
            Outcome::Failed => "FAILED".to_string(),
        };
        match self.mode {
            Mode::Json => {
                let (status, seconds) = match outcome {
                    Outcome::Cached => ("cached", 0.0),
                    Outcome::Done(d) => ("done", d.as_secs_f64()),
                    Outcome::Failed => ("failed", 0.0),
                };
                self.event(json!({"event": "step", "status": status, "id": node.id, "seconds": seconds}));
            }
            _ => {
                let bar = self.running.lock().ok().and_then(|mut r| r.remove(&node.id));
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                self.line(&format!("#{} {}  {status}", node.id, Self::title(node)));
            }
        }
    }

    /// A step's output (a RUN's stdout and stderr).
    pub fn output(&self, node: &Node, text: &str) {
        for line in text.lines() {
            match self.mode {
                Mode::Json => self.event(json!({"event": "output", "id": node.id, "line": line})),
                _ => self.line(&format!("#{} {line}", node.id)),
            }
        }
    }

    /// A line that stays above the spinners (a `log` event in JSON).
    pub fn line(&self, text: &str) {
        match (&self.bars, self.mode) {
            (_, Mode::Json) => self.event(json!({"event": "log", "line": text})),
            (Some(bars), _) => {
                let _ = bars.println(text);
            }
            (None, _) => eprintln!("{text}"),
        }
    }

    fn event(&self, value: serde_json::Value) {
        eprintln!("{value}");
    }
}
