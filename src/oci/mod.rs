//! OCI images, layouts, registries and the local content store: reproducible layers, image
//! values, the on-disk layout, registry reads, cached blobs; knows nothing of specs or plans.

pub mod archive;
pub mod image;
pub mod layer;
pub mod layout;
mod oauth;
pub mod pull;
mod registry;
pub mod store;
mod upload;

pub use registry::{Registry, RegistryError};

/// Writes a file whole or not at all: a temporary file beside it (unique per process and
/// thread), fsync, rename.
pub(crate) fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    write_renamed(path, bytes, true)
}

/// `write_atomic` without the fsync, for files made durable together later (one `syncfs`).
pub(crate) fn write_renamed(path: &std::path::Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension(format!("tmp-{}-{:?}", std::process::id(), std::thread::current().id()));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    if sync {
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}
