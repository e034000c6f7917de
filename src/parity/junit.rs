//! Parity as JUnit XML, so CI can gate on it: one `<testcase name="parity::<scenario id>">` per
//! scenario of either run (a failure when it differs, skipped when it was not compared), and
//! `parity::run` for the run-wide comparisons (latency per operation, SLA verdicts). Written
//! with the run report's JUnit writer, in the shape Jenkins' schema accepts.
use super::report::{Difference, ParityReport, ParityVerdict};
use crate::report::escape::xml_safe;
use crate::report::junit_xml::{Counts, JunitWriter, NonSuccess, Suite};
use crate::results::Outcome;
use std::io::{self, Write};

const FAILURE_TYPE: &str = "conform.parity";

fn describe(d: &Difference, left: &str, right: &str) -> String {
    let mut text = format!("{d}\n  {left}: {}\n  {right}: {}\n", d.left, d.right);
    if let Some(l) = &d.location {
        text.push_str(&format!("  --> {l}\n"));
    }
    text
}

fn failure(diffs: &[Difference], left: &str, right: &str) -> NonSuccess {
    let message = diffs
        .first()
        .map(|d| format!("{d}: {left} {} · {right} {}", d.left, d.right))
        .unwrap_or_default();
    let text: String = diffs.iter().map(|d| describe(d, left, right)).collect();
    NonSuccess {
        tag: "failure",
        message: xml_safe(&message),
        kind: Some(FAILURE_TYPE),
        description: Some(xml_safe(&text)),
    }
}

/// Writes `report` as JUnit XML.
pub fn write_junit(report: &ParityReport, out: &mut dyn Write) -> io::Result<()> {
    let (l, r) = (
        report.left.environment.as_str(),
        report.right.environment.as_str(),
    );
    let mut counts = Counts {
        tests: report.scenarios.len() + 1,
        ..Counts::default()
    };
    for s in &report.scenarios {
        match s.verdict {
            ParityVerdict::Same => {}
            ParityVerdict::Different => counts.failures += 1,
            ParityVerdict::NotCompared => counts.skipped += 1,
        }
    }
    if !report.run_differences.is_empty() {
        counts.failures += 1;
    }
    let mut w = JunitWriter::start(out, "conform-parity", counts, None)?;
    let name = xml_safe(&format!("parity {l} vs {r}"));
    w.start_suite(
        &Suite {
            name: &name,
            counts,
            timestamp: None,
            time: None,
            file: None,
        },
        &[
            ("left_environment", xml_safe(l)),
            ("right_environment", xml_safe(r)),
            ("left_base_url", xml_safe(&report.left.base_url)),
            ("right_base_url", xml_safe(&report.right.base_url)),
        ],
    )?;
    for s in &report.scenarios {
        let status = match s.verdict {
            ParityVerdict::Same => None,
            ParityVerdict::Different => Some(failure(&s.differences, l, r)),
            ParityVerdict::NotCompared => Some(NonSuccess {
                tag: "skipped",
                message: xml_safe(s.reason.as_deref().unwrap_or("not compared")),
                kind: None,
                description: None,
            }),
        };
        let outcome = |x: Option<Outcome>| x.map_or("absent", |o| o.as_str());
        let sides = format!(
            "{l}: {}\n{r}: {}\n",
            outcome(s.left_outcome),
            outcome(s.right_outcome)
        );
        w.test_case(
            &xml_safe(&format!("parity::{}", s.id)),
            &xml_safe(&format!("parity.{}", s.file)),
            None,
            status.as_ref(),
            Some(&xml_safe(&sides)),
        )?;
    }
    let run = (!report.run_differences.is_empty()).then(|| failure(&report.run_differences, l, r));
    w.test_case("parity::run", "parity", None, run.as_ref(), None)?;
    w.end_suite()?;
    w.finish()
}
