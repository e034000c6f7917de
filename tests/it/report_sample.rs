//! The run result the report-format tests render: passed, failed (checks and a long
//! response), errored, skipped and not-run scenarios, and text XML cannot carry.
use conform::results::*;
use conform::source::SourceLocation;
use std::collections::BTreeMap;
use std::path::Path;

pub(crate) fn loc(file: &str, line: u64, column: u64) -> SourceLocation {
    SourceLocation {
        file: file.into(),
        line,
        column,
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

pub(crate) fn check(
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
pub(crate) fn sample() -> RunResult {
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
