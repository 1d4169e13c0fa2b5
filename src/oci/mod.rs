//! OCI registries and images: for now, resolving tags to digests (`emit --pin`); knows nothing
//! of specs or plans.

mod resolve;

pub use resolve::{RegistryError, Resolver};
