//! Sends one built target (its OCI layout) where an output asks: a layout, a tar file, root
//! filesystems, a `docker load` archive, the Docker Engine, or the queue of pushes.

use std::path::Path;

use super::outputs::Export;
use crate::exec::{self, BuildError, progress::Progress};
use crate::ir::Target;
use crate::oci::archive;
use crate::publish::docker;

/// What one target's exports need besides the layout.
pub struct Place<'a> {
    pub name: &'a str,
    pub target: &'a Target,
    pub layout: &'a Path,
    pub progress: &'a Progress,
    /// The Docker Engine, connected before the build when an output loads into it.
    pub engine: Option<&'a docker::Engine>,
}

fn tool(what: &str) -> impl Fn(std::io::Error) -> BuildError + '_ {
    move |e| BuildError::Tool(format!("writing {what}: {e}"))
}

/// Performs `export` for the target at `place`; returns what was written, for the summary.
pub fn export(export: &Export, place: &Place) -> Result<String, BuildError> {
    let (name, layout) = (place.name, place.layout);
    match export {
        Export::Layouts(dir) => copy_layout(layout, &dir.join(name)),
        Export::OciDir(dir) => copy_layout(layout, dir),
        Export::OciTar(file) => {
            crate::oci::layout::archive(layout, Path::new(file)).map_err(tool(file))?;
            Ok(format!("oci-archive:{file}"))
        }
        Export::Local { dest, special } => {
            let written = exec::write_rootfs(layout, dest, *special)?;
            for skipped in &written.skipped {
                place.progress.line(&format!(
                    "mpbake: warning: {name}: left out of the local output: {skipped} (add special=true to the output to keep it)"
                ));
            }
            Ok(format!("local:{}", written.roots.join(",")))
        }
        Export::Tar(file) => {
            let roots = tempfile::tempdir().map_err(tool("the root filesystems"))?;
            exec::write_rootfs(layout, roots.path(), true)?;
            crate::oci::layout::archive_tree(roots.path(), Path::new(file), tar::HeaderMode::Complete).map_err(tool(file))?;
            Ok(format!("tar:{file}"))
        }
        Export::DockerTar { file, platform, names } => {
            let platform = super::outputs::docker_platform(platform.as_ref(), place.target).map_err(BuildError::Tool)?;
            archive::write_docker_archive(layout, &platform, names, Path::new(file)).map_err(tool(file))?;
            Ok(format!("docker-archive:{file} ({platform})"))
        }
        Export::DockerLoad { platform, names } => {
            let platform = super::outputs::docker_platform(platform.as_ref(), place.target).map_err(BuildError::Tool)?;
            let engine = place.engine.ok_or_else(|| BuildError::Tool("no Docker Engine to load into".into()))?;
            let file = tempfile::NamedTempFile::new().map_err(tool("the docker archive"))?;
            archive::write_docker_archive(layout, &platform, names, file.path()).map_err(tool("the docker archive"))?;
            let loaded = engine.load(file.path()).map_err(BuildError::Tool)?;
            for line in &loaded {
                place.progress.line(&format!("mpbake: {name}: {line}"));
            }
            Ok(format!("docker:{} ({platform})", if names.is_empty() { "untagged".to_string() } else { names.join(",") }))
        }
        Export::Push { names, .. } => Ok(format!("push:{}", names.join(","))),
        Export::Kept(what) => Ok(what.to_string()),
    }
}

/// The layout at `from` copied to `to` (a second layout output of the same target): the
/// layout made as `build` makes one, the blobs, then index.json.
fn copy_layout(from: &Path, to: &Path) -> Result<String, BuildError> {
    let shown = to.display().to_string();
    if from != to {
        let copy = || -> std::io::Result<()> {
            crate::oci::layout::Layout::create(to)?;
            let blobs = Path::new("blobs/sha256");
            for entry in std::fs::read_dir(from.join(blobs))? {
                let file = blobs.join(entry?.file_name());
                crate::oci::write_output(&to.join(&file), |out| std::io::copy(&mut std::fs::File::open(from.join(&file))?, out).map(drop))?;
            }
            crate::oci::write_output(&to.join("index.json"), |out| out.write_all(&std::fs::read(from.join("index.json"))?))
        };
        copy().map_err(tool(&shown))?;
    }
    Ok(format!("oci:{shown}"))
}
