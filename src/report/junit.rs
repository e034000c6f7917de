//! JUnit XML through quick-junit, shaped to pass Jenkins xunit's `junit-10.xsd`:
//! one `<testsuite>` per scenario file, one `<testcase>` per scenario.
use super::detail::{
    error_cause, error_message, failure_message, render_problem, skip_reason, step_log,
};
use super::paint::Painter;
use super::text::{duration, xml_safe};
use crate::run::{Outcome, RunResult, ScenarioResult};
use indexmap::IndexMap;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::io::{self, Write};

/// The `<testsuites name>`.
pub const REPORT_NAME: &str = "conform";
const FAILURE_TYPE: &str = "conform.check";
const ERROR_TYPE: &str = "conform.error";

/// Writes `result` as JUnit XML.
///
/// The root `<testsuites>` carries `name`, `tests`, `failures`, `errors` and `time` only:
/// Jenkins' schema has no `skipped` (nor `timestamp`) there. `<testcase>` has no `file`
/// attribute for the same reason; the scenario's `file:line:col` opens its `<system-out>`.
pub fn write_junit(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    let report = build(result);
    let mut buf = Vec::new();
    report.serialize(&mut buf).map_err(io::Error::other)?;
    out.write_all(&drop_root_skipped(buf))?;
    out.flush()
}

fn build(result: &RunResult) -> Report {
    let mut report = Report::new(REPORT_NAME);
    report.set_time(duration(result.duration_ms));

    let mut by_file: IndexMap<&str, Vec<&ScenarioResult>> = IndexMap::new();
    for sc in &result.scenarios {
        by_file.entry(sc.file.as_str()).or_default().push(sc);
    }
    for (file, scenarios) in by_file {
        let mut suite = TestSuite::new(xml_safe(&scenarios[0].suite));
        suite.extra.insert("file".into(), xml_safe(file).into());
        if let Some(ts) = suite_timestamp(result, &scenarios) {
            suite.set_timestamp(ts);
        }
        suite.set_time(duration(
            scenarios.iter().map(|s| s.duration_ms.max(0.0)).sum(),
        ));
        suite.add_properties([
            Property::new("environment", xml_safe(&result.environment.name)),
            Property::new("base_url", xml_safe(&result.environment.base_url)),
            Property::new("conform_version", xml_safe(&result.conform_version)),
            Property::new("schema_version", xml_safe(&result.schema_version)),
        ]);
        if result.interrupted {
            suite.add_property(Property::new("interrupted", "true"));
        }
        for sc in scenarios {
            suite.add_test_case(test_case(result, sc));
        }
        report.add_test_suite(suite);
    }
    report
}

fn test_case(result: &RunResult, sc: &ScenarioResult) -> TestCase {
    let plain = Painter::new(false);
    let status = match sc.outcome {
        Outcome::Passed => TestCaseStatus::success(),
        Outcome::Failed => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let mut text = String::new();
            render_problem(&mut text, sc, &plain, false);
            s.set_message(xml_safe(&failure_message(sc)))
                .set_type(FAILURE_TYPE)
                .set_description(xml_safe(&text));
            s
        }
        Outcome::Errored => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            let mut text = String::new();
            render_problem(&mut text, sc, &plain, false);
            if text.trim().is_empty() {
                text = error_cause(sc);
            }
            s.set_message(xml_safe(&error_message(sc)))
                .set_type(ERROR_TYPE)
                .set_description(xml_safe(&text));
            s
        }
        Outcome::Skipped | Outcome::NotRun => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(xml_safe(&skip_reason(sc, result.interrupted)));
            s
        }
    };
    let mut case = TestCase::new(xml_safe(&sc.name), status);
    case.set_classname(xml_safe(&sc.suite));
    case.set_time(duration(sc.duration_ms));
    case.set_system_out(xml_safe(&step_log(sc)));
    case
}

/// The earliest scenario start in the file, else the run start.
fn suite_timestamp(
    result: &RunResult,
    scenarios: &[&ScenarioResult],
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let parse = |s: &str| chrono::DateTime::parse_from_rfc3339(s).ok();
    scenarios
        .iter()
        .filter_map(|s| s.started_at.as_deref().and_then(parse))
        .min()
        .or_else(|| parse(&result.started_at))
}

/// quick-junit always writes `skipped` on `<testsuites>`; Jenkins' schema rejects it. The
/// root tag holds only attributes conform wrote (a fixed name, numbers, a time), so it is
/// safe to edit as text.
fn drop_root_skipped(xml: Vec<u8>) -> Vec<u8> {
    let text = match String::from_utf8(xml) {
        Ok(t) => t,
        Err(e) => return e.into_bytes(),
    };
    let Some(start) = text.find("<testsuites") else {
        return text.into_bytes();
    };
    let Some(len) = text[start..].find('>') else {
        return text.into_bytes();
    };
    let tag = &text[start..start + len];
    let Some(attr) = tag.find(" skipped=\"") else {
        return text.into_bytes();
    };
    let value_end = tag[attr + 10..]
        .find('"')
        .map(|i| attr + 10 + i + 1)
        .unwrap_or(attr);
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..start + attr]);
    out.push_str(&text[start + value_end..]);
    out.into_bytes()
}
