//! Executes plans into OCI images: inline images (per-arch files and metadata on a base) and
//! Dockerfile steps — FROM, config changes, COPY, RUN in runc on overlayfs — cached by content.

mod diff;
mod inline;
mod unpack;

pub use inline::{Bases, BuildError, Built, build_inline};
