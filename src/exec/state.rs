//! An image in the making — its OCI config and layers — and the config-only instructions
//! (ENV, WORKDIR, USER, CMD, ENTRYPOINT, LABEL, …) applied to it as BuildKit applies them.

use serde_json::{Value as Json, json};

use crate::frontend::dockerfile::expand::expand;
use crate::ir::{Command, Digest, ImageRef, OpKind, Platform};
use crate::oci::image::{Descriptor, rfc3339};

/// The PATH BuildKit gives images built from scratch and RUNs whose image sets none.
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// One layer of an image: its uncompressed digest, its blob once compressed (a base layer's
/// from its manifest; a step's only when an output needs it), and where to fetch the blob when
/// the local store lacks it (a base image's registry).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerRef {
    pub diff_id: Digest,
    pub descriptor: Option<Descriptor>,
    pub origin: Option<ImageRef>,
}

/// The result of a step.
#[derive(Debug, Clone)]
pub struct State {
    /// The whole image config: platform, runtime config, rootfs diff_ids, history.
    pub config: Json,
    pub layers: Vec<LayerRef>,
    /// The step's cache key: equal keys, equal states.
    pub key: String,
    /// Whether this stage set CMD itself (ENTRYPOINT clears only an inherited CMD).
    pub cmd_set: bool,
    /// WORKDIRs not made yet, each with the USER then: BuildKit makes a WORKDIR's directories
    /// (owned by that user) at once; the next RUN makes them, before its command runs.
    pub workdirs: Vec<(String, String)>,
    /// Where each name is in the config's Env, made by the first ENV that needs it and kept up
    /// to date by ENV (the only step that changes Env): a long run of ENVs stays linear.
    pub env_index: Option<std::collections::HashMap<String, usize>>,
}

impl State {
    /// An empty image for `platform`, as BuildKit starts `FROM scratch`.
    pub fn scratch(platform: &Platform, key: String) -> State {
        // BuildKit gives a scratch image a WorkingDir of "/"
        let mut config = json!({"os": platform.os, "architecture": platform.arch, "config": {"Env": [format!("PATH={DEFAULT_PATH}")], "WorkingDir": "/"},
            "rootfs": {"type": "layers", "diff_ids": []}, "history": []});
        if let Some(v) = &platform.variant {
            config["variant"] = json!(v);
        }
        State { config, layers: Vec::new(), key, cmd_set: false, workdirs: Vec::new(), env_index: None }
    }

    /// `NAME=value` entries of the config's Env.
    pub fn env(&self) -> Vec<(String, String)> {
        self.config["config"]["Env"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e.as_str()?.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect()
    }

    /// The scope words are expanded in: the image's Env, then the ARGs in scope, which win (the
    /// planner leaves out an ARG that an ENV declared after it replaced).
    pub fn scope(&self, args: &[(String, String)]) -> Vec<(String, String)> {
        let mut scope = self.env();
        scope.extend(args.iter().cloned());
        scope
    }

    pub fn runtime(&self, key: &str) -> Option<&str> {
        self.config["config"][key].as_str()
    }

    /// The working directory, `/` when unset.
    pub fn workdir(&self) -> String {
        self.runtime("WorkingDir").filter(|w| !w.is_empty()).unwrap_or("/").to_string()
    }

    /// The shell of shell-form commands.
    pub fn shell(&self) -> Vec<String> {
        match self.config["config"]["Shell"].as_array() {
            Some(shell) if !shell.is_empty() => shell.iter().filter_map(|s| s.as_str().map(String::from)).collect(),
            _ => vec!["/bin/sh".into(), "-c".into()],
        }
    }

    /// A command's argv: exec form as is, shell form through the shell.
    pub fn argv(&self, command: &Command) -> Vec<String> {
        match command {
            Command::Exec(args) => args.clone(),
            Command::Shell(text) => self.shell().into_iter().chain([text.clone()]).collect(),
        }
    }

    /// Appends a history entry (`empty_layer` when the step added none).
    pub fn history(&mut self, created_by: &str, epoch: i64, empty_layer: bool) {
        let mut entry = json!({"created": rfc3339(epoch), "created_by": created_by, "comment": "mpbake"});
        if empty_layer {
            entry["empty_layer"] = json!(true);
        }
        match self.config["history"].as_array_mut() {
            Some(h) => h.push(entry),
            None => self.config["history"] = json!([entry]),
        }
    }

    /// Adds a layer to the image and its diff_id to the config.
    pub fn push_layer(&mut self, layer: LayerRef) {
        let id = json!(layer.diff_id.to_string());
        match self.config["rootfs"]["diff_ids"].as_array_mut() {
            Some(ids) => ids.push(id),
            None => self.config["rootfs"] = json!({"type": "layers", "diff_ids": [id]}),
        }
        self.layers.push(layer);
    }

    /// Forgets the base's ONBUILD triggers, as a stage built on it does.
    pub fn clear_onbuild(&mut self) {
        if let Some(runtime) = self.config["config"].as_object_mut() {
            runtime.remove("OnBuild");
        }
    }

    /// Applies a config-only instruction, its words expanded in this image's scope; Err is why
    /// a word cannot be expanded (`${V:?}` with V unset or empty).
    pub fn apply(&mut self, op: &OpKind, args: &[(String, String)]) -> Result<(), String> {
        // made only when a word has a `$` (a long run of ENVs would otherwise copy Env each step)
        let scope = if op_expands(op) { self.scope(args) } else { Vec::new() };
        let lookup = crate::plan::stage::lookup(&scope);
        let failed = std::cell::RefCell::new(None);
        let word = |text: &str| {
            expand(text, &lookup, '\\').unwrap_or_else(|e| {
                failed.borrow_mut().get_or_insert(e);
                text.to_string()
            })
        };
        if !self.config["config"].is_object() {
            self.config["config"] = json!({});
        }
        let runtime = &mut self.config["config"];
        match op {
            OpKind::Env(pairs) => {
                // the names are words too: `ENV $K=v` sets the variable K names
                let values: Vec<(String, String)> = pairs.iter().map(|(k, v)| (word(k), word(v))).collect();
                if !runtime["Env"].is_array() {
                    runtime["Env"] = json!([]);
                }
                if let Some(env) = runtime["Env"].as_array_mut() {
                    let index = self.env_index.get_or_insert_with(|| env_positions(env));
                    // as BuildKit's addEnv: a name already there is replaced where it stands
                    for (k, v) in values {
                        let entry = json!(format!("{k}={v}"));
                        match index.get(&k) {
                            Some(&at) => env[at] = entry,
                            None => {
                                index.insert(k, env.len());
                                env.push(entry);
                            }
                        }
                    }
                }
            }
            OpKind::Workdir(dir) => {
                let dir = word(dir);
                let current = runtime["WorkingDir"].as_str().filter(|w| !w.is_empty()).unwrap_or("/").to_string();
                let path = absolute(&current, &dir);
                runtime["WorkingDir"] = json!(path);
                let user = runtime["User"].as_str().unwrap_or("").to_string();
                self.workdirs.push((path, user));
            }
            OpKind::User(user) => runtime["User"] = json!(word(user)),
            OpKind::Label(pairs) => {
                for (k, v) in pairs {
                    runtime["Labels"][word(k)] = json!(word(v));
                }
            }
            OpKind::Expose(ports) => {
                for port in ports {
                    for one in exposed(&word(port)) {
                        runtime["ExposedPorts"][one] = json!({});
                    }
                }
            }
            OpKind::Volume(paths) => {
                for path in paths {
                    runtime["Volumes"][word(path)] = json!({});
                }
            }
            OpKind::Stopsignal(signal) => runtime["StopSignal"] = json!(word(signal)),
            OpKind::Shell(shell) => runtime["Shell"] = json!(shell),
            OpKind::Onbuild { text, .. } => {
                let mut triggers = runtime["OnBuild"].as_array().cloned().unwrap_or_default();
                triggers.push(json!(text));
                runtime["OnBuild"] = json!(triggers);
            }
            OpKind::Cmd(_) | OpKind::Entrypoint(_) | OpKind::Healthcheck(..) => self.apply_command(op),
            OpKind::Arg(_) | OpKind::Run { .. } | OpKind::Copy(_) => {}
        }
        failed.into_inner().map_or(Ok(()), Err)
    }

    /// CMD, ENTRYPOINT and HEALTHCHECK: shell forms go through the image's shell.
    fn apply_command(&mut self, op: &OpKind) {
        match op {
            OpKind::Cmd(command) => {
                self.config["config"]["Cmd"] = json!(self.argv(command));
                self.cmd_set = true;
            }
            OpKind::Entrypoint(command) => {
                self.config["config"]["Entrypoint"] = json!(self.argv(command));
                if !self.cmd_set {
                    self.config["config"]["Cmd"] = Json::Null;
                }
            }
            OpKind::Healthcheck(command, options) => {
                let test = match command {
                    None => json!(["NONE"]),
                    Some(Command::Exec(args)) => {
                        json!(["CMD"].into_iter().map(String::from).chain(args.iter().cloned()).collect::<Vec<_>>())
                    }
                    Some(Command::Shell(text)) => json!(["CMD-SHELL", text]),
                };
                let mut health = json!({"Test": test});
                // as Go's omitempty writes them: zero is left out
                for (name, value) in [
                    ("Interval", options.interval),
                    ("Timeout", options.timeout),
                    ("StartPeriod", options.start_period),
                    ("StartInterval", options.start_interval),
                    ("Retries", options.retries),
                ] {
                    if value != 0 && command.is_some() {
                        health[name] = json!(value);
                    }
                }
                self.config["config"]["Healthcheck"] = health;
            }
            _ => {}
        }
    }
}

/// The ports an EXPOSE word stands for, as BuildKit writes them: a range `7000-7002/tcp` is one
/// entry per port, the protocol lowercased and `tcp` when none is given.
fn exposed(word: &str) -> Vec<String> {
    let (ports, protocol) = word.split_once('/').unwrap_or((word, "tcp"));
    let protocol = protocol.to_ascii_lowercase();
    let range = ports.split_once('-').and_then(|(a, b)| Some((a.parse::<u16>().ok()?, b.parse::<u16>().ok()?)));
    match range {
        Some((start, end)) if start <= end => (start..=end).map(|p| format!("{p}/{protocol}")).collect(),
        _ => vec![format!("{ports}/{protocol}")],
    }
}

/// Each name's position in an Env list (the first, as BuildKit's addEnv finds it).
fn env_positions(env: &[Json]) -> std::collections::HashMap<String, usize> {
    let mut index = std::collections::HashMap::new();
    for (at, entry) in env.iter().enumerate() {
        if let Some((name, _)) = entry.as_str().and_then(|e| e.split_once('=')) {
            index.entry(name.to_string()).or_insert(at);
        }
    }
    index
}

/// Whether an instruction has words that may need the image's variables (a `$` somewhere).
fn op_expands(op: &OpKind) -> bool {
    match op {
        OpKind::Env(pairs) | OpKind::Label(pairs) => pairs.iter().any(|(k, v)| k.contains('$') || v.contains('$')),
        OpKind::Workdir(text) | OpKind::User(text) | OpKind::Stopsignal(text) => text.contains('$'),
        OpKind::Expose(words) | OpKind::Volume(words) => words.iter().any(|w| w.contains('$')),
        _ => false,
    }
}

/// `path` resolved against the directory `base` (both absolute, Unix), `..` clamped at `/`.
pub fn absolute(base: &str, path: &str) -> String {
    let joined = if path.starts_with('/') { path.to_string() } else { format!("{base}/{path}") };
    let mut parts: Vec<&str> = Vec::new();
    for part in joined.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    format!("/{}", parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        State::scratch(&Platform::parse("linux/arm64").unwrap_or_else(|e| panic!("{}", e.0)), "k".into())
    }

    #[test]
    fn env_expands_against_the_image_env_and_args() {
        let mut s = state();
        assert!(
            s.apply(
                &OpKind::Env(vec![("PATH".into(), "/opt/bin:$PATH".into()), ("V".into(), "${VERSION}".into())]),
                &[("VERSION".into(), "1.2".into())],
            )
            .is_ok()
        );
        assert_eq!(s.env(), [("PATH".to_string(), format!("/opt/bin:{DEFAULT_PATH}")), ("V".to_string(), "1.2".to_string())]);
    }

    #[test]
    fn env_replaces_a_name_where_it_stands_as_buildkit_does() {
        let mut s = state();
        assert!(s.apply(&OpKind::Env(vec![("A".into(), "1".into()), ("B".into(), "2".into())]), &[]).is_ok());
        assert!(s.apply(&OpKind::Env(vec![("PATH".into(), "/x".into()), ("A".into(), "3".into())]), &[]).is_ok());
        let names: Vec<String> = s.env().into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(names, ["PATH=/x", "A=3", "B=2"], "PATH stays first, A second (BuildKit's addEnv)");
    }

    #[test]
    fn workdir_is_relative_to_the_previous_one() {
        let mut s = state();
        assert!(s.apply(&OpKind::Workdir("/src".into()), &[]).is_ok());
        assert!(s.apply(&OpKind::Workdir("app/../cmd".into()), &[]).is_ok());
        assert_eq!(s.workdir(), "/src/cmd");
    }

    #[test]
    fn entrypoint_clears_an_inherited_cmd_only() {
        let mut s = state();
        s.config["config"]["Cmd"] = json!(["inherited"]);
        assert!(s.apply(&OpKind::Entrypoint(Command::Exec(vec!["/app".into()])), &[]).is_ok());
        assert_eq!(s.config["config"]["Cmd"], Json::Null);
        assert!(s.apply(&OpKind::Cmd(Command::Shell("serve".into())), &[]).is_ok());
        assert!(s.apply(&OpKind::Entrypoint(Command::Exec(vec!["/app2".into()])), &[]).is_ok());
        assert_eq!(s.config["config"]["Cmd"], json!(["/bin/sh", "-c", "serve"]));
    }
}
