//! `results.json`: the [`RunResult`] as JSON, versioned by `schema_version`
//! (see `docs/results-schema.md`).
use super::error::ReportError;
use crate::results::{RunResult, RESULTS_SCHEMA_VERSION};
use serde::Deserialize;
use std::io::{self, Write};

/// Writes `result` as pretty-printed JSON followed by a newline.
pub fn write_json(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, result).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Reads a `results.json`. The schema version is checked before anything else, so a file from
/// a newer conform is refused with a message that says so rather than with a field error.
pub fn read_json(input: &str) -> Result<RunResult, ReportError> {
    #[derive(Deserialize)]
    struct Probe {
        schema_version: Option<serde_json::Value>,
    }
    let probe: Probe = serde_json::from_str(input).map_err(ReportError::Parse)?;
    match probe.schema_version {
        None | Some(serde_json::Value::Null) => return Err(ReportError::MissingSchemaVersion),
        Some(serde_json::Value::String(v)) if v == RESULTS_SCHEMA_VERSION => {}
        Some(serde_json::Value::String(v)) => {
            return Err(ReportError::UnsupportedSchemaVersion {
                found: v,
                supported: RESULTS_SCHEMA_VERSION,
            })
        }
        Some(other) => {
            return Err(ReportError::UnsupportedSchemaVersion {
                found: other.to_string(),
                supported: RESULTS_SCHEMA_VERSION,
            })
        }
    }
    serde_json::from_str(input).map_err(ReportError::Parse)
}
