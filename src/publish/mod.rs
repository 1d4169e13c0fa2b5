//! Publishing: images read from OCI layouts or registries, inspected, verified (platforms and
//! ELF machines), and pushed blob-first with tags last.

pub mod archive;
pub mod docker;
pub mod elf;
pub mod inspect;
pub mod push;
pub mod source;
pub mod verify;
