//! Planning: targets × platforms → a DAG of content-addressed steps, shared where the inputs
//! are the same, classified native / emulated / no-exec against the build host.

mod build;
mod graph;
mod model;
pub mod render;
pub mod stage;

pub use build::{Inputs, plan};
pub use model::{Class, Node, Plan, Summary, TargetPlan};
