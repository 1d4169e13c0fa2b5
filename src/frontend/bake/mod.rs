//! Bake's semantics over the shared syntax tree: variables, functions, targets, groups,
//! matrix, inherits and `--set`, lowered into the IR `Spec`.

mod context;
mod convert;
mod definitions;
mod groups;
mod image;
mod inherit;
mod links;
mod lower;
mod matrix;
mod nodes;
mod overrides;
pub mod schema;
mod targets;
mod types;

use std::collections::BTreeMap;

pub use context::Inputs;
pub use convert::composable_from_csv;
pub use overrides::SetOverride;

use crate::diag::Diagnostics;
use crate::frontend::syntax::Body;
use crate::ir::{Platform, Spec};

/// Everything that shapes a spec besides its files.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub inputs: Inputs,
    pub sets: Vec<SetOverride>,
    /// The machine's platform: the default for targets that declare none.
    pub host: Option<Platform>,
    /// The names a command asks for (`default` when empty): only they, what their groups list
    /// and the targets they link are resolved and checked, as bake does. `None`: everything.
    pub wanted: Option<Vec<String>>,
}

/// Evaluates the files' bodies (in order; later definitions win) into a Spec. Problems are
/// pushed to `diags`; the Spec holds whatever could be resolved.
pub fn evaluate(bodies: &[Body], options: &Options, diags: &mut Diagnostics) -> Spec {
    let mut defs = definitions::Definitions::default();
    for body in bodies {
        defs.add_body(body, diags);
    }
    let ctx = context::Context::new(&defs, &options.inputs);
    let mut variables = BTreeMap::new();
    let mut variable_docs = BTreeMap::new();
    for def in defs.variables.values() {
        variable_docs.insert(def.name.clone(), ctx.variable_doc(def));
        match ctx.variable_value(def, def.span) {
            Ok(v) => {
                variables.insert(def.name.clone(), v.to_json());
            }
            Err(d) => diags.push(d),
        }
    }
    let evaluated = targets::evaluate(&ctx, diags);
    let names: Vec<String> = evaluated.targets.keys().cloned().collect();
    overrides::check_patterns(&options.sets, names.iter(), diags);
    let set_env = (!options.inputs.env_lookup_disabled()).then_some(&options.inputs.env);
    let mut finish = |t: &mut targets::RawTarget, d: &mut Diagnostics| overrides::apply(t, &names, &options.sets, set_env, d);
    let groups = groups::evaluate(&ctx, &evaluated.matrix_groups, diags);
    let selected = options.wanted.as_ref().and_then(|wanted| groups::select(wanted, &groups, &names));
    let resolved = match &selected {
        Some((targets, _)) => inherit::resolve_linked(&evaluated.targets, targets, &mut finish, diags),
        None => inherit::resolve_all(&evaluated.targets, &mut finish, diags),
    };
    inherit::check_link_cycles(&resolved, diags);
    let host = options.host.clone().unwrap_or_else(Platform::host);
    let mut targets = resolved.iter().map(|(n, raw)| (n.clone(), lower::lower(&ctx, raw, &host, diags))).collect();
    links::finish(&mut targets, &names, diags);
    let target_names: Vec<&str> = names.iter().map(String::as_str).collect();
    groups::check(&groups, selected.as_ref().map(|(_, g)| g.as_slice()), &target_names, diags);
    diags.dedup();
    let nodes = nodes::evaluate(&ctx, diags);
    Spec { groups: groups.into_iter().map(|(n, (g, _))| (n, g)).collect(), targets, variables, variable_docs, nodes }
}
