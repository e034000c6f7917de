//! The token endpoint (contract §2) and bearer checks, over HTTP.

use std::time::Duration;

use crate::common::*;
use base64::Engine;
use conform_sandbox::SandboxConfig;
use reqwest::Method;

#[tokio::test]
async fn token_errors_in_contract_order() {
    let sb = start_default().await;
    // Bad client first, even when everything else is wrong too.
    let r = sb
        .token_form(&[("client_id", "sandbox-client"), ("client_secret", "nope")])
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"], "invalid_client");
    let r = sb.token_form(&[("grant_type", "client_credentials")]).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"], "invalid_client");

    let ok = [
        ("client_id", "sandbox-client"),
        ("client_secret", "sandbox-secret"),
    ];
    let r = sb.token_form(&ok).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_request");

    let mut form = ok.to_vec();
    form.push(("grant_type", "password"));
    let r = sb.token_form(&form).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "unsupported_grant_type");

    let r = sb
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox-readonly"),
            ("client_secret", "sandbox-secret"),
            ("scope", "write"),
        ])
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.body["error"], "invalid_scope");
    sb.shutdown().await;
}

#[tokio::test]
async fn token_success_scopes_and_basic_auth() {
    let sb = start_default().await;
    let r = sb
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-secret"),
        ])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["token_type"], "Bearer");
    assert_eq!(r.body["expires_in"], 3600);
    assert_eq!(r.body["scope"], "read write");
    assert!(r.body["access_token"].as_str().unwrap().len() >= 32);
    assert_eq!(r.header("cache-control"), Some("no-store"));

    // Narrowing: readonly asking for read write gets read.
    let r = sb
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "sandbox-readonly"),
            ("client_secret", "sandbox-secret"),
            ("scope", "read write"),
        ])
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["scope"], "read");

    // HTTP Basic.
    let basic = base64::engine::general_purpose::STANDARD.encode("sandbox-client:sandbox-secret");
    let r = sb
        .raw(
            sb.http
                .post(sb.url("/oauth/token"))
                .header("Authorization", format!("Basic {basic}"))
                .form(&[("grant_type", "client_credentials"), ("scope", "read")]),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["scope"], "read");
    let bad = base64::engine::general_purpose::STANDARD.encode("sandbox-client:wrong");
    let r = sb
        .raw(
            sb.http
                .post(sb.url("/oauth/token"))
                .header("Authorization", format!("Basic {bad}"))
                .form(&[("grant_type", "client_credentials")]),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error"], "invalid_client");
    assert!(r.header("www-authenticate").is_some());
    sb.shutdown().await;
}

#[tokio::test]
async fn bearer_checks_401_then_403() {
    let sb = start_default().await;
    let body = order_body(1);
    // Missing and unknown tokens.
    let r = sb
        .raw(
            sb.http
                .post(sb.url("/api/v1/orders"))
                .header("X-Request-ID", rid())
                .json(&body),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error_code"], "UNAUTHORIZED");
    assert!(r.header("x-ratelimit-limit").is_none());
    let r = sb
        .call_as("not-a-token", Method::GET, "/api/v1/orders", None, &[])
        .await;
    assert_eq!(r.status, 401);

    // A read-only token may read but not write; 403 comes before the body is read.
    let ro = sb.token_for("sandbox-readonly", None).await;
    let r = sb
        .call_as(&ro, Method::GET, "/api/v1/orders", None, &[])
        .await;
    assert_eq!(r.status, 200);
    let r = sb
        .raw(
            sb.http
                .post(sb.url("/api/v1/orders"))
                .bearer_auth(&ro)
                .header("X-Request-ID", rid())
                .header("Content-Type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(r.body["error_code"], "FORBIDDEN");
    // A write-only token may not read.
    let wo = sb.token_for("sandbox-client", Some("write")).await;
    let r = sb
        .call_as(&wo, Method::GET, "/api/v1/orders", None, &[])
        .await;
    assert_eq!(r.status, 403);
    sb.shutdown().await;
}

#[tokio::test]
async fn expired_tokens_are_refused() {
    let sb = start(SandboxConfig {
        token_ttl: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await;
    let r = sb.call(Method::GET, "/api/v1/orders", None).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.body["error_code"], "UNAUTHORIZED");
    sb.shutdown().await;
}

#[tokio::test]
async fn stats_count_token_requests() {
    let sb = start_default().await; // one token request already
    let _ = sb
        .token_form(&[("client_id", "x"), ("client_secret", "y")])
        .await;
    let r = sb.control(Method::GET, "/sandbox/v1/stats", None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["token_requests"], 2);
    assert_eq!(r.body["tokens_issued"], 1);
    // Controls need scope write.
    let ro = sb.token_for("sandbox-readonly", None).await;
    let r = sb
        .raw(sb.http.get(sb.url("/sandbox/v1/stats")).bearer_auth(ro))
        .await;
    assert_eq!(r.status, 403);
    let r = sb.raw(sb.http.get(sb.url("/sandbox/v1/stats"))).await;
    assert_eq!(r.status, 401);
    sb.shutdown().await;
}
