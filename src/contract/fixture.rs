//! Hand-built run results for the coverage and latency tests.
use crate::results::*;
use crate::source::SourceLocation;
use std::collections::BTreeMap;

pub(crate) fn exchange(
    method: &str,
    path: &str,
    operation: Option<&str>,
    status: u16,
    body: &str,
    latency_ms: f64,
) -> Exchange {
    Exchange {
        request: RecordedRequest {
            method: method.into(),
            url: format!("http://127.0.0.1:8080{path}"),
            headers: vec![],
            body: None,
            sent_at: "2024-01-15T10:30:00Z".into(),
        },
        response: Some(RecordedResponse {
            status,
            headers: vec![],
            body: Some(body.into()),
            truncated: false,
            latency_ms,
        }),
        error: None,
        operation: operation.map(str::to_string),
    }
}

pub(crate) fn webhook(event_type: &str) -> WebhookRecord {
    WebhookRecord {
        received_at: "2024-01-15T10:30:01Z".into(),
        event_id: Some("evt_1".into()),
        event_type: Some(event_type.into()),
        attempt: 1,
        headers: vec![],
        body: "{}".into(),
        verdict: "valid".into(),
        answered: 200,
    }
}

fn location() -> SourceLocation {
    SourceLocation {
        file: "s.yaml".into(),
        line: 1,
        column: 1,
    }
}

pub(crate) fn scenario(exchanges: Vec<Exchange>, webhooks: Vec<WebhookRecord>) -> ScenarioResult {
    ScenarioResult {
        id: "s.yaml::s".into(),
        name: "s".into(),
        file: "s.yaml".into(),
        suite: "s".into(),
        description: None,
        tags: vec![],
        requires: vec![],
        covers: vec![],
        location: location(),
        outcome: Outcome::Passed,
        reason: None,
        started_at: None,
        duration_ms: 1.0,
        steps: vec![StepResult {
            name: "step".into(),
            phase: Phase::Steps,
            location: location(),
            outcome: Outcome::Passed,
            duration_ms: 1.0,
            error: None,
            checks: vec![],
            exchanges,
            attempts: 1,
            waited_ms: 0.0,
            log: vec![],
            rate_limit: Default::default(),
            warnings: Vec::new(),
        }],
        webhooks,
    }
}

pub(crate) fn run(scenarios: Vec<ScenarioResult>) -> RunResult {
    RunResult {
        schema_version: RESULTS_SCHEMA_VERSION.into(),
        conform_version: "0.1.0".into(),
        environment: EnvironmentInfo {
            name: "local".into(),
            base_url: "http://127.0.0.1:8080".into(),
            production: false,
            capabilities: vec![],
            note: None,
        },
        started_at: "2024-01-15T10:30:00Z".into(),
        duration_ms: 1.0,
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
