//! OCI images, layouts and registries: reproducible layers, image values, the on-disk layout,
//! tag-to-digest resolution; knows nothing of specs or plans.

pub mod image;
pub mod layer;
pub mod layout;
pub mod pull;
mod registry;

pub use registry::{Registry, RegistryError};
