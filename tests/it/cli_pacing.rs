//! Client-side pacing: one token bucket across all concurrent scenarios; a scenario with
//! `pacing: false` is exempt.
use crate::common::*;

#[test]
fn pacing_spaces_requests_and_opt_out_is_exempt() {
    let server = start_server();
    let p = Project::new(&server.url());
    let cfg = format!(
        "default_env: test\nenvironments:\n  test:\n    base_url: \"{}\"\n    pacing: {{rps: 10, burst: 1}}\n",
        server.url()
    );
    p.file("conform.yaml", &cfg);
    p.file(
        "scenarios/p.yaml",
        r#"scenarios:
  - name: paced
    steps:
      - request: {method: GET, path: /order}
        repeat: {times: 6, concurrency: 3}
        expect: {status: 200}
  - name: unpaced
    pacing: false
    steps:
      - request: {method: GET, path: /order}
        repeat: {times: 6, concurrency: 3}
        expect: {status: 200}
"#,
    );
    // Through the library: only the results matter here.
    let (result, events) = p.session(|o| o.jobs = Some(1));
    assert!(result.success(), "{:?}", events.0);
    let r = serde_json::to_value(&result).expect("results as JSON");
    let waited = |i: usize| {
        r["scenarios"][i]["steps"][0]["waited_ms"]
            .as_f64()
            .unwrap_or(-1.0)
    };
    // 6 requests at 10/s with a burst of 1: at least 5 gaps of 100 ms.
    assert!(waited(0) >= 400.0, "paced scenario waited {} ms", waited(0));
    assert_eq!(waited(1), 0.0, "the opted-out scenario is not paced");
}
