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
use super::paint::Painter;
use super::run_wide::failure_message as verdict_message;
use crate::results::{Outcome, RateLimitCounts, RunResult, RunVerdict, ScenarioResult};
use indexmap::IndexMap;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use std::io::{self, Write};
use std::time::Duration;

/// The `<testsuites name>`.
pub const REPORT_NAME: &str = "conform";
const FAILURE_TYPE: &str = "conform.check";
const ERROR_TYPE: &str = "conform.error";
/// The `<testsuite>` of the run-wide verdicts.
pub const RUN_SUITE: &str = "run";

type XmlWriter<'w> = quick_xml::Writer<&'w mut dyn Write>;

/// Writes `result` as JUnit XML.
///
/// The root `<testsuites>` carries `name`, `tests`, `failures`, `errors` and `time` only:
/// Jenkins' schema has no `skipped` (nor `timestamp`) there. `<testcase>` has no `file`
/// attribute for the same reason; the scenario's `file:line:col` opens its `<system-out>`.
pub fn write_junit(result: &RunResult, out: &mut dyn Write) -> io::Result<()> {
    let mut w = quick_xml::Writer::new_with_indent(&mut *out, b' ', 4);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut by_file: IndexMap<&str, Vec<&ScenarioResult>> = IndexMap::new();
    for sc in &result.scenarios {
        by_file.entry(sc.file.as_str()).or_default().push(sc);
    }
    let failed = |o: Outcome| matches!(o, Outcome::Failed);
    let errored = |o: Outcome| matches!(o, Outcome::Errored);
    let missed = result.verdicts.iter().filter(|v| !v.passed()).count();
    let mut root = BytesStart::new("testsuites");
    root.push_attribute(("name", REPORT_NAME));
    push_count(
        &mut root,
        "tests",
        result.scenarios.len() + result.verdicts.len(),
    );
    push_count(
        &mut root,
        "failures",
        result
            .scenarios
            .iter()
            .filter(|s| failed(s.outcome))
            .count()
            + missed,
    );
    push_count(
        &mut root,
        "errors",
        result
            .scenarios
            .iter()
            .filter(|s| errored(s.outcome))
            .count(),
    );
    root.push_attribute(("time", seconds(duration(result.duration_ms)).as_str()));
    w.write_event(Event::Start(root))?;
    for (file, scenarios) in by_file {
        write_file_suite(&mut w, result, file, &scenarios)?;
    }
    if !result.verdicts.is_empty() {
        write_verdict_suite(&mut w, result)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    let out = w.into_inner();
    out.write_all(b"\n")?;
    out.flush()
}

fn push_count(e: &mut BytesStart<'_>, name: &str, n: usize) {
    e.push_attribute((name, n.to_string().as_str()));
}

/// Seconds with millisecond precision, as JUnit readers expect (`1.234`).
fn seconds(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// One `<testsuite>`: its counts, its properties, then its test cases.
fn write_file_suite(
    w: &mut XmlWriter<'_>,
    result: &RunResult,
    file: &str,
    scenarios: &[&ScenarioResult],
) -> io::Result<()> {
    let count = |pick: fn(Outcome) -> bool| scenarios.iter().filter(|s| pick(s.outcome)).count();
    let mut suite = BytesStart::new("testsuite");
    suite.push_attribute(("name", xml_safe(&scenarios[0].suite).as_str()));
    push_count(&mut suite, "tests", scenarios.len());
    push_count(
        &mut suite,
        "skipped",
        count(|o| matches!(o, Outcome::Skipped | Outcome::NotRun)),
    );
    push_count(&mut suite, "errors", count(|o| o == Outcome::Errored));
    push_count(&mut suite, "failures", count(|o| o == Outcome::Failed));
    if let Some(ts) = suite_timestamp(result, scenarios) {
        let ts = ts.to_rfc3339_opts(chrono::SecondsFormat::Millis, false);
        suite.push_attribute(("timestamp", ts.as_str()));
    }
    let time = duration(scenarios.iter().map(|s| s.duration_ms.max(0.0)).sum());
    suite.push_attribute(("time", seconds(time).as_str()));
    suite.push_attribute(("file", xml_safe(file).as_str()));
    w.write_event(Event::Start(suite))?;

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
    write_properties(w, &props)?;
    for sc in scenarios {
        write_test_case(w, result, sc)?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))
}

fn write_properties(w: &mut XmlWriter<'_>, props: &[(&str, String)]) -> io::Result<()> {
    w.write_event(Event::Start(BytesStart::new("properties")))?;
    for (name, value) in props {
        let mut p = BytesStart::new("property");
        p.push_attribute(("name", *name));
        p.push_attribute(("value", value.as_str()));
        w.write_event(Event::Empty(p))?;
    }
    w.write_event(Event::End(BytesEnd::new("properties")))
}

/// `<failure>`, `<error>` or `<skipped>` with a message (and a type and a description).
struct NonSuccess {
    tag: &'static str,
    message: String,
    kind: Option<&'static str>,
    description: Option<String>,
}

fn write_non_success(w: &mut XmlWriter<'_>, n: &NonSuccess) -> io::Result<()> {
    let mut e = BytesStart::new(n.tag);
    e.push_attribute(("message", n.message.as_str()));
    if let Some(kind) = n.kind {
        e.push_attribute(("type", kind));
    }
    match n.description.as_deref().filter(|d| !d.is_empty()) {
        Some(text) => {
            w.write_event(Event::Start(e))?;
            w.write_event(Event::Text(BytesText::new(text)))?;
            w.write_event(Event::End(BytesEnd::new(n.tag)))
        }
        None => w.write_event(Event::Empty(e)),
    }
}

fn write_text_element(w: &mut XmlWriter<'_>, tag: &str, text: &str) -> io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(tag)))?;
    w.write_event(Event::Text(BytesText::new(text)))?;
    w.write_event(Event::End(BytesEnd::new(tag)))
}

/// The run-wide verdicts (SLA, `--min-coverage`) as the test cases of a suite `run`, so CI
/// sees a missed objective as a failure; they are not scenarios, and no file is theirs.
fn write_verdict_suite(w: &mut XmlWriter<'_>, result: &RunResult) -> io::Result<()> {
    let mut suite = BytesStart::new("testsuite");
    suite.push_attribute(("name", RUN_SUITE));
    push_count(&mut suite, "tests", result.verdicts.len());
    push_count(&mut suite, "skipped", 0);
    push_count(&mut suite, "errors", 0);
    push_count(
        &mut suite,
        "failures",
        result.verdicts.iter().filter(|v| !v.passed()).count(),
    );
    w.write_event(Event::Start(suite))?;
    write_properties(
        w,
        &[
            ("environment", xml_safe(&result.environment.name)),
            ("conform_version", xml_safe(&result.conform_version)),
            ("schema_version", xml_safe(&result.schema_version)),
        ],
    )?;
    for v in &result.verdicts {
        let mut case = BytesStart::new("testcase");
        case.push_attribute(("name", xml_safe(&v.id()).as_str()));
        case.push_attribute(("classname", RUN_SUITE));
        w.write_event(Event::Start(case))?;
        if !v.passed() {
            write_non_success(
                w,
                &NonSuccess {
                    tag: "failure",
                    message: xml_safe(&one_line(&verdict_message(v), 2000)),
                    kind: Some(FAILURE_TYPE),
                    description: Some(xml_safe(&verdict_detail(v))),
                },
            )?;
        }
        write_text_element(w, "system-out", &xml_safe(&verdict_detail(v)))?;
        w.write_event(Event::End(BytesEnd::new("testcase")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuite")))
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
    w: &mut XmlWriter<'_>,
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
    let mut case = BytesStart::new("testcase");
    case.push_attribute(("name", xml_safe(&sc.name).as_str()));
    case.push_attribute(("classname", xml_safe(&sc.suite).as_str()));
    case.push_attribute(("time", seconds(duration(sc.duration_ms)).as_str()));
    w.write_event(Event::Start(case))?;
    if let Some(n) = &status {
        write_non_success(w, n)?;
    }
    write_text_element(w, "system-out", &xml_safe(&step_log(sc)))?;
    w.write_event(Event::End(BytesEnd::new("testcase")))
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
