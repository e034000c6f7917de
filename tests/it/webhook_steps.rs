//! Webhook steps whose durations come from the environment: `webhook_reply.delay` and
//! `expect_webhook.within` as templates, read when the step runs, with located errors.
use crate::common::*;

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
