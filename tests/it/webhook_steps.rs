//! Webhook steps whose durations come from the environment: `webhook_reply.delay` and
//! `expect_webhook.within` as templates, read when the step runs, with located errors.
use crate::common::*;
use std::process::Output;

const CONFIG: &str = "default_env: test\nenvironments:\n  test:\n    base_url: \"BASE\"\n    timeouts: {request: 2s, connect: 1s, scenario: 20s}\n    capabilities: [webhooks]\n    vars: {short: \"0.3\", hold: 250ms, bad: soon}\n";

#[test]
fn templated_durations_are_read_when_the_step_runs() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file("conform.yaml", &CONFIG.replace("BASE", &server.url()));
    p.file(
        "scenarios/hooks.yaml",
        r#"scenarios:
  - name: a delay and a wait from the environment
    steps:
      - webhook_reply: {event: order.created, times: 1, delay: "{{ hold }} 50ms"}
      - expect_webhook: {event: order.created, count: 0, within: "{{ short }}"}
  - name: a delay that is not a duration
    steps:
      - webhook_reply: {event: order.created, times: 1, delay: "{{ bad }}"}
"#,
    );
    let out = p.run(&["run"]);
    assert_eq!(
        out.code, 1,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let r = p.results();
    let good = &r["scenarios"][0];
    assert_eq!(good["outcome"], "passed", "{good:#}");
    // `within` rendered to 0.3 s: the step waited that long, not the default 10 s.
    let waited = good["steps"][1]["waited_ms"].as_f64().unwrap_or(0.0);
    assert!(
        (250.0..2000.0).contains(&waited),
        "waited {waited} ms: {good:#}"
    );
    let bad = &r["scenarios"][1];
    assert_eq!(bad["outcome"], "errored", "{bad:#}");
    let error = bad["steps"][0]["error"].as_str().unwrap_or("");
    let first = error.lines().next().unwrap_or("");
    assert!(
        first.starts_with("scenarios/hooks.yaml:8:")
            && first
                .contains("`webhook_reply.delay` `{{ bad }}` rendered to invalid duration `soon`"),
        "{error}"
    );
}

/// A project on the embedded sandbox (retry gaps scaled by 0.002: 0.12 s, 0.6 s, 3.6 s, 14.4 s)
/// with these faults, and `scenarios/stop.yaml`.
fn retry_project(faults: &str, scenarios: &str) -> Project {
    let p = Project::new("http://127.0.0.1:9");
    p.file(
        "conform.yaml",
        &embedded_sandbox_config(
            &format!("webhook_retry_scale: 0.002, faults: [{faults}]"),
            "    capabilities: [sandbox_controls, webhooks]\n    vars: {webhook_retry_scale: \"0.002\"}\n",
        ),
    );
    p.file("scenarios/stop.yaml", scenarios);
    p
}

/// The subscription is deleted only after its third attempt (as when a rate limit holds the
/// DELETE past a retry): `retries_stopped` then waits for the fourth attempt's due time.
const LATE_DELETE: &str = r#"scenarios:
  - name: a late deletion
    steps:
      - request:
          method: POST
          path: /api/v1/orders
          json: {customer_id: CUST-12345, items: [{product_id: SKU-001, quantity: 1}]}
        expect: {status: 201}
        capture: {order_id: $.order_id}
      - subscribe_webhooks: {events: [order.updated]}
      - webhook_reply: {event: order.updated, subscription: "{{ webhook_id }}", times: 10}
      - request: {method: POST, path: "/sandbox/v1/orders/{{ order_id }}/advance"}
        expect: {status: 200}
      - expect_webhook:
          event: order.updated
          subscription: "{{ webhook_id }}"
          attempts: 3
          within: 5s
      - request: {method: DELETE, path: "/api/v1/webhooks/{{ webhook_id }}"}
        expect: {status: 204}
      - name: stopped
        expect_webhook:
          event: order.updated
          subscription: "{{ webhook_id }}"
          retries_stopped: true
          schedule: [1m, 5m, 30m, 2h]
          schedule_scale: "{{ webhook_retry_scale }}"
  - name: a subscription the scenario did not make
    steps:
      - webhook_reply: {event: order.updated, subscription: wh_nobody, times: 1}
"#;

#[test]
fn retries_stopped_waits_for_the_attempt_due_after_a_late_deletion() {
    let clean = retry_project("", LATE_DELETE);
    let faulty = retry_project("\"webhook-delete-keeps-retries\"", LATE_DELETE);
    // Both at once: each waits about 6 s for the fourth attempt's due time.
    let (a, b) = (clean.spawn(&["run"]), faulty.spawn(&["run"]));
    let (a, b) = (
        a.wait_with_output().expect("clean run"),
        b.wait_with_output().expect("faulty run"),
    );
    let text = |o: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    };
    let step = |r: &serde_json::Value, name: &str| {
        r["scenarios"][0]["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["name"] == name).cloned())
            .unwrap_or_else(|| panic!("step {name}: {r:#}"))
    };

    let r = clean.results();
    assert_eq!(r["scenarios"][0]["outcome"], "passed", "{}", text(&a));
    let stopped = step(&r, "stopped");
    let check = &stopped["checks"][0];
    assert_eq!(check["check"], "webhook order.updated retries stopped");
    assert!(
        check["expected"]
            .as_str()
            .is_some_and(|e| e.contains("attempt 4 of")),
        "waits for the fourth attempt: {check}"
    );
    // 3.6 s after the third attempt plus tolerance, minus the time the DELETE took.
    let waited = stopped["waited_ms"].as_f64().unwrap_or(0.0);
    assert!(waited > 3000.0, "waited {waited} ms: {stopped:#}");
    // The unknown subscription errors the step at its place.
    let other = &r["scenarios"][1];
    assert_eq!(other["outcome"], "errored", "{other:#}");
    let error = other["steps"][0]["error"].as_str().unwrap_or("");
    assert!(
        error.starts_with("scenarios/stop.yaml:30:61:")
            && error.contains("`subscription` is `wh_nobody`: not a subscription made by a `subscribe_webhooks` step of this scenario"),
        "{error}"
    );

    let r = faulty.results();
    assert_eq!(r["scenarios"][0]["outcome"], "failed", "{}", text(&b));
    let check = &step(&r, "stopped")["checks"][0];
    assert_eq!(check["passed"], false, "{check}");
    assert!(
        check["actual"]
            .as_str()
            .is_some_and(|a| a.contains("after the previous step")),
        "{check}"
    );
}
