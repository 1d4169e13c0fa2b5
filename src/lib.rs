//! mpbake: specs → typed IR → plan → emit/exec → publish (see ../shared/design.md).

pub mod cli;
pub mod confine;
pub mod diag;
pub mod emit;
pub mod exec;
pub mod frontend;
pub mod ir;
pub mod lint;
pub mod nodes;
pub mod oci;
pub mod plan;
pub mod publish;
pub mod share;
pub mod source;
