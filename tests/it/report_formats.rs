//! The report formats, checked from outside: JUnit against Jenkins' schema (xmllint), JSON
//! round trips, console output with and without colour.
use conform::report::{
    read_json, write_json, write_junit, write_reports, ColorChoice, ConsoleReporter, ReportError,
    ReportOptions, TermContext,
};
use conform::results::*;
use conform::run::{EventSink, RunEvent};
use conform::source::SourceLocation;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const XSD: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/validators/junit/jenkins-xunit-junit-10.xsd"
);

fn loc(file: &str, line: u64, column: u64) -> SourceLocation {
    SourceLocation {
        file: file.into(),
        line,
        column,
    }
}

fn exchange(method: &str, url: &str, status: Option<u16>, body: &str) -> Exchange {
    Exchange {
        request: RecordedRequest {
            method: method.into(),
            url: url.into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("authorization".into(), "***".into()),
            ],
            body: Some(r#"{"sku":"NOPE-1","qty":2}"#.into()),
            sent_at: "2025-03-01T10:00:00.123456Z".into(),
        },
        response: status.map(|status| RecordedResponse {
            status,
            headers: (0..8)
                .map(|i| (format!("x-h{i}"), format!("v{i}")))
                .collect(),
            body: Some(body.into()),
            truncated: false,
            latency_ms: 12.3456,
        }),
        error: if status.is_none() {
            Some(body.into())
        } else {
            None
        },
        operation: Some("createOrder".into()),
    }
}

fn check(
    passed: bool,
    what: &str,
    expected: &str,
    actual: &str,
    at: Option<SourceLocation>,
) -> CheckOutcome {
    CheckOutcome {
        status: conform::results::CheckStatus::judged(passed),
        check: what.into(),
        expected: expected.into(),
        actual: actual.into(),
        location: at,
        detail: None,
    }
}

fn step(name: &str, at: SourceLocation, outcome: Outcome) -> StepResult {
    StepResult {
        name: name.into(),
        phase: Phase::Steps,
        location: at,
        outcome,
        duration_ms: 40.5,
        error: None,
        checks: vec![],
        exchanges: vec![],
        attempts: 1,
        waited_ms: 0.0,
        log: vec![],
        rate_limit: Default::default(),
        warnings: Vec::new(),
    }
}

fn scenario(file: &str, name: &str, outcome: Outcome) -> ScenarioResult {
    let suite = Path::new(file)
        .file_stem()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    ScenarioResult {
        id: format!("{file}::{name}"),
        name: name.into(),
        file: file.into(),
        suite,
        description: None,
        tags: vec!["orders".into()],
        requires: vec![],
        covers: vec!["createOrder".into()],
        location: loc(file, 3, 3),
        outcome,
        reason: None,
        started_at: Some("2025-03-01T10:00:00.5Z".into()),
        duration_ms: 123.456_789,
        steps: vec![],
        webhooks: vec![],
    }
}

const WEIRD: &str =
    "nul\u{0} bell\u{7} esc\u{1b}[31mred\u{1b}[0m ]]> <tag a=\"b\"> & 'q' 😀 \u{FFFF} end";

/// Passed, failed (with checks and a long response), errored (connection refused),
/// skipped, not run, and one full of characters XML cannot carry.
fn sample() -> RunResult {
    let passed = {
        let mut s = scenario("orders/create.yaml", "create an order", Outcome::Passed);
        let mut st = step("create", loc("orders/create.yaml", 6, 7), Outcome::Passed);
        st.exchanges.push(exchange(
            "POST",
            "http://127.0.0.1:4010/api/v1/orders",
            Some(201),
            "{}",
        ));
        st.checks.push(check(
            true,
            "status",
            "201",
            "201",
            Some(loc("orders/create.yaml", 9, 9)),
        ));
        st.log.push("captured order_id = ord_1".into());
        s.steps.push(st);
        s
    };
    let failed = {
        let mut s = scenario("orders/create.yaml", "reject a bad sku", Outcome::Failed);
        s.reason = Some("status: expected 422, actual 500".into());
        let mut st = step(
            "post bad sku",
            loc("orders/create.yaml", 12, 7),
            Outcome::Failed,
        );
        let body: String = (1..=30)
            .map(|i| format!("line {i} of the body\n"))
            .collect();
        st.exchanges.push(exchange(
            "POST",
            "http://127.0.0.1:4010/api/v1/orders",
            Some(500),
            &body,
        ));
        st.checks.push(check(
            false,
            "status",
            "422",
            "500",
            Some(loc("orders/create.yaml", 15, 11)),
        ));
        st.checks.push(check(
            false,
            "body $.error.code equals",
            "\"invalid_sku\"",
            "\"internal\"",
            Some(loc("orders/create.yaml", 17, 11)),
        ));
        s.steps.push(st);
        s
    };
    let errored = {
        let mut s = scenario("orders/get.yaml", "fetch an order", Outcome::Errored);
        let mut st = step("get", loc("orders/get.yaml", 5, 7), Outcome::Errored);
        st.error =
            Some("failed to send request\ncaused by: connection refused (os error 111)".into());
        st.exchanges.push(exchange(
            "GET",
            "http://127.0.0.1:9/api/v1/orders/1",
            None,
            "connection refused",
        ));
        s.steps.push(st);
        s
    };
    let weird = {
        let mut s = scenario(
            "orders/get.yaml",
            &format!("weird {WEIRD}"),
            Outcome::Failed,
        );
        s.description = Some(WEIRD.into());
        let mut st = step(WEIRD, loc("orders/get.yaml", 20, 7), Outcome::Failed);
        st.exchanges.push(exchange(
            "GET",
            "http://127.0.0.1:4010/x?q=<&>",
            Some(200),
            WEIRD,
        ));
        st.checks
            .push(check(false, WEIRD, WEIRD, "\u{0}\u{1}\u{2}", None));
        st.log.push(WEIRD.into());
        s.steps.push(st);
        s.webhooks.push(WebhookRecord {
            received_at: "2025-03-01T10:00:01Z".into(),
            event_id: Some("evt_1".into()),
            event_type: Some("order.paid".into()),
            attempt: 2,
            headers: vec![("webhook-signature".into(), "***".into())],
            body: WEIRD.into(),
            verdict: "bad signature".into(),
            answered: 400,
        });
        s
    };
    let skipped = {
        let mut s = scenario("webhooks/paid.yaml", "order paid webhook", Outcome::Skipped);
        s.reason = Some("requires capability `webhooks`".into());
        s.started_at = None;
        s.duration_ms = 0.0;
        s
    };
    let not_run = {
        let mut s = scenario("webhooks/paid.yaml", "refund webhook", Outcome::NotRun);
        s.started_at = None;
        s.duration_ms = 0.0;
        s
    };
    let scenarios = vec![passed, failed, errored, weird, skipped, not_run];
    let mut auth = BTreeMap::new();
    auth.insert(
        "staging/default".to_string(),
        AuthStats {
            token_requests: 2,
            refreshes: 1,
            retries_after_401: 1,
            token_failures: 0,
        },
    );
    RunResult {
        schema_version: RESULTS_SCHEMA_VERSION.into(),
        conform_version: "0.1.0".into(),
        environment: EnvironmentInfo {
            name: "staging".into(),
            base_url: "http://127.0.0.1:4010".into(),
            production: false,
            capabilities: vec!["orders".into()],
            note: Some("embedded sandbox".into()),
        },
        started_at: "2025-03-01T10:00:00.000123Z".into(),
        duration_ms: 1_234.567_89,
        summary: Summary::of(&scenarios),
        scenarios,
        auth,
        interrupted: true,
        verdicts: Vec::new(),
        contract: None,
        coverage: None,
        latency: None,
        rate_limits: None,
        webhook_receiver: None,
        extensions: BTreeMap::new(),
    }
}

fn junit_string(r: &RunResult) -> String {
    let mut buf = Vec::new();
    write_junit(r, &mut buf).unwrap();
    String::from_utf8(buf).expect("JUnit output is UTF-8")
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("conform-report-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs xmllint on `xml`; `None` when xmllint is not installed (outside CI).
fn xmllint(xml: &str, tag: &str) -> Option<(bool, String)> {
    let dir = temp_dir(tag);
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("junit.xml");
    std::fs::write(&file, xml).unwrap();
    match Command::new("xmllint")
        .args(["--noout", "--schema", XSD])
        .arg(&file)
        .output()
    {
        Ok(out) => Some((
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )),
        Err(e) if std::env::var_os("CI").is_some() => panic!("xmllint is required in CI: {e}"),
        Err(e) => {
            eprintln!("skipping schema validation: xmllint not runnable ({e}); apt-get install libxml2-utils");
            None
        }
    }
}

#[test]
fn junit_validates_against_jenkins_xunit_schema() {
    assert!(Path::new(XSD).exists(), "schema missing at {XSD}");
    for (tag, r) in [
        ("full", sample()),
        (
            "empty",
            RunResult {
                scenarios: vec![],
                ..sample()
            },
        ),
    ] {
        let xml = junit_string(&r);
        if let Some((ok, stderr)) = xmllint(&xml, tag) {
            assert!(ok, "{tag}: xmllint rejected the report:\n{stderr}\n{xml}");
        }
    }
}

#[test]
fn junit_counts_and_mapping() {
    let r = sample();
    let xml = junit_string(&r);
    let root = &xml[xml.find("<testsuites").unwrap()..];
    let root = &root[..root.find('>').unwrap()];
    assert!(
        !root.contains("skipped="),
        "no skipped on <testsuites>: {root}"
    );
    assert!(
        root.contains(r#"name="conform""#) && root.contains(r#"time="1.235""#),
        "{root}"
    );

    let report =
        quick_junit::Report::deserialize_from_str(&xml).expect("quick-junit parses it back");
    assert_eq!(report.tests, 6);
    assert_eq!(report.failures, 2);
    assert_eq!(report.errors, 1);
    let names: Vec<_> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["create", "get", "paid"]);
    let get = &report.test_suites[1];
    assert_eq!(
        (get.tests, get.failures, get.errors, get.skipped),
        (2, 1, 1, 0)
    );
    assert_eq!(report.test_suites[2].skipped, 2);
    let props: Vec<_> = report.test_suites[0]
        .properties
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    assert!(props.contains(&("environment", "staging")));
    assert!(props.contains(&("base_url", "http://127.0.0.1:4010")));
    assert!(props.contains(&("conform_version", "0.1.0")));
    assert!(props.contains(&("schema_version", RESULTS_SCHEMA_VERSION)));
    assert!(xml.contains(r#"file="orders/create.yaml""#));
    assert!(
        xml.contains(r#"timestamp="2025-03-01T10:00:00.500+00:00""#),
        "suite timestamp"
    );

    let failed = &report.test_suites[0].test_cases[1];
    assert_eq!(failed.name.as_str(), "reject a bad sku");
    assert_eq!(
        failed.classname.as_ref().map(|c| c.as_str()),
        Some("create")
    );
    match &failed.status {
        quick_junit::TestCaseStatus::NonSuccess {
            kind,
            message,
            description,
            ..
        } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Failure);
            assert_eq!(
                message.as_ref().unwrap().as_str(),
                "status: expected 422, actual 500"
            );
            let text = description.as_ref().unwrap().as_str();
            for want in [
                "orders/create.yaml:15:11",
                "expected: 422",
                "actual:   500",
                "body $.error.code equals",
                "orders/create.yaml:17:11",
                "\"invalid_sku\"",
            ] {
                assert!(text.contains(want), "failure text lacks {want:?}:\n{text}");
            }
        }
        other => panic!("expected a failure, got {other:?}"),
    }
    let out = failed.system_out.as_ref().unwrap().as_str();
    assert!(
        out.contains("POST http://127.0.0.1:4010/api/v1/orders -> 500 (12 ms)"),
        "{out}"
    );
    assert!(
        out.contains("FAIL status: expected 422, actual 500"),
        "{out}"
    );

    let errored = &report.test_suites[1].test_cases[0];
    match &errored.status {
        quick_junit::TestCaseStatus::NonSuccess { kind, message, .. } => {
            assert_eq!(*kind, quick_junit::NonSuccessKind::Error);
            assert_eq!(message.as_ref().unwrap().as_str(), "failed to send request");
        }
        other => panic!("expected an error, got {other:?}"),
    }
    let skip_messages: Vec<_> = report.test_suites[2]
        .test_cases
        .iter()
        .map(|c| match &c.status {
            quick_junit::TestCaseStatus::Skipped { message, .. } => {
                message.as_ref().unwrap().as_str().to_string()
            }
            other => panic!("expected skipped, got {other:?}"),
        })
        .collect();
    assert_eq!(
        skip_messages,
        ["requires capability `webhooks`", "not run: interrupted"]
    );
    // Times: seconds, three decimals.
    assert!(xml.contains(r#"time="0.123""#));
}

#[test]
fn junit_carries_weird_characters_safely() {
    let xml = junit_string(&sample());
    assert!(!xml.contains('\u{0}') && !xml.contains('\u{1b}') && !xml.contains('\u{FFFF}'));
    assert!(xml.contains("\\u{0}"), "NUL is shown, not dropped");
    assert!(xml.contains("😀"));
    assert!(!xml.contains("]]>"), "]]> must be escaped in text");
    assert!(xml.contains("weird nul\\u{0} bell\\u{7}"));
    assert!(xml.contains("order.paid evt_1 attempt 2 -&gt; answered 400, bad signature"));
}

#[test]
fn json_round_trips_field_wise() {
    let r = sample();
    let mut buf = Vec::new();
    write_json(&r, &mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    let back = read_json(&text).expect("reads its own output");
    // `RunResult` has no PartialEq; its derived Debug prints every field (floats exactly).
    assert_eq!(format!("{back:#?}"), format!("{r:#?}"));
    assert_eq!(back.summary, r.summary);
    assert_eq!(
        back.scenarios[3].name, r.scenarios[3].name,
        "NUL and friends survive JSON"
    );
    assert_eq!(
        back.scenarios[1].duration_ms.to_bits(),
        r.scenarios[1].duration_ms.to_bits()
    );
}

#[test]
fn json_rejects_other_schema_versions() {
    let mut v: serde_json::Value = serde_json::from_str(&{
        let mut buf = Vec::new();
        write_json(&sample(), &mut buf).unwrap();
        String::from_utf8(buf).unwrap()
    })
    .unwrap();
    v["schema_version"] = "3".into();
    let err = read_json(&v.to_string()).unwrap_err();
    assert!(matches!(err, ReportError::UnsupportedSchemaVersion { ref found, .. } if found == "3"));
    let msg = err.to_string();
    assert!(msg.contains("\"3\"") && msg.contains("1 and 2"), "{msg}");

    v["schema_version"] = 2.into();
    assert!(matches!(
        read_json(&v.to_string()),
        Err(ReportError::UnsupportedSchemaVersion { .. })
    ));
    v.as_object_mut().unwrap().remove("schema_version");
    assert!(matches!(
        read_json(&v.to_string()),
        Err(ReportError::MissingSchemaVersion)
    ));
    assert!(matches!(read_json("{not json"), Err(ReportError::Parse(_))));
}

#[test]
fn write_reports_creates_the_directory_and_the_default_files() {
    let dir = temp_dir("files").join("nested/reports");
    let opts = ReportOptions {
        dir: dir.clone(),
        ..ReportOptions::default()
    };
    let paths = write_reports(&sample(), &opts).unwrap();
    assert_eq!(
        paths,
        [
            dir.join("junit.xml"),
            dir.join("results.json"),
            dir.join("report.html")
        ]
    );
    let json = std::fs::read_to_string(&paths[1]).unwrap();
    assert_eq!(read_json(&json).unwrap().summary, sample().summary);
    assert!(std::fs::read_to_string(&paths[0])
        .unwrap()
        .starts_with("<?xml"));
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    // Written twice: the rename replaces the old file.
    write_reports(&sample(), &opts).unwrap();

    let custom = temp_dir("custom").join("x/out.xml");
    let paths = write_reports(
        &sample(),
        &ReportOptions {
            junit: Some(custom.clone()),
            ..opts
        },
    )
    .unwrap();
    assert_eq!(paths[0], custom);
    assert!(custom.exists());
}

fn console(r: &RunResult, ctx: TermContext) -> String {
    let mut rep = ConsoleReporter::new(Vec::new(), ctx, false);
    rep.on_event(&RunEvent::RunStarted {
        environment: &r.environment,
        total: r.scenarios.len(),
    });
    for sc in &r.scenarios {
        rep.on_event(&RunEvent::ScenarioStarted {
            id: &sc.id,
            name: &sc.name,
        });
        rep.on_event(&RunEvent::ScenarioFinished { result: sc });
    }
    rep.on_event(&RunEvent::RunFinished { result: r });
    assert!(rep.take_error().is_none());
    String::from_utf8(rep.into_inner()).unwrap()
}

fn no_color() -> TermContext {
    TermContext {
        color: false,
        interactive: false,
        ci: true,
    }
}

#[test]
fn console_explains_a_failing_run() {
    let out = console(&sample(), no_color());
    for want in [
        "PASS  orders/create.yaml::create an order  (123 ms)",
        "FAIL  orders/create.yaml::reject a bad sku  (123 ms)  status: expected 422, actual 500",
        "ERROR orders/get.yaml::fetch an order  (123 ms)  failed to send request",
        "SKIP  webhooks/paid.yaml::order paid webhook  (0 ms)  requires capability `webhooks`",
        "NORUN webhooks/paid.yaml::refund webhook  (0 ms)  not run",
        // Details: scenario, its location, the step and its location, each failed check.
        "FAIL orders/create.yaml::reject a bad sku",
        "--> orders/create.yaml:3:3",
        "step \"post bad sku\" [steps] failed  at orders/create.yaml:12:7",
        "x status  at orders/create.yaml:15:11",
        "expected: 422",
        "actual:   500",
        "x body $.error.code equals  at orders/create.yaml:17:11",
        // The request/response excerpt.
        "request:  POST http://127.0.0.1:4010/api/v1/orders",
        "content-type: application/json",
        "authorization: ***",
        "response: 500  (12 ms)",
        "| line 20 of the body",
        "… 10 more lines",
        "… 2 more headers",
        // The error cause with its chain.
        "error: failed to send request",
        "caused by: connection refused (os error 111)",
        "response: none: connection refused",
        // Summary and auth.
        "INTERRUPTED 6 scenarios: 1 passed, 2 failed, 1 errored, 1 skipped, 1 not run in 1.23 s",
        "auth staging/default: 2 token requests, 1 refreshes, 1 retries after 401",
    ] {
        assert!(out.contains(want), "console output lacks {want:?}:\n{out}");
    }
    assert!(
        !out.contains("| line 21 of the body"),
        "body excerpt stops at 20 lines"
    );
    assert!(
        !out.contains('\u{1b}'),
        "no ANSI codes without colour (the target's ESC is escaped too)"
    );
    assert!(
        out.contains("esc\\u{1b}[31mred"),
        "the target's escape codes are shown, not run"
    );
    assert!(out.contains("step \"nul\\u{0} bell\\u{7}"), "{out}");
    assert!(out.contains("😀 \\u{ffff} end") && !out.contains('\u{FFFF}'));
}

#[test]
fn console_colour_follows_the_context() {
    let coloured = console(
        &sample(),
        TermContext::from_parts(ColorChoice::Always, |_| None, false, false),
    );
    assert!(coloured.contains("\u{1b}[1;32mPASS\u{1b}[0m"), "{coloured}");
    assert!(coloured.contains("\u{1b}[1;31mFAIL\u{1b}[0m"));
    let forced = TermContext::from_parts(
        ColorChoice::Auto,
        |k| (k == "CLICOLOR_FORCE").then(|| "1".into()),
        false,
        false,
    );
    assert!(console(&sample(), forced).contains('\u{1b}'));
    let never = TermContext::from_parts(ColorChoice::Never, |_| Some("1".into()), true, true);
    assert!(!never.color);
    assert!(!console(&sample(), never).contains('\u{1b}'));
}

#[test]
fn console_interactive_keeps_lines_above_the_bar() {
    let r = sample();
    let ctx = TermContext {
        color: false,
        interactive: true,
        ci: false,
    };
    // The bar is a reporter of its own; the console writes its lines with the bar cleared.
    let progress =
        conform::report::ProgressReporter::new(indicatif::ProgressDrawTarget::hidden(), false);
    let mut rep = ConsoleReporter::new(Vec::new(), ctx, true).with_progress(progress.handle());
    {
        let mut sinks = conform::run::FanOut::new().with(progress).with(&mut rep);
        sinks.on_event(&RunEvent::RunStarted {
            environment: &r.environment,
            total: r.scenarios.len(),
        });
        for sc in &r.scenarios {
            sinks.on_event(&RunEvent::ScenarioFinished { result: sc });
        }
        sinks.on_event(&RunEvent::RunFinished { result: &r });
    }
    let out = String::from_utf8(rep.into_inner()).unwrap();
    assert!(out.contains("conform: 6 scenarios against staging (http://127.0.0.1:4010)"));
    assert!(out.contains("PASS  orders/create.yaml::create an order"));
    // verbose: the steps and exchanges under each scenario.
    assert!(out.contains("[steps] create passed"), "{out}");
    assert!(
        out.contains("POST http://127.0.0.1:4010/api/v1/orders -> 201 (12 ms)"),
        "{out}"
    );
    assert!(out.contains("INTERRUPTED 6 scenarios"));
}

#[test]
fn the_schema_check_bites() {
    // Control: what quick-junit writes by default (`skipped` on the root) must be rejected,
    // or the validation test above proves nothing.
    let xml = junit_string(&sample()).replacen("<testsuites ", "<testsuites skipped=\"2\" ", 1);
    if let Some((ok, stderr)) = xmllint(&xml, "control") {
        assert!(!ok, "xmllint accepted a root `skipped`");
        assert!(stderr.contains("skipped"), "{stderr}");
    }
}

/// Writes the sample outputs to `$CONFORM_REPORT_SAMPLES` for a human to read.
#[test]
fn dump_samples_when_asked() {
    let Some(dir) = std::env::var_os("CONFORM_REPORT_SAMPLES") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("junit.xml"), junit_string(&sample())).unwrap();
    std::fs::write(dir.join("console.txt"), console(&sample(), no_color())).unwrap();
    let coloured = TermContext {
        color: true,
        interactive: false,
        ci: false,
    };
    std::fs::write(dir.join("console.ansi"), console(&sample(), coloured)).unwrap();
    let mut buf = Vec::new();
    write_json(&sample(), &mut buf).unwrap();
    std::fs::write(dir.join("results.json"), buf).unwrap();
}

#[test]
fn the_schema_doc_example_reads() {
    let doc = include_str!("../../docs/results-schema.md");
    let start = doc.find("```json\n").expect("an example") + "```json\n".len();
    let example = &doc[start..start + doc[start..].find("```").unwrap()];
    let r = read_json(example).expect("the documented example is a valid results.json");
    assert_eq!(r.summary, Summary::of(&r.scenarios));
    assert_eq!(
        r.schema_version, RESULTS_SCHEMA_VERSION,
        "the example is of this version"
    );
    assert!(!r.success(), "its missed coverage verdict fails it");
    let xml = junit_string(&r);
    if let Some((ok, stderr)) = xmllint(&xml, "doc") {
        assert!(ok, "{stderr}");
    }
}

/// `sample()` with two undocumented-property warnings on its passed scenario.
fn with_warnings() -> RunResult {
    let mut r = sample();
    let sc = r
        .scenarios
        .iter_mut()
        .find(|s| s.outcome == Outcome::Passed && !s.steps.is_empty())
        .expect("a passed scenario with a step");
    for pointer in ["/links", "/items/0/metadata"] {
        sc.steps[0].warnings.push(Warning {
            kind: WarningKind::UndocumentedProperty,
            subject: "POST /api/v1/orders -> 201".into(),
            pointer: pointer.into(),
            context: "operation createOrder (POST /api/v1/orders), response 201, application/json (#/components/schemas/Order)".into(),
        });
    }
    r.summary = Summary::of(&r.scenarios);
    r
}

#[test]
fn warnings_are_reported_everywhere_and_fail_nothing() {
    let r = with_warnings();
    assert_eq!(r.summary.warnings, 2);
    let before = Summary::of(&sample().scenarios);
    assert_eq!(
        (r.summary.passed, r.summary.failed, r.summary.errored),
        (before.passed, before.failed, before.errored),
        "warnings change no outcome"
    );

    let out = console(&r, no_color());
    assert!(out.contains("  2 warnings"), "{out}");
    assert!(
        out.contains("warning: undocumented property /links (not in operation createOrder"),
        "{out}"
    );
    assert!(out.contains(", 2 warnings in "), "{out}");

    let xml = junit_string(&r);
    assert!(
        xml.contains(r#"<property name="warnings" value="2"/>"#),
        "{xml}"
    );
    assert!(
        xml.contains("warning: undocumented property /items/0/metadata in POST /api/v1/orders"),
        "{xml}"
    );
    if let Some((ok, stderr)) = xmllint(&xml, "warnings") {
        assert!(ok, "xmllint rejected the report:\n{stderr}\n{xml}");
    }

    let mut buf = Vec::new();
    write_json(&r, &mut buf).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&buf).unwrap();
    assert_eq!(json["summary"]["warnings"], 2);
    let back = read_json(std::str::from_utf8(&buf).unwrap())
        .expect("results.json with warnings reads back");
    assert_eq!(back.summary.warnings, 2);
    let warned: Vec<&Warning> = back
        .scenarios
        .iter()
        .flat_map(|s| &s.steps)
        .flat_map(|s| &s.warnings)
        .collect();
    assert_eq!(warned.len(), 2);
    assert_eq!(warned[0].kind, WarningKind::UndocumentedProperty);
    assert_eq!(warned[0].pointer, "/links");

    let mut html = Vec::new();
    conform::report::write_html(&r, &mut html).unwrap();
    let html = String::from_utf8(html).unwrap();
    assert!(
        html.contains("2 warnings (undocumented properties"),
        "html verdict note"
    );
    assert!(
        html.contains(r#"<ul class="warnings">"#),
        "html step warnings"
    );
}
