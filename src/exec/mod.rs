//! Executes targets into OCI images. This first slice builds inline images on `scratch` —
//! per-arch file selections and metadata, no RUN — into an OCI layout; base images from
//! registries, Dockerfile stages and RUN in runc are the next steps (issue: execute plans).

mod inline;

pub use inline::{BuildError, Built, build_inline};
