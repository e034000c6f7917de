//! End to end: the real binary against a local server — exit codes, every expectation operator
//! passing and failing, errors versus failures, skips, teardown, JUnit validity.
use crate::common::*;
use serde_json::Value;

fn outcomes(p: &Project) -> Vec<(String, String)> {
    let r = p.results();
    r["scenarios"]
        .as_array()
        .expect("scenarios")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or("").to_string(),
                s["outcome"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

/// One scenario per operator, written so that it passes (`want = true`) or fails.
fn operator_cases() -> Vec<(&'static str, &'static str, bool)> {
    vec![
        ("status value", "status: 200", true),
        ("status value fails", "status: 201", false),
        ("status list", "status: [200, 201]", true),
        ("status list fails", "status: [201, 204]", false),
        ("status class", "status: 2xx", true),
        ("status class fails", "status: 4xx", false),
        ("header equals", "headers: {X-API-Version: '1'}", true),
        (
            "header equals fails",
            "headers: {X-API-Version: '2'}",
            false,
        ),
        (
            "header present",
            "headers: {Location: {present: true}}",
            true,
        ),
        (
            "header present fails",
            "headers: {Retry-After: {present: true}}",
            false,
        ),
        (
            "header absent",
            "headers: {Retry-After: {absent: true}}",
            true,
        ),
        (
            "header absent fails",
            "headers: {Location: {absent: true}}",
            false,
        ),
        (
            "header matches",
            "headers: {Location: {matches: 'ORD-\\d{8}$'}}",
            true,
        ),
        (
            "header matches fails",
            "headers: {Location: {matches: '^x'}}",
            false,
        ),
        ("equals", "body: [{path: $.status, equals: pending}]", true),
        (
            "equals fails",
            "body: [{path: $.status, equals: shipped}]",
            false,
        ),
        (
            "not_equals",
            "body: [{path: $.status, not_equals: shipped}]",
            true,
        ),
        (
            "not_equals fails",
            "body: [{path: $.status, not_equals: pending}]",
            false,
        ),
        (
            "matches",
            "body: [{path: $.order_id, matches: '^ORD-\\d{8}$'}]",
            true,
        ),
        (
            "matches fails",
            "body: [{path: $.order_id, matches: '^ORD-\\d{3}$'}]",
            false,
        ),
        ("exists", "body: [{path: $.note, exists: true}]", true),
        (
            "exists fails",
            "body: [{path: $.missing, exists: true}]",
            false,
        ),
        ("type", "body: [{path: $.items, type: array}]", true),
        ("type fails", "body: [{path: $.items, type: object}]", false),
        ("length", "body: [{path: $.items, length: 2}]", true),
        ("length fails", "body: [{path: $.items, length: 3}]", false),
        ("contains", "body: [{path: $.tags, contains: b}]", true),
        (
            "contains fails",
            "body: [{path: $.tags, contains: z}]",
            false,
        ),
        ("lt", "body: [{path: $.total_amount, lt: 70}]", true),
        (
            "lt fails",
            "body: [{path: $.total_amount, lt: 69.48}]",
            false,
        ),
        ("lte", "body: [{path: $.total_amount, lte: 69.48}]", true),
        (
            "lte fails",
            "body: [{path: $.total_amount, lte: 69}]",
            false,
        ),
        ("gt", "body: [{path: $.total_amount, gt: 69}]", true),
        (
            "gt fails",
            "body: [{path: $.total_amount, gt: 69.48}]",
            false,
        ),
        ("gte", "body: [{path: $.total_amount, gte: 69.48}]", true),
        (
            "gte fails",
            "body: [{path: $.total_amount, gte: 70}]",
            false,
        ),
        (
            "json subset",
            "json: {status: pending, items: [{product_id: SKU-001}, {quantity: 1}]}",
            true,
        ),
        (
            "json subset fails",
            "json: {status: pending, items: [{product_id: SKU-009}, {}]}",
            false,
        ),
        ("schema", "schema: order.schema.json", true),
        ("schema fails", "schema: strict.schema.json", false),
        ("latency", "latency: 5s", true),
        ("latency fails", "latency: 0ms", false),
        // RFC 9535: a non-singular query is a list, also when it matched one node.
        (
            "filter one node is a list",
            "body: [{path: \"$.items[?@.product_id == 'SKU-001'].quantity\", equals: [2]}]",
            true,
        ),
        (
            "filter one node is not a value",
            "body: [{path: \"$.items[?@.product_id == 'SKU-001'].quantity\", equals: 2}]",
            false,
        ),
        (
            "singular is a value",
            "body: [{path: \"$.items[0].quantity\", equals: 2}]",
            true,
        ),
        ("count", "body: [{path: \"$.items[*]\", count: 2}]", true),
        (
            "count fails",
            "body: [{path: \"$.items[?@.quantity > 5]\", count: 1}]",
            false,
        ),
        (
            "all",
            "body: [{path: \"$.items[*].quantity\", all: {type: integer, gt: 0}}]",
            true,
        ),
        (
            "all fails",
            "body: [{path: \"$.items[*].quantity\", all: {gt: 1}}]",
            false,
        ),
        (
            "any",
            "body: [{path: \"$.items[*].product_id\", any: {equals: SKU-002}}]",
            true,
        ),
        (
            "any fails",
            "body: [{path: \"$.items[*].product_id\", any: {equals: SKU-009}}]",
            false,
        ),
        (
            "nodelist contains",
            "body: [{path: \"$.items[*].product_id\", contains: SKU-002}]",
            true,
        ),
        (
            "empty nodelist does not exist",
            "body: [{path: \"$.items[?@.quantity > 5]\", exists: false}]",
            true,
        ),
    ]
}

#[test]
fn every_operator_passes_and_fails() {
    let server = start_server();
    let p = Project::new(&server.url());
    let mut yaml = String::from("scenarios:\n");
    for (name, expect, _) in operator_cases() {
        yaml.push_str(&format!(
            "  - name: {name}\n    steps:\n      - request: {{method: GET, path: /order}}\n        expect: {{{expect}}}\n"
        ));
    }
    p.file("scenarios/ops.yaml", &yaml);
    p.file("fixtures/order.schema.json", r#"{"type":"object","required":["order_id","status"],"properties":{"order_id":{"type":"string","pattern":"^ORD-\\d{8}$"}}}"#);
    p.file(
        "fixtures/strict.schema.json",
        r#"{"type":"object","required":["customer_id"]}"#,
    );
    let out = p.run(&["run", "--jobs", "4"]);
    assert_eq!(
        out.code, 1,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let got = outcomes(&p);
    for (name, _, want) in operator_cases() {
        let outcome = got.iter().find(|(n, _)| n == name).map(|(_, o)| o.as_str());
        let expected = if want { "passed" } else { "failed" };
        assert_eq!(outcome, Some(expected), "scenario `{name}`");
    }
}

#[test]
fn exit_zero_when_everything_passes_and_captures_flow() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file(
        "scenarios/ok.yaml",
        r#"scenarios:
  - name: capture and reuse
    vars:
      greeting: hello
      count: 3
    steps:
      - request: {method: GET, path: /order}
        expect: {status: 200}
        capture:
          order_id: $.order_id
          location: {header: Location}
          number: {header: Location, regex: 'ORD-(\d+)'}
      - request:
          method: POST
          path: /echo
          headers: {X-Order: "{{ order_id }}"}
          json: {n: "{{ count }}", who: "{{ greeting }} {{ number }}"}
        expect:
          status: 200
          body:
            - path: $.headers['x-order']
              equals: ORD-12345678
            - path: $.body
              equals: '{"n":3,"who":"hello 12345678"}'
            - path: $.headers['x-request-id']
              matches: '^[0-9a-f-]{36}$'
      - assert:
          - value: "{{ location }}"
            equals: /api/v1/orders/ORD-12345678
"#,
    );
    let out = p.run(&["run"]);
    assert_eq!(
        out.code, 0,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(out.stdout.contains("PASS"), "{}", out.stdout);
}

#[test]
fn errors_are_not_failures_and_every_report_is_written() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file(
        "scenarios/mixed.yaml",
        r#"scenarios:
  - name: refused connection
    steps:
      - request: {method: GET, path: "http://127.0.0.1:9/nothing"}
        expect: {status: 200}
  - name: stalled response
    steps:
      - request: {method: GET, path: /stall}
        timeout: 300ms
        expect: {status: 200}
  - name: not json
    steps:
      - request: {method: GET, path: /not-json}
        expect:
          body: [{path: $.a, exists: true}]
  - name: needs a capability
    requires: [webhooks]
    steps:
      - request: {method: GET, path: /order}
  - name: teardown after failure
    steps:
      - request: {method: GET, path: /status/500}
        expect: {status: 200}
      - request: {method: GET, path: /order}
    teardown:
      - name: cleanup
        request: {method: DELETE, path: /status/204}
        expect: {status: 204}
"#,
    );
    let out = p.run(&["run"]);
    assert_eq!(
        out.code, 1,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let r = p.results();
    let by_name = |n: &str| -> Value {
        r["scenarios"]
            .as_array()
            .and_then(|a| a.iter().find(|s| s["name"] == n).cloned())
            .unwrap_or(Value::Null)
    };
    let refused = by_name("refused connection");
    assert_eq!(refused["outcome"], "errored");
    let err = refused["steps"][0]["error"].as_str().unwrap_or("");
    assert!(err.contains("failed to connect to 127.0.0.1:9"), "{err}");
    let stalled = by_name("stalled response");
    assert_eq!(stalled["outcome"], "errored");
    assert!(
        stalled["steps"][0]["error"]
            .as_str()
            .unwrap_or("")
            .contains("timed out"),
        "{stalled}"
    );
    let nj = by_name("not json");
    assert_eq!(nj["outcome"], "failed");
    assert!(
        nj["steps"][0]["checks"][0]["actual"]
            .as_str()
            .unwrap_or("")
            .contains("not valid JSON although the content type is `application/json`"),
        "{nj}"
    );
    let skipped = by_name("needs a capability");
    assert_eq!(skipped["outcome"], "skipped");
    assert_eq!(skipped["reason"], "environment `test` lacks webhooks");
    let td = by_name("teardown after failure");
    assert_eq!(td["outcome"], "failed");
    let steps = td["steps"].as_array().expect("steps");
    assert_eq!(
        steps.len(),
        2,
        "the second step does not run after a failure, the teardown does: {td}"
    );
    assert_eq!(steps[1]["phase"], "teardown");
    assert_eq!(steps[1]["outcome"], "passed");

    let junit = p.dir.path().join("reports/junit.xml");
    let xml = p.read("reports/junit.xml");
    assert!(xml.contains("<error"), "{xml}");
    assert!(xml.contains("<failure"), "{xml}");
    assert!(
        xml.contains("<skipped message=\"environment `test` lacks webhooks\""),
        "{xml}"
    );
    if let Some(v) = xmllint_validate(&junit) {
        v.expect("junit.xml validates against the Jenkins xunit XSD");
    }
}

/// What conform could not judge is an error, never a failure: a schema file that is not a
/// schema gives an errored check, step and scenario; a template that cannot render at run time
/// is a run error shown at its line with a caret and its cause.
#[test]
fn uncheckable_expectations_and_run_errors_are_errors() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file(
        "scenarios/errors.yaml",
        r#"scenarios:
  - name: schema that is not a schema
    steps:
      - request: {method: GET, path: /order}
        expect:
          status: 200
          schema: not-a.schema.json
  - name: teardown uses a capture that never happened
    steps:
      - request: {method: GET, path: /order}
        capture: {missing: $.no_such_field}
    teardown:
      - request: {method: GET, path: "/status/{{ missing }}"}
"#,
    );
    p.file("fixtures/not-a.schema.json", r#"{"type": 12}"#);
    let out = p.run(&["run"]);
    assert_eq!(
        out.code, 1,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    let r = p.results();
    let schema = &r["scenarios"][0];
    assert_eq!(schema["outcome"], "errored", "{schema:#}");
    let step = &schema["steps"][0];
    assert_eq!(step["outcome"], "errored", "{step:#}");
    assert!(step["error"].is_null(), "the step ran: {step:#}");
    let checks = step["checks"].as_array().expect("checks");
    let status = checks
        .iter()
        .find(|c| c["check"] == "status")
        .expect("status");
    assert_eq!(
        (&status["outcome"], &status["passed"]),
        (&Value::from("passed"), &Value::from(true))
    );
    let bad = checks
        .iter()
        .find(|c| c["check"] == "body schema not-a.schema.json")
        .expect("schema check");
    assert_eq!(bad["outcome"], "errored", "{bad:#}");
    assert_eq!(bad["passed"], false, "{bad:#}");
    assert!(
        bad["actual"]
            .as_str()
            .unwrap_or("")
            .starts_with("invalid schema "),
        "{bad:#}"
    );

    let td = &r["scenarios"][1];
    assert_eq!(td["outcome"], "errored", "{td:#}");
    let teardown = &td["steps"][1];
    assert_eq!(teardown["phase"], "teardown");
    assert_eq!(teardown["outcome"], "errored");
    let error = teardown["error"].as_str().unwrap_or("");
    let lines: Vec<&str> = error.lines().collect();
    assert_eq!(lines.len(), 4, "{error}");
    assert!(
        lines[0].starts_with("scenarios/errors.yaml:13:")
            && lines[0].ends_with(
                ": error: failed to render the request path: undefined variable `missing`"
            ),
        "{error}"
    );
    assert_eq!(
        lines[2], "13 |       - request: {method: GET, path: \"/status/{{ missing }}\"}",
        "{error}"
    );
    assert!(lines[3].trim_end().ends_with('^'), "{error}");
    let caret = lines[3].find('^').unwrap_or(0);
    assert!(
        lines[2][caret..].starts_with('"'),
        "the caret points at the path: {error}"
    );
    // The scenario's reason quotes it on one line.
    let reason = td["reason"].as_str().unwrap_or("");
    assert!(!reason.contains('\n'), "{reason}");
    // The console shows the same picture.
    assert!(
        out.stdout
            .contains("failed to render the request path: undefined variable `missing`")
            && out.stdout.contains("path: \"/status/{{ missing }}\""),
        "{}",
        out.stdout
    );
    let xml = p.read("reports/junit.xml");
    assert!(!xml.contains("<failure message=\"body schema"), "{xml}");
    assert!(xml.contains("<error"), "{xml}");
}

#[test]
fn broken_files_exit_2_with_located_diagnostics_and_nothing_runs() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file(
        "scenarios/bad.yaml",
        "scenarios:\n  - name: typo\n    steps:\n      - request: {method: GET, path: /order}\n        expcet: {status: 200}\n",
    );
    p.file(
        "scenarios/worse.yaml",
        "scenarios:\n  - name: unknown var\n    steps:\n      - request: {method: GET, path: \"/x/{{ nope }}\"}\n",
    );
    let out = p.run(&["run"]);
    assert_eq!(
        out.code, 2,
        "stdout: {}\nstderr: {}",
        out.stdout, out.stderr
    );
    assert!(
        out.stderr
            .contains("scenarios/bad.yaml:5:9: error: unknown field `expcet`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `expect`?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("scenarios/worse.yaml:4:"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("nope"), "{}", out.stderr);
    assert!(
        !p.dir.path().join("reports/results.json").exists(),
        "nothing ran, so no results"
    );
    let v = p.run(&["validate"]);
    assert_eq!(v.code, 2);
    assert!(v.stderr.contains("scenarios/bad.yaml:5:9"), "{}", v.stderr);
}

#[test]
fn config_problems_exit_2() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file(
        "scenarios/a.yaml",
        "scenarios:\n  - name: a\n    steps:\n      - request: {method: GET, path: /order}\n",
    );
    let out = p.run(&["run", "--env", "tset"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown environment `tset`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `test`?"),
        "{}",
        out.stderr
    );
    let empty = tempfile::tempdir().expect("tmp");
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_conform"))
        .arg("run")
        .current_dir(empty.path())
        .env_remove("CONFORM_CONFIG")
        .output()
        .expect("run");
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no conform.yaml"));
}

#[test]
fn list_filters_and_production_refusal() {
    let server = start_server();
    let p = Project::new(&server.url());
    p.file(
        "scenarios/l.yaml",
        "tags: [area]\nscenarios:\n  - name: one\n    tags: [smoke]\n    steps: [{request: {method: GET, path: /order}}]\n  - name: two\n    tags: [destructive]\n    steps: [{request: {method: GET, path: /order}}]\n",
    );
    let out = p.run(&["list", "--tag", "smoke"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("scenarios/l.yaml::one  [area, smoke]"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("::two"), "{}", out.stdout);
    let prod = p.run(&["list", "--env", "prod"]);
    assert!(
        prod.stdout.contains("::two") && prod.stdout.contains("refused on production"),
        "{}",
        prod.stdout
    );
    let run = p.run(&["run", "--env", "prod"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let r = p.results();
    assert_eq!(r["summary"]["skipped"], 1);
    let forced = p.run(&["run", "--env", "prod", "--allow-destructive"]);
    assert_eq!(forced.code, 0);
    assert_eq!(p.results()["summary"]["passed"], 2);
}

#[test]
fn base_url_flag_points_an_environment_elsewhere() {
    let server = start_server();
    let p = Project::new("http://127.0.0.1:9");
    p.file("scenarios/a.yaml", "scenarios:\n  - name: a\n    steps:\n      - request: {method: GET, path: /order}\n        expect: {status: 200}\n");
    // Through the library: the option, not the flag, is what is tested here.
    let (result, events) = p.session(|o| o.base_url = Some(server.url()));
    assert!(result.success(), "{:?}", events.0);
    assert!(
        result.environment.base_url.starts_with(&server.url()),
        "{}",
        result.environment.base_url
    );
}
