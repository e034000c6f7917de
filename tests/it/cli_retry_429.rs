//! An unexpected 429 is waited out (Retry-After) and retried, visibly; a step that expects
//! the 429 gets it as it is.
use crate::common::*;

#[test]
fn unexpected_429_waits_retry_after_and_retries() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file(
        "scenarios/r.yaml",
        r#"scenarios:
  - name: rate limited once
    steps:
      - request: {method: GET, path: /limited}
        expect: {status: 200}
  - name: expects the limit
    steps:
      - request: {method: GET, path: /status/429}
        expect: {status: 429}
"#,
    );
    let out = p.run(&["run", "--jobs", "1"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let r = p.results();
    let step = &r["scenarios"][0]["steps"][0];
    assert_eq!(step["attempts"], 2, "{step}");
    assert!(
        step["waited_ms"].as_f64().unwrap_or(0.0) >= 1000.0,
        "{step}"
    );
    assert!(
        step["log"]
            .to_string()
            .contains("429 from the target: waited 1s before retry 1 of 3"),
        "{step}"
    );
    assert_eq!(step["exchanges"][0]["response"]["status"], 429);
    assert_eq!(step["exchanges"][1]["response"]["status"], 200);
    let expected = &r["scenarios"][1]["steps"][0];
    assert_eq!(
        expected["attempts"], 1,
        "a 429 the step expects is not retried: {expected}"
    );
}
