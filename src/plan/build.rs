//! Expands requested targets × platforms into the step graph: Dockerfile stages (stage.rs),
//! inline images and per-arch file selections, links between targets, cycle diagnostics.

use std::collections::{BTreeMap, HashMap};

use super::action::Action;
use super::graph::{Graph, StepDef};
use super::model::{Class, Plan, TargetPlan};
use crate::diag::{Diagnostic, Diagnostics};
use crate::ir::{BaseImage, Dockerfile, FileSelection, Op, Platform, Spec, Target};

/// What planning needs besides the spec: each Dockerfile target's parsed Dockerfile and the
/// platform of the machine that will build.
pub struct Inputs<'a> {
    pub spec: &'a Spec,
    pub dockerfiles: &'a BTreeMap<String, Dockerfile>,
    pub build_platform: Platform,
    /// The ONBUILD triggers of registry images, by (reference, platform), when `build` has
    /// looked them up: a stage built FROM such an image runs them first.
    pub base_triggers: BTreeMap<(String, String), Vec<String>>,
}

/// The result of building one stage or target for one platform.
#[derive(Clone)]
pub(super) struct Built {
    pub node: usize,
    pub exec: Platform,
    pub env: Vec<(String, String)>,
    /// The ARGs in scope where the stage ends: a stage built FROM it starts with them, as in
    /// BuildKit.
    pub args: Vec<(String, String)>,
    /// The stage's ONBUILD triggers: a stage built FROM it runs them first, as in BuildKit.
    pub onbuild: Vec<Op>,
}

pub(super) struct Builder<'a> {
    pub inputs: &'a Inputs<'a>,
    pub graph: Graph,
    pub diags: &'a mut Diagnostics,
    pub stage_memo: HashMap<(String, String, usize), Option<Built>>,
    pub scope_memo: HashMap<(String, String), std::rc::Rc<super::stage::Scopes>>,
    target_memo: HashMap<(String, String), Option<Built>>,
    /// Targets and stages being built, for cycle diagnostics.
    pub visiting: super::visiting::Visiting,
}

/// Plans the named targets (already resolved from groups) for all their platforms.
pub fn plan(inputs: &Inputs, targets: &[String], diags: &mut Diagnostics) -> Plan {
    let mut b = Builder {
        inputs,
        graph: Graph::default(),
        diags,
        stage_memo: HashMap::new(),
        scope_memo: HashMap::new(),
        target_memo: HashMap::new(),
        visiting: Default::default(),
    };
    let mut plans = BTreeMap::new();
    for name in targets {
        let Some(target) = inputs.spec.targets.get(name) else { continue };
        let mut tp = TargetPlan::default();
        for platform in b.platforms_of(target) {
            if let Some(built) = b.target(name, &platform) {
                tp.platforms.insert(platform.to_string(), b.graph.nodes[built.node].id.clone());
            }
        }
        plans.insert(name.clone(), tp);
    }
    let nodes = std::mem::take(&mut b.graph).into_ordered().unwrap_or_default();
    Plan { build_platform: inputs.build_platform.clone(), summary: Plan::summarize(&nodes), targets: plans, nodes }
}

impl Builder<'_> {
    /// A target's platforms; none declared means the build host's.
    pub fn platforms_of(&self, target: &Target) -> Vec<Platform> {
        target.platforms_or(&self.inputs.build_platform)
    }

    /// One target for one platform (memoized; `target:` links make this recursive).
    pub fn target(&mut self, name: &str, platform: &Platform) -> Option<Built> {
        let memo = (name.to_string(), platform.to_string());
        if let Some(done) = self.target_memo.get(&memo) {
            return done.clone();
        }
        let key = format!("target {name}");
        if let Err(chain) = self.visiting.enter(&key) {
            let span = self.inputs.spec.targets.get(name).map(|t| t.span).unwrap_or_default();
            self.diags.push(
                Diagnostic::error("plan::cycle", format!("build cycle: {}", chain.join(" → ")))
                    .with_label(span, "this target depends on itself")
                    .with_help("a `target:` context or stage reference leads back here; remove one link"),
            );
            return None;
        }
        let Some(target) = self.inputs.spec.targets.get(name) else {
            self.visiting.leave();
            return None;
        };
        let built = self.target_body(target, platform);
        self.visiting.leave();
        self.target_memo.insert(memo, built.clone());
        built
    }

    fn target_body(&mut self, target: &Target, platform: &Platform) -> Option<Built> {
        let image = target.image.as_ref();
        let overrides = image.and_then(|i| i.platform.get(&platform.to_string()));
        let mut built = match self.inputs.dockerfiles.get(&target.name) {
            Some(df) => self.dockerfile_target(target, df, platform)?,
            None => {
                let from =
                    overrides.and_then(|o| o.from.clone()).or_else(|| image.and_then(|i| i.from.clone())).unwrap_or(BaseImage::Scratch);
                let stage = format!("{}/image", target.name);
                let reference: String = from.into();
                let node = self.base(&stage, &reference, platform, &target.name, platform, Some(target.span));
                Built { node, exec: platform.clone(), env: Vec::new(), args: Vec::new(), onbuild: Vec::new() }
            }
        };
        let mut files: Vec<&FileSelection> = image.map(|i| i.files.iter().collect()).unwrap_or_default();
        if let Some(o) = overrides {
            files.retain(|f| !o.files.iter().any(|p| p.dest == f.dest));
            files.extend(o.files.iter());
        }
        for file in files {
            built.node = self.file(target, file, built.node, platform);
        }
        if let Some(image) = image {
            let config = serde_json::json!({"env": image.env, "workdir": image.workdir, "user": image.user, "entrypoint": image.entrypoint,
                "cmd": image.cmd, "expose": image.expose, "labels": target.labels});
            let has_config = config.as_object().is_some_and(|o| {
                o.values()
                    .any(|v| !(v.is_null() || v.as_object().is_some_and(|m| m.is_empty()) || v.as_array().is_some_and(|a| a.is_empty())))
            });
            if has_config {
                let stage = format!("{}/image", target.name);
                let def = StepDef {
                    stage: &stage,
                    op: "CONFIG (env, workdir, user, entrypoint, cmd, labels, ports)".into(),
                    class: Class::NoExec,
                    exec_platform: platform,
                    inputs: vec![config.to_string()],
                    parents: vec![built.node],
                    span: Some(target.span),
                    action: Action::Inline,
                };
                built.node = self.graph.add(def, &target.name, &platform.to_string());
            }
        }
        Some(built)
    }

    /// `FROM image` (or scratch): a reference resolved per platform; nothing runs.
    pub fn base(
        &mut self,
        stage: &str,
        reference: &str,
        exec: &Platform,
        target: &str,
        platform: &Platform,
        span: Option<crate::source::Span>,
    ) -> usize {
        let def = StepDef {
            stage,
            op: format!("FROM {reference}"),
            class: Class::NoExec,
            exec_platform: exec,
            inputs: vec![reference.to_string()],
            parents: Vec::new(),
            span,
            action: Action::From { reference: reference.to_string() },
        };
        self.graph.add(def, target, &platform.to_string())
    }

    /// A per-arch file selection: this platform's source copied to the destination; no-exec.
    fn file(&mut self, target: &Target, file: &FileSelection, parent: usize, platform: &Platform) -> usize {
        let source = file.sources.get(&platform.to_string()).cloned().unwrap_or_default();
        let mode = file.mode.map(|m| format!(" --chmod={}", String::from(m))).unwrap_or_default();
        let owner = file.owner.as_ref().map(|o| format!(" --chown={o}")).unwrap_or_default();
        let stage = format!("{}/files", target.name);
        let context = target.context.clone().unwrap_or_else(|| ".".into());
        let def = StepDef {
            stage: &stage,
            op: format!("COPY{mode}{owner} {source} {}", file.dest),
            class: Class::NoExec,
            exec_platform: platform,
            inputs: vec![format!("context:{context}")],
            parents: vec![parent],
            span: Some(file.span),
            action: Action::Inline,
        };
        self.graph.add(def, &target.name, &platform.to_string())
    }
}
