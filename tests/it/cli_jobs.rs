//! Scheduling: a scenario that only waits (a `wait`, a webhook, `Retry-After`) gives its job
//! slot back, so with `--jobs 1` the next scenario runs meanwhile.
use crate::common::*;

fn millis(rfc3339: &serde_json::Value) -> i128 {
    let t = time::OffsetDateTime::parse(
        rfc3339.as_str().expect("timestamp"),
        &time::format_description::well_known::Rfc3339,
    )
    .expect("rfc3339");
    t.unix_timestamp_nanos() / 1_000_000
}

#[test]
fn a_waiting_scenario_does_not_block_the_next_one() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file(
        "scenarios/w.yaml",
        r#"scenarios:
  - name: waits
    steps:
      - request: {method: GET, path: /order}
      - wait: 2s
      - request: {method: GET, path: /order}
  - name: quick
    steps:
      - request: {method: GET, path: /order}
        expect: {status: 200}
"#,
    );
    // Through the library: only the results and the event order matter here.
    let (result, events) = p.session(|o| o.jobs = Some(1));
    assert!(result.success(), "{:?}", events.0);
    let finished = events.assert_well_formed();
    assert_eq!(
        finished,
        ["w.yaml::quick", "w.yaml::waits"].map(|id| format!("scenarios/{id}")),
        "with one job slot, the quick scenario finishes while the other waits"
    );
    let r = serde_json::to_value(&result).expect("results as JSON");
    let waits = &r["scenarios"][0];
    let quick = &r["scenarios"][1];
    let waits_end =
        millis(&waits["started_at"]) + waits["duration_ms"].as_f64().unwrap_or(0.0) as i128;
    let quick_start = millis(&quick["started_at"]);
    assert!(waits["duration_ms"].as_f64().unwrap_or(0.0) >= 2000.0);
    assert!(
        quick_start < waits_end - 1000,
        "the quick scenario started while the other one waited (quick at {quick_start}, waits ended {waits_end})"
    );
}
