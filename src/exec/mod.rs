//! Executes targets into OCI images. This first slice builds inline images — per-arch file
//! selections and metadata on `scratch` or a registry base, no RUN — into an OCI layout;
//! Dockerfile stages, RUN in runc and the content store are the next steps.

mod inline;

pub use inline::{Bases, BuildError, Built, build_inline};
