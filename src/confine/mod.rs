//! The one way mpbake touches a tree it does not trust — image layers, snapshots, build
//! contexts, stages' filesystems, local outputs: paths resolve inside a root handle (openat2
//! `RESOLVE_IN_ROOT`, through pathrs), and entries are made, read and removed by plain names
//! relative to an open directory, never by joining untrusted text onto a host path.
//!
//! See docs/security.md for why pathrs, and for what the rest of mpbake may assume.

mod dir;
mod names;
mod root;
pub mod unpack;

pub use dir::{Dir, Kind, Stat};
pub use names::{check_name, components, escape};
pub use root::Root;

/// The error of a pathrs call as the `io::Error` the rest of mpbake speaks, keeping its text.
fn from_pathrs(e: pathrs::error::Error) -> std::io::Error {
    let kind = match e.kind() {
        pathrs::error::ErrorKind::OsError(Some(errno)) => std::io::Error::from_raw_os_error(errno).kind(),
        _ => std::io::ErrorKind::Other,
    };
    std::io::Error::new(kind, e.to_string())
}
