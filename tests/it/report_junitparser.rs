//! JUnit XML read back by a third-party parser, junitparser (Python): the counts it finds
//! must be conform's. Needs the validators venv (`python3 -m venv /tmp/vv &&
//! /tmp/vv/bin/pip install -r shared/validators/requirements.txt`, or `CONFORM_PYTHON`);
//! skipped with a reason outside CI when it is missing, a failure in CI.
use conform::report::write_junit;
use conform::results::*;
use conform::source::SourceLocation;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

const SNIPPET: &str = r#"
import json, sys
from junitparser import JUnitXml, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
messages = {}
for suite in xml:
    for case in suite:
        counts["tests"] += 1
        for r in case.result:
            if isinstance(r, Failure):
                counts["failures"] += 1
            elif isinstance(r, Error):
                counts["errors"] += 1
            elif isinstance(r, Skipped):
                counts["skipped"] += 1
            messages[case.name] = r.message
root = {"tests": xml.tests, "failures": xml.failures, "errors": xml.errors}
suites = [[s.name, s.tests, s.failures, s.errors, s.skipped] for s in xml]
print(json.dumps({"counts": counts, "root": root, "suites": suites, "messages": messages}))
"#;

fn python() -> Option<PathBuf> {
    let p = std::env::var_os("CONFORM_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/vv/bin/python"));
    let ok = Command::new(&p)
        .args(["-c", "import junitparser"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some(p)
}

fn scenario(file: &str, name: &str, outcome: Outcome, reason: Option<&str>) -> ScenarioResult {
    let at = SourceLocation {
        file: file.into(),
        line: 3,
        column: 3,
    };
    let mut steps = Vec::new();
    if outcome == Outcome::Failed {
        steps.push(StepResult {
            name: "post".into(),
            phase: Phase::Steps,
            location: at.clone(),
            outcome,
            duration_ms: 5.0,
            error: None,
            checks: vec![CheckOutcome {
                status: conform::results::CheckStatus::Failed,
                check: "status".into(),
                expected: "422".into(),
                actual: "500".into(),
                location: None,
                detail: None,
            }],
            exchanges: vec![],
            attempts: 1,
            waited_ms: 0.0,
            log: vec![],
            rate_limit: Default::default(),
            warnings: Vec::new(),
        });
    }
    ScenarioResult {
        id: format!("{file}::{name}"),
        name: name.into(),
        file: file.into(),
        suite: file
            .trim_end_matches(".yaml")
            .rsplit('/')
            .next()
            .unwrap()
            .into(),
        description: None,
        tags: vec![],
        requires: vec![],
        covers: vec![],
        location: at,
        outcome,
        reason: reason.map(Into::into),
        started_at: None,
        duration_ms: 12.5,
        steps,
        webhooks: vec![],
    }
}

fn sample() -> RunResult {
    let scenarios = vec![
        scenario("orders/create.yaml", "create", Outcome::Passed, None),
        scenario("orders/create.yaml", "bad sku <&>", Outcome::Failed, None),
        scenario(
            "orders/create.yaml",
            "second failure",
            Outcome::Failed,
            None,
        ),
        scenario(
            "orders/get.yaml",
            "fetch",
            Outcome::Errored,
            Some("failed to send request"),
        ),
        scenario(
            "orders/get.yaml",
            "needs payments",
            Outcome::Skipped,
            Some("requires capability `payments`"),
        ),
        scenario("webhooks/paid.yaml", "refund", Outcome::NotRun, None),
        scenario("webhooks/paid.yaml", "paid", Outcome::Passed, None),
    ];
    RunResult {
        schema_version: RESULTS_SCHEMA_VERSION.into(),
        conform_version: "0.1.0".into(),
        environment: EnvironmentInfo {
            name: "staging".into(),
            base_url: "http://127.0.0.1:4010".into(),
            production: false,
            capabilities: vec![],
            note: None,
        },
        started_at: "2025-03-01T10:00:00Z".into(),
        duration_ms: 100.0,
        summary: Summary::of(&scenarios),
        scenarios,
        auth: BTreeMap::new(),
        interrupted: false,
        verdicts: Vec::new(),
        contract: None,
        coverage: None,
        latency: None,
        rate_limits: None,
        webhook_receiver: None,
        extensions: BTreeMap::new(),
    }
}

#[test]
fn junitparser_reads_the_counts_conform_wrote() {
    let Some(py) = python() else {
        if std::env::var_os("CI").is_some() {
            panic!("junitparser is required in CI: python3 -m venv /tmp/vv && /tmp/vv/bin/pip install -r shared/validators/requirements.txt");
        }
        eprintln!("skipping: no Python with junitparser at /tmp/vv/bin/python (or CONFORM_PYTHON); see shared/validators/requirements.txt");
        return;
    };
    let r = sample();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("junit.xml");
    let mut buf = Vec::new();
    write_junit(&r, &mut buf).unwrap();
    std::fs::write(&file, &buf).unwrap();
    let out = Command::new(py)
        .args(["-c", SNIPPET])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "junitparser failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &r.summary;
    assert_eq!(
        got["counts"],
        serde_json::json!({"tests": s.total, "failures": s.failed, "errors": s.errored,
                           "skipped": s.skipped + s.not_run})
    );
    assert_eq!(
        got["root"],
        serde_json::json!({"tests": s.total, "failures": s.failed, "errors": s.errored})
    );
    assert_eq!(
        got["suites"],
        serde_json::json!([
            ["create", 3, 2, 0, 0],
            ["get", 2, 0, 1, 1],
            ["paid", 2, 0, 0, 1]
        ])
    );
    assert_eq!(
        got["messages"]["bad sku <&>"],
        "status: expected 422, actual 500"
    );
    assert_eq!(
        got["messages"]["refund"],
        "not run: the run stopped early (--fail-fast)"
    );
}
