//! Emitters: IR and plans rendered for other tools (bake's JSON definition; Dockerfiles later).

pub mod bake_json;
