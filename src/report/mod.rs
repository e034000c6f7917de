//! Stage 5: consumers of run results. The console, progress and notice reporters follow the
//! [`RunEvent`] stream (each an `EventSink`; `run::FanOut` combines them);
//! the file reporters (JUnit XML, `results.json`, the HTML certification report, TAP, the
//! GitHub summary) are built from the final [`RunResult`].
//! Every reporter writes to an injected writer so tests capture output in a buffer.
//!
//! [`RunEvent`]: crate::run::RunEvent
//! [`RunResult`]: crate::results::RunResult
mod console;
mod error;
pub(crate) mod escape;
mod evidence;
mod files;
mod github;
mod html;
mod json;
mod junit;
pub(crate) mod junit_xml;
mod kind;
mod merge;
mod notices;
mod paint;
mod progress;
mod run_wide;
mod set;
mod tap;
mod term;
#[cfg(test)]
mod testdata;

pub use console::ConsoleReporter;
pub use error::ReportError;
pub use files::{
    write_reports, ReportOptions, DEFAULT_HTML_NAME, DEFAULT_JSON_NAME, DEFAULT_JUNIT_NAME,
    DEFAULT_REPORT_DIR, DEFAULT_TAP_NAME,
};
pub use github::{write_github_annotations, write_github_summary};
pub use html::write_html;
pub(crate) use json::write_pretty;
pub use json::{read_json, write_json};
pub use junit::write_junit;
pub use kind::ReporterKind;
pub use merge::merge_results;
pub use notices::NoticeReporter;
pub use progress::{ProgressHandle, ProgressReporter};
pub use run_wide::run_wide_line;
pub use set::{verify_set, Manifest, ReportDirLock, SetError, LOCK_NAME, MANIFEST_NAME};
pub use tap::write_tap;
pub use term::{ColorChoice, TermContext};
