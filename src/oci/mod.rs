//! OCI images, layouts, registries and the local content store: reproducible layers, image
//! values, the on-disk layout, registry reads, cached blobs; knows nothing of specs or plans.

pub mod archive;
pub mod image;
pub mod layer;
pub mod layout;
pub mod pull;
mod registry;
pub mod store;

pub use registry::{Registry, RegistryError};
