//! Parity as JUnit XML, so CI can gate on it: one `<testcase name="parity::<scenario id>">` per
//! scenario of either run (a failure when it differs, skipped when it was not compared), and
//! `parity::run` for the run-wide comparisons (latency per operation, SLA verdicts).
use super::report::{Difference, ParityReport, ParityVerdict};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::io::{self, Write};

const FAILURE_TYPE: &str = "conform.parity";

/// XML 1.0 cannot hold some characters at all: they are shown escaped (`\u{1b}`).
fn xml_safe(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            let ok = matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..);
            if ok {
                vec![c]
            } else {
                c.escape_unicode().collect()
            }
        })
        .collect()
}

fn describe(d: &Difference, left: &str, right: &str) -> String {
    let mut text = format!("{d}\n  {left}: {}\n  {right}: {}\n", d.left, d.right);
    if let Some(l) = &d.location {
        text.push_str(&format!("  --> {l}\n"));
    }
    text
}

fn failure(diffs: &[Difference], left: &str, right: &str) -> TestCaseStatus {
    let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
    let message = diffs
        .first()
        .map(|d| format!("{d}: {left} {} · {right} {}", d.left, d.right))
        .unwrap_or_default();
    let text: String = diffs.iter().map(|d| describe(d, left, right)).collect();
    s.set_message(xml_safe(&message))
        .set_type(FAILURE_TYPE)
        .set_description(xml_safe(&text));
    s
}

/// Writes `report` as JUnit XML.
pub fn write_junit(report: &ParityReport, out: &mut dyn Write) -> io::Result<()> {
    let (l, r) = (
        report.left.environment.as_str(),
        report.right.environment.as_str(),
    );
    let mut junit = Report::new("conform-parity");
    let mut suite = TestSuite::new(xml_safe(&format!("parity {l} vs {r}")));
    suite.add_properties([
        Property::new("left_environment", xml_safe(l)),
        Property::new("right_environment", xml_safe(r)),
        Property::new("left_base_url", xml_safe(&report.left.base_url)),
        Property::new("right_base_url", xml_safe(&report.right.base_url)),
    ]);
    for s in &report.scenarios {
        let status = match s.verdict {
            ParityVerdict::Same => TestCaseStatus::success(),
            ParityVerdict::Different => failure(&s.differences, l, r),
            ParityVerdict::NotCompared => {
                let mut st = TestCaseStatus::skipped();
                st.set_message(xml_safe(s.reason.as_deref().unwrap_or("not compared")));
                st
            }
        };
        let mut case = TestCase::new(xml_safe(&format!("parity::{}", s.id)), status);
        case.set_classname(xml_safe(&format!("parity.{}", s.file)));
        junit_out(&mut case, s.left_outcome, s.right_outcome, l, r);
        suite.add_test_case(case);
    }
    let status = if report.run_differences.is_empty() {
        TestCaseStatus::success()
    } else {
        failure(&report.run_differences, l, r)
    };
    let mut case = TestCase::new("parity::run", status);
    case.set_classname("parity");
    suite.add_test_case(case);
    junit.add_test_suite(suite);
    junit.serialize(&mut *out).map_err(io::Error::other)?;
    out.flush()
}

fn junit_out(
    case: &mut TestCase,
    lo: Option<crate::results::Outcome>,
    ro: Option<crate::results::Outcome>,
    l: &str,
    r: &str,
) {
    let o = |x: Option<crate::results::Outcome>| x.map_or("absent", |o| o.as_str());
    case.set_system_out(xml_safe(&format!("{l}: {}\n{r}: {}\n", o(lo), o(ro))));
}
