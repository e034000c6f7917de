//! Token caching and refresh against the real sandbox: a suite that outlives the token
//! lifetime sees no 401, and 50 concurrent scenarios cause one token request per refresh
//! (single flight), as counted by the sandbox itself.
mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

struct Sandbox(std::process::Child, String);

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn token_requests(base: &str) -> u64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let http = reqwest::Client::new();
        let token: serde_json::Value = http
            .post(format!("{base}/oauth/token"))
            .basic_auth("sandbox-client", Some("sandbox-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("json");
        let stats: serde_json::Value = http
            .get(format!("{base}/sandbox/v1/stats"))
            .bearer_auth(token["access_token"].as_str().expect("token"))
            .send()
            .await
            .expect("stats")
            .json()
            .await
            .expect("json");
        // Minus the request this function just made.
        stats["token_requests"].as_u64().expect("token_requests") - 1
    })
}

#[test]
fn fifty_concurrent_scenarios_share_one_token_per_refresh() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--token-ttl",
            "2s",
            "--rate-scale",
            "1000",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sandbox");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("url")
        .to_string();
    let sb = Sandbox(child, url);

    let p = Project::new(&sb.1);
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
            sb.1
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
    let seen = token_requests(&sb.1);
    assert_eq!(
        seen, ours,
        "the sandbox saw exactly the token requests conform reports"
    );
    // 3 s of requests with a 2 s token refreshed 0.5 s early: a handful of tokens, never 50.
    assert!(
        (2..=5).contains(&seen),
        "token requests: {seen} (one per refresh, not per scenario)"
    );
}
