//! How a build reports its steps: a spinner per running step on a terminal (indicatif), start,
//! output and end lines per step for CI logs (BuildKit's plain form), or a JSON event per line,
//! each with its time, for tools.

use std::collections::HashMap;
use std::io::IsTerminal as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use serde_json::json;

use crate::plan::{Action, Node, Plan};

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
    /// Each shown step's place in its stage for its platforms: (n, of m), as BuildKit counts,
    /// and the instruction as shown.
    counters: OnceLock<HashMap<String, (usize, usize, String)>>,
    /// Base layers downloaded, and their bytes.
    downloads: (AtomicU64, AtomicU64),
    /// Layers downloaded from shared caches, and their bytes.
    from_caches: (AtomicU64, AtomicU64),
    /// The shared caches' references (`cache-from`), to tell their layers from bases'.
    caches: OnceLock<Vec<String>>,
}

/// One layer being downloaded: a byte bar on a terminal, start and end lines in plain mode,
/// events in JSON; counted in the build's totals when done.
pub struct Download<'a> {
    progress: &'a Progress,
    digest: String,
    total: u64,
    bar: Option<ProgressBar>,
    started: std::time::Instant,
    /// From a shared cache, not a base image.
    from_cache: bool,
}

impl Download<'_> {
    /// `bytes` more arrived.
    pub fn add(&self, bytes: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(bytes as u64);
        }
    }

    /// The layer is whole (or the download failed: `ok` false).
    pub fn finish(self, ok: bool) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
        if !ok {
            return;
        }
        let counts = if self.from_cache { &self.progress.from_caches } else { &self.progress.downloads };
        counts.0.fetch_add(1, Ordering::Relaxed);
        counts.1.fetch_add(self.total, Ordering::Relaxed);
        let seconds = self.started.elapsed().as_secs_f64();
        match self.progress.mode {
            Mode::Json => self
                .progress
                .event(json!({"event": "download", "status": "done", "digest": self.digest, "bytes": self.total, "seconds": seconds})),
            Mode::Plain => self.progress.line(&format!(
                "downloaded {} ({}) in {seconds:.2}s",
                short(&self.digest),
                crate::publish::inspect::human(self.total)
            )),
            _ => {}
        }
    }
}

fn short(digest: &str) -> &str {
    digest.get(..19).unwrap_or(digest)
}

/// The time now, RFC 3339 with milliseconds (JSON events).
fn now() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");
    time::OffsetDateTime::now_utc().format(&format).unwrap_or_default()
}

/// Whether the build shows a step (config-only instructions are not).
pub fn shown(node: &Node) -> bool {
    !matches!(node.action, Action::Config { .. })
}

/// The platforms a step runs as and builds for: `linux/amd64`, or `linux/amd64→linux/arm64`
/// when it runs on the build platform for another target platform.
fn platforms(node: &Node) -> String {
    let exec = node.exec_platform.to_string();
    match node.platforms.iter().collect::<Vec<_>>().as_slice() {
        [only] if **only != exec => format!("{exec}→{only}"),
        _ => exec,
    }
}

/// The instruction as BuildKit shows it: a shell-form RUN with the values of the ARGs in scope
/// put in (`GOARCH=$TARGETARCH` shows `GOARCH=arm64`), quotes and other variables left as
/// written (BuildKit's RawQuotes and SkipUnsetEnv; the image's ENV is only known when it runs).
fn shown_op(node: &Node) -> String {
    let Action::Run { command: crate::ir::Command::Shell(text), args, heredocs, .. } = &node.action else { return node.op.clone() };
    if !heredocs.is_empty() {
        return node.op.clone();
    }
    let value = |name: &str| args.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
    let (mut out, mut chars, mut single) = (String::from("RUN "), text.trim().chars().peekable(), false);
    while let Some(c) = chars.next() {
        match c {
            '\\' if !single => {
                out.push(c);
                out.extend(chars.next());
            }
            '\'' => {
                single = !single;
                out.push(c);
            }
            '$' if !single => {
                let braced = chars.next_if_eq(&'{').is_some();
                let mut name = String::new();
                while let Some(c) = chars.next_if(|c| c.is_ascii_alphanumeric() || *c == '_') {
                    name.push(c);
                }
                let closed = !braced || chars.next_if_eq(&'}').is_some();
                match (closed, value(&name)) {
                    (true, Some(v)) if !name.is_empty() => out.push_str(&v),
                    _ => {
                        out.push('$');
                        out.push_str(if braced { "{" } else { "" });
                        out.push_str(&name);
                        out.push_str(if braced && closed { "}" } else { "" });
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

impl Progress {
    /// The mode in use (`auto` resolved).
    pub fn mode(&self) -> Mode {
        self.mode
    }

    pub fn new(mode: Mode) -> Progress {
        let mode = match mode {
            Mode::Auto if std::io::stderr().is_terminal() => Mode::Tty,
            Mode::Auto => Mode::Plain,
            other => other,
        };
        let bars = (mode == Mode::Tty).then(MultiProgress::new);
        Progress {
            mode,
            bars,
            running: Mutex::new(HashMap::new()),
            counters: OnceLock::new(),
            downloads: Default::default(),
            from_caches: Default::default(),
            caches: OnceLock::new(),
        }
    }

    /// A base layer's download starting: `digest`, `total` bytes, from `image`.
    pub fn download(&self, digest: &str, total: u64, image: &str) -> Download<'_> {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new(total));
            let style = ProgressStyle::with_template("{spinner} {elapsed:>4} {msg} {bytes}/{total_bytes} {bytes_per_sec}");
            bar.set_style(style.unwrap_or_else(|_| ProgressStyle::default_bar()));
            bar.set_message(format!("downloading {} of {image}", short(digest)));
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        match self.mode {
            Mode::Json => self.event(json!({"event": "download", "status": "started", "digest": digest, "bytes": total, "image": image})),
            Mode::Plain => self.line(&format!("downloading {} of {image} ({})", short(digest), crate::publish::inspect::human(total))),
            _ => {}
        }
        let from_cache = self.caches.get().is_some_and(|c| c.iter().any(|r| r == image));
        Download { progress: self, digest: digest.to_string(), total, bar, started: std::time::Instant::now(), from_cache }
    }

    /// Base layers downloaded by this build, and their bytes.
    pub fn downloaded(&self) -> (u64, u64) {
        (self.downloads.0.load(Ordering::Relaxed), self.downloads.1.load(Ordering::Relaxed))
    }

    /// Names the shared caches imported from, whose layer downloads count apart from bases'.
    pub fn set_caches(&self, references: Vec<String>) {
        let _ = self.caches.set(references);
    }

    /// Layers downloaded from shared caches, and their bytes.
    pub fn imported(&self) -> (u64, u64) {
        (self.from_caches.0.load(Ordering::Relaxed), self.from_caches.1.load(Ordering::Relaxed))
    }

    /// Numbers the plan's shown steps within their stage as one platform builds it (a step
    /// shared by several target platforms counts for each; a stage runs as one platform), as
    /// BuildKit numbers a stage's steps.
    pub fn number(&self, plan: &Plan) {
        let key = |node: &'_ Node, platform: &str| (node.stage.clone(), platform.to_string(), node.exec_platform.to_string());
        let mut sequences: HashMap<(String, String, String), Vec<&str>> = HashMap::new();
        for node in plan.nodes.iter().filter(|n| shown(n)) {
            for platform in &node.platforms {
                sequences.entry(key(node, platform)).or_default().push(node.id.as_str());
            }
        }
        let mut counters = HashMap::new();
        for node in plan.nodes.iter().filter(|n| shown(n)) {
            let Some(sequence) = node.platforms.iter().next().and_then(|p| sequences.get(&key(node, p))) else { continue };
            if let Some(n) = sequence.iter().position(|id| *id == node.id) {
                counters.insert(node.id.clone(), (n + 1, sequence.len(), shown_op(node)));
            }
        }
        let _ = self.counters.set(counters);
    }

    fn title(&self, node: &Node) -> String {
        match self.counters.get().and_then(|c| c.get(&node.id)) {
            Some((n, m, op)) => format!("[{} {n}/{m} {}] {op}", node.stage, platforms(node)),
            None => format!("[{} {}] {}", node.stage, platforms(node), node.op),
        }
    }

    pub fn started(&self, node: &Node) {
        match (self.mode, &self.bars) {
            (Mode::Tty, Some(bars)) => {
                let bar = bars.add(ProgressBar::new_spinner());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}").unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(self.title(node));
                bar.enable_steady_tick(Duration::from_millis(120));
                if let Ok(mut running) = self.running.lock() {
                    running.insert(node.id.clone(), bar);
                }
            }
            (Mode::Json, _) => self.event(json!({"event": "step", "status": "started", "id": node.id, "stage": node.stage,
                "platform": node.exec_platform.to_string(), "targetPlatforms": node.platforms, "op": node.op})),
            _ => self.line(&format!("#{} {}", node.id, self.title(node))),
        }
    }

    pub fn finished(&self, node: &Node, outcome: Outcome) {
        match self.mode {
            Mode::Json => {
                let (status, seconds) = match outcome {
                    Outcome::Cached => ("cached", 0.0),
                    Outcome::Done(d) => ("done", d.as_secs_f64()),
                    Outcome::Failed => ("failed", 0.0),
                };
                self.event(json!({"event": "step", "status": status, "id": node.id, "seconds": seconds,
                    "platform": node.exec_platform.to_string(), "targetPlatforms": node.platforms}));
            }
            Mode::Tty => {
                let status = match outcome {
                    Outcome::Cached => "CACHED".to_string(),
                    Outcome::Done(d) => format!("{:.2}s", d.as_secs_f64()),
                    Outcome::Failed => "FAILED".to_string(),
                };
                let bar = self.running.lock().ok().and_then(|mut r| r.remove(&node.id));
                if let Some(bar) = bar {
                    bar.finish_and_clear();
                }
                self.line(&format!("#{} {}  {status}", node.id, self.title(node)));
            }
            _ => {
                let status = match outcome {
                    Outcome::Cached => "CACHED".to_string(),
                    Outcome::Done(d) => format!("DONE {:.2}s", d.as_secs_f64()),
                    Outcome::Failed => "ERROR".to_string(),
                };
                self.line(&format!("#{} {status}", node.id));
            }
        }
    }

    /// A line of a step's output (a RUN's stdout or stderr) as it comes; on a terminal the
    /// step's spinner also shows it.
    pub fn output(&self, node: &Node, line: &str) {
        match self.mode {
            Mode::Json => self.event(json!({"event": "output", "id": node.id, "line": line})),
            _ => {
                if let Some(bar) = self.running.lock().ok().and_then(|r| r.get(&node.id).cloned()) {
                    let last: String = line.chars().take(60).collect();
                    bar.set_message(format!("{}  > {last}", self.title(node)));
                }
                self.line(&format!("#{} {line}", node.id));
            }
        }
    }

    /// A target's result once written: a `result` event in JSON (digest, platforms, outputs),
    /// nothing otherwise (the summary lines say it).
    pub fn result(&self, target: &str, digest: &str, platforms: &[String], outputs: &[String]) {
        if self.mode == Mode::Json {
            self.event(json!({"event": "result", "target": target, "digest": digest, "platforms": platforms, "outputs": outputs}));
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

    /// A JSON event, stamped with its time.
    pub fn event(&self, mut value: serde_json::Value) {
        value["time"] = json!(now());
        eprintln!("{value}");
    }
}
