//! The steps `plan`, `check` and `emit` share: load the spec, select targets, read their
//! Dockerfiles, plan for the build platform.

use std::collections::BTreeMap;

use super::{SpecArgs, dockerfiles, load, select};
use crate::diag::Diagnostic;
use crate::ir::{Dockerfile, Platform};
use crate::plan::{self, Inputs, Plan};

/// A spec planned for some targets; `plan` is None when earlier errors stopped planning.
pub struct Planned {
    pub loaded: load::Loaded,
    pub targets: Vec<String>,
    pub dockerfiles: BTreeMap<String, Dockerfile>,
    pub plan: Option<Plan>,
    pub build_platform: Platform,
}

impl Planned {
    /// Plans again, with the ONBUILD triggers of registry bases (which only a build looks up).
    pub fn with_base_triggers(&mut self, base_triggers: BTreeMap<(String, String), Vec<String>>) {
        let inputs =
            Inputs { spec: &self.loaded.spec, dockerfiles: &self.dockerfiles, build_platform: self.build_platform.clone(), base_triggers };
        self.plan = Some(plan::plan(&inputs, &self.targets, &mut self.loaded.diags));
        // the first planning's findings are found again
        self.loaded.diags.dedup();
    }
}

pub fn planned(args: &SpecArgs, names: &[String], build_platform: Option<&str>) -> anyhow::Result<Planned> {
    let mut loaded = load::load(args, Some(names))?;
    let build_platform = match build_platform.map(Platform::parse) {
        None => Platform::host(),
        Some(Ok(p)) => p,
        Some(Err(e)) => {
            loaded.diags.push(Diagnostic::error("cli::invalid-platform", format!("invalid --build-platform: {}", e.0)));
            Platform::host()
        }
    };
    if loaded.diags.has_errors() {
        return Ok(Planned { loaded, targets: Vec::new(), dockerfiles: BTreeMap::new(), plan: None, build_platform });
    }
    let skip: usize = args.sets.iter().map(|s| s.len() + 1).sum();
    let sel = select::select(&loaded.spec, names, loaded.command_line, skip, &mut loaded.diags);
    let dockerfiles = dockerfiles::load(&loaded.spec, &sel.targets, &mut loaded.sources, &mut loaded.diags);
    let plan = (!loaded.diags.has_errors()).then(|| {
        let inputs = Inputs {
            spec: &loaded.spec,
            dockerfiles: &dockerfiles,
            build_platform: build_platform.clone(),
            base_triggers: BTreeMap::new(),
        };
        plan::plan(&inputs, &sel.targets, &mut loaded.diags)
    });
    Ok(Planned { loaded, targets: sel.targets, dockerfiles, plan, build_platform })
}
