//! JUnit XML through quick-junit, shaped to pass Jenkins xunit's `junit-10.xsd`:
//! one `<testsuite>` per scenario file, one `<testcase>` per scenario.
use super::escape::{duration, one_line, xml_safe};
use super::evidence::{
    error_cause, error_message, failure_message, render_problem, skip_reason, step_log,
};
use super::paint::Painter;
use super::run_wide::failure_message as verdict_message;
use crate::results::{Outcome, RateLimitCounts, RunResult, RunVerdict, ScenarioResult};
use indexmap::IndexMap;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::io::{self, Write};

/// The `<testsuites name>`.
pub const REPORT_NAME: &str = "conform";
const FAILURE_TYPE: &str = "conform.check";
const ERROR_TYPE: &str = "conform.error";
/// The `<testsuite>` of the run-wide verdicts.
pub const RUN_SUITE: &str = "run";

/// Writes `result` as JUnit XML.
///
/// The root `<testsuites>` carries `name`, `tests`, `failures`, `errors` and `time` only:
/// Jenkins' schema has no `skipped` (nor `timestamp`) there. `<testcase>` has no `file`
/// attribute for the same reason; the scenario's `file:line:col` opens its `<system-out>`.
pub fn write_junit(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    let report = build(result);
    let mut buf = Vec::new();
    report.serialize(&mut buf).map_err(io::Error::other)?;
    drop(report);
    match root_skipped(&buf) {
        Some(cut) => {
            out.write_all(&buf[..cut.start])?;
            out.write_all(&buf[cut.end..])?;
        }
        None => out.write_all(&buf)?,
    }
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
        let rl = RateLimitCounts::of_steps(scenarios.iter().flat_map(|s| &s.steps));
        if !rl.is_zero() {
            suite.add_properties([
                Property::new("conform.rate_limit.holds", rl.holds.to_string()),
                Property::new("conform.rate_limit.held_ms", format!("{:.0}", rl.held_ms)),
                Property::new(
                    "conform.rate_limit.unexpected_429",
                    rl.unexpected_429.to_string(),
                ),
                Property::new(
                    "conform.rate_limit.retry_after_ms",
                    format!("{:.0}", rl.retry_after_ms),
                ),
                Property::new(
                    "conform.rate_limit.expected_429",
                    rl.expected_429.to_string(),
                ),
            ]);
        }
        // Warnings (undocumented properties) never fail a test case; the count is here and
        // each one is a `warning:` line in its test case's system-out.
        let warnings: usize = scenarios.iter().map(|s| s.warnings()).sum();
        if warnings > 0 {
            suite.add_property(Property::new("warnings", warnings.to_string()));
        }
        for sc in scenarios {
            suite.add_test_case(test_case(result, sc));
        }
        report.add_test_suite(suite);
    }
    if !result.verdicts.is_empty() {
        report.add_test_suite(verdict_suite(result));
    }
    report
}

/// The run-wide verdicts (SLA, `--min-coverage`) as the test cases of a suite `run`, so CI
/// sees a missed objective as a failure; they are not scenarios, and no file is theirs.
fn verdict_suite(result: &RunResult) -> TestSuite {
    let mut suite = TestSuite::new(RUN_SUITE);
    suite.add_properties([
        Property::new("environment", xml_safe(&result.environment.name)),
        Property::new("conform_version", xml_safe(&result.conform_version)),
        Property::new("schema_version", xml_safe(&result.schema_version)),
    ]);
    for v in &result.verdicts {
        let status = if v.passed() {
            TestCaseStatus::success()
        } else {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_message(xml_safe(&one_line(&verdict_message(v), 2000)))
                .set_type(FAILURE_TYPE)
                .set_description(xml_safe(&verdict_detail(v)));
            s
        };
        let mut case = TestCase::new(xml_safe(&v.id()), status);
        case.set_classname(RUN_SUITE);
        case.set_system_out(xml_safe(&verdict_detail(v)));
        suite.add_test_case(case);
    }
    suite
}

/// Every check of a verdict and, for coverage, every item not covered, one per line.
fn verdict_detail(v: &RunVerdict) -> String {
    let mut text = format!("{v}\nset by: {}\n", v.source);
    for c in &v.checks {
        let mark = if c.outcome.passed() { "ok" } else { "x " };
        text.push_str(&format!(
            "{mark} {}: expected {}, got {}\n",
            c.check, c.expected, c.actual
        ));
    }
    if !v.not_covered.is_empty() {
        text.push_str(&format!("not covered ({}):\n", v.not_covered.len()));
        for item in &v.not_covered {
            text.push_str(&format!("  {item}\n"));
        }
    }
    text
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
/// safe to edit as text. Returns the byte range of ` skipped="…"` in the root tag, if any.
fn root_skipped(xml: &[u8]) -> Option<std::ops::Range<usize>> {
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    let start = find(xml, b"<testsuites")?;
    let len = xml[start..].iter().position(|&b| b == b'>')?;
    let tag = &xml[start..start + len];
    let attr = find(tag, b" skipped=\"")?;
    let value = attr + b" skipped=\"".len();
    let close = tag[value..].iter().position(|&b| b == b'"')?;
    Some(start + attr..start + value + close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_tag_loses_skipped_and_nothing_else() {
        let xml = br#"<?xml version="1.0"?><testsuites name="conform" tests="2" skipped="1" failures="0"><testsuite skipped="1"></testsuite></testsuites>"#;
        let cut = root_skipped(xml).expect("found");
        let mut out = xml[..cut.start].to_vec();
        out.extend_from_slice(&xml[cut.end..]);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#"<?xml version="1.0"?><testsuites name="conform" tests="2" failures="0"><testsuite skipped="1"></testsuite></testsuites>"#
        );
        assert_eq!(
            root_skipped(b"<testsuites name=\"x\"><testsuite skipped=\"1\">"),
            None
        );
    }

    #[test]
    fn a_missed_verdict_is_a_failure_that_says_what_was_missed() {
        let mut r = crate::report::testdata::sample();
        let scenarios_before = build(&r).test_suites.len();
        let gate = crate::report::testdata::missed_coverage_gate(
            "49.5 % (47 of 95 documented responses)",
            &["response getOrder 404", "error code X"],
        );
        r.verdicts.push(gate);
        let mut out = Vec::new();
        write_junit(&r, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let suite = &text[text.find("<testsuite name=\"run\"").expect("a run suite")..];
        assert!(
            suite.contains("<testcase name=\"run::coverage\""),
            "{suite}"
        );
        assert!(
            suite.contains("message=\"contract coverage missed: 49.5 % (47 of 95 documented responses) (objective ≥ 90.0 %); set by --min-coverage 90; not covered: response getOrder 404, error code X\""),
            "{suite}"
        );
        assert!(!text.contains("conform.yaml:0"), "no made-up location");
        assert_eq!(build(&r).test_suites.len(), scenarios_before + 1);
    }

    #[test]
    fn a_written_report_has_no_root_skipped() {
        let mut out = Vec::new();
        write_junit(&crate::report::testdata::sample(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let root = &text[text.find("<testsuites").unwrap()..];
        let root = &root[..root.find('>').unwrap()];
        assert!(!root.contains("skipped"), "{root}");
        assert!(root.contains("tests=\""), "{root}");
    }
}
