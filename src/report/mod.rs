//! Stage 5: consumers of run results. The console reporter follows the [`RunEvent`] stream;
//! the file reporters (JUnit XML, `results.json`) are built from the final [`RunResult`].
//! Every reporter writes to an injected writer so tests capture output in a buffer.
//!
//! [`RunEvent`]: crate::run::RunEvent
//! [`RunResult`]: crate::run::RunResult
mod console;
mod detail;
mod error;
mod files;
mod json;
mod junit;
mod paint;
mod progress;
mod term;
mod text;

pub use console::ConsoleReporter;
pub use error::ReportError;
pub use files::{
    write_reports, ReportOptions, DEFAULT_JSON_NAME, DEFAULT_JUNIT_NAME, DEFAULT_REPORT_DIR,
};
pub use json::{read_json, write_json};
pub use junit::write_junit;
pub use term::{ColorChoice, TermContext};
