//! The typed IR: plain data that every stage after the front end reads; knows no syntax and no I/O.

mod dockerfile;
mod image_ref;
mod platform;
mod spec;

pub use dockerfile::{ArgDecl, Command, CopyOp, Dockerfile, HealthOptions, Mount, Op, OpKind, Stage};
pub use image_ref::{DOCKER_HUB, Digest, ImageRef, hex};
pub use platform::{Platform, PlatformError};
pub use spec::{BaseImage, BuildNode, Composable, FileMode, FileSelection, Group, InlineImage, PlatformOverride, Resources, Spec, Target};

/// The JSON Schema of the IR (`schemas/spec.schema.json` holds it; a test fails when it is stale).
pub fn json_schema() -> serde_json::Value {
    serde_json::to_value(schemars::schema_for!(Spec)).unwrap_or_default()
}
