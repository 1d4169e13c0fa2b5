//! `mpbake cache du|prune`: the size of the local content store, and emptying it.

use std::process::ExitCode;

use anyhow::Context as _;

use super::CacheWhat;
use crate::oci::store::Store;

pub fn run(what: CacheWhat) -> anyhow::Result<ExitCode> {
    let root = Store::default_root();
    match what {
        CacheWhat::Du => {
            let usage = Store::usage(&root).with_context(|| format!("reading {}", root.display()))?;
            println!("{}  {} blobs  {} bytes", root.display(), usage.blobs, usage.bytes);
        }
        CacheWhat::Prune => {
            // a killed build's mounts would make removing its directories fail half-way
            crate::exec::clean_leftovers(&root).with_context(|| format!("cleaning what a killed mpbake left in {}", root.display()))?;
            let freed = Store::prune(&root).with_context(|| format!("pruning {}", root.display()))?;
            println!("removed {} blobs, {} bytes from {}", freed.blobs, freed.bytes, root.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
