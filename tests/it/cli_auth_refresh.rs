//! Token caching and refresh against the real sandbox: a suite that outlives the token
//! lifetime sees no 401, and 50 concurrent scenarios cause one token request per refresh
//! (single flight), as counted by the sandbox itself.
use crate::common::*;
use std::process::Command;

/// Token requests the sandbox has answered, not counting the one this function makes.
fn token_requests(sb: &SandboxProcess) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let token = sb.token(&http).await;
        let stats: serde_json::Value = http
            .get(format!("{}/sandbox/v1/stats", sb.url))
            .bearer_auth(token)
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("json");
        stats["token_requests"].as_u64().expect("token_requests") - 1
    })
}

#[test]
fn fifty_concurrent_scenarios_share_one_token_per_refresh() {
    let sb = SandboxProcess::start(&["--token-ttl", "2s", "--rate-scale", "1000"]);
    let p = Project::new(&sb.url);
    p.file(
        "conform.yaml",
        &format!(
            r#"default_env: sb
environments:
  sb:
    base_url: "{}"
    auth:
      oauth2:
        token_url: /oauth/token
        client_auth: basic
        refresh_threshold: 500ms
        clients:
          default:
            client_id: sandbox-client
            client_secret: {{env: T_SECRET}}
"#,
            sb.url
        ),
    );
    let mut yaml = String::from("scenarios:\n");
    for i in 0..50 {
        yaml.push_str(&format!(
            "  - name: reader {i}\n    steps:\n      - request: {{method: GET, path: /api/v1/orders}}\n        expect: {{status: 200}}\n      - wait: 1500ms\n      - request: {{method: GET, path: /api/v1/orders}}\n        expect: {{status: 200}}\n      - wait: 1500ms\n      - request: {{method: GET, path: /api/v1/orders}}\n        expect: {{status: 200}}\n"
        ));
    }
    p.file("scenarios/readers.yaml", &yaml);
    let out = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args(["run", "--jobs", "50", "--color", "never"])
        .current_dir(p.dir.path())
        .env("T_SECRET", "sandbox-secret")
        .env_remove("CONFORM_CONFIG")
        .output()
        .expect("run");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "no 401 across three token lifetimes: {stdout}"
    );
    let r = p.results();
    let stats = &r["auth"]["sb/default"];
    assert_eq!(stats["retries_after_401"], 0, "{stats}");
    let ours = stats["token_requests"].as_u64().expect("count");
    let seen = token_requests(&sb);
    assert_eq!(
        seen, ours,
        "the sandbox saw exactly the token requests conform reports"
    );
    // ≥ 3 s of requests with a 2 s token refreshed 0.5 s early: a handful of tokens (more on a
    // slow machine, where the run lasts longer), never one per scenario.
    assert!(
        (2..=10).contains(&seen),
        "token requests: {seen} (one per refresh, not per scenario)"
    );
}
