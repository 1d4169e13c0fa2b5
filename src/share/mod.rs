//! Build results shared between machines: step records exported to and imported from a local
//! directory or a registry (bake's `cache-to`/`cache-from`), in mpbake's own format
//! (docs/cache.md): plain OCI image manifests any registry accepts.

mod entry;
mod export;
mod format;
mod import;

pub use entry::{Entry, Mode, Place, entries, entry};
pub use export::{Export, Exported, export};
pub use import::{Imported, import};
