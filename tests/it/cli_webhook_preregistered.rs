//! A target where the partner registered the webhook URL out of band (a portal): the
//! environment names the receiver's fixed address and the shared secret from an environment
//! variable; conform then makes no subscription calls and verifies with that secret.
use crate::common::*;
use std::process::Command;

/// Registers `hook_url` for order.created with `secret`, as a partner portal would.
fn register(sb: &SandboxProcess, hook_url: &str, secret: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let token = sb.token(&http).await;
        let resp = http
            .post(format!("{}/api/v1/webhooks", sb.url))
            .bearer_auth(token)
            .header("X-Request-ID", uuid::Uuid::new_v4().to_string())
            .json(&serde_json::json!({"url": hook_url, "events": ["order.created"], "secret": secret}))
            .send()
            .await
            .expect("subscribe");
        assert_eq!(resp.status().as_u16(), 201);
    });
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

fn project(sandbox: &str, port: u16) -> Project {
    let p = Project::new(sandbox);
    p.file(
        "conform.yaml",
        &format!(
            r#"default_env: partner
environments:
  partner:
    base_url: "{sandbox}"
    capabilities: [webhooks]
    webhooks:
      listen: 127.0.0.1:{port}
      secret: {{env: T_WEBHOOK_SECRET}}
    auth:
      oauth2:
        token_url: /oauth/token
        clients:
          default:
            client_id: sandbox-client
            client_secret: {{env: T_CLIENT_SECRET}}
"#
        ),
    );
    p.file(
        "scenarios/hook.yaml",
        r#"scenarios:
  - name: order.created reaches the pre-registered receiver
    requires: [webhooks]
    steps:
      - request:
          method: POST
          path: /api/v1/orders
          json: {customer_id: CUST-12345, items: [{product_id: SKU-001, quantity: 1}]}
        expect: {status: 201}
        capture: {order_id: $.order_id}
      - expect_webhook:
          event: order.created
          where: [{path: $.data.object_id, equals: "{{ order_id }}"}]
          within: 2s
"#,
    );
    p
}

fn run(p: &Project, secret: &str) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(["run", "--color", "never"])
        .current_dir(p.dir.path())
        .env("T_WEBHOOK_SECRET", secret)
        .env("T_CLIENT_SECRET", "sandbox-secret")
        .env_remove("CONFORM_CONFIG")
        .output()
        .expect("run");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), p.results(), text)
}

#[test]
fn preregistered_url_and_secret() {
    let sb = SandboxProcess::start(&[]);
    let port = free_port();
    register(
        &sb,
        &format!("http://127.0.0.1:{port}/"),
        "pre-shared-secret-123",
    );
    let p = project(&sb.url, port);

    let (code, r, text) = run(&p, "pre-shared-secret-123");
    assert_eq!(code, 0, "{text}");
    assert_eq!(r["scenarios"][0]["webhooks"][0]["verdict"], "valid", "{r}");

    // The wrong shared secret: the delivery is refused and the scenario fails, saying why.
    let (code, r, text) = run(&p, "not-the-secret");
    assert_eq!(code, 1, "{text}");
    let checks = r["scenarios"][0]["steps"][1]["checks"].to_string();
    assert!(checks.contains("bad signature"), "{checks}");
}
