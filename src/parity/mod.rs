//! Environment parity: two runs of the same scenarios (two environments, or two saved
//! `results.json`) compared exchange by exchange — statuses, error codes, documented and
//! checked headers, body shapes, webhooks and latency — into a [`ParityReport`] that the
//! parity reporters (console, JUnit, JSON, HTML) read. Reads run results only; see
//! `docs/parity.md`.
mod compare;
mod console;
mod files;
mod html;
mod junit;
mod report;
mod rules;
mod sequence;
mod shape;
mod timing;

pub use compare::compare_runs;
pub use console::write_console;
pub use files::{
    attach, write_parity_reports, ParityFiles, ParityWriteError, PARITY_EXTENSION,
    PARITY_HTML_NAME, PARITY_JSON_NAME, PARITY_JUNIT_NAME,
};
pub use html::write_html;
pub use junit::write_junit;
pub use report::*;
pub use rules::{ParityRules, PointerPattern};
pub use shape::StringFormat;

#[cfg(test)]
mod tests;
