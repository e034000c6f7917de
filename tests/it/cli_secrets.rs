//! Secrets never leak: a failing suite run with known secret values (client secret, API key,
//! a webhook secret, tokens) writes no byte of them to stdout, stderr or any report.
use crate::common::*;
use std::process::Command;

const API_KEY: &str = "key-9f8e7d6c5b4a-known";
const WEBHOOK_SECRET: &str = "whsec-known-value-4242";
const CLIENT_SECRET: &str = "sandbox-secret";

#[test]
fn no_secret_reaches_any_output() {
    let sb = SandboxProcess::start(&["--webhook-retry-scale", "0.001"]);
    let p = Project::new(&sb.url);
    p.file(
        "conform.yaml",
        &format!(
            r#"default_env: ext
environments:
  ext:
    base_url: "{}"
    capabilities: [webhooks, sandbox_controls]
    headers:
      X-Api-Key: {{env: T_APIKEY}}
    auth:
      oauth2:
        token_url: /oauth/token
        clients:
          default:
            client_id: {{env: T_ID}}
            client_secret: {{env: T_SECRET}}
    vars:
      client_id: {{env: T_ID}}
      client_secret: {{env: T_SECRET}}
"#,
            sb.url
        ),
    );
    p.file(
        "scenarios/leak.yaml",
        &format!(
            r#"scenarios:
  - name: token by hand, then a failure
    steps:
      - request:
          method: POST
          path: /oauth/token
          auth: none
          form: {{grant_type: client_credentials, client_id: "{{{{ client_id }}}}", client_secret: "{{{{ client_secret }}}}"}}
        expect: {{status: 200}}
        capture: {{token: $.access_token}}
      - request:
          method: GET
          path: /api/v1/orders/ORD-00000000
          auth: none
          headers: {{Authorization: "Bearer {{{{ token }}}}"}}
        expect: {{status: 200}}
  - name: webhook secrets
    steps:
      - subscribe_webhooks: {{events: [order.created]}}
      - request:
          method: POST
          path: /api/v1/webhooks
          json: {{url: "http://127.0.0.1:9/hook", events: [order.created], secret: "{WEBHOOK_SECRET}"}}
        expect: {{status: 500}}
      - request:
          method: POST
          path: /api/v1/orders
          json: {{customer_id: CUST-12345, items: [{{product_id: SKU-001, quantity: 1}}], note: "{{{{ client_secret }}}}"}}
        expect: {{status: 201}}
"#
        ),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args([
            "run",
            "--verbose",
            "--reporter",
            "console,junit,json,html,tap",
            "--color",
            "never",
        ])
        .current_dir(p.dir.path())
        .env("T_ID", "sandbox-client")
        .env("T_SECRET", CLIENT_SECRET)
        .env("T_APIKEY", API_KEY)
        .env_remove("CONFORM_CONFIG")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "the suite fails on purpose");
    let mut outputs = vec![
        (
            "stdout".to_string(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        ),
        (
            "stderr".to_string(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ),
    ];
    for entry in std::fs::read_dir(p.dir.path().join("reports")).expect("reports") {
        let path = entry.expect("entry").path();
        outputs.push((
            path.display().to_string(),
            std::fs::read_to_string(&path).unwrap_or_default(),
        ));
    }
    assert!(
        outputs.len() >= 6,
        "console, junit, json, html and tap were written: {outputs:?}"
    );
    let bearer = regex::Regex::new(r"Bearer ([A-Za-z0-9._~+/=-]{8,})").expect("regex");
    let token_field =
        regex::Regex::new(r#"access_token\\?"\s*:\s*\\?"([^"\\*]{4,})"#).expect("regex");
    for (name, text) in &outputs {
        for secret in [CLIENT_SECRET, API_KEY, WEBHOOK_SECRET] {
            assert!(!text.contains(secret), "{name} leaks {secret}");
        }
        if let Some(c) = bearer.captures(text) {
            panic!("{name} leaks a bearer token: {}", &c[0]);
        }
        if let Some(c) = token_field.captures(text) {
            panic!("{name} leaks an access token: {}", &c[0]);
        }
    }
    let results = p.read("reports/results.json");
    assert!(results.contains("***"), "redaction marks are visible");
}
