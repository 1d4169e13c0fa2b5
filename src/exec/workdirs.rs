//! A WORKDIR's directories, made (0755, owned by the USER of the moment, as BuildKit makes
//! them) when the image first needs them: in the next RUN's root filesystem, by a COPY that
//! writes into them, or as a layer of the missing ones when a stage ends or a COPY must not
//! make them root's.

use std::path::Path;

use super::engine::{Engine, input, step_key};
use super::lookup::{self, Kind, Listing, Wanted};
use super::state::{LayerRef, State};
use super::{BuildError, copy, io, users};
use crate::oci::layer;
use crate::plan::Node;

impl Engine<'_> {
    /// `state` with every WORKDIR it still owes made, as one layer of the missing directories
    /// (none when all were there), found from the layers' listings: nothing is unpacked or
    /// mounted, and no root is needed. Remembered, so an unchanged build reads nothing.
    pub(super) fn make_workdirs(&self, node: &Node, state: State) -> Result<State, BuildError> {
        if state.workdirs.is_empty() {
            return Ok(state);
        }
        let key = step_key(node, std::slice::from_ref(&state), &[self.compression.name().to_string(), "workdirs".to_string()]);
        if let Some(made) = self.load(&key) {
            return Ok(made);
        }
        let wanted = Wanted::new(state.workdirs.iter().map(|(path, _)| path.as_str()), &["etc/passwd", "etc/group"]);
        let listings = self.listings(&state, &wanted)?;
        let text = |path: &str| lookup::file(&listings, path).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
        let (passwd, group) = (text("etc/passwd"), text("etc/group"));
        let mut tree = copy::Tree::default();
        let mut made = std::collections::HashSet::new();
        for (path, user) in &state.workdirs {
            let owner = match is_root(user) {
                true => users::Owner::default(),
                false => {
                    users::resolve_in(user, &passwd, &group).map_err(|e| input(node, "build::user", format!("WORKDIR {path}: {e}")))?
                }
            };
            for dir in lookup::prefixes(path) {
                if made.contains(&dir) {
                    continue;
                }
                match lookup::shown(&listings, &dir) {
                    Some(Kind::Dir) => continue,
                    // not a directory: nothing is made below it, as in a root filesystem
                    Some(_) => break,
                    None => {
                        tree.put_dir(&dir, owner);
                        made.insert(dir);
                    }
                }
            }
        }
        let mut next = state;
        next.key = key;
        let owed = std::mem::take(&mut next.workdirs);
        if !made.is_empty() {
            let tar = layer::tar_of(|t| tree.append(t, self.epoch.max(0) as u64)).map_err(io("writing the WORKDIR's layer"))?;
            let written = layer::compress_as(tar, None, self.compression).map_err(io("compressing a layer"))?;
            let paths: Vec<&str> = owed.iter().map(|(path, _)| path.as_str()).collect();
            self.add_blob(&mut next, written, &format!("WORKDIR {}", paths.join(" ")))?;
        }
        self.store_state(&next)?;
        Ok(next)
    }

    /// Every layer's entries at the wanted paths, bottom first.
    pub(super) fn listings(&self, state: &State, wanted: &Wanted) -> Result<Vec<Listing>, BuildError> {
        state.layers.iter().map(|layer| self.listing(layer, wanted)).collect()
    }

    /// A layer's entries at the wanted paths: from its snapshot when it has one (a few stats),
    /// else from its blob's tar listing (the blob fetched into the store if it is not there).
    fn listing(&self, layer: &LayerRef, wanted: &Wanted) -> Result<Listing, BuildError> {
        let failed = |e: std::io::Error| BuildError::Tool(format!("reading layer {}: {e}", layer.diff_id));
        if let Some((snapshot, form)) = self.snapshot_in_form(&layer.diff_id) {
            return Listing::of_snapshot(&snapshot, form, wanted).map_err(failed);
        }
        let (_, blob) = self.blob(layer)?;
        Listing::of_tar(layer::decompress(blob.as_slice()), wanted).map_err(failed)
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
    let opened = crate::confine::Root::open(root).map_err(|e| format!("opening the step's root filesystem: {e}"))?;
    for (path, user) in workdirs {
        let owner = match is_root(user) {
            true => users::Owner::default(),
            false => users::resolve(user, Some(root)).map_err(|e| format!("WORKDIR {path}: {e}"))?,
        };
        opened.make_dirs(path, Some((owner.uid, owner.gid))).map_err(|e| format!("WORKDIR {path}: {e}"))?;
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
