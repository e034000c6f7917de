//! Hand-built results for the reporters' unit tests.
use crate::results::*;
use crate::source::SourceLocation;
use std::collections::BTreeMap;

pub(crate) const WEIRD: &str =
    "nul\u{0} esc\u{1b}[31mred\u{1b}[0m <script>alert(1)</script> & 'q' \"dq\" | `tick` *star* 😀 \u{FFFF} end";

pub(crate) fn loc(file: &str, line: u64) -> SourceLocation {
    SourceLocation {
        file: file.into(),
        line,
        column: 7,
    }
}

pub(crate) fn exchange(method: &str, url: &str, status: Option<u16>, body: &str) -> Exchange {
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
            headers: vec![("content-type".into(), "application/json".into())],
            body: Some(body.into()),
            truncated: false,
            latency_ms: 12.3456,
        }),
        error: status.is_none().then(|| body.to_string()),
        operation: Some("createOrder".into()),
    }
}

pub(crate) fn check(passed: bool, what: &str, expected: &str, actual: &str) -> CheckOutcome {
    CheckOutcome {
        status: crate::results::CheckStatus::judged(passed),
        check: what.into(),
        expected: expected.into(),
        actual: actual.into(),
        location: None,
        detail: None,
    }
}

pub(crate) fn step(name: &str, at: SourceLocation, outcome: Outcome) -> StepResult {
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

pub(crate) fn scenario(file: &str, name: &str, outcome: Outcome) -> ScenarioResult {
    ScenarioResult {
        id: format!("{file}::{name}"),
        name: name.into(),
        file: file.into(),
        suite: "orders".into(),
        description: None,
        tags: vec!["orders".into()],
        requires: vec![],
        covers: vec!["createOrder".into()],
        location: loc(file, 3),
        outcome,
        reason: None,
        started_at: Some("2025-03-01T10:00:00.5Z".into()),
        duration_ms: 123.4,
        steps: vec![],
        webhooks: vec![],
    }
}

pub(crate) fn webhook(event_type: &str, verdict: &str, body: &str) -> WebhookRecord {
    WebhookRecord {
        received_at: "2025-03-01T10:00:01Z".into(),
        event_id: Some("evt_1".into()),
        event_type: Some(event_type.into()),
        attempt: 1,
        headers: vec![("webhook-signature".into(), "***".into())],
        body: body.into(),
        verdict: verdict.into(),
        answered: if verdict == "valid" { 200 } else { 400 },
    }
}

/// Passed, failed with checks, errored, weird characters, skipped, not run.
pub(crate) fn sample() -> RunResult {
    let f = "orders/create.yaml";
    let passed = {
        let mut s = scenario(f, "create an order", Outcome::Passed);
        let mut st = step("create", loc(f, 6), Outcome::Passed);
        st.exchanges.push(exchange(
            "POST",
            "http://127.0.0.1:4010/api/v1/orders",
            Some(201),
            "{}",
        ));
        st.checks.push(check(true, "status", "201", "201"));
        s.steps.push(st);
        s.webhooks.push(webhook("order.created", "valid", "{}"));
        s
    };
    let failed = {
        let mut s = scenario(f, "reject a bad sku", Outcome::Failed);
        s.reason = Some("status: expected 422, actual 500".into());
        let mut st = step("post bad sku", loc(f, 12), Outcome::Failed);
        st.exchanges.push(exchange(
            "POST",
            "http://127.0.0.1:4010/api/v1/orders",
            Some(500),
            r#"{"error":"internal"}"#,
        ));
        st.checks.push(check(false, "status", "422", "500"));
        st.checks.push(check(
            false,
            "body $.error.code equals",
            "\"invalid_sku\"",
            "\"internal\"",
        ));
        s.steps.push(st);
        s
    };
    let errored = {
        let mut s = scenario("orders/get.yaml", "fetch an order", Outcome::Errored);
        let mut st = step("get", loc("orders/get.yaml", 5), Outcome::Errored);
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
            &format!("weird # hash {WEIRD}"),
            Outcome::Failed,
        );
        s.description = Some(WEIRD.into());
        let mut st = step(WEIRD, loc("orders/get.yaml", 20), Outcome::Failed);
        st.exchanges.push(exchange(
            "GET",
            "http://127.0.0.1:4010/x?q=<&>",
            Some(200),
            WEIRD,
        ));
        st.checks
            .push(check(false, WEIRD, WEIRD, "\u{0}\u{1}\u{2}"));
        st.log.push(WEIRD.into());
        s.steps.push(st);
        s.webhooks.push(webhook(WEIRD, "bad signature", WEIRD));
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
        auth: BTreeMap::new(),
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

/// A `--min-coverage 90` verdict that was missed at `actual`, with what was not covered.
pub(crate) fn missed_coverage_gate(actual: &str, not_covered: &[&str]) -> RunVerdict {
    let mut gate = RunVerdict::new(
        VerdictKind::Coverage,
        "contract coverage",
        "--min-coverage 90".into(),
        vec![VerdictCheck {
            check: "contract coverage".into(),
            expected: "≥ 90.0 %".into(),
            actual: actual.into(),
            outcome: VerdictOutcome::Failed,
        }],
    );
    gate.not_covered = not_covered.iter().map(|s| s.to_string()).collect();
    gate
}
