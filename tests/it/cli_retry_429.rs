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
    // Through the library: only the results matter here (the next test reads the console).
    let (result, events) = p.session(|o| o.jobs = Some(1));
    assert!(result.success(), "{:?}", events.0);
    events.assert_well_formed();
    let r = serde_json::to_value(&result).expect("results as JSON");
    let step = &r["scenarios"][0]["steps"][0];
    assert_eq!(step["attempts"], 2, "{step}");
    assert!(
        step["waited_ms"].as_f64().unwrap_or(0.0) >= 1000.0,
        "{step}"
    );
    assert!(
        step["log"]
            .to_string()
            .contains("429 from the target: waited 1s (Retry-After) before sending again"),
        "{step}"
    );
    assert_eq!(step["rate_limit"]["unexpected_429"], 1, "{step}");
    assert_eq!(step["exchanges"][0]["response"]["status"], 429);
    assert_eq!(step["exchanges"][1]["response"]["status"], 200);
    let expected = &r["scenarios"][1]["steps"][0];
    assert_eq!(
        expected["attempts"], 1,
        "a 429 the step expects is not retried: {expected}"
    );
}

#[test]
fn a_429_is_waited_out_as_long_as_the_scenario_has_time() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file(
        "scenarios/r.yaml",
        r#"scenarios:
  - name: rate limited five times
    steps:
      - request: {method: GET, path: /limited-five}
        expect: {status: 200}
  - name: told to come back after its timeout
    timeout: 3s
    steps:
      - request: {method: GET, path: /limited-long}
        expect: {status: 200}
"#,
    );
    let out = p.run(&["run", "--jobs", "2"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = p.results();
    let five = &r["scenarios"][0];
    assert_eq!(five["outcome"], "passed", "{five}");
    let step = &five["steps"][0];
    assert_eq!(step["attempts"], 6, "more than three waits: {step}");
    assert_eq!(step["rate_limit"]["unexpected_429"], 5, "{step}");
    assert!(
        step["rate_limit"]["retry_after_ms"].as_f64().unwrap_or(0.0) >= 5000.0,
        "{step}"
    );
    let long = &r["scenarios"][1];
    assert_eq!(long["outcome"], "failed", "{long}");
    let step = &long["steps"][0];
    assert_eq!(
        step["attempts"], 1,
        "a wait past the timeout is not made: {step}"
    );
    assert!(
        step["log"]
            .to_string()
            .contains("Retry-After 2m is more than the scenario's"),
        "{step}"
    );
    // Counted for the run, and shown on the console.
    assert_eq!(
        r["rate_limits"]["unexpected_429"], 6,
        "{}",
        r["rate_limits"]
    );
    assert!(
        out.stdout
            .contains("rate limits: 6 unexpected 429(s) waited out"),
        "{}",
        out.stdout
    );
}
