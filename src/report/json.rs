//! `results.json`: the [`RunResult`] as JSON, versioned by `schema_version`
//! (see `docs/results-schema.md`).
use super::error::ReportError;
use crate::results::{upgrade_v1, RunResult, Summary, OLDEST_READABLE, RESULTS_SCHEMA_VERSION};
use std::io::{self, Write};

/// Writes `result` as pretty-printed JSON followed by a newline ([`write_pretty`]).
pub fn write_json(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    write_pretty(result, out)
}

/// Writes `value` as pretty-printed JSON (two-space indents, as `serde_json`'s pretty
/// printer) followed by a newline: results.json, and the parity report's JSON.
pub(crate) fn write_pretty<T: serde::Serialize + ?Sized>(
    value: &T,
    out: &mut dyn Write,
) -> io::Result<()> {
    // A buffer of its own: the serializer's many small writes (a quote, a colon, a key) are
    // copies into it rather than calls through `dyn Write`.
    let mut w = io::BufWriter::with_capacity(256 * 1024, out);
    let mut ser = serde_json::Serializer::with_formatter(&mut w, Indented::default());
    value.serialize(&mut ser).map_err(io::Error::other)?;
    w.write_all(b"\n")?;
    w.flush()
}

/// The output of `serde_json`'s `PrettyFormatter` with two-space indents, each line break and
/// its indent written at once (that one writes the indent a level at a time: in a
/// results.json nested eight deep, most of its writes).
#[derive(Default)]
struct Indented {
    depth: usize,
    has_value: bool,
}

impl Indented {
    /// `,` when `comma`, then a line break and the indent of the current depth.
    fn line<W: ?Sized + Write>(&self, w: &mut W, comma: bool) -> io::Result<()> {
        const SPACES: &[u8; 64] = &[b' '; 64];
        w.write_all(if comma { b",\n" } else { b"\n" })?;
        let mut left = self.depth * 2;
        while left > 0 {
            let n = left.min(SPACES.len());
            w.write_all(&SPACES[..n])?;
            left -= n;
        }
        Ok(())
    }

    fn open<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, w: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            self.line(w, false)?;
        }
        w.write_all(bracket)
    }
}

impl serde_json::ser::Formatter for Indented {
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line(w, !first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.line(w, !first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
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
    fn the_file_is_serde_jsons_pretty_output() {
        let mut r = crate::report::testdata::sample();
        // Deeper than the indent buffer, and empty containers.
        let mut deep = serde_json::json!({"leaf": [], "also": {}});
        for i in 0..40 {
            deep = serde_json::json!({ format!("k{i}"): [deep, 1] });
        }
        r.extensions.insert("deep".into(), deep);
        let mut ours = Vec::new();
        write_json(&r, &mut ours).unwrap();
        let theirs = serde_json::to_string_pretty(&r).unwrap() + "\n";
        assert_eq!(String::from_utf8(ours).unwrap(), theirs);
    }

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
