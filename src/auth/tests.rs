//! The manager against a tiny local token server that counts what it is asked.
use super::*;
use crate::config::{AuthDoc, Secret, ValueSource};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const SECRET: &str = "s3cret:with+odd/chars é";

#[derive(Default)]
struct TokenServer {
    requests: AtomicUsize,
    /// Answers given before the default success, in order: (status, body).
    script: Mutex<VecDeque<(u16, String)>>,
    expires_in: Mutex<Option<u64>>,
    delay: Mutex<Duration>,
    seen: Mutex<Vec<(Option<String>, String)>>,
    at: Mutex<Vec<Instant>>,
}

impl TokenServer {
    fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
    fn last(&self) -> (Option<String>, String) {
        self.seen
            .lock()
            .unwrap()
            .last()
            .cloned()
            .expect("a token request")
    }
}

async fn token(
    State(s): State<Arc<TokenServer>>,
    headers: HeaderMap,
    body: String,
) -> (StatusCode, String) {
    let n = s.requests.fetch_add(1, Ordering::SeqCst) + 1;
    s.at.lock().unwrap().push(Instant::now());
    let auth = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap().to_string());
    s.seen.lock().unwrap().push((auth, body));
    let delay = *s.delay.lock().unwrap();
    tokio::time::sleep(delay).await;
    let scripted = s.script.lock().unwrap().pop_front();
    if let Some((status, body)) = scripted {
        return (StatusCode::from_u16(status).unwrap(), body);
    }
    let exp = s.expires_in.lock().unwrap().unwrap_or(3600);
    (
        StatusCode::OK,
        format!(r#"{{"access_token":"tok-{n}-xyz","token_type":"Bearer","expires_in":{exp}}}"#),
    )
}

/// Starts the server on 127.0.0.1:0; returns it and the base URL.
async fn serve() -> (Arc<TokenServer>, url::Url) {
    let state = Arc::new(TokenServer::default());
    let app = Router::new()
        .route("/oauth/token", post(token))
        .with_state(state.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (
        state,
        url::Url::parse(&format!("http://{addr}/api/v1/")).unwrap(),
    )
}

fn settings(yaml: &str) -> AuthSettings {
    let doc: AuthDoc = serde_saphyr::from_str(yaml).expect("auth yaml");
    AuthSettings::resolve(&doc, &|v: &ValueSource| match v {
        ValueSource::Literal(s) => Ok(s.clone()),
        ValueSource::Env { name, .. } if name == "SECRET" => Ok(SECRET.to_string()),
        other => Err(format!("not available in tests: {other:?}")),
    })
    .expect("resolve")
}

const OAUTH: &str = r#"
oauth2:
  token_url: /oauth/token
  retry_delay: 10ms
  clients:
    default: { client_id: "conform client", client_secret: { env: SECRET }, scope: "read write" }
    readonly: { client_id: ro, client_secret: ro-secret-value, scope: read }
"#;

async fn manager(yaml: &str) -> (Arc<TokenServer>, AuthManager) {
    let (server, base) = serve().await;
    let m = AuthManager::new("local", settings(yaml), reqwest::Client::new(), &base);
    (server, m)
}

fn bearer(h: &[(String, Secret)]) -> String {
    let (name, v) = h
        .iter()
        .find(|(n, _)| n == "Authorization")
        .expect("Authorization header");
    assert_eq!(name, "Authorization");
    v.expose()
        .strip_prefix("Bearer ")
        .expect("Bearer scheme")
        .to_string()
}

#[tokio::test]
async fn caches_tokens_per_client_and_sends_scope_and_form_credentials() {
    let (server, m) = manager(OAUTH).await;
    let t1 = bearer(&m.headers_for(&AuthSelector::Default).await.unwrap());
    let t2 = bearer(&m.headers_for(&AuthSelector::Default).await.unwrap());
    assert_eq!(t1, "tok-1-xyz");
    assert_eq!(t1, t2);
    assert_eq!(server.count(), 1);
    let (auth, body) = server.last();
    assert_eq!(auth, None);
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("grant_type"), Some("client_credentials"));
    assert_eq!(get("client_id"), Some("conform client"));
    assert_eq!(get("client_secret"), Some(SECRET));
    assert_eq!(get("scope"), Some("read write"));

    let ro = bearer(
        &m.headers_for(&AuthSelector::Named("readonly".into()))
            .await
            .unwrap(),
    );
    assert_eq!(ro, "tok-2-xyz");
    assert_eq!(
        bearer(&m.headers_for(&"readonly".parse().unwrap()).await.unwrap()),
        ro
    );
    assert_eq!(server.count(), 2);
    assert!(m.headers_for(&AuthSelector::None).await.unwrap().is_empty());

    let stats = m.stats();
    assert_eq!(
        stats["local/default"],
        crate::results::AuthStats {
            token_requests: 1,
            ..Default::default()
        }
    );
    assert_eq!(stats["local/readonly"].token_requests, 1);
    // Every issued token is known for redaction, as are the client secrets.
    let known: Vec<String> = m
        .known_secrets()
        .iter()
        .map(|s| s.expose().to_string())
        .collect();
    for v in ["tok-1-xyz", "tok-2-xyz", SECRET, "ro-secret-value"] {
        assert!(
            known.iter().any(|k| k == v),
            "{v} missing from known secrets"
        );
    }
    assert_eq!(m.redactor().text("sent tok-2-xyz"), "sent ***");

    let err = m
        .headers_for(&AuthSelector::Named("admin".into()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`admin`") && err.contains("`default`, `readonly`"),
        "{err}"
    );
}

#[tokio::test]
async fn basic_client_auth_form_encodes_id_and_secret() {
    let (server, m) = manager(&OAUTH.replace("retry_delay: 10ms", "client_auth: basic")).await;
    m.headers_for(&AuthSelector::Default).await.unwrap();
    let (auth, body) = server.last();
    // RFC 6749 §2.3.1: form-urlencode id and secret, then Basic.
    let expected = format!(
        "conform+client:{}",
        url::form_urlencoded::byte_serialize(SECRET.as_bytes()).collect::<String>()
    );
    assert_eq!(
        expected,
        "conform+client:s3cret%3Awith%2Bodd%2Fchars+%C3%A9"
    );
    use base64::Engine;
    assert_eq!(
        auth,
        Some(format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(expected)
        ))
    );
    assert!(
        !body.contains("client_secret") && !body.contains("client_id"),
        "{body}"
    );
    assert!(body.contains("grant_type=client_credentials"));
}

#[tokio::test]
async fn refreshes_before_expiry() {
    let (server, m) =
        manager(&OAUTH.replace("token_url", "refresh_threshold: 60s\n  token_url")).await;
    *server.expires_in.lock().unwrap() = Some(600);
    let t1 = bearer(&m.headers_for(&AuthSelector::Default).await.unwrap());
    // 539 s later the token has 61 s left: still used.
    m.age_tokens(Duration::from_secs(539)).await;
    assert_eq!(
        bearer(&m.headers_for(&AuthSelector::Default).await.unwrap()),
        t1
    );
    assert_eq!(server.count(), 1);
    // 2 s later it has 59 s left, inside the 60 s threshold: replaced ahead of expiry.
    m.age_tokens(Duration::from_secs(2)).await;
    let t2 = bearer(&m.headers_for(&AuthSelector::Default).await.unwrap());
    assert_ne!(t1, t2);
    assert_eq!(server.count(), 2);
    let s = &m.stats()["local/default"];
    assert_eq!((s.token_requests, s.refreshes), (2, 1));
}

#[tokio::test]
async fn short_lived_tokens_refresh_at_half_life() {
    // expires_in 100 s is below the default 300 s threshold: refreshed after 50 s.
    assert_eq!(
        refresh_after(Duration::from_secs(100), DEFAULT_REFRESH_THRESHOLD),
        Duration::from_secs(50)
    );
    assert_eq!(
        refresh_after(Duration::from_secs(3600), DEFAULT_REFRESH_THRESHOLD),
        Duration::from_secs(3300)
    );
    let (server, m) = manager(OAUTH).await;
    *server.expires_in.lock().unwrap() = Some(100);
    m.headers_for(&AuthSelector::Default).await.unwrap();
    m.age_tokens(Duration::from_secs(49)).await;
    m.headers_for(&AuthSelector::Default).await.unwrap();
    assert_eq!(server.count(), 1);
    m.age_tokens(Duration::from_secs(2)).await;
    m.headers_for(&AuthSelector::Default).await.unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn fifty_concurrent_callers_cause_one_token_request() {
    let (server, m) = manager(OAUTH).await;
    *server.delay.lock().unwrap() = Duration::from_millis(200);
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(
                async move { bearer(&m.headers_for(&AuthSelector::Default).await.unwrap()) },
            )
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap(), "tok-1-xyz");
    }
    assert_eq!(server.count(), 1);
    assert_eq!(m.stats()["local/default"].token_requests, 1);
}

#[tokio::test]
async fn retries_server_errors_with_doubling_delay() {
    let (server, m) = manager(OAUTH).await;
    server.script.lock().unwrap().extend([
        (500, r#"{"error":"server_error"}"#.to_string()),
        (503, "down".to_string()),
        (429, r#"{"error":"slow_down"}"#.to_string()),
    ]);
    assert_eq!(
        bearer(&m.headers_for(&AuthSelector::Default).await.unwrap()),
        "tok-4-xyz"
    );
    assert_eq!(server.count(), 4);
    let at = server.at.lock().unwrap().clone();
    let gaps: Vec<Duration> = at.windows(2).map(|w| w[1] - w[0]).collect();
    // 10 ms, 20 ms, 40 ms.
    for (gap, min) in gaps.iter().zip([10, 20, 40]) {
        assert!(*gap >= Duration::from_millis(min), "gaps {gaps:?}");
    }
    let s = &m.stats()["local/default"];
    assert_eq!((s.token_requests, s.token_failures, s.refreshes), (4, 3, 0));
}

#[tokio::test]
async fn gives_up_after_retry_attempts() {
    let (server, m) =
        manager(&OAUTH.replace("retry_delay: 10ms", "retry_delay: 1ms\n  retry_attempts: 2")).await;
    server
        .script
        .lock()
        .unwrap()
        .extend((0..5).map(|_| (502, "bad gateway".to_string())));
    let err = m
        .headers_for(&AuthSelector::Default)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(server.count(), 3);
    assert!(
        err.contains("after 3 attempt(s)")
            && err.contains("HTTP 502: bad gateway")
            && err.contains("/oauth/token"),
        "{err}"
    );
}

#[tokio::test]
async fn invalid_client_is_not_retried_and_names_url_status_and_error() {
    let (server, m) = manager(OAUTH).await;
    let echo =
        format!(r#"{{"error":"invalid_client","error_description":"unknown secret {SECRET}"}}"#);
    server.script.lock().unwrap().push_back((401, echo));
    let err = m.headers_for(&AuthSelector::Default).await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert_eq!(server.count(), 1);
    assert!(
        text.contains("invalid_client")
            && text.contains("HTTP 401")
            && text.contains("/oauth/token"),
        "{text}"
    );
    assert!(text.contains("unknown secret ***"), "{text}");
    assert!(!text.contains(SECRET) && !text.contains("s3cret"), "{text}");
    assert_eq!(m.stats()["local/default"].token_failures, 1);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = url::Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    drop(listener);
    let yaml = OAUTH.replace("retry_delay: 10ms", "retry_delay: 1ms\n  retry_attempts: 1");
    let m = AuthManager::new("local", settings(&yaml), reqwest::Client::new(), &base);
    let err = m
        .headers_for(&AuthSelector::Default)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("is unreachable")
            && err.contains("(2 attempt(s); not asked again in this run)"),
        "{err}"
    );
    assert_eq!(m.stats()["local/default"].token_failures, 2);
}

#[tokio::test]
async fn unauthorized_refreshes_once_for_concurrent_callers() {
    let (server, m) = manager(OAUTH).await;
    let t1 = bearer(&m.headers_for(&AuthSelector::Default).await.unwrap());
    *server.delay.lock().unwrap() = Duration::from_millis(100);
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let m = m.clone();
            tokio::spawn(async move { m.on_unauthorized(&AuthSelector::Default).await.unwrap() })
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap());
    }
    assert_eq!(server.count(), 2);
    let t2 = bearer(&m.headers_for(&AuthSelector::Default).await.unwrap());
    assert_ne!(t1, t2);
    let s = &m.stats()["local/default"];
    assert_eq!(
        (s.token_requests, s.refreshes, s.retries_after_401),
        (2, 1, 10)
    );
    for sel in [
        AuthSelector::None,
        AuthSelector::Invalid,
        AuthSelector::Expired,
    ] {
        assert!(!m.on_unauthorized(&sel).await.unwrap());
    }
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn invalid_sends_random_bearer_without_asking_for_a_token() {
    let (server, m) = manager(OAUTH).await;
    let a = bearer(&m.headers_for(&AuthSelector::Invalid).await.unwrap());
    let b = bearer(&m.headers_for(&AuthSelector::Invalid).await.unwrap());
    assert_ne!(a, b);
    assert_eq!(a.len(), 43);
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn expired_waits_out_a_real_token_once() {
    let (server, m) = manager(OAUTH).await;
    *server.expires_in.lock().unwrap() = Some(1);
    let started = Instant::now();
    let (a, b) = tokio::join!(
        m.headers_for(&AuthSelector::Expired),
        m.headers_for(&AuthSelector::Expired)
    );
    let (a, b) = (bearer(&a.unwrap()), bearer(&b.unwrap()));
    assert_eq!(a, b);
    assert!(a.starts_with("tok-"));
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "expires_in 1 s + 1 s margin"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn expired_refuses_to_wait_for_long_lived_tokens() {
    let (_server, m) = manager(OAUTH).await;
    let err = m
        .headers_for(&AuthSelector::Expired)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("3600s") && err.contains("at most 60s"),
        "{err}"
    );
}

#[tokio::test]
async fn static_bearer_and_api_key() {
    let base = url::Url::parse("http://127.0.0.1:9/").unwrap();
    let m = AuthManager::new(
        "staging",
        settings(
            "bearer: { token: static-token-1 }\napi_key: { header: X-API-Key, value: key-12345 }",
        ),
        reqwest::Client::new(),
        &base,
    );
    let h = m.headers_for(&AuthSelector::Default).await.unwrap();
    let h: Vec<(String, String)> = h
        .iter()
        .map(|(n, v)| (n.clone(), v.expose().to_string()))
        .collect();
    assert_eq!(
        h,
        vec![
            ("Authorization".into(), "Bearer static-token-1".into()),
            ("X-API-Key".into(), "key-12345".into())
        ]
    );
    assert!(!m.on_unauthorized(&AuthSelector::Default).await.unwrap());
    assert!(m.stats().is_empty());
    let err = m
        .headers_for(&AuthSelector::Named("readonly".into()))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("`readonly`"), "{err}");
    let err = m
        .headers_for(&AuthSelector::Expired)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("no `auth.oauth2` client"), "{err}");

    let only_key = AuthManager::new(
        "staging",
        settings("api_key: { header: X-Partner-Key, value: key-12345 }"),
        reqwest::Client::new(),
        &base,
    );
    let h = only_key.headers_for(&AuthSelector::Invalid).await.unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].0, "X-Partner-Key");
    assert_ne!(h[0].1.expose(), "key-12345");
    assert!(only_key
        .headers_for(&AuthSelector::None)
        .await
        .unwrap()
        .is_empty());
}

#[test]
fn resolve_reports_the_key_and_never_the_value() {
    let doc: AuthDoc = serde_saphyr::from_str(
        "oauth2:\n  token_url: /t\n  client_auth: digest\n  clients:\n    default: { client_id: a, client_secret: b }\n",
    )
    .unwrap();
    let err = AuthSettings::resolve(&doc, &|_| Ok("x".into()))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("auth.oauth2.client_auth")
            && err.contains("line 3")
            && err.contains("`digest`"),
        "{err}"
    );

    let doc: AuthDoc = serde_saphyr::from_str(
        "oauth2:\n  token_url: /t\n  clients:\n    default: { client_id: a, client_secret: { env: NOPE } }\n",
    )
    .unwrap();
    let err = AuthSettings::resolve(&doc, &|v| match v {
        ValueSource::Env { .. } => Err("not set".into()),
        ValueSource::Literal(s) => Ok(s.clone()),
        ValueSource::File(_) => Err("no".into()),
    })
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("auth.oauth2.clients.default.client_secret")
            && err.contains("`NOPE`")
            && err.contains("not set"),
        "{err}"
    );

    let doc: AuthDoc = serde_saphyr::from_str("bearer: { token: t }\noauth2:\n  token_url: /t\n  clients:\n    default: { client_id: a, client_secret: b }\n").unwrap();
    assert!(AuthSettings::resolve(&doc, &|_| Ok("x".into()))
        .unwrap_err()
        .to_string()
        .contains("configure one"));
}

#[test]
fn mtls_errors_name_the_file() {
    let doc: AuthDoc =
        serde_saphyr::from_str("mtls: { cert: certs/client.pem, key: { file: certs/client.key } }")
            .unwrap();
    let lookup = |v: &ValueSource| match v {
        ValueSource::Literal(s) => Ok(s.clone()),
        ValueSource::File(p) if p == "certs/client.pem" => {
            Ok("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".into())
        }
        ValueSource::File(p) if p == "certs/client.key" => Ok("not a key".into()),
        ValueSource::File(p) if p == "certs/bad.key" => {
            Ok("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".into())
        }
        other => Err(format!("no {other:?}")),
    };
    let err = AuthSettings::resolve(&doc, &lookup)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("auth.mtls.key") && err.contains("file `certs/client.key` is not PEM"),
        "{err}"
    );

    let doc: AuthDoc =
        serde_saphyr::from_str("mtls: { cert: certs/client.pem, key: certs/bad.key }").unwrap();
    let s = AuthSettings::resolve(&doc, &lookup).unwrap();
    let err = s
        .configure_client(reqwest::Client::builder())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("file `certs/client.pem` and file `certs/bad.key`"),
        "{err}"
    );

    let doc: AuthDoc = serde_saphyr::from_str("mtls: { cert: missing.pem, key: k.pem }").unwrap();
    let err = AuthSettings::resolve(&doc, &lookup)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("auth.mtls.cert") && err.contains("`missing.pem`"),
        "{err}"
    );
}

#[tokio::test]
async fn a_hung_token_endpoint_times_out_and_is_retried() {
    let (server, base) = serve().await;
    *server.delay.lock().unwrap() = Duration::from_secs(5);
    let mut s =
        settings(&OAUTH.replace("retry_delay: 10ms", "retry_delay: 1ms\n  retry_attempts: 1"));
    s.oauth2.as_mut().unwrap().token_timeout = Duration::from_millis(100);
    let m = AuthManager::new("local", s, reqwest::Client::new(), &base);
    let started = Instant::now();
    let err = m
        .headers_for(&AuthSelector::Default)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    assert!(
        err.starts_with("token endpoint http://")
            && err.contains("/oauth/token did not answer within 100ms (2 attempt(s)"),
        "{err}"
    );
    assert_eq!(server.count(), 2);
    // Known dead: the next request fails at once, without asking again.
    let again = Instant::now();
    let err2 = m
        .headers_for(&AuthSelector::Default)
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(err2, err);
    assert!(again.elapsed() < Duration::from_millis(50));
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_dead_endpoint_gets_two_attempts_whatever_retry_attempts_says() {
    let (server, base) = serve().await;
    *server.delay.lock().unwrap() = Duration::from_secs(5);
    let mut s =
        settings(&OAUTH.replace("retry_delay: 10ms", "retry_delay: 1ms\n  retry_attempts: 5"));
    s.oauth2.as_mut().unwrap().token_timeout = Duration::from_millis(100);
    let m = AuthManager::new("local", s, reqwest::Client::new(), &base);
    let err = m
        .headers_for(&AuthSelector::Default)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("did not answer within 100ms"), "{err}");
    assert_eq!(server.count(), 2);
}
