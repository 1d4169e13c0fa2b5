//! Executes plans into OCI images: inline images (per-arch files and metadata on a base) and
//! Dockerfile steps — FROM, config changes, COPY, RUN in runc on overlayfs — cached by content.

mod annotations;
pub mod cache_usage;
mod cancel;
mod chmod;
mod copied;
mod copy;
mod copy_step;
mod diff;
mod engine;
mod ignore;
pub use ignore::Ignore;
mod inline;
mod layers;
mod local;
mod lookup;
mod origins;
mod output;
pub mod progress;
mod rootfs;
mod run;
mod runc;
mod seccomp;
mod shared;
pub mod sources;
pub mod ssh;
mod state;
mod unpack;
mod users;
mod workdirs;

pub use annotations::{Annotations, commit_time};
pub use cancel::{cancelled, clean_leftovers, install as handle_signals, private_dir, stop, stopping};
pub use engine::{Engine, Resolved, Settings, Stats};
pub use inline::{Bases, Built, Times, build_inline};
pub use local::write_rootfs;
pub use output::{Fetched, Made};
pub use rootfs::Snapshotter;
pub use shared::restore_mount;
pub use state::LayerRef;

use crate::diag::Diagnostic;

/// Why a target did not build.
#[derive(Debug)]
pub enum BuildError {
    /// The input is wrong (a missing source file, a failing RUN): exit 1.
    Input(Diagnostic),
    /// The machine cannot do it (no runc, no overlayfs, a registry down, I/O): exit 2.
    Tool(String),
}

fn io(context: &str) -> impl Fn(std::io::Error) -> BuildError + '_ {
    move |e| BuildError::Tool(format!("{context}: {e}"))
}
