//! Each fault produces its one violation.

use std::time::Duration;

use crate::common::*;
use conform_sandbox::{ClientSpec, Fault, SandboxConfig};
use reqwest::Method;
use serde_json::json;

async fn with(fault: Fault) -> Sb {
    start(config_with(&[fault])).await
}

#[tokio::test]
async fn ratelimit_headers_missing() {
    let sb = with(Fault::RatelimitHeadersMissing).await;
    let r = sb.call(Method::GET, "/api/v1/orders", None).await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-ratelimit-limit").is_none());
    assert!(r.header("x-ratelimit-remaining").is_none());
    assert!(r.header("x-ratelimit-reset").is_none());
    assert_eq!(r.header("x-api-version"), Some("1"));
    sb.shutdown().await;
}

#[tokio::test]
async fn ratelimit_429_body() {
    let mut config = config_with(&[Fault::Ratelimit429Body]);
    config.orders_limit = Some(1);
    let sb = start(config).await;
    assert_eq!(sb.create_order(&order_body(1), None).await.status, 201);
    let r = sb.create_order(&order_body(1), None).await;
    assert_eq!(r.status, 429);
    assert_eq!(r.body["error_code"], "RATE_LIMIT_EXCEEDED");
    assert!(r.header("retry-after").is_none());
    assert!(r.body.get("retry_after").is_none());
    assert!(r.header("x-ratelimit-limit").is_some());
    sb.shutdown().await;
}

#[tokio::test]
async fn idempotency_ignored() {
    let sb = with(Fault::IdempotencyIgnored).await;
    let a = sb.create_order(&order_body(1), Some("k")).await;
    let b = sb.create_order(&order_body(1), Some("k")).await;
    assert_eq!((a.status, b.status), (201, 201));
    assert_ne!(a.body["order_id"], b.body["order_id"]);
    assert_eq!(sb.product("SKU-001").await["reserved"], 2);
    sb.shutdown().await;
}

#[tokio::test]
async fn idempotency_conflict_ignored() {
    let sb = with(Fault::IdempotencyConflictIgnored).await;
    let a = sb.create_order(&order_body(1), Some("k")).await;
    let b = sb.create_order(&order_body(2), Some("k")).await;
    assert_eq!(b.status, 200);
    assert_eq!(a.body["order_id"], b.body["order_id"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn validation_field_paths() {
    let sb = with(Fault::ValidationFieldPaths).await;
    let r = sb.create_order(&order_body(0), None).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.fields(), ["quantity"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn error_missing_request_id() {
    let sb = with(Fault::ErrorMissingRequestId).await;
    let r = sb.create_order(&order_body(0), None).await;
    assert_eq!(r.status, 400);
    assert!(r.body.get("request_id").is_none());
    assert!(r.body["timestamp"].is_string());
    assert!(r.header("x-request-id").is_some());
    sb.shutdown().await;
}

#[tokio::test]
async fn inventory_not_released() {
    let sb = with(Fault::InventoryNotReleased).await;
    let mut b = order_body(5);
    b["customer_id"] = json!("CUST-DECLINE");
    assert_eq!(sb.create_order(&b, None).await.status, 402);
    assert_eq!(sb.product("SKU-001").await["reserved"], 5);
    sb.shutdown().await;
}

#[tokio::test]
async fn create_returns_200() {
    let sb = with(Fault::CreateReturns200).await;
    let r = sb.create_order(&order_body(1), None).await;
    assert_eq!(r.status, 200);
    assert!(r.body["order_id"].is_string());
    sb.shutdown().await;
}

#[tokio::test]
async fn token_expiry_ignored() {
    let mut config = config_with(&[Fault::TokenExpiryIgnored]);
    config.token_ttl = Duration::ZERO;
    let sb = start(config).await;
    let r = sb.call(Method::GET, "/api/v1/orders", None).await;
    assert_eq!(r.status, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn scopes_not_enforced() {
    let sb = with(Fault::ScopesNotEnforced).await;
    let ro = sb.token_for("sandbox-readonly", None).await;
    let r = sb
        .call_as(
            &ro,
            Method::POST,
            "/api/v1/orders",
            Some(&order_body(1)),
            &[],
        )
        .await;
    assert_eq!(r.status, 201);
    sb.shutdown().await;
}

#[tokio::test]
async fn cross_client_read() {
    let mut config = config_with(&[Fault::CrossClientRead]);
    config
        .clients
        .push(ClientSpec::new("other", "sandbox-secret", &["read"]));
    let sb = start(config).await;
    let id = sb.create_order(&order_body(1), None).await.body["order_id"].clone();
    let other = sb.token_for("other", None).await;
    let r = sb
        .call_as(
            &other,
            Method::GET,
            &format!("/api/v1/orders/{}", id.as_str().unwrap()),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["order_id"], id);
    sb.shutdown().await;
}

async fn one_delivery(fault: Fault) -> (Delivery, String) {
    let mut config = config_with(&[fault]);
    config.webhook_retry_scale = 0.0001;
    let sb = start(config).await;
    let mut rx = Receiver::start(&[]).await;
    sb.subscribe(&rx.url, &["order.created"], Some("k")).await;
    sb.create_order(&order_body(1), None).await;
    let d = rx.next().await;
    sb.shutdown().await;
    (d, "k".to_owned())
}

#[tokio::test]
async fn webhook_bad_signature() {
    let (d, secret) = one_delivery(Fault::WebhookBadSignature).await;
    let good = conform_sandbox::webhook_signature(secret.as_bytes(), &d.body);
    let sent = d.header("x-webhook-signature");
    assert!(sent.starts_with("sha256="));
    assert_ne!(sent, good);
}

#[tokio::test]
async fn webhook_stale_timestamp() {
    let (d, _) = one_delivery(Fault::WebhookStaleTimestamp).await;
    let ts: i64 = d.header("x-webhook-timestamp").parse().unwrap();
    let age = time::OffsetDateTime::now_utc().unix_timestamp() - ts;
    assert!((3590..=3610).contains(&age), "{age}");
}

#[tokio::test]
async fn webhook_missing() {
    let sb = with(Fault::WebhookMissing).await;
    let mut rx = Receiver::start(&[]).await;
    sb.subscribe(&rx.url, &["order.created", "order.cancelled"], None)
        .await;
    let id = sb.create_order(&order_body(1), None).await.body["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    sb.call(Method::POST, &format!("/api/v1/orders/{id}/cancel"), None)
        .await;
    // The first event to arrive is the cancel: no order.created was sent.
    assert_eq!(rx.next().await.json()["event_type"], "order.cancelled");
    sb.shutdown().await;
}

#[tokio::test]
async fn webhook_no_retry() {
    let mut config = config_with(&[Fault::WebhookNoRetry]);
    config.webhook_retry_scale = 0.0001;
    let sb = start(config).await;
    let mut rx = Receiver::start(&[500]).await;
    sb.subscribe(&rx.url, &["order.created"], None).await;
    sb.create_order(&order_body(1), None).await;
    rx.next().await;
    assert!(rx.quiet(Duration::from_millis(300)).await);
    sb.shutdown().await;
}

#[tokio::test]
async fn schema_faults() {
    let sb = start(config_with(&[Fault::SchemaOrderId, Fault::SchemaCreatedAt])).await;
    let o = sb.create_order(&order_body(1), None).await.body;
    let id = o["order_id"].as_str().unwrap();
    assert!(id.starts_with("ORD-") && id.len() < 12, "{id}");
    let created = o["created_at"].as_str().unwrap();
    assert!(created.contains('/') && !created.contains('T'), "{created}");
    sb.shutdown().await;
}

#[tokio::test]
async fn latency() {
    let mut config = config_with(&[Fault::Latency]);
    config.latency = Duration::from_millis(150);
    let sb = start(config).await;
    let t = std::time::Instant::now();
    assert_eq!(
        sb.call(Method::GET, "/api/v1/orders", None).await.status,
        200
    );
    assert!(t.elapsed() >= Duration::from_millis(150));
    sb.shutdown().await;
}

#[tokio::test]
async fn header_faults() {
    let sb = start(config_with(&[
        Fault::RequestIdNotEchoed,
        Fault::ApiVersionMissing,
    ]))
    .await;
    let r = sb.call(Method::GET, "/api/v1/orders", None).await;
    assert_eq!(r.status, 200);
    assert!(r.header("x-request-id").is_none());
    assert!(r.header("x-api-version").is_none());
    assert!(r.header("x-ratelimit-limit").is_some());
    sb.shutdown().await;
}

#[tokio::test]
async fn cancel_any_status() {
    let sb = with(Fault::CancelAnyStatus).await;
    let id = sb.create_order(&order_body(1), None).await.body["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    sb.control(
        Method::POST,
        &format!("/sandbox/v1/orders/{id}/advance"),
        None,
    )
    .await;
    let r = sb
        .call(Method::POST, &format!("/api/v1/orders/{id}/cancel"), None)
        .await;
    assert_eq!(r.status, 200);
    sb.shutdown().await;
}

#[tokio::test]
async fn location_missing_and_not_found_as_empty() {
    let sb = start(config_with(&[
        Fault::LocationMissing,
        Fault::NotFoundAsEmpty,
    ]))
    .await;
    let r = sb.create_order(&order_body(1), None).await;
    assert_eq!(r.status, 201);
    assert!(r.header("location").is_none());
    let r = sb
        .call(Method::GET, "/api/v1/orders/ORD-00000000", None)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({}));
    sb.shutdown().await;
}

#[test]
fn every_fault_is_listed_with_a_description() {
    assert!(Fault::ALL.len() >= 18);
    for name in [
        "ratelimit-headers-missing",
        "ratelimit-429-body",
        "idempotency-ignored",
        "idempotency-conflict-ignored",
        "validation-field-paths",
        "error-missing-request-id",
        "inventory-not-released",
        "create-returns-200",
        "token-expiry-ignored",
        "scopes-not-enforced",
        "cross-client-read",
        "webhook-bad-signature",
        "webhook-stale-timestamp",
        "webhook-missing",
        "webhook-no-retry",
        "schema-order-id",
        "schema-created-at",
        "latency",
        "request-id-not-echoed",
        "api-version-missing",
        "cancel-any-status",
    ] {
        let f: Fault = name.parse().unwrap();
        assert_eq!(f.to_string(), name);
        assert!(!f.description().is_empty());
    }
    let _ = SandboxConfig::default();
}
