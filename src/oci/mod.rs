//! OCI images, layouts, registries and the local content store: reproducible layers, image
//! values, the on-disk layout, registry reads, cached blobs; knows nothing of specs or plans.

pub mod archive;
pub mod image;
pub mod layer;
pub mod layout;
mod oauth;
pub mod pull;
mod registry;
mod small;
pub mod store;
mod upload;

pub use registry::{Credential, Registry, RegistryError, credentials};

/// Writes a file whole or not at all: a temporary file beside it (unique per process and
/// thread), fsync, rename.
/// How long a download may receive under 1 KiB/s before it fails (`--stall-timeout`).
static STALL_TIMEOUT: std::sync::OnceLock<std::time::Duration> = std::sync::OnceLock::new();

/// Sets the stall timeout for the rest of the process (the first setting wins).
pub fn set_stall_timeout(timeout: std::time::Duration) {
    let _ = STALL_TIMEOUT.set(timeout);
}

/// The stall timeout: 30 s unless set.
pub(crate) fn stall_timeout() -> std::time::Duration {
    *STALL_TIMEOUT.get().unwrap_or(&std::time::Duration::from_secs(30))
}

pub(crate) fn write_atomic(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    write_renamed(path, bytes, true)
}

/// `write_atomic` without the fsync, for files made durable together later (one `syncfs`). A
/// failed write (a full disk) leaves no temporary file behind.
pub(crate) fn write_renamed(path: &std::path::Path, bytes: &[u8], sync: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let tmp = path.with_extension(format!("tmp-{}-{:?}", std::process::id(), std::thread::current().id()));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        if sync {
            f.sync_all()?;
        }
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Writes an output file (a tar): to standard output for `-`, else into a temporary file beside
/// `dest`, renamed over it once whole and durable. A `dest` that is there and is not a regular
/// file (a device, a symlink, a directory) is refused: mpbake replaces only regular files.
pub(crate) fn write_output(
    dest: &std::path::Path,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::Write as _;
    if dest.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        fill(&mut out)?;
        return out.flush();
    }
    if let Some(meta) = dest.symlink_metadata().ok().filter(|m| !m.file_type().is_file()) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!(
                "{} is there and is not a regular file ({:?}); mpbake replaces only regular files (dest=- writes to standard output)",
                dest.display(),
                meta.file_type()
            ),
        ));
    }
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    };
    let tmp = tempfile::NamedTempFile::new_in(dir)?;
    let mut writer = std::io::BufWriter::new(tmp);
    fill(&mut writer)?;
    let tmp = writer.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    tmp.persist(dest).map_err(|e| e.error)?;
    Ok(())
}

/// A network error said plainly: what went wrong in words (the host name does not resolve,
/// nothing answers, no answer in time, a certificate refused), then the error's whole chain,
/// which reqwest and oci-client otherwise cut at "error sending request for url".
pub(crate) fn explain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = vec![error.to_string()];
    let mut source = error.source();
    while let Some(e) = source {
        let text = e.to_string();
        if !chain.iter().any(|c| c.contains(&text)) {
            chain.push(text);
        }
        source = e.source();
    }
    let detail = chain.join(": ");
    let lower = detail.to_ascii_lowercase();
    let plainly = [
        ("dns error", "the registry's host name does not resolve (DNS)"),
        ("failed to lookup address", "the registry's host name does not resolve (DNS)"),
        ("connection refused", "nothing answers at the registry's address (connection refused)"),
        ("timed out", "the registry did not answer in time"),
        ("certificate", "the registry's TLS certificate was refused"),
        ("network is unreachable", "the registry's network is unreachable"),
    ]
    .iter()
    .find(|(cue, _)| lower.contains(cue));
    match plainly {
        Some((_, words)) => format!("{words}; {detail}"),
        None => detail,
    }
}
