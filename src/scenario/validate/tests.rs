//! The validator's tests: one YAML fragment each, with the diagnostics it must give.
use super::*;
use crate::scenario::load::{discover, display_path, parse_file};
use crate::template::TemplateEngine;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::OnceLock;

/// A fixtures folder shared by the tests: `orders/valid.json`, `broken.json`, `order.schema.json`.
fn fixtures() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("conform-scenario-tests-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("orders")).expect("create fixtures dir");
        std::fs::write(
            dir.join("orders/valid.json"),
            r#"{"customer_id": "c1", "ref": "{{ unique('o') }}"}"#,
        )
        .expect("write fixture");
        std::fs::write(
            dir.join("orders/needs_var.json"),
            r#"{"customer_id": "{{ customer }}"}"#,
        )
        .expect("write");
        std::fs::write(dir.join("broken.json"), "{not json").expect("write fixture");
        std::fs::write(dir.join("order.schema.json"), r#"{"type": "object"}"#)
            .expect("write schema");
        std::fs::create_dir_all(dir.join("schemas")).expect("create fixtures dir");
        std::fs::write(dir.join("schemas/order.json"), r#"{"type": "object"}"#)
            .expect("write schema");
        dir
    })
}

fn engine() -> &'static TemplateEngine {
    static T: OnceLock<TemplateEngine> = OnceLock::new();
    T.get_or_init(|| TemplateEngine::new("test"))
}

#[test]
fn optional_variables_are_needs_not_errors() {
    let y = "vars:\n  f: \"{{ file_need }}\"\nscenarios:\n  - name: a\n    steps:\n      - assert: [{value: \"{{ ro_id }}\", equals: x}]\n  - name: b\n    vars: {ro_id: own}\n    steps:\n      - assert: [{value: \"{{ ro_id }} {{ nope }}\", equals: x}]\n";
    let ctx = ValidationContext {
        fixtures_dir: fixtures(),
        known_vars: BTreeSet::new(),
        optional_vars: BTreeSet::from(["ro_id".to_string(), "file_need".to_string()]),
        templates: engine(),
    };
    let (doc, diags) = parse_file("t.yaml", y);
    assert!(diags.is_empty());
    let doc = doc.expect("parses");
    let (diags, needs) = validate_doc_with_needs("t.yaml", y, &doc, &ctx);
    let msgs: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
    assert_eq!(msgs, ["undefined variable `nope`"]);
    assert_eq!(
        needs,
        [
            BTreeSet::from(["file_need".to_string(), "ro_id".to_string()]),
            BTreeSet::from(["file_need".to_string()]),
        ]
    );
}

/// All diagnostics of one file as `line:col: severity: message`.
fn check(yaml: &str) -> Vec<String> {
    let ctx = ValidationContext {
        fixtures_dir: fixtures(),
        known_vars: BTreeSet::from(["api_key".to_string()]),
        optional_vars: BTreeSet::new(),
        templates: engine(),
    };
    let (doc, mut diags) = parse_file("t.yaml", yaml);
    if let Some(doc) = doc {
        diags.extend(validate_doc("t.yaml", yaml, &doc, &ctx));
    }
    diags
        .iter()
        .map(|d| {
            format!(
                "{}:{}: {}: {}",
                d.location.line,
                d.location.column,
                d.severity.as_str(),
                d.message
            )
        })
        .collect()
}

fn ok(yaml: &str) {
    let d = check(yaml);
    assert!(d.is_empty(), "expected no diagnostics, got {d:#?}");
}

/// Wraps steps (already indented by 6) in a file with one scenario.
fn steps(body: &str) -> String {
    format!("scenarios:\n  - name: s\n    steps:\n{body}")
}

#[test]
fn accepts_a_complete_file() {
    ok(r#"suite: orders
vars:
  customer: c-1
scenarios:
  - name: create and read
    requires: [orders]
    covers: [ORD-1]
    vars:
      amount: 10
    setup:
      - subscribe_webhooks: {events: [order.created]}
    steps:
      - name: create
        request:
          method: POST
          path: /orders
          headers: {X-Request-ID: null, X-Trace: "{{ uuid() }}", Authorization: "Key {{ api_key }}"}
          fixture: orders/valid.json
          patch: {customer_id: "{{ customer }}", amount: "{{ amount }}"}
        expect:
          status: 201
          headers: {Location: {matches: "^/orders/"}}
          body:
            - {path: $.id, type: string}
            - {path: "$.items[?@.qty > 1]", exists: true}
          schema: order.schema.json
          latency: 2s
        capture:
          order_id: $.id
          loc: {header: Location}
          code: {status: true}
      - group:
          - request: {method: GET, path: "/orders/{{ order_id }}"}
            capture: {a: $.id}
          - request: {method: GET, path: "/orders/{{ order_id }}"}
            capture: {b: $.id}
      - assert:
          - {value: "{{ a }}", equals: "{{ b }}"}
      - request: {method: GET, path: /limited}
        repeat: {times: 50, until: {status: 429}, concurrency: 5}
        expect: {status: 429}
      - wait: retry_after
      - request: {method: GET, path: "/orders/{{ order_id }}"}
        poll: {timeout: 10s, interval: 500ms}
        expect: {body: [{path: $.status, equals: shipped}]}
      - expect_webhook:
          event: order.created
          where: [{path: $.data.id, equals: "{{ order_id }}"}]
          capture: {event_id: $.id}
      - webhook_reply: {event: order.created, status: 503, times: 2}
      - request: {method: DELETE, path: "/webhooks/{{ webhook_id }}", auth: none}
        contract: false
        timeout: 5s
    teardown:
      - request: {method: DELETE, path: "/orders/{{ order_id }}?e={{ event_id }}&s={{ webhook_secret }}"}
"#);
}

#[test]
fn yaml_syntax_error() {
    assert_eq!(
        check("scenarios:\n  - name: x\n  steps: 1\n"),
        ["3:3: error: while parsing a block collection, did not find expected '-' indicator (at `scenarios`)"]
    );
}

#[test]
fn unknown_field_with_suggestion_and_key_path() {
    let y = steps("      - request: {method: GET, path: /a}\n        expcet: {status: 200}\n");
    assert_eq!(check(&y), ["5:9: error: unknown field `expcet`, did you mean `expect`? (at `scenarios[0].steps[0]`)"]);
    assert_eq!(
        check("scenarios: []\nzzz: 1\n"),
        ["2:1: error: unknown field `zzz`, expected one of `suite`, `description`, `tags`, `requires`, `vars`, `scenarios`"]
    );
}

#[test]
fn reports_every_broken_scenario_and_step() {
    let y = "scenarios:\n  - name: a\n    steps:\n      - requets: {}\n      - wait: 1s\n      - wiat: 2s\n  - name: b\n    tagz: []\n";
    assert_eq!(
        check(y),
        [
            "4:9: error: unknown field `requets`, did you mean `request`? (at `scenarios[0].steps[0]`)",
            "6:9: error: unknown field `wiat`, did you mean `wait`? (at `scenarios[0].steps[2]`)",
            "8:5: error: unknown field `tagz`, did you mean `tags`? (at `scenarios[1]`)",
        ]
    );
}

#[test]
fn wrong_types() {
    let y = steps("      - request: {method: GET, path: /a}\n        repeat: {times: lots}\n");
    assert_eq!(
        check(&y),
        ["5:25: error: expected a non-negative integer or a template such as `{{ (limit | int) * 2 }}` (at `scenarios[0].steps[0].repeat.times`)"]
    );
    let y = steps("      - request: {method: GET, path: /a}\n        expect: {status: 99}\n");
    assert_eq!(check(&y), ["5:26: error: status 99 is not an HTTP status (100-599) (at `scenarios[0].steps[0].expect.status`)"]);
}

#[test]
fn step_must_do_exactly_one_thing() {
    let y = steps("      - name: nothing\n");
    assert_eq!(
        check(&y),
        ["4:9: error: a step must do exactly one of `request`, `group`, `wait`, `assert`, `subscribe_webhooks`, `expect_webhook` or `webhook_reply`"]
    );
    let y = steps("      - request: {method: GET, path: /a}\n        wait: 1s\n");
    assert_eq!(
        check(&y),
        ["4:9: error: a step must do exactly one thing, but this one has `request` and `wait`; split it into several steps"]
    );
    let y = steps("      - wait: 1s\n        expect: {status: 200}\n");
    assert_eq!(
        check(&y),
        ["5:17: error: `expect` is only allowed in a step with a `request`"]
    );
    let y = steps("      - request: {method: GET, path: /a}\n        repeat: {times: 2}\n        poll: {timeout: 1s}\n");
    assert_eq!(
        check(&y),
        ["6:15: error: `repeat` and `poll` cannot be combined in one step"]
    );
}

#[test]
fn group_members_must_be_requests() {
    let y = steps(
        "      - group:\n          - wait: 1s\n          - request: {method: GET, path: /a}\n",
    );
    assert_eq!(
        check(&y),
        ["5:13: error: each `group` member must be a step with a `request` (and nothing else)"]
    );
    let y = steps("      - group: []\n");
    assert_eq!(
        check(&y),
        ["4:9: error: `group` is empty: list the requests to send at the same moment"]
    );
}

#[test]
fn group_members_do_not_see_each_others_captures() {
    let y = steps(
        "      - group:\n          - request: {method: GET, path: /a}\n            capture: {a: $.id}\n          - request: {method: GET, path: \"/b/{{ a }}\"}\n",
    );
    assert_eq!(
        check(&y),
        ["7:42: error: variable `a` is used before it is defined (it is captured at line 6)"]
    );
}

#[test]
fn http_methods() {
    let y = steps("      - request: {method: PSOT, path: /a}\n");
    assert_eq!(
        check(&y),
        ["4:27: error: unknown HTTP method `PSOT`, did you mean `POST`?"]
    );
    let y = steps("      - request: {method: get, path: /a}\n");
    assert_eq!(
        check(&y),
        ["4:27: error: unknown HTTP method `get`, did you mean `GET`?"]
    );
    let y = steps("      - request: {method: BREW, path: /a}\n");
    assert_eq!(
        check(&y),
        ["4:27: error: unknown HTTP method `BREW`, expected one of `GET`, `POST`, `PUT`, `PATCH`, `DELETE`, `HEAD` or `OPTIONS`"]
    );
    for m in METHODS {
        ok(&steps(&format!(
            "      - request: {{method: {m}, path: /a}}\n"
        )));
    }
}

#[test]
fn request_bodies() {
    let y = steps("      - request:\n          method: POST\n          path: /a\n          json: {a: 1}\n          body: \"x\"\n");
    assert_eq!(
        check(&y),
        ["8:17: error: a request has at most one body, but this one has `json` and `body` (use one of `json`, `fixture`, `body`, `form`)"]
    );
    let y = steps("      - request:\n          method: POST\n          path: /a\n          body: \"x\"\n          patch: {a: 1}\n");
    assert_eq!(
        check(&y),
        ["8:18: error: `patch` needs a `json` or `fixture` body to apply to"]
    );
    ok(&steps("      - request:\n          method: POST\n          path: /a\n          json: {a: 1}\n          patch: {a: null}\n"));
    ok(&steps("      - request:\n          method: POST\n          path: /a\n          form: {a: \"{{ api_key }}\"}\n"));
}

#[test]
fn request_paths() {
    let y = steps("      - request: {method: GET, path: orders}\n");
    assert_eq!(
        check(&y),
        ["4:38: error: request path `orders` must start with `/` (relative to the base URL) or be an absolute URL"]
    );
    ok(&steps(
        "      - request: {method: GET, path: \"https://other.example/x\"}\n",
    ));
}

#[test]
fn invalid_regexes() {
    let y = steps("      - request: {method: GET, path: /a}\n        expect:\n          body: [{path: $.a, matches: \"(\"}]\n          headers: {X-A: {matches: \"[\"}}\n        capture: {c: {header: X, regex: \"a)\"}}\n");
    assert_eq!(
        check(&y),
        [
            "6:39: error: invalid regex `(`: unclosed group",
            "7:26: error: invalid regex `[`: unclosed character class",
            "8:22: error: invalid regex `a)`: unopened group",
        ]
    );
}

#[test]
fn invalid_json_paths() {
    let y = steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: \"$.a[\", exists: true}]}\n        capture: {c: \"$..[\"}\n");
    let d = check(&y);
    assert_eq!(d.len(), 2, "{d:#?}");
    assert!(
        d[0].starts_with("5:32: error: invalid JSONPath `$.a[`: "),
        "{}",
        d[0]
    );
    assert!(
        d[1].starts_with("6:22: error: invalid JSONPath `$..[`: "),
        "{}",
        d[1]
    );
    // Templated paths are checked for their variables only.
    ok(&steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: \"$.items[?@.id == '{{ api_key }}']\", exists: true}]}\n"));
}

#[test]
fn a_json_path_without_its_root_says_so() {
    let y = steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: \"validation[*].code\", exists: true}]}\n");
    assert_eq!(
        check(&y),
        ["5:32: error: invalid JSONPath `validation[*].code`: a path starts with `$` (the root), e.g. `$.validation[*].code`"]
    );
}

#[test]
fn check_path_or_value_and_operators() {
    let y = steps("      - request: {method: GET, path: /a}\n        expect: {body: [{equals: 1}, {path: $.a}, {path: $.b, value: 1, exists: true}]}\n");
    assert_eq!(
        check(&y),
        [
            "5:25: error: this check needs `path` (a JSONPath such as `$.id`)",
            "5:38: error: a check needs an operator: `equals`, `not_equals`, `matches`, `exists`, `type`, `length`, `contains`, `lt`, `lte`, `gt`, `gte`, `count`, `all` or `any`",
            "5:70: error: `value` is only allowed in `assert`; here use `path`",
        ]
    );
    let y = steps("      - assert:\n          - {path: $.a, equals: 1}\n");
    assert_eq!(
        check(&y),
        [
            "5:13: error: an `assert` check needs `value` (such as `\"{{ order_id }}\"`)",
            "5:20: error: `path` is not allowed in `assert`; check a variable with `value`",
        ]
    );
    let y = steps("      - expect_webhook: {event: e, where: [{value: 1, equals: 1}]}\n");
    assert_eq!(
        check(&y),
        [
            "4:44: error: this check needs `path` (a JSONPath such as `$.id`)",
            "4:52: error: `value` is only allowed in `assert`; here use `path`"
        ]
    );
}

#[test]
fn nodelist_operators() {
    ok(&steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: \"$.a[*]\", count: 2, all: {type: integer}, any: {gt: 1}}]}\n"));
    let y = steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: \"$.a[*]\", all: {path: $.b, equals: 1}, any: {count: 1}}]}\n");
    let got = check(&y);
    assert_eq!(
        got,
        [
            "5:47: error: `path` is not allowed inside `all`/`any`: their operators apply to each element",
            "5:84: error: `count` is not allowed inside `all`/`any`",
        ]
    );
    let y = steps("      - assert:\n          - {value: 1, count: 1}\n");
    assert_eq!(
        check(&y),
        ["5:31: error: `count` counts the nodes a JSONPath selects; in `assert` use `length`"]
    );
}

#[test]
fn check_types() {
    let y = steps("      - request: {method: GET, path: /a}\n        expect: {body: [{path: $.a, type: str}, {path: $.b, type: date}]}\n");
    assert_eq!(
        check(&y),
        [
            "5:43: error: unknown type `str`, did you mean `string`?",
            "5:67: error: unknown type `date`, expected one of `string`, `number`, `integer`, `boolean`, `array`, `object` or `null`",
        ]
    );
    for t in CHECK_TYPES {
        ok(&steps(&format!("      - request: {{method: GET, path: /a}}\n        expect: {{body: [{{path: $.a, type: {t}}}]}}\n")));
    }
}

#[test]
fn fixture_and_schema_files() {
    let y = steps("      - request: {method: POST, path: /a, fixture: orders/missing.json}\n        expect: {schema: nope.json}\n");
    let dir = display_path(fixtures());
    assert_eq!(
        check(&y),
        [
            format!(
                "4:52: error: fixture file `orders/missing.json` not found (looked in `{dir}`)"
            ),
            format!("5:26: error: schema file `nope.json` not found (looked in `{dir}`)"),
        ]
    );
    let y = steps("      - request: {method: POST, path: /a, fixture: broken.json}\n");
    assert_eq!(
        check(&y),
        ["4:52: error: fixture file `broken.json` is not valid JSON: key must be a string at line 1 column 2"]
    );
    // A fixture's own templates must be defined where it is used.
    let y = steps("      - request: {method: POST, path: /a, fixture: orders/needs_var.json}\n");
    assert_eq!(check(&y), ["4:52: error: undefined variable `customer`"]);
}

#[test]
fn template_syntax_errors() {
    let y = steps("      - request: {method: GET, path: \"/a/{{ x\"}\n");
    let d = check(&y);
    assert_eq!(d.len(), 1, "{d:#?}");
    assert!(
        d[0].starts_with("4:38: error: invalid template `/a/{{ x`: syntax error: "),
        "{}",
        d[0]
    );
    let y = steps("      - assert: [{value: \"{{ 1 + }}\", equals: 1}]\n");
    let d = check(&y);
    assert!(
        d.len() == 1 && d[0].starts_with("4:26: error: invalid template `{{ 1 + }}`"),
        "{d:#?}"
    );
}

#[test]
fn variables_used_before_defined() {
    let y = steps(
        "      - request: {method: GET, path: \"/o/{{ order_id }}\"}\n      - request: {method: POST, path: /o}\n        capture: {order_id: $.id}\n      - request: {method: GET, path: \"/o/{{ ordr_id }}\"}\n      - assert: [{value: \"{{ nope }}\", exists: true}]\n",
    );
    assert_eq!(
        check(&y),
        [
            "4:38: error: variable `order_id` is used before it is defined (it is captured at line 6)",
            "7:38: error: undefined variable `ordr_id`, did you mean `order_id`?",
            "8:26: error: undefined variable `nope`",
        ]
    );
    // File vars, scenario vars (in order), known vars and builtins.
    ok("vars: {a: \"{{ api_key }}\"}\nscenarios:\n  - name: s\n    vars: {b: \"{{ a }}\", c: \"{{ b }}-{{ run_id }}\"}\n    steps:\n      - request: {method: GET, path: \"/{{ c }}/{{ env('HOME', 'x') }}/{{ now() }}/{{ now_unix() }}/{{ unique('u') }}\"}\n");
    let y =
        "scenarios:\n  - name: s\n    vars: {b: \"{{ c }}\", c: 1}\n    steps:\n      - wait: 1s\n";
    assert_eq!(check(y), ["3:15: error: undefined variable `c`"]);
}

#[test]
fn webhook_steps_define_variables() {
    ok(&steps("      - subscribe_webhooks: {events: [a], capture_id: sub}\n      - request: {method: DELETE, path: \"/w/{{ sub }}?s={{ webhook_secret }}\"}\n"));
    let y = steps("      - request: {method: DELETE, path: \"/w/{{ webhook_id }}\"}\n      - subscribe_webhooks: {events: []}\n");
    assert_eq!(
        check(&y),
        [
            "4:41: error: variable `webhook_id` is used before it is defined (it is captured at line 5)",
            "5:29: error: `subscribe_webhooks.events` is empty: list the events to receive",
        ]
    );
    let y = steps("      - expect_webhook: {event: e, count: 1, at_least: 2}\n      - webhook_reply: {event: e, times: 0, status: 42}\n");
    assert_eq!(
        check(&y),
        [
            "4:25: error: `count` and `at_least` cannot be combined",
            "5:24: error: status 42 is not an HTTP status (100-599)",
            "5:24: error: `webhook_reply.times` must be at least 1",
        ]
    );
}

#[test]
fn webhook_attempts_owners_and_templated_durations() {
    ok(&steps("      - subscribe_webhooks: {events: [a], auth: other}\n      - webhook_reply: {event: a, times: 1, delay: \"{{ api_key }} 1s\"}\n      - expect_webhook:\n          event: a\n          attempts: 3\n          within: \"{{ api_key }}\"\n          capture: {t3: {header: X-Webhook-Timestamp, attempt: 3}, t1: {header: X-Webhook-Timestamp}}\n      - assert: [{value: \"{{ t3 }}\", equals: \"{{ t1 }}\"}]\n"));
    let y = steps("      - subscribe_webhooks: {events: [a], auth: none}\n      - request: {method: GET, path: /a}\n        capture: {x: {header: A, attempt: 2}}\n      - expect_webhook: {event: a, within: \"{{ nope }}\", capture: {y: {path: $.a, attempt: 0}}}\n");
    assert_eq!(
        check(&y),
        [
            "4:49: error: `subscribe_webhooks.auth` is `none`: name a client of the environment (`default`, `other`, ...)",
            "6:22: error: a capture's `attempt` is only for `expect_webhook` (a response has no attempts)",
            "7:44: error: undefined variable `nope`",
            "7:71: error: a capture's `attempt` counts from 1 (the first delivery of the event)",
        ]
    );
    let y = steps("      - webhook_reply: {event: a, times: 1, delay: soon}\n");
    assert_eq!(
        check(&y),
        ["4:52: error: invalid duration `soon`: expected number at 0 (at `scenarios[0].steps[0].webhook_reply.delay`)"]
    );
}

#[test]
fn webhook_subscription_filters_and_retries_stopped() {
    ok(&steps("      - subscribe_webhooks: {events: [a]}\n      - webhook_reply: {event: a, times: 9, subscription: \"{{ webhook_id }}\"}\n      - expect_webhook: {event: a, subscription: \"{{ webhook_id }}\", retries_stopped: true, schedule: [1m, 5m]}\n"));
    let y = steps("      - webhook_reply: {event: a, times: 1, subscription: \"{{ later }}\"}\n      - expect_webhook: {event: a, subscription: \"\", retries_stopped: true, count: 0, within: 1s}\n");
    assert_eq!(
        check(&y),
        [
            "4:59: error: undefined variable `later`",
            "5:25: error: `retries_stopped` needs the `schedule` it waits out (e.g. `[1m, 5m, 30m, 2h]`)",
            "5:25: error: `retries_stopped` cannot be combined with `count` (it expects no attempt, and waits as long as the `schedule` says)",
            "5:25: error: `retries_stopped` cannot be combined with `within` (it expects no attempt, and waits as long as the `schedule` says)",
            "5:50: error: `subscription` is empty: name a subscription id, e.g. `\"{{ webhook_id }}\"`",
        ]
    );
}

#[test]
fn teardown_sees_captures_of_steps() {
    let y = "scenarios:\n  - name: s\n    setup:\n      - request: {method: GET, path: \"/{{ late }}\"}\n    steps:\n      - request: {method: POST, path: /o}\n        capture: {late: $.id}\n    teardown:\n      - request: {method: DELETE, path: \"/{{ late }}\"}\n";
    assert_eq!(
        check(y),
        ["4:38: error: variable `late` is used before it is defined (it is captured at line 7)"]
    );
}

#[test]
fn duplicate_and_empty_scenarios() {
    let y =
        "scenarios:\n  - name: a\n    steps: [{wait: 1s}]\n  - name: a\n    steps: [{wait: 1s}]\n";
    assert_eq!(
        check(y),
        ["4:11: error: duplicate scenario name `a` (first defined at line 2)"]
    );
    assert_eq!(
        check("suite: x\nscenarios: []\n"),
        ["2:1: error: `scenarios` is empty: a file needs at least one scenario"]
    );
    assert_eq!(
        check("scenarios:\n  - name: a\n"),
        ["2:11: warning: scenario `a` has no steps"]
    );
    assert_eq!(
        check(""),
        ["1:1: error: the file is empty: expected a mapping with `scenarios`"]
    );
}

#[test]
fn capture_names_must_be_identifiers() {
    let y = steps("      - request: {method: GET, path: /a}\n        capture: {order-id: $.id}\n");
    assert_eq!(check(&y), ["5:29: error: capture name `order-id` is not a valid identifier (use letters, digits and `_`)"]);
}

#[test]
fn load_and_validate_reads_files_and_dirs() {
    let dir = std::env::temp_dir().join(format!("conform-scenario-load-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
    std::fs::write(
        dir.join("b.yaml"),
        "scenarios:\n  - name: b\n    steps: [{wait: 1s}]\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("sub/a.yml"),
        "scenarios:\n  - name: a\n    steps: [{wiat: 1s}]\n",
    )
    .expect("write");
    std::fs::write(dir.join("notes.txt"), "not a scenario").expect("write");
    let found = discover(std::slice::from_ref(&dir)).expect("discover");
    assert_eq!(found, vec![dir.join("b.yaml"), dir.join("sub/a.yml")]);
    let ctx = ValidationContext {
        fixtures_dir: fixtures(),
        known_vars: BTreeSet::new(),
        optional_vars: BTreeSet::new(),
        templates: engine(),
    };
    let missing = dir.join("missing.yaml");
    let (files, diags) = load_and_validate(&[dir.clone(), missing.clone()], &ctx);
    assert_eq!(files.len(), 1);
    assert_eq!(
        files[0].scenario_id("b"),
        format!("{}::b", display_path(&dir.join("b.yaml")))
    );
    let rendered: Vec<String> = diags.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        [
            format!(
                "{}:3:14: error: unknown field `wiat`, did you mean `wait`? (at `scenarios[0].steps`)",
                display_path(&dir.join("sub/a.yml"))
            ),
            format!(
                "{}: error: failed to find scenarios: `{}` does not exist",
                display_path(&missing),
                missing.display()
            ),
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// Every example in `docs/scenarios.md` is valid (apart from variables a fragment
/// takes from context it does not show).
#[test]
fn documentation_examples_validate() {
    let doc = include_str!("../../../docs/scenarios.md");
    let mut checked = 0;
    for block in doc.split("```yaml\n").skip(1) {
        let Some((yaml, _)) = block.split_once("```") else {
            continue;
        };
        let indent = |s: &str, n: usize| -> String {
            s.lines()
                .map(|l| format!("{}{l}\n", " ".repeat(n)))
                .collect()
        };
        let wrapped = if yaml.starts_with("scenarios:") || yaml.starts_with("suite:") {
            yaml.to_string()
        } else if yaml.starts_with("- ") {
            steps(&indent(yaml, 6))
        } else if yaml.starts_with("expect:") || yaml.starts_with("capture:") {
            steps(&format!(
                "      - request: {{method: GET, path: /x}}\n{}",
                indent(yaml, 8)
            ))
        } else if yaml.starts_with("body:") {
            steps(&format!(
                "      - request: {{method: GET, path: /x}}\n        expect:\n{}",
                indent(yaml, 10)
            ))
        } else {
            continue;
        };
        checked += 1;
        let problems: Vec<String> = check(&wrapped)
            .into_iter()
            .filter(|d| {
                !d.contains("undefined variable") && !d.contains("used before it is defined")
            })
            .collect();
        assert!(
            problems.is_empty(),
            "example:\n{wrapped}\nproblems: {problems:#?}"
        );
    }
    assert!(checked >= 15, "only {checked} examples checked");
}

/// The shipped suite validates against the shipped fixtures and the variables of the
/// shipped `local` environment.
#[test]
fn shipped_suite_validates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = crate::config::Config::load(&root.join("conform.yaml")).expect("conform.yaml");
    let mut known: BTreeSet<String> = config
        .doc
        .environments
        .get("local")
        .map(|e| e.value.vars.keys().cloned().collect())
        .unwrap_or_default();
    known.extend(["base_url".to_string(), "env_name".to_string()]);
    let optional = config
        .environment_names()
        .into_keys()
        .filter(|n| !known.contains(n))
        .collect();
    let ctx = ValidationContext {
        fixtures_dir: &root.join("fixtures"),
        known_vars: known,
        optional_vars: optional,
        templates: engine(),
    };
    let (files, diags) = load_and_validate(&[root.join("scenarios")], &ctx);
    let sources: BTreeMap<String, Arc<str>> = files
        .iter()
        .map(|f| (f.display_path(), f.source.clone()))
        .collect();
    let out = crate::scenario::render_diagnostics(&diags, &|f| sources.get(f).cloned(), false);
    assert!(diags.is_empty(), "{out}");
}
