//! The comparison on hand-made runs: each rule shown to report, and to stay quiet.
use super::*;
use crate::results::{
    EnvironmentInfo, Exchange, Outcome, Phase, RecordedRequest, RecordedResponse, RunResult,
    ScenarioResult, StepResult, Summary, WebhookRecord,
};
use crate::source::SourceLocation;

fn loc(line: u64) -> SourceLocation {
    SourceLocation {
        file: "scenarios/orders.yaml".into(),
        line,
        column: 9,
    }
}

fn exchange(status: u16, headers: &[(&str, &str)], body: &str, latency: f64) -> Exchange {
    Exchange {
        request: RecordedRequest {
            method: "POST".into(),
            url: "http://127.0.0.1:1/api/v1/orders".into(),
            headers: Vec::new(),
            body: None,
            sent_at: "2026-01-01T00:00:00Z".into(),
        },
        response: Some(RecordedResponse {
            status,
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: Some(body.into()),
            truncated: false,
            latency_ms: latency,
        }),
        error: None,
        operation: Some("createOrder".into()),
    }
}

fn webhook(event: &str) -> WebhookRecord {
    WebhookRecord {
        received_at: "2026-01-01T00:00:01Z".into(),
        event_id: Some("evt_1".into()),
        event_type: Some(event.into()),
        attempt: 1,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("x-webhook-signature".into(), "sha256=00".into()),
        ],
        body: format!(r#"{{"event_type":"{event}","data":{{"order_id":"ORD-1"}}}}"#),
        verdict: "valid".into(),
        answered: 200,
    }
}

const ORDER: &str = r#"{"order_id":"ORD-00000001","status":"pending","created_at":"2026-01-01T00:00:00Z","estimated_delivery":"2026-01-06T00:00:00Z"}"#;

fn headers() -> Vec<(&'static str, &'static str)> {
    vec![
        ("content-type", "application/json"),
        ("x-api-version", "1"),
        ("x-request-id", "7d0f"),
        ("x-ratelimit-limit", "1000"),
        ("x-ratelimit-remaining", "999"),
        ("x-ratelimit-reset", "1767225600"),
        ("location", "/api/v1/orders/ORD-00000001"),
    ]
}

fn run(env: &str, x: Exchange, hooks: Vec<WebhookRecord>, outcome: Outcome) -> RunResult {
    let scenarios = vec![ScenarioResult {
        id: "scenarios/orders.yaml::create an order".into(),
        name: "create an order".into(),
        file: "scenarios/orders.yaml".into(),
        suite: "orders".into(),
        description: None,
        tags: Vec::new(),
        requires: Vec::new(),
        covers: Vec::new(),
        location: loc(3),
        outcome,
        reason: (outcome != Outcome::Passed).then(|| "status: expected 201, actual 200".into()),
        started_at: None,
        duration_ms: 1.0,
        steps: vec![StepResult {
            name: "create".into(),
            phase: Phase::Steps,
            location: loc(12),
            outcome,
            duration_ms: 1.0,
            error: None,
            checks: Vec::new(),
            exchanges: vec![x],
            attempts: 1,
            waited_ms: 0.0,
            log: Vec::new(),
            rate_limit: Default::default(),
            warnings: Vec::new(),
        }],
        webhooks: hooks,
    }];
    RunResult {
        schema_version: crate::results::RESULTS_SCHEMA_VERSION.into(),
        conform_version: "0".into(),
        environment: EnvironmentInfo {
            name: env.into(),
            base_url: format!("http://{env}.test"),
            ..EnvironmentInfo::default()
        },
        started_at: "2026-01-01T00:00:00Z".into(),
        duration_ms: 1.0,
        summary: Summary::of(&scenarios),
        scenarios,
        auth: Default::default(),
        interrupted: false,
        verdicts: Vec::new(),
        contract: None,
        coverage: None,
        latency: None,
        rate_limits: None,
        webhook_receiver: None,
        extensions: Default::default(),
    }
}

fn base(env: &str) -> RunResult {
    run(
        env,
        exchange(201, &headers(), ORDER, 20.0),
        vec![webhook("order.created")],
        Outcome::Passed,
    )
}

fn kinds(r: &ParityReport) -> Vec<(DiffKind, String)> {
    r.scenarios
        .iter()
        .flat_map(|s| &s.differences)
        .chain(&r.run_differences)
        .map(|d| (d.kind, d.field.clone()))
        .collect()
}

#[test]
fn identical_runs_have_no_difference() {
    let r = compare_runs(&base("a"), &base("b"), &ParityRules::default());
    assert!(r.clean(), "{:?}", kinds(&r));
    assert_eq!(r.summary.same, 1);
    assert_eq!(r.scenarios[0].verdict, ParityVerdict::Same);
}

#[test]
fn a_status_is_reported_with_the_step_and_both_values_and_the_outcome_first() {
    let right = run(
        "b",
        exchange(200, &headers(), ORDER, 20.0),
        vec![webhook("order.created")],
        Outcome::Failed,
    );
    let r = compare_runs(&base("a"), &right, &ParityRules::default());
    let s = &r.scenarios[0];
    assert_eq!(s.verdict, ParityVerdict::Different);
    assert_eq!(s.differences[0].kind, DiffKind::Outcome);
    assert_eq!(s.differences[0].left, "passed");
    assert!(s.differences[0].right.starts_with("failed: status"));
    let st = &s.differences[1];
    assert_eq!(
        (
            st.kind,
            st.step.as_deref(),
            st.left.as_str(),
            st.right.as_str()
        ),
        (DiffKind::Status, Some("create"), "201", "200")
    );
    assert_eq!(st.location, Some(loc(12)));
    assert_eq!(
        st.to_string(),
        "step `create` (POST /api/v1/orders): status"
    );
    assert_eq!(r.summary.outcome_differs, 1);
    assert!(!s.left_sequence.is_empty() && !s.right_sequence.is_empty());
}

#[test]
fn an_error_code_is_reported_under_the_same_status() {
    let err = |code: &str| {
        exchange(
            409,
            &headers(),
            &format!(r#"{{"error_code":"{code}","message":"m"}}"#),
            20.0,
        )
    };
    let left = run("a", err("CONFLICT"), Vec::new(), Outcome::Passed);
    let right = run("b", err("DUPLICATE_ORDER"), Vec::new(), Outcome::Passed);
    let r = compare_runs(&left, &right, &ParityRules::default());
    let d = &r.scenarios[0].differences;
    assert_eq!(d[0].kind, DiffKind::ErrorCode);
    assert_eq!(
        (d[0].left.as_str(), d[0].right.as_str()),
        ("CONFLICT", "DUPLICATE_ORDER")
    );
    // The message text differs too, and is not reported.
    assert_eq!(d.len(), 1, "{d:?}");
}

#[test]
fn a_missing_header_is_reported_unless_ignored() {
    let mut h = headers();
    h.retain(|(n, _)| *n != "x-api-version");
    let right = run(
        "b",
        exchange(201, &h, ORDER, 20.0),
        vec![webhook("order.created")],
        Outcome::Passed,
    );
    let r = compare_runs(&base("a"), &right, &ParityRules::default());
    assert_eq!(
        kinds(&r),
        vec![(DiffKind::Header, "header X-API-Version".to_string())]
    );
    assert_eq!(r.scenarios[0].differences[0].left, "present: 1");
    let rules = ParityRules {
        ignore_headers: ["x-api-version".to_string()].into_iter().collect(),
        ..ParityRules::default()
    };
    assert!(compare_runs(&base("a"), &right, &rules).clean());
}

#[test]
fn rate_limits_are_compared_as_ratios() {
    let mut h = headers();
    for (n, v) in h.iter_mut() {
        if *n == "x-ratelimit-limit" {
            *v = "100";
        }
    }
    let right = run(
        "b",
        exchange(201, &h, ORDER, 20.0),
        vec![webhook("order.created")],
        Outcome::Passed,
    );
    let r = compare_runs(&base("a"), &right, &ParityRules::default());
    assert_eq!(kinds(&r)[0].0, DiffKind::RateLimit);
    let doc = crate::config::ParityDoc {
        rate_limit_scale: [("a".to_string(), 10.0)].into_iter().collect(),
        ..Default::default()
    };
    let rules = ParityRules::from_doc(&doc, "a", "b").expect("rules");
    assert!(compare_runs(&base("a"), &right, &rules).clean());
}

#[test]
fn a_renamed_property_is_reported_on_both_sides_unless_ignored() {
    let renamed = ORDER.replace("estimated_delivery", "estimated_delivery_date");
    let right = run(
        "b",
        exchange(201, &headers(), &renamed, 20.0),
        vec![webhook("order.created")],
        Outcome::Passed,
    );
    let r = compare_runs(&base("a"), &right, &ParityRules::default());
    assert_eq!(
        kinds(&r),
        vec![
            (DiffKind::Property, "body /estimated_delivery".to_string()),
            (
                DiffKind::Property,
                "body /estimated_delivery_date".to_string()
            )
        ]
    );
    let doc = crate::config::ParityDoc {
        ignore_pointers: vec![
            "/estimated_delivery".into(),
            "/estimated_delivery_date".into(),
        ],
        ..Default::default()
    };
    let rules = ParityRules::from_doc(&doc, "a", "b").expect("rules");
    assert!(compare_runs(&base("a"), &right, &rules).clean());
}

#[test]
fn one_event_delivered_to_two_subscriptions_is_one_event() {
    // The scenario's own subscription and the run's each get attempt 1 of the event, and a
    // redelivery comes later: still the one `order.created` of the other side.
    let mut again = webhook("order.created");
    again.attempt = 2;
    let twice = run(
        "b",
        exchange(201, &headers(), ORDER, 20.0),
        vec![webhook("order.created"), webhook("order.created"), again],
        Outcome::Passed,
    );
    assert!(compare_runs(&base("a"), &twice, &ParityRules::default()).clean());
}

#[test]
fn webhooks_not_sent_reordered_or_reshaped_are_reported() {
    let none = run(
        "b",
        exchange(201, &headers(), ORDER, 20.0),
        Vec::new(),
        Outcome::Passed,
    );
    let r = compare_runs(&base("a"), &none, &ParityRules::default());
    let d = &r.scenarios[0].differences[0];
    assert_eq!(
        (d.kind, d.left.as_str(), d.right.as_str()),
        (DiffKind::WebhookEvents, "order.created", "(none)")
    );

    let two = |a: &str, b: &str| {
        run(
            "x",
            exchange(201, &headers(), ORDER, 20.0),
            vec![webhook(a), webhook(b)],
            Outcome::Passed,
        )
    };
    let r = compare_runs(
        &two("order.cancelled", "order.updated"),
        &two("order.updated", "order.cancelled"),
        &ParityRules::default(),
    );
    assert_eq!(
        kinds(&r),
        vec![(DiffKind::WebhookOrder, "webhook order".to_string())]
    );

    let mut odd = webhook("order.created");
    odd.headers.retain(|(n, _)| n != "x-webhook-signature");
    odd.body = r#"{"event_type":"order.created","data":{"order_id":1}}"#.into();
    let right = run(
        "b",
        exchange(201, &headers(), ORDER, 20.0),
        vec![odd],
        Outcome::Passed,
    );
    let r = compare_runs(&base("a"), &right, &ParityRules::default());
    let got: Vec<DiffKind> = kinds(&r).into_iter().map(|k| k.0).collect();
    assert_eq!(got, vec![DiffKind::WebhookHeader, DiffKind::WebhookPayload]);
}

#[test]
fn slower_answers_are_reported_per_operation_noise_is_not() {
    let slow = |ms: f64| {
        run(
            "b",
            exchange(201, &headers(), ORDER, ms),
            vec![webhook("order.created")],
            Outcome::Passed,
        )
    };
    let r = compare_runs(&base("a"), &slow(400.0), &ParityRules::default());
    let d = &r.run_differences[0];
    assert_eq!(
        (d.kind, d.request.as_deref()),
        (DiffKind::Latency, Some("createOrder"))
    );
    assert!(d.right.contains("p95 400 ms"), "{}", d.right);
    assert!(r.latency[0].different);
    // 3x slower but only 40 ms apart: noise on a fast operation.
    assert!(compare_runs(&base("a"), &slow(60.0), &ParityRules::default()).clean());
}

#[test]
fn the_sla_verdicts_are_compared() {
    let with_sla = |env: &str, passed: bool| {
        use crate::results::{RunVerdict, VerdictCheck, VerdictKind, VerdictOutcome};
        let mut r = base(env);
        r.verdicts.push(RunVerdict::new(
            VerdictKind::Sla,
            "SLA",
            "sla: of environment a".into(),
            vec![VerdictCheck {
                check: "p95".into(),
                expected: "≤ 200 ms".into(),
                actual: "12.0 ms".into(),
                outcome: VerdictOutcome::of(passed),
            }],
        ));
        r
    };
    let r = compare_runs(
        &with_sla("a", true),
        &with_sla("b", false),
        &ParityRules::default(),
    );
    assert_eq!(kinds(&r), vec![(DiffKind::Sla, "SLA verdict".to_string())]);
    assert_eq!(r.left.sla_passed, Some(true));
}

#[test]
fn skipped_and_ignored_scenarios_are_not_compared() {
    let skipped = run(
        "b",
        exchange(500, &[], "", 1.0),
        Vec::new(),
        Outcome::Skipped,
    );
    let r = compare_runs(&base("a"), &skipped, &ParityRules::default());
    assert!(r.clean());
    assert_eq!(r.scenarios[0].verdict, ParityVerdict::NotCompared);
    assert!(r.scenarios[0]
        .reason
        .as_deref()
        .unwrap_or("")
        .contains("skipped in `b`"));
    let rules = ParityRules {
        ignore_scenarios: vec!["create an order".into()],
        ..ParityRules::default()
    };
    let broken = run(
        "b",
        exchange(500, &[], "", 1.0),
        Vec::new(),
        Outcome::Failed,
    );
    assert!(compare_runs(&base("a"), &broken, &rules).clean());
}

#[test]
fn every_report_format_names_the_difference() {
    let right = run(
        "b",
        exchange(200, &headers(), ORDER, 20.0),
        vec![webhook("order.created")],
        Outcome::Failed,
    );
    let report = compare_runs(&base("a"), &right, &ParityRules::default());
    let text = |f: fn(&ParityReport, &mut dyn std::io::Write) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        f(&report, &mut buf).expect("write");
        String::from_utf8(buf).expect("utf-8")
    };
    let junit = text(write_junit);
    assert!(
        junit.contains(r#"name="parity::scenarios/orders.yaml::create an order""#),
        "{junit}"
    );
    assert!(junit.contains("<failure"), "{junit}");
    assert!(junit.contains(r#"name="parity::run""#), "{junit}");
    let html = text(write_html);
    assert!(html.contains("class=\"sides\""), "{html}");
    assert!(
        html.contains("201 (20 ms)") && html.contains("200 (20 ms)"),
        "{html}"
    );
    let mut console = Vec::new();
    write_console(&report, &mut console, false, false).expect("console");
    let console = String::from_utf8(console).expect("utf-8");
    assert!(
        console.contains("step `create` (POST /api/v1/orders): status: a 201 · b 200"),
        "{console}"
    );
    assert!(
        console.contains("--> scenarios/orders.yaml:12:9"),
        "{console}"
    );
    let json = serde_json::to_string(&report).expect("json");
    let back: ParityReport = serde_json::from_str(&json).expect("read back");
    assert_eq!(back.summary, report.summary);
    assert_eq!(
        back.scenarios[0].differences,
        report.scenarios[0].differences
    );
}

#[test]
fn webhooks_after_an_early_failure_are_not_compared_unless_both_waited_for_them() {
    let stopped = run(
        "b",
        exchange(200, &headers(), ORDER, 20.0),
        Vec::new(),
        Outcome::Failed,
    );
    let r = compare_runs(&base("a"), &stopped, &ParityRules::default());
    let got: Vec<DiffKind> = kinds(&r).into_iter().map(|k| k.0).collect();
    assert_eq!(got, vec![DiffKind::Outcome, DiffKind::Status]);

    let waiting = |env: &str, hooks, outcome| {
        let mut r = run(env, exchange(201, &headers(), ORDER, 20.0), hooks, outcome);
        r.scenarios[0].steps[0]
            .checks
            .push(crate::results::CheckOutcome {
                status: crate::results::CheckStatus::judged(outcome == Outcome::Passed),
                check: "webhook order.created".into(),
                expected: String::new(),
                actual: String::new(),
                location: None,
                detail: None,
            });
        r
    };
    let r = compare_runs(
        &waiting("a", vec![webhook("order.created")], Outcome::Passed),
        &waiting("b", Vec::new(), Outcome::Failed),
        &ParityRules::default(),
    );
    let got: Vec<DiffKind> = kinds(&r).into_iter().map(|k| k.0).collect();
    assert_eq!(got, vec![DiffKind::Outcome, DiffKind::WebhookEvents]);
}
