//! A COPY/ADD step: words expanded in the image's scope, sources read from the context or a
//! stage's mounted filesystem straight into one layer (like `COPY --link`: the base's layers
//! are neither downloaded nor unpacked unless the destination's kind must be looked up).

use std::path::Path;

use super::copy::{self, CopyError, Request};
use super::engine::{Engine, input, step_key};
use super::ignore::Ignore;
use super::lookup::{self, Wanted};
use super::rootfs::Mounted;
use super::state::{State, absolute};
use super::users;
use super::{BuildError, io};
use crate::frontend::dockerfile::expand::expand;
use crate::ir::CopyOp;
use crate::oci::layer;
use crate::plan::{CopyFrom, Node};

impl Engine<'_> {
    pub(super) fn copy(
        &self,
        node: &Node,
        op: &CopyOp,
        from: &CopyFrom,
        args: &[(String, String)],
        parents: &[State],
    ) -> Result<State, BuildError> {
        let scope = parents[0].scope(args);
        let lookup = crate::plan::stage::lookup(&scope);
        let word = |text: &str| expand(text, &lookup, '\\').map_err(|e| input(node, "build::bad-word", format!("`{text}`: {e}")));
        let sources: Vec<String> = op.sources.iter().map(|s| word(s)).collect::<Result<_, _>>()?;
        if let Some(remote) = sources.iter().find(|s| s.contains("://") || s.starts_with("git@")) {
            return Err(input(
                node,
                "build::remote-source",
                format!("`{remote}` is remote; mpbake builds offline and does not fetch URLs or git repositories"),
            ));
        }
        let dest_word = word(&op.dest)?;
        let dest = absolute(&parents[0].workdir(), &dest_word);
        let from_stage = matches!(from, CopyFrom::Parent(_));
        // a stage's result is fixed by its key; context files are hashed once staged (the
        // compression is not part of it: an output compresses as it asks)
        let early_key = from_stage.then(|| step_key(node, parents, &[]));
        if let Some(hit) = early_key.as_ref().and_then(|k| self.recall(k)) {
            return Ok(hit);
        }
        let base = &self.workdirs_before_copy(node, &parents[0])?;
        let mut source_mount: Option<Mounted> = None;
        let (root, ignore) = match from {
            CopyFrom::Context { dir, ignore } => (self.cwd.join(dir), ignore.clone()),
            CopyFrom::Parent(p) => {
                let mounted = self.mount(&parents[*p], false)?;
                let root = mounted.merged.clone();
                source_mount = Some(mounted);
                (root, Vec::new())
            }
        };
        let mut base_mount: Option<Mounted> = None;
        let wildcard = sources.iter().any(|s| s.contains(['*', '?', '[']));
        // a WORKDIR is a directory even while it is still owed
        let workdir = parents[0].workdirs.iter().any(|(path, _)| *path == dest);
        let mut dest_is_dir = dest_word.ends_with('/') || dest_word == "." || dest_word.ends_with("/.") || workdir;
        // several sources (a wildcard counts what it matches) go into a directory; one is renamed
        let matched = match wildcard {
            true => {
                crate::confine::Root::open(&root).map_or(2, |r| sources.iter().map(|s| copy::matches(&r, s).map_or(0, |m| m.len())).sum())
            }
            false => sources.len(),
        };
        dest_is_dir |= matched + op.heredocs.len() > 1;
        let single_file = match sources.as_slice() {
            [only] => copy::single_file(&root, only),
            _ => false,
        };
        if single_file && !dest_is_dir && !base.layers.is_empty() {
            // `COPY app /usr/local/bin` copies into the directory when the image has one
            let mounted = self.mount(base, self.in_output(node))?;
            // looked up inside the image: a symlink there resolves in its root, never on the host
            let kind = crate::confine::Root::open(&mounted.merged).and_then(|r| r.stat(&dest)).map_err(io("looking up the destination"))?;
            dest_is_dir = kind.is_some_and(|s| s.kind == crate::confine::Kind::Dir);
            base_mount = Some(mounted);
        }
        let owner = match op.chown.as_deref().map(word).transpose()? {
            None => None,
            Some(spec) => {
                let rootfs = match users::needs_lookup(&spec) {
                    false => None,
                    true => {
                        if base_mount.is_none() {
                            base_mount = Some(self.mount(base, self.in_output(node))?);
                        }
                        base_mount.as_ref().map(|m| m.merged.clone())
                    }
                };
                match spec.parse::<u32>() {
                    // BuildKit: a numeric user without a group is also the group
                    Ok(uid) => Some(users::Owner { uid, gid: uid }),
                    Err(_) => Some(users::resolve(&spec, rootfs.as_deref()).map_err(|e| input(node, "build::chown", e))?),
                }
            }
        };
        let chmod = match op.chmod.as_deref().map(word).transpose()? {
            None => None,
            Some(text) => Some(super::chmod::Mode::parse(&text).map_err(|e| {
                input(node, "build::chmod", format!("`--chmod={text}`: {e} (an octal mode like 0755, or symbolic like u=rwx,go=rx)"))
            })?),
        };
        let excluded: Vec<String> = op.exclude.iter().map(|e| word(e)).collect::<Result<_, _>>()?;
        let request = Request {
            root: &root,
            sources,
            dest: dest.clone(),
            dest_is_dir,
            owner,
            keep_owner: from_stage,
            chmod,
            ignore: Ignore::new(&ignore),
            exclude: Ignore::new(&excluded),
            unpack_archives: op.is_add,
        };
        let mut tree = copy::Tree::default();
        copy::stage(&request, &mut tree).map_err(|e| match e {
            CopyError::NotFound(source) => input(
                node,
                "build::missing-source",
                format!("{} source `{source}` matches nothing in {}", if op.is_add { "ADD" } else { "COPY" }, describe_from(from)),
            ),
            other => BuildError::Tool(format!("copying into {dest}: {other}")),
        })?;
        let body = |text: &str| {
            crate::frontend::dockerfile::expand::expand_heredoc(text, &lookup, '\\')
                .map_err(|e| input(node, "build::bad-word", format!("a here-document: {e}")))
        };
        self.heredocs(node, op, (&dest, dest_is_dir), (chmod, owner.unwrap_or_default()), &body, &mut tree)?;
        let epoch = self.epoch.max(0) as u64;
        let mut tar = layer::tar_of(|t| tree.append(t, epoch)).map_err(io("reading the copied files"))?;
        let mut staged = layer::diff_id(&tar);
        // the sources' bytes and the parents (which fix the directories --chown makes) are the key
        let key = match early_key {
            Some(k) => k,
            None => {
                let key = step_key(node, parents, &[staged.to_string()]);
                if let Some(hit) = self.recall(&key) {
                    return Ok(hit);
                }
                key
            }
        };
        if let Some(owner) = owner
            && self.chown_made_dirs(base, &mut tree, owner)?
        {
            tar = layer::tar_of(|t| tree.append(t, epoch)).map_err(io("reading the copied files"))?;
            staged = layer::diff_id(&tar);
        }
        drop((source_mount, base_mount));
        let written = layer::compress_as(tar, Some(staged), self.compression).map_err(io("compressing a layer"))?;
        let mut state = base.clone();
        state.key = key;
        super::workdirs::left_to_copy(&mut state, &tree);
        self.add_blob(&mut state, written, &node.op)?;
        self.remember(&state)?;
        Ok(state)
    }

    /// `--chown`: the directories the COPY makes (its destination and parents the image lacks)
    /// are the owner's, 0755, as BuildKit makes them; those the image has, and those a WORKDIR
    /// still owed makes (root's), stay out. Whether it added any.
    fn chown_made_dirs(&self, base: &State, tree: &mut copy::Tree, owner: users::Owner) -> Result<bool, BuildError> {
        let owed_by_workdir = |dir: &str| base.workdirs.iter().any(|(path, _)| Path::new(path).starts_with(Path::new("/").join(dir)));
        let implied: Vec<String> = tree.implied_dirs().into_iter().filter(|dir| !owed_by_workdir(dir)).collect();
        if implied.is_empty() {
            return Ok(false);
        }
        let listings = self.listings(base, &Wanted::new(implied.iter().map(String::as_str), &[]))?;
        let mut added = false;
        for dir in implied {
            // only where nothing is: never through a symlink, never over a file
            if lookup::shown(&listings, &dir).is_none() {
                tree.put_dir(&dir, owner);
                added = true;
            }
        }
        Ok(added)
    }

    /// `COPY <<EOF /path`: each here-document becomes the named file, mode 0644.
    fn heredocs(
        &self,
        node: &Node,
        op: &CopyOp,
        (dest, dest_is_dir): (&str, bool),
        (chmod, owner): (Option<super::chmod::Mode>, users::Owner),
        word: &dyn Fn(&str) -> Result<String, BuildError>,
        tree: &mut copy::Tree,
    ) -> Result<(), BuildError> {
        for (name, body, expands) in &op.heredocs {
            // into a directory, each here-document is a file named by its delimiter
            let path = match (dest_is_dir, name.is_empty()) {
                (false, _) => dest.to_string(),
                (true, false) => format!("{}/{name}", dest.trim_end_matches('/')),
                (true, true) => {
                    return Err(input(
                        node,
                        "build::heredoc-dest",
                        "a here-document copied into a directory needs a file name; write the file's path as the destination".into(),
                    ));
                }
            };
            let contents = if *expands { word(body)? } else { body.clone() };
            tree.put_bytes(&path, contents.into_bytes(), chmod, owner);
        }
        Ok(())
    }
}

fn describe_from(from: &CopyFrom) -> String {
    match from {
        CopyFrom::Context { dir, .. } => format!("the context `{dir}` (or .dockerignore excludes it)"),
        CopyFrom::Parent(_) => "the source stage".into(),
    }
}
