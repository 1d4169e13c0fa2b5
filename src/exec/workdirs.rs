//! A WORKDIR's directories, made (0755, owned by the USER of the moment, as BuildKit makes
//! them) when the image first needs them: in the next RUN's root filesystem, by a COPY that
//! writes into them, or as a layer of their own when a stage ends or a COPY must not make them
//! root's.

use std::path::Path;

use super::engine::{Engine, input, step_key};
use super::state::State;
use super::{BuildError, io, unpack, users};
use crate::plan::Node;

impl Engine<'_> {
    /// `state` with every WORKDIR it still owes made, as one layer (none when the directories
    /// were all there); remembered, so an unchanged build mounts nothing for it.
    pub(super) fn make_workdirs(&self, node: &Node, state: State) -> Result<State, BuildError> {
        if state.workdirs.is_empty() {
            return Ok(state);
        }
        let key = step_key(node, std::slice::from_ref(&state), &["workdirs".to_string()]);
        if let Some(made) = self.load(&key) {
            return Ok(made);
        }
        let mut rootfs = self.mount(&state, self.in_output(node))?;
        let made = make_in(&rootfs.merged, &state.workdirs);
        rootfs.unmount().map_err(io("unmounting the image's filesystem"))?;
        made.map_err(|e| input(node, "build::user", e))?;
        let mut next = state.clone();
        next.key = key;
        next.workdirs.clear();
        if std::fs::read_dir(&rootfs.upper).map_err(io("reading the WORKDIR's changes"))?.next().is_some() {
            let paths: Vec<&str> = state.workdirs.iter().map(|(path, _)| path.as_str()).collect();
            self.add_changes(&mut next, &rootfs.upper, None, &format!("WORKDIR {}", paths.join(" ")))?;
        }
        self.store_state(&next)?;
        Ok(next)
    }

    /// The image a COPY starts from: WORKDIRs owed to a user other than root are made first,
    /// so the COPY cannot make them root's; those owed by root wait for `left_to_copy`.
    pub(super) fn workdirs_before_copy(&self, node: &Node, base: &State) -> Result<State, BuildError> {
        match base.workdirs.iter().any(|(_, user)| !is_root(user)) {
            true => self.make_workdirs(node, base.clone()),
            false => Ok(base.clone()),
        }
    }
}

/// Forgets the WORKDIRs (all owed by root) a COPY's layer makes: those it writes something at
/// or below, whose missing parents extractors make root-owned 0755, as `mkdir -p` would.
pub(super) fn left_to_copy(state: &mut State, tree: &super::copy::Tree) {
    state.workdirs.retain(|(path, _)| !tree.writes_under(path));
}

/// Makes `workdirs` in the root filesystem at `root`, in order.
pub(super) fn make_in(root: &Path, workdirs: &[(String, String)]) -> Result<(), String> {
    for (path, user) in workdirs {
        let owner = match is_root(user) {
            true => users::Owner::default(),
            false => users::resolve(user, Some(root)).map_err(|e| format!("WORKDIR {path}: {e}"))?,
        };
        unpack::make_dirs(root, Path::new(path), Some(owner)).map_err(|e| format!("WORKDIR {path}: {e}"))?;
    }
    Ok(())
}

/// Whether a USER value is root's (the directories it makes are what extractors make).
fn is_root(user: &str) -> bool {
    let (name, group) = user.split_once(':').map_or((user, None), |(u, g)| (u, Some(g)));
    matches!(name, "" | "root" | "0") && group.is_none_or(|g| matches!(g, "root" | "0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_root_and_unset_users_count_as_root() {
        for user in ["", "root", "0", "0:0", "root:root", "root:0"] {
            assert!(is_root(user), "{user}");
        }
        for user in ["1000", "app", "0:1000", "root:staff", "1000:0"] {
            assert!(!is_root(user), "{user}");
        }
    }

    #[test]
    fn workdirs_are_made_in_order_with_their_owners() {
        if !rustix::process::geteuid().is_root() {
            eprintln!("SKIP workdirs_are_made_in_order_with_their_owners: giving directories to other users needs root");
            return;
        }
        let root = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let owed = [("/a".to_string(), String::new()), ("/a/b/c".to_string(), "7:8".to_string())];
        make_in(root.path(), &owed).unwrap_or_else(|e| panic!("{e}"));
        use std::os::unix::fs::MetadataExt;
        let meta = |p: &str| std::fs::metadata(root.path().join(p)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((meta("a").mode() & 0o7777, meta("a").uid()), (0o755, 0));
        assert_eq!((meta("a/b").uid(), meta("a/b/c").uid(), meta("a/b/c").gid(), meta("a/b/c").mode() & 0o7777), (7, 7, 8, 0o755));
        let missing = [("/x".to_string(), "nobody".to_string())];
        assert!(make_in(root.path(), &missing).is_err_and(|e| e.contains("WORKDIR /x") && e.contains("/etc/passwd")));
    }
}
