//! The automatic contract checks bite: a sandbox fault that breaks the response schema is
//! caught in a scenario that checks nothing but the status; a latency fault fails the SLA
//! test case; `--min-coverage` fails a run that exercises too little of the contract.
use crate::common::*;

fn embedded_project(faults: &[&str], sla: &str) -> Project {
    let p = Project::new("http://127.0.0.1:9");
    let faults = faults
        .iter()
        .map(|f| format!("\"{f}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let cfg = embedded_sandbox_config(
        &format!("faults: [{faults}], latency: 250ms"),
        &format!("    capabilities: [sandbox_controls]\n    sla: {sla}\n"),
    );
    p.file("conform.yaml", &cfg);
    p.file(
        "scenarios/create.yaml",
        r#"scenarios:
  - name: create an order, checking only the status
    steps:
      - request:
          method: POST
          path: /api/v1/orders
          json: {customer_id: CUST-12345, items: [{product_id: SKU-001, quantity: 1}]}
        expect: {status: 201}
"#,
    );
    p
}

#[test]
fn schema_fault_is_caught_without_body_checks() {
    let clean = embedded_project(&[], "{p95: 5s}");
    let out = clean.run(&["run"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);

    let p = embedded_project(&["schema-order-id"], "{p95: 5s}");
    let out = p.run(&["run"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = p.results();
    let s = &r["scenarios"][0];
    assert_eq!(s["outcome"], "failed", "{s}");
    let checks = s["steps"][0]["checks"].as_array().expect("checks");
    let contract = checks
        .iter()
        .find(|c| {
            c["passed"] == false
                && c["check"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("contract"))
        })
        .unwrap_or_else(|| panic!("a contract check failed: {s}"));
    let text = format!(
        "{} {} {}",
        contract["actual"], contract["detail"], contract["check"]
    );
    assert!(text.contains("/order_id"), "names the pointer: {text}");
    assert!(
        text.contains("createOrder") || text.contains("POST /api/v1/orders"),
        "names the operation: {text}"
    );
    assert_eq!(s["steps"][0]["exchanges"][0]["operation"], "createOrder");
}

#[test]
fn latency_fault_fails_the_sla_case() {
    let p = embedded_project(&["latency"], "{p95: 100ms, p99: 200ms}");
    let out = p.run(&["run"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = p.results();
    let sla = r["verdicts"]
        .as_array()
        .and_then(|a| a.iter().find(|v| v["kind"] == "sla"))
        .expect("sla verdict");
    assert_eq!(sla["outcome"], "failed", "{sla}");
    assert_eq!(
        r["scenarios"][0]["outcome"], "passed",
        "the scenario itself passes"
    );
    // The SLA is not a scenario: the summary counts the one scenario that passed.
    assert_eq!(
        r["summary"]["total"],
        r["scenarios"].as_array().map_or(0, Vec::len)
    );
    assert_eq!(r["summary"]["failed"], 0);
    assert!(
        out.stdout.contains("run-wide: SLA missed"),
        "{}",
        out.stdout
    );
    let junit = p.read("reports/junit.xml");
    assert!(junit.contains("<testcase name=\"run::sla\""), "{junit}");
    assert!(r["latency"]["overall"]["p95_ms"].as_f64().unwrap_or(0.0) >= 250.0);
}

#[test]
fn min_coverage_gates_the_run() {
    let p = embedded_project(&[], "{p95: 5s}");
    let out = p.run(&["run", "--min-coverage", "90"]);
    assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
    let r = p.results();
    let cov = r["verdicts"]
        .as_array()
        .and_then(|a| a.iter().find(|v| v["kind"] == "coverage"))
        .expect("coverage verdict");
    assert_eq!(cov["outcome"], "failed");
    assert_eq!(cov["source"], "--min-coverage 90");
    // It says what was not covered, not where an imaginary scenario was.
    assert!(
        cov["not_covered"].as_array().is_some_and(|a| !a.is_empty()),
        "{cov}"
    );
    let junit = p.read("reports/junit.xml");
    assert!(!junit.contains("conform.yaml:0"), "{junit}");
    assert!(junit.contains("not covered: response "), "{junit}");
    assert!(r["coverage"]["covered"].as_u64().unwrap_or(0) >= 1);
    let ok = p.run(&["run", "--min-coverage", "0.5"]);
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
}
