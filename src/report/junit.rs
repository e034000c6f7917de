//! JUnit XML, streamed through quick-xml's writer (escaping and indentation are its), shaped
//! to pass Jenkins xunit's `junit-10.xsd`: one `<testsuite>` per scenario file, one
//! `<testcase>` per scenario.
//!
//! Written as it goes, one test case at a time, rather than through a report model held
//! whole: the run's results are already in memory, and a second copy of every step log
//! (quick-junit also re-reads each string for ANSI escapes, which `xml_safe` has already made
//! visible) cost a tenth of a large run's instructions and a few MiB at its peak.
use super::escape::{duration, one_line, xml_safe};
use super::evidence::{
    error_cause, error_message, failure_message, render_problem, skip_reason, step_log,
};
use super::junit_xml::{Counts, JunitWriter, NonSuccess, Suite};
use super::paint::Painter;
use super::run_wide::failure_message as verdict_message;
use crate::results::{Outcome, RateLimitCounts, RunResult, RunVerdict, ScenarioResult};
use indexmap::IndexMap;
use std::io::{self, Write};

/// The `<testsuites name>`.
pub const REPORT_NAME: &str = "conform";
const FAILURE_TYPE: &str = "conform.check";
const ERROR_TYPE: &str = "conform.error";
/// The `<testsuite>` of the run-wide verdicts.
pub const RUN_SUITE: &str = "run";

fn counts<'a>(scenarios: impl IntoIterator<Item = &'a ScenarioResult>) -> Counts {
    let mut c = Counts::default();
    for s in scenarios {
        c.tests += 1;
        match s.outcome {
            Outcome::Failed => c.failures += 1,
            Outcome::Errored => c.errors += 1,
            Outcome::Skipped | Outcome::NotRun => c.skipped += 1,
            Outcome::Passed => {}
        }
    }
    c
}

/// Writes `result` as JUnit XML.
///
/// The root `<testsuites>` carries `name`, `tests`, `failures`, `errors` and `time` only:
/// Jenkins' schema has no `skipped` (nor `timestamp`) there. `<testcase>` has no `file`
/// attribute for the same reason; the scenario's `file:line:col` opens its `<system-out>`.
pub fn write_junit(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    let mut by_file: IndexMap<&str, Vec<&ScenarioResult>> = IndexMap::new();
    for sc in &result.scenarios {
        by_file.entry(sc.file.as_str()).or_default().push(sc);
    }
    let mut total = counts(&result.scenarios);
    total.tests += result.verdicts.len();
    total.failures += result.verdicts.iter().filter(|v| !v.passed()).count();
    let mut w = JunitWriter::start(out, REPORT_NAME, total, Some(duration(result.duration_ms)))?;
    for (file, scenarios) in by_file {
        write_file_suite(&mut w, result, file, &scenarios)?;
    }
    if !result.verdicts.is_empty() {
        write_verdict_suite(&mut w, result)?;
    }
    w.finish()
}

/// One `<testsuite>`: its counts, its properties, then its test cases.
fn write_file_suite(
    w: &mut JunitWriter<'_>,
    result: &RunResult,
    file: &str,
    scenarios: &[&ScenarioResult],
) -> io::Result<()> {
    let mut props: Vec<(&str, String)> = vec![
        ("environment", xml_safe(&result.environment.name)),
        ("base_url", xml_safe(&result.environment.base_url)),
        ("conform_version", xml_safe(&result.conform_version)),
        ("schema_version", xml_safe(&result.schema_version)),
    ];
    if result.interrupted {
        props.push(("interrupted", "true".into()));
    }
    let rl = RateLimitCounts::of_steps(scenarios.iter().flat_map(|s| &s.steps));
    if !rl.is_zero() {
        props.extend([
            ("conform.rate_limit.holds", rl.holds.to_string()),
            ("conform.rate_limit.held_ms", format!("{:.0}", rl.held_ms)),
            (
                "conform.rate_limit.unexpected_429",
                rl.unexpected_429.to_string(),
            ),
            (
                "conform.rate_limit.retry_after_ms",
                format!("{:.0}", rl.retry_after_ms),
            ),
            (
                "conform.rate_limit.expected_429",
                rl.expected_429.to_string(),
            ),
        ]);
    }
    // Warnings (undocumented properties) never fail a test case; the count is here and each
    // one is a `warning:` line in its test case's system-out.
    let warnings: usize = scenarios.iter().map(|s| s.warnings()).sum();
    if warnings > 0 {
        props.push(("warnings", warnings.to_string()));
    }
    let name = xml_safe(&scenarios[0].suite);
    let file = xml_safe(file);
    let suite = Suite {
        name: &name,
        counts: counts(scenarios.iter().copied()),
        timestamp: suite_timestamp(result, scenarios)
            .map(|ts| ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, false)),
        time: Some(duration(
            scenarios.iter().map(|s| s.duration_ms.max(0.0)).sum(),
        )),
        file: Some(&file),
    };
    w.start_suite(&suite, &props)?;
    for sc in scenarios {
        write_test_case(w, result, sc)?;
    }
    w.end_suite()
}

/// The run-wide verdicts (SLA, `--min-coverage`) as the test cases of a suite `run`, so CI
/// sees a missed objective as a failure; they are not scenarios, and no file is theirs.
fn write_verdict_suite(w: &mut JunitWriter<'_>, result: &RunResult) -> io::Result<()> {
    let suite = Suite {
        name: RUN_SUITE,
        counts: Counts {
            tests: result.verdicts.len(),
            failures: result.verdicts.iter().filter(|v| !v.passed()).count(),
            ..Counts::default()
        },
        timestamp: None,
        time: None,
        file: None,
    };
    w.start_suite(
        &suite,
        &[
            ("environment", xml_safe(&result.environment.name)),
            ("conform_version", xml_safe(&result.conform_version)),
            ("schema_version", xml_safe(&result.schema_version)),
        ],
    )?;
    for v in &result.verdicts {
        let detail = xml_safe(&verdict_detail(v));
        let failure = (!v.passed()).then(|| NonSuccess {
            tag: "failure",
            message: xml_safe(&one_line(&verdict_message(v), 2000)),
            kind: Some(FAILURE_TYPE),
            description: Some(detail.clone()),
        });
        w.test_case(
            &xml_safe(&v.id()),
            RUN_SUITE,
            None,
            failure.as_ref(),
            Some(&detail),
        )?;
    }
    w.end_suite()
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

fn write_test_case(
    w: &mut JunitWriter<'_>,
    result: &RunResult,
    sc: &ScenarioResult,
) -> io::Result<()> {
    let plain = Painter::new(false);
    let problem = || {
        let mut text = String::new();
        render_problem(&mut text, sc, &plain, false);
        text
    };
    let status = match sc.outcome {
        Outcome::Passed => None,
        Outcome::Failed => Some(NonSuccess {
            tag: "failure",
            message: xml_safe(&failure_message(sc)),
            kind: Some(FAILURE_TYPE),
            description: Some(xml_safe(&problem())),
        }),
        Outcome::Errored => {
            let mut text = problem();
            if text.trim().is_empty() {
                text = error_cause(sc);
            }
            Some(NonSuccess {
                tag: "error",
                message: xml_safe(&error_message(sc)),
                kind: Some(ERROR_TYPE),
                description: Some(xml_safe(&text)),
            })
        }
        Outcome::Skipped | Outcome::NotRun => Some(NonSuccess {
            tag: "skipped",
            message: xml_safe(&skip_reason(sc, result.interrupted)),
            kind: None,
            description: None,
        }),
    };
    w.test_case(
        &xml_safe(&sc.name),
        &xml_safe(&sc.suite),
        Some(duration(sc.duration_ms)),
        status.as_ref(),
        Some(&xml_safe(&step_log(sc))),
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missed_verdict_is_a_failure_that_says_what_was_missed() {
        let mut r = crate::report::testdata::sample();
        let suites = |r: &RunResult| {
            let mut out = Vec::new();
            write_junit(r, &mut out).unwrap();
            String::from_utf8(out)
                .unwrap()
                .matches("<testsuite ")
                .count()
        };
        let scenarios_before = suites(&r);
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
        assert_eq!(suites(&r), scenarios_before + 1);
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
