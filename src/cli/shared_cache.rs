//! `build`'s part for shared caches: the targets' `cache-from`/`cache-to` plus `--cache-from`/
//! `--cache-to` (for every target), records imported before the build, exported after it.

use std::collections::HashSet;

use crate::exec::progress::Progress;
use crate::frontend::bake::composable_from_csv;
use crate::ir::{Composable, Spec};
use crate::oci::Registry;
use crate::oci::store::Store;
use crate::plan::Plan;
use crate::share::{self, Entry, Mode, Place};

/// The caches of a build: where to import from, in order; where to export, each with the
/// targets whose steps go there.
pub struct Caches {
    from: Vec<Entry>,
    to: Vec<(Entry, Vec<String>)>,
}

/// The caches `targets` and the flags name; unusable flags are said (the spec's entries are
/// warned about by `unhonoured`).
pub fn caches(spec: &Spec, targets: &[String], from_flags: &[String], to_flags: &[String]) -> Caches {
    let flag_entries = |name: &str, flags: &[String]| -> Vec<Composable> { flags.iter().map(|f| composable_from_csv(name, f)).collect() };
    let (from_flags, to_flags) = (flag_entries("cache-from", from_flags), flag_entries("cache-to", to_flags));
    let chosen: Vec<&crate::ir::Target> = targets.iter().filter_map(|n| spec.targets.get(n)).collect();
    let (from, skipped) = share::entries(chosen.iter().flat_map(|t| &t.cache_from).chain(&from_flags), false);
    let mut to: Vec<(Entry, Vec<String>)> = Vec::new();
    for target in &chosen {
        let (entries, _) = share::entries(target.cache_to.iter().chain(&to_flags), true);
        for entry in entries {
            match to.iter_mut().find(|(e, _)| *e == entry) {
                Some((_, names)) => names.push(target.name.clone()),
                None => to.push((entry, vec![target.name.clone()])),
            }
        }
    }
    let (_, skipped_to) = share::entries(&to_flags, true);
    for why in skipped.iter().chain(&skipped_to).filter(|_| !from_flags.is_empty() || !to_flags.is_empty()) {
        eprintln!("mpbake: warning: a cache entry is skipped: {why}");
    }
    Caches { from, to }
}

impl Caches {
    /// The registries the caches are in (the build's registry client must speak to them).
    pub fn hosts(&self) -> Vec<String> {
        let places = self.from.iter().chain(self.to.iter().map(|(e, _)| e));
        places
            .filter_map(|e| match &e.place {
                Place::Registry(image) => Some(image.registry.clone()),
                Place::Local(_) => None,
            })
            .collect()
    }

    /// Imports the caches' records into the store; the keys imported.
    pub fn import(&self, store: &Store, registry: Option<&Registry>, hosts: &[String], progress: &Progress) -> HashSet<String> {
        let references = self.from.iter().filter_map(|e| match &e.place {
            Place::Registry(image) => Some(image.to_string()),
            Place::Local(_) => None,
        });
        progress.set_caches(references.collect());
        let imported = share::import(&self.from, store, registry, hosts);
        for note in &imported.notes {
            progress.line(&format!("mpbake: {note}"));
        }
        imported.keys
    }

    /// Exports each cache's records: every step of its targets (`mode=max`), or the steps of
    /// their final stages, whose layers are the outputs' (`min`). A failure is a warning.
    pub fn export(&self, engine: &crate::exec::Engine, plan: &Plan, registry: Option<&Registry>, store: &Store, progress: &Progress) {
        for (entry, targets) in &self.to {
            let finals: HashSet<&str> = targets
                .iter()
                .filter_map(|t| plan.targets.get(t))
                .flat_map(|t| t.platforms.values())
                .filter_map(|id| plan.nodes.iter().find(|n| n.id == *id).map(|n| n.stage.as_str()))
                .collect();
            let positions = plan.nodes.iter().enumerate().filter(|(_, n)| {
                n.targets.iter().any(|t| targets.contains(t)) && (entry.mode == Mode::Max || finals.contains(n.stage.as_str()))
            });
            let positions: Vec<usize> = positions.map(|(i, _)| i).collect();
            let keys = engine.keys_of(positions.iter().copied());
            let mounts = if entry.mounts { cache_mounts(plan, &positions) } else { Vec::new() };
            let sessions = store.root().join("uploads");
            let what = share::Export { keys: &keys, mounts: &mounts };
            match share::export(engine, &what, &entry.place, registry, &sessions) {
                Ok(done) => progress.line(&format!(
                    "mpbake: cache-to {}: {} step records, {} cache mounts, {} new",
                    entry.place,
                    done.records,
                    mounts.len(),
                    crate::publish::inspect::human(done.bytes)
                )),
                Err(why) => progress.line(&format!("mpbake: warning: cache-to {}: {why}; the build's result is not affected", entry.place)),
            }
        }
    }
}

/// The ids of the cache mounts the RUN steps at `positions` use: `id=`, else an absolute
/// `target` (a relative one depends on the image's WORKDIR, which the plan does not hold).
fn cache_mounts(plan: &Plan, positions: &[usize]) -> Vec<String> {
    let mut ids: Vec<String> = positions
        .iter()
        .filter_map(|&i| match &plan.nodes[i].action {
            crate::plan::Action::Run { mounts, .. } => Some(mounts),
            _ => None,
        })
        .flatten()
        .filter(|m| m.mount.kind == "cache")
        .filter_map(|m| {
            let target = m.mount.get("target").or(m.mount.get("dst")).or(m.mount.get("destination")).filter(|t| t.starts_with('/'));
            m.mount.get("id").or(target).map(String::from)
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}
