//! Planning: targets × platforms → a DAG of content-addressed steps, shared where the inputs
//! are the same, classified native / emulated / no-exec against the build host.

pub mod action;
mod build;
mod graph;
mod model;
pub mod render;
pub mod stage;
mod visiting;

pub use action::{Action, CopyFrom, Resources, RunLimits, RunMount, parse_size};
pub use build::{Inputs, plan};
pub use model::{Class, Node, Plan, Summary, TargetPlan};
