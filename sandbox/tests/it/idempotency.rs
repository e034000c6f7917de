//! X-Idempotency-Key (contract §4).

use std::sync::Arc;

use crate::common::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn replay_returns_the_same_order_without_a_second_reservation() {
    let sb = start_default().await;
    let body = order_body(4);
    let first = sb.create_order(&body, Some("abc123")).await;
    assert_eq!(first.status, 201);
    let id = first.body["order_id"].as_str().unwrap();

    // Same body, keys in another order: same JSON value.
    let reordered =
        json!({"items": [{"quantity": 4, "product_id": "SKU-001"}], "customer_id": "CUST-12345"});
    let again = sb.create_order(&reordered, Some("abc123")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["order_id"], id);
    assert_eq!(
        again.header("location").unwrap(),
        format!("/api/v1/orders/{id}")
    );
    assert_eq!(sb.product("SKU-001").await["reserved"], 4);

    // The replay shows the current state.
    sb.call(Method::POST, &format!("/api/v1/orders/{id}/cancel"), None)
        .await;
    let again = sb.create_order(&body, Some("abc123")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["status"], "cancelled");
    assert_eq!(sb.product("SKU-001").await["reserved"], 0);

    // Different body: 409 DUPLICATE_ORDER with the existing id.
    let r = sb.create_order(&order_body(5), Some("abc123")).await;
    assert_eq!(r.status, 409);
    assert_eq!(r.body["error_code"], "DUPLICATE_ORDER");
    assert_eq!(r.body["existing_order_id"], id);
    assert!(r.body["request_id"].is_string());

    let list = sb.call(Method::GET, "/api/v1/orders", None).await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn keys_are_per_client_and_failures_do_not_store_them() {
    let mut config = conform_sandbox::SandboxConfig::default();
    config.clients.push(conform_sandbox::ClientSpec::new(
        "other",
        "sandbox-secret",
        &["read", "write"],
    ));
    let sb = start(config).await;
    let mut declined = order_body(1);
    declined["customer_id"] = json!("CUST-DECLINE");
    assert_eq!(sb.create_order(&declined, Some("k1")).await.status, 402);
    // The same key may be retried with another body after a failure.
    let r = sb.create_order(&order_body(1), Some("k1")).await;
    assert_eq!(r.status, 201);

    // The same client with a new token shares its keys.
    let token2 = sb.token_for("sandbox-client", None).await;
    let r = sb
        .call_as(
            &token2,
            Method::POST,
            "/api/v1/orders",
            Some(&order_body(1)),
            &[("X-Idempotency-Key", "k1")],
        )
        .await;
    assert_eq!(r.status, 200);
    // Another client's identical key is a different key.
    let other = sb.token_for("other", None).await;
    let r = sb
        .call_as(
            &other,
            Method::POST,
            "/api/v1/orders",
            Some(&order_body(1)),
            &[("X-Idempotency-Key", "k1")],
        )
        .await;
    assert_eq!(r.status, 201);

    // Bad keys.
    let long = "k".repeat(256);
    let r = sb.create_order(&order_body(1), Some(&long)).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.fields(), ["headers.X-Idempotency-Key"]);
    sb.shutdown().await;
}

#[tokio::test]
async fn hundred_concurrent_requests_with_one_key_create_one_order() {
    let sb = Arc::new(start_default().await);
    let body = order_body(3);
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let sb = sb.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move {
            let r = sb.create_order(&body, Some("race-key")).await;
            (r.status, r.body["order_id"].as_str().map(str::to_owned))
        }));
    }
    let mut created = 0;
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        let (status, id) = t.await.unwrap();
        match status {
            201 => created += 1,
            200 => {}
            s => panic!("unexpected status {s}"),
        }
        ids.insert(id.unwrap());
    }
    assert_eq!(created, 1);
    assert_eq!(ids.len(), 1);
    let p = sb.product("SKU-001").await;
    assert_eq!(p["reserved"], 3);
    assert_eq!(p["available"], 997);
    let list = sb.call(Method::GET, "/api/v1/orders", None).await;
    assert_eq!(list.body["data"].as_array().unwrap().len(), 1);
    let stats = sb.control(Method::GET, "/sandbox/v1/stats", None).await;
    assert_eq!(stats.body["orders_created"], 1);
}
