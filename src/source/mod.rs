//! Bottom layer: where things are written — source locations, spans, durations as written,
//! YAML reading and diagnostics rendered like a compiler's, reading the files a user names
//! (`input`) and making text from outside safe for a terminal line (`escape`). Imports nothing of the harness.
pub mod diagnostic;
mod duration;
pub mod escape;
pub mod input;
mod location;
pub mod yaml;

pub use diagnostic::{has_errors, render_diagnostics, Diagnostic, Severity};
pub use duration::{parse_duration_text, DurationTemplate, DurationValue};
pub use location::SourceLocation;
pub use serde_saphyr::Spanned;
