//! Stage 1: YAML scenario files → validated [`Scenario`]s with source positions.
pub mod model;
pub use model::*;
