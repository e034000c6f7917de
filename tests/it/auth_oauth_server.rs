//! The OAuth2 manager against a third-party token server: `shared/validators/oauth-server.mjs`
//! (oauth2-mock-server 8.2.3 on Node). It logs one JSON line per token request, so counting
//! lines proves caching, single flight and refresh from the outside.
//!
//! Needs `node` and the validators' node modules in `$VALIDATORS_NODE_MODULES` (see
//! `shared/validators/README.md`); without them the test prints why and passes as skipped.
use base64::Engine;
use conform::auth::{AuthManager, AuthSelector, AuthSettings};
use conform::config::{AuthDoc, ValueSource};
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

const CLIENT_ID: &str = "conform-ci";
const SECRET: &str = "mock-secret: with/odd+chars";

/// Why the test cannot run here, if it cannot.
fn prerequisites() -> Result<(PathBuf, String), String> {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/validators/oauth-server.mjs");
    if !script.exists() {
        return Err(format!("{} not found", script.display()));
    }
    let modules = std::env::var("VALIDATORS_NODE_MODULES").map_err(|_| {
        "VALIDATORS_NODE_MODULES is not set (see shared/validators/README.md)".to_string()
    })?;
    if !PathBuf::from(&modules)
        .join("oauth2-mock-server/package.json")
        .exists()
    {
        return Err(format!("oauth2-mock-server is not installed in {modules}"));
    }
    match std::process::Command::new("node").arg("--version").output() {
        Ok(o) if o.status.success() => Ok((script, modules)),
        _ => Err("`node` is not on PATH".to_string()),
    }
}

struct OAuthServer {
    _child: Child,
    port: u16,
    /// The `token` lines so far.
    lines: Arc<Mutex<Vec<serde_json::Value>>>,
    count: watch::Receiver<usize>,
}

impl OAuthServer {
    async fn start(script: &PathBuf, modules: &str, ttl: u64) -> OAuthServer {
        let mut child = Command::new("node")
            .arg(script)
            .args(["0", &ttl.to_string(), CLIENT_ID, SECRET])
            .env("VALIDATORS_NODE_MODULES", modules)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn node");
        let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
        let ready = tokio::time::timeout(Duration::from_secs(30), async {
            while let Some(line) = out.next_line().await.unwrap() {
                let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                if v["event"] == "ready" {
                    return v;
                }
            }
            panic!("oauth-server.mjs exited before it was ready");
        })
        .await
        .expect("oauth-server.mjs ready within 30 s");
        assert_eq!(ready["client_auth"], "required");
        assert_eq!(ready["ttl_seconds"], ttl);
        let port = u16::try_from(ready["port"].as_u64().unwrap()).unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, count) = watch::channel(0);
        let l = lines.clone();
        tokio::spawn(async move {
            while let Ok(Some(line)) = out.next_line().await {
                let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
                if v["event"] == "token" {
                    let mut l = l.lock().unwrap();
                    l.push(v);
                    tx.send_replace(l.len());
                }
            }
        });
        OAuthServer {
            _child: child,
            port,
            lines,
            count,
        }
    }

    /// Waits until `n` token lines arrived, then returns them all.
    async fn tokens(&self, n: usize) -> Vec<serde_json::Value> {
        let mut rx = self.count.clone();
        tokio::time::timeout(Duration::from_secs(10), rx.wait_for(|c| *c >= n))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "{n} token lines expected, saw {:?}",
                    self.lines.lock().unwrap()
                )
            })
            .unwrap();
        self.lines.lock().unwrap().clone()
    }

    fn manager(&self, client_auth: &str, secret: &str) -> AuthManager {
        let yaml = format!(
            "oauth2:\n  token_url: /token\n  client_auth: {client_auth}\n  retry_delay: 10ms\n  clients:\n    default: {{ client_id: {CLIENT_ID}, client_secret: {{ env: SECRET }}, scope: \"read write\" }}\n"
        );
        let doc: AuthDoc = serde_saphyr::from_str(&yaml).unwrap();
        let secret = secret.to_string();
        let settings = AuthSettings::resolve(&doc, &move |v| match v {
            ValueSource::Env { name, .. } if name == "SECRET" => Ok(secret.clone()),
            ValueSource::Literal(s) => Ok(s.clone()),
            other => Err(format!("{other:?}")),
        })
        .unwrap();
        let base = url::Url::parse(&format!("http://127.0.0.1:{}/", self.port)).unwrap();
        AuthManager::new("mock", settings, reqwest::Client::new(), &base)
    }
}

fn bearer(h: &[(String, conform::config::Secret)]) -> String {
    let (_, v) = h
        .iter()
        .find(|(n, _)| n == "Authorization")
        .expect("Authorization");
    v.expose().strip_prefix("Bearer ").unwrap().to_string()
}

/// The JWT's lifetime as the server signed it.
fn jwt_lifetime(token: &str) -> i64 {
    let payload = token.split('.').nth(1).expect("a JWT");
    let claims: serde_json::Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap(),
    )
    .unwrap();
    claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap()
}

#[tokio::test]
async fn caches_refreshes_and_is_refused_with_a_wrong_secret() {
    let (script, modules) = match prerequisites() {
        Ok(p) => p,
        Err(why) => {
            // Straight to stderr: the test harness would swallow `println!` of a passing test.
            use std::io::Write;
            let _ = writeln!(std::io::stderr(), "skipping auth_oauth_server: {why}");
            return;
        }
    };
    // TTL 2 s is below the 300 s threshold, so tokens are refreshed at half life: after 1 s.
    let server = OAuthServer::start(&script, &modules, 2).await;

    // Caching and single flight: 20 concurrent callers, one token request.
    let m = server.manager("body", SECRET);
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(
                async move { bearer(&m.headers_for(&AuthSelector::Default).await.unwrap()) },
            )
        })
        .collect();
    let mut tokens = Vec::new();
    for c in calls {
        tokens.push(c.await.unwrap());
    }
    assert!(tokens.iter().all(|t| *t == tokens[0]));
    assert_eq!(jwt_lifetime(&tokens[0]), 2);
    let first = bearer(&m.headers_for(&AuthSelector::Default).await.unwrap());
    assert_eq!(first, tokens[0]);
    let lines = server.tokens(1).await;
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["status"], 200);
    assert_eq!(lines[0]["auth_method"], "client_secret_post");
    assert_eq!(lines[0]["client_id"], CLIENT_ID);
    assert_eq!(lines[0]["grant_type"], "client_credentials");
    assert_eq!(lines[0]["scope"], "read write");

    // Proactive refresh: past half life the next caller gets a new token.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = bearer(&m.headers_for(&AuthSelector::Default).await.unwrap());
    assert_ne!(second, first);
    assert_eq!(server.tokens(2).await.len(), 2);

    // A 401 from the API: one more token, and a retry makes sense.
    // (Within the same second the mock signs the very same JWT again, so count, don't compare.)
    assert!(m.on_unauthorized(&AuthSelector::Default).await.unwrap());
    m.headers_for(&AuthSelector::Default).await.unwrap();
    assert_eq!(server.tokens(3).await.len(), 3);
    let stats = &m.stats()["mock/default"];
    assert_eq!(
        (
            stats.token_requests,
            stats.refreshes,
            stats.retries_after_401,
            stats.token_failures
        ),
        (3, 2, 1, 0)
    );

    // HTTP Basic with form-urlencoded credentials is accepted too (the secret has `:`, `/`, `+`, space).
    let basic = server.manager("basic", SECRET);
    basic.headers_for(&AuthSelector::Default).await.unwrap();
    let lines = server.tokens(4).await;
    assert_eq!(lines[3]["status"], 200);
    assert_eq!(lines[3]["auth_method"], "client_secret_basic");
    assert_eq!(lines[3]["client_id"], CLIENT_ID);

    // A wrong secret: invalid_client, not retried, and the error names URL, status and error only.
    let wrong = server.manager("body", "wrong-secret-value");
    let err = wrong
        .headers_for(&AuthSelector::Default)
        .await
        .unwrap_err()
        .to_string();
    let lines = server.tokens(5).await;
    assert_eq!(lines[4]["status"], 401);
    assert!(
        err.contains(&format!("http://127.0.0.1:{}/token", server.port)),
        "{err}"
    );
    assert!(
        err.contains("HTTP 401") && err.contains("invalid_client"),
        "{err}"
    );
    assert!(!err.contains("wrong-secret-value"), "{err}");
    assert_eq!(wrong.stats()["mock/default"].token_requests, 1);

    // Nothing else was asked of the server.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(server.lines.lock().unwrap().len(), 5);
}
