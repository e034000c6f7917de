//! `results.json`: the [`RunResult`] as JSON, versioned by `schema_version`
//! (see `docs/results-schema.md`).
use super::error::ReportError;
use crate::results::{upgrade_v1, RunResult, Summary, OLDEST_READABLE, RESULTS_SCHEMA_VERSION};
use std::io::{self, Write};

/// Writes `result` as pretty-printed JSON followed by a newline.
pub fn write_json(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, result).map_err(io::Error::other)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Reads a `results.json` of this schema version or an older one (version 1 is converted:
/// its run-wide sections and cases become typed fields and verdicts, the summary is counted
/// again over the scenarios alone). The version is checked before anything else, so a file
/// from a newer conform is refused with a message that says so rather than with a field error.
pub fn read_json(input: &str) -> Result<RunResult, ReportError> {
    let mut doc: serde_json::Value = serde_json::from_str(input).map_err(ReportError::Parse)?;
    let version = match doc.get("schema_version") {
        None | Some(serde_json::Value::Null) => return Err(ReportError::MissingSchemaVersion),
        Some(serde_json::Value::String(v)) => v.clone(),
        Some(other) => {
            return Err(ReportError::UnsupportedSchemaVersion {
                found: other.to_string(),
                supported: SUPPORTED,
            })
        }
    };
    match version.as_str() {
        RESULTS_SCHEMA_VERSION => serde_json::from_value(doc).map_err(ReportError::Parse),
        OLDEST_READABLE => {
            upgrade_v1(&mut doc);
            let mut r: RunResult = serde_json::from_value(doc).map_err(ReportError::Parse)?;
            r.summary = Summary::of(&r.scenarios);
            Ok(r)
        }
        _ => Err(ReportError::UnsupportedSchemaVersion {
            found: version,
            supported: SUPPORTED,
        }),
    }
}

/// The versions [`read_json`] reads, for its message.
const SUPPORTED: &str = "1 and 2";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::{VerdictKind, VerdictOutcome};

    const V1: &str = include_str!("../../tests/data/results-v1.json");

    #[test]
    fn a_version_1_file_reads_as_version_2() {
        let r = read_json(V1).unwrap();
        assert_eq!(r.schema_version, RESULTS_SCHEMA_VERSION);
        // The run-wide cases left the scenarios and the counts.
        assert!(
            r.scenarios.iter().all(|s| s.suite != "run"),
            "{:?}",
            r.scenarios.iter().map(|s| &s.id).collect::<Vec<_>>()
        );
        assert_eq!(r.scenarios.len(), 2);
        assert_eq!(
            (r.summary.total, r.summary.passed, r.summary.failed),
            (2, 2, 0)
        );
        // ... and became verdicts.
        let kinds: Vec<(VerdictKind, VerdictOutcome)> =
            r.verdicts.iter().map(|v| (v.kind, v.outcome)).collect();
        assert_eq!(
            kinds,
            [
                (VerdictKind::Sla, VerdictOutcome::Passed),
                (VerdictKind::Coverage, VerdictOutcome::Failed)
            ]
        );
        let gate = &r.verdicts[1];
        assert_eq!(gate.source, "--min-coverage 90");
        assert_eq!(gate.checks[0].expected, ">= 90.0 %");
        assert!(
            gate.not_covered
                .contains(&"response getOrder 404".to_string())
                || gate
                    .not_covered
                    .iter()
                    .any(|i| i.starts_with("response getOrder ")),
            "{:?}",
            gate.not_covered
        );
        assert!(gate
            .not_covered
            .contains(&"error code INTERNAL_ERROR".to_string()));
        assert_eq!(r.verdicts[0].checks.len(), 2, "p95 and p99");
        assert!(!r.success(), "the missed gate fails the run");
        // The sections left `extensions` for their fields.
        assert!(r.extensions.is_empty(), "{:?}", r.extensions.keys());
        assert_eq!(
            r.contract.as_ref().map(|c| c.title.as_str()),
            Some("Orders API")
        );
        let cov = r.coverage.as_ref().unwrap();
        assert_eq!(
            (cov.covered, cov.total, cov.min_percent),
            (47, 95, Some(90.0))
        );
        let lat = r.latency.as_ref().unwrap();
        assert!(lat.overall.count > 0 && lat.sla.is_some());
        assert!(r.rate_limits.is_some_and(|c| c.expected_429 > 0));
        assert!(r.webhook_receiver.as_ref().is_some_and(|w| w.received > 0));
        // Written again, it reads back the same.
        let mut out = Vec::new();
        write_json(&r, &mut out).unwrap();
        let again = read_json(std::str::from_utf8(&out).unwrap()).unwrap();
        assert_eq!(again.verdicts, r.verdicts);
        assert_eq!(again.summary, r.summary);
    }

    #[test]
    fn versions_other_than_1_and_2_are_refused_by_name() {
        let err = read_json(r#"{"schema_version": "3"}"#).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("\"3\"") && msg.contains("1 and 2"), "{msg}");
        assert!(matches!(
            read_json(r#"{"schema_version": 2}"#),
            Err(ReportError::UnsupportedSchemaVersion { .. })
        ));
        assert!(matches!(
            read_json(r#"{"scenarios": []}"#),
            Err(ReportError::MissingSchemaVersion)
        ));
    }
}
