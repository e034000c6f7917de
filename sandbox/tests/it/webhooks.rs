//! Webhooks (contract §6): subscriptions, signed deliveries, retries, the deliveries list.

use std::time::Duration;

use crate::common::*;
use conform_sandbox::SandboxConfig;
use hmac::{Hmac, KeyInit, Mac};
use reqwest::Method;
use serde_json::json;
use sha2::Sha256;

fn fast() -> SandboxConfig {
    SandboxConfig {
        // Gaps of 6 ms, 30 ms, 180 ms and 720 ms.
        webhook_retry_scale: 0.0001,
        delivery_timeout: Duration::from_secs(2),
        ..SandboxConfig::default()
    }
}

fn expected_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

#[tokio::test]
async fn order_created_is_delivered_and_signed() {
    let sb = start(fast()).await;
    let mut rx = Receiver::start(&[]).await;
    let sub = sb
        .subscribe(&rx.url, &["order.created"], Some("s3cret"))
        .await;
    assert_eq!(sub["secret"], "s3cret");
    assert_eq!(sub["url"], rx.url);
    let id = sub["webhook_id"].as_str().unwrap();
    let g = sb
        .call(Method::GET, &format!("/api/v1/webhooks/{id}"), None)
        .await;
    assert_eq!(g.status, 200);
    assert_eq!(g.body, sub);

    let order = sb.create_order(&order_body(2), None).await.body;
    let d = rx.next().await;
    assert_eq!(d.header("content-type"), "application/json");
    assert_eq!(
        d.header("x-webhook-signature"),
        expected_signature("s3cret", &d.body)
    );
    let ts: i64 = d.header("x-webhook-timestamp").parse().unwrap();
    assert!((time::OffsetDateTime::now_utc().unix_timestamp() - ts).abs() <= 5);
    let p = d.json();
    assert_eq!(
        d.header("x-webhook-event-id"),
        p["event_id"].as_str().unwrap()
    );
    assert_eq!(p["event_type"], "order.created");
    assert!(p["timestamp"].as_str().unwrap().ends_with('Z'));
    let data = &p["data"];
    assert_eq!(data["object_type"], "order");
    assert_eq!(data["object_id"], order["order_id"]);
    assert_eq!(data["order_id"], order["order_id"]);
    assert_eq!(data["customer_id"], "CUST-12345");
    assert_eq!(data["total_amount"], order["total_amount"]);
    assert_eq!(data["items"], order["items"]);
    assert_eq!(data["created_at"], order["created_at"]);

    // Only subscribed events: advancing sends no order.updated here.
    let oid = order["order_id"].as_str().unwrap();
    sb.control(
        Method::POST,
        &format!("/sandbox/v1/orders/{oid}/advance"),
        None,
    )
    .await;
    assert!(rx.quiet(Duration::from_millis(200)).await);

    let l = sb
        .call(
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        )
        .await;
    assert_eq!(l.status, 200);
    assert_eq!(l.body["data"].as_array().unwrap().len(), 1);
    let rec = &l.body["data"][0];
    assert_eq!(rec["event_id"], p["event_id"]);
    assert_eq!(rec["event_type"], "order.created");
    assert_eq!(rec["attempt"], 1);
    assert_eq!(rec["status_code"], 200);
    assert!(rec["delivered_at"].is_string());
    assert!(l.body["next_cursor"].is_null());
    sb.shutdown().await;
}

#[tokio::test]
async fn failed_deliveries_are_retried_with_the_same_event() {
    let sb = start(fast()).await;
    let mut rx = Receiver::start(&[500, 503, 404]).await;
    let sub = sb.subscribe(&rx.url, &["order.created"], None).await;
    let secret = sub["secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 16);
    sb.create_order(&order_body(1), None).await;
    let first = rx.next().await;
    let mut all = vec![first.clone()];
    for _ in 0..3 {
        all.push(rx.next().await);
    }
    for d in &all {
        assert_eq!(d.body, first.body, "same body on every attempt");
        assert_eq!(
            d.header("x-webhook-event-id"),
            first.header("x-webhook-event-id")
        );
        assert_eq!(
            d.header("x-webhook-signature"),
            expected_signature(&secret, &d.body)
        );
    }
    // Delivered on attempt 4: nothing more.
    assert!(rx.quiet(Duration::from_millis(300)).await);

    let id = sub["webhook_id"].as_str().unwrap();
    let l = sb
        .call(
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        )
        .await;
    let recs = l.body["data"].as_array().unwrap();
    let attempts: Vec<_> = recs
        .iter()
        .map(|r| {
            (
                r["attempt"].as_u64().unwrap(),
                r["status_code"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(attempts, [(1, 500), (2, 503), (3, 404), (4, 200)]);
    // Paging, oldest first.
    let p1 = sb
        .call(
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries?limit=3"),
            None,
        )
        .await;
    assert_eq!(p1.body["data"].as_array().unwrap().len(), 3);
    let c = p1.body["next_cursor"].as_str().unwrap();
    let p2 = sb
        .call(
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries?limit=3&cursor={c}"),
            None,
        )
        .await;
    assert_eq!(p2.body["data"][0]["attempt"], 4);
    assert!(p2.body["next_cursor"].is_null());
    sb.shutdown().await;
}

#[tokio::test]
async fn at_most_five_attempts_and_dead_receivers_do_not_block() {
    let sb = start(fast()).await;
    // A port with nothing listening.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dead_sub = sb
        .subscribe(&format!("http://{dead}/hook"), &["order.created"], None)
        .await;
    let mut rx = Receiver::start(&[500, 500, 500, 500, 500, 500]).await;
    let sub = sb.subscribe(&rx.url, &["order.created"], None).await;
    let started = std::time::Instant::now();
    assert_eq!(sb.create_order(&order_body(1), None).await.status, 201);
    assert!(started.elapsed() < Duration::from_secs(1));
    for _ in 0..5 {
        rx.next().await;
    }
    assert!(
        rx.quiet(Duration::from_millis(500)).await,
        "no sixth attempt"
    );
    let id = sub["webhook_id"].as_str().unwrap();
    let l = sb
        .call(
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        )
        .await;
    assert_eq!(l.body["data"].as_array().unwrap().len(), 5);
    let id = dead_sub["webhook_id"].as_str().unwrap();
    let l = sb
        .call(
            Method::GET,
            &format!("/api/v1/webhooks/{id}/deliveries"),
            None,
        )
        .await;
    let recs = l.body["data"].as_array().unwrap();
    assert!(!recs.is_empty());
    assert!(recs.iter().all(|r| r["status_code"].is_null()));
    sb.shutdown().await;
}

#[tokio::test]
async fn cancel_and_advance_events() {
    let sb = start(fast()).await;
    let mut rx = Receiver::start(&[]).await;
    sb.subscribe(
        &rx.url,
        &["order.created", "order.updated", "order.cancelled"],
        None,
    )
    .await;
    let a = sb.create_order(&order_body(1), None).await.body["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(rx.next().await.json()["event_type"], "order.created");
    sb.call(Method::POST, &format!("/api/v1/orders/{a}/cancel"), None)
        .await;
    let c = rx.next().await.json();
    let u = rx.next().await.json();
    assert_eq!(c["event_type"], "order.cancelled");
    assert_eq!(u["event_type"], "order.updated");
    assert_ne!(c["event_id"], u["event_id"]);
    for e in [&c, &u] {
        let d = &e["data"];
        assert_eq!(d["object_type"], "order");
        assert_eq!(d["object_id"], a.as_str());
        assert_eq!(d["order_id"], a.as_str());
        assert_eq!(d["previous_status"], "pending");
        assert_eq!(d["current_status"], "cancelled");
        assert_eq!(
            d["changes"],
            json!({"status": {"previous": "pending", "current": "cancelled"}})
        );
        assert!(d["updated_at"].is_string());
    }
    let b = sb.create_order(&order_body(1), None).await.body["order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    rx.next().await;
    sb.control(
        Method::POST,
        &format!("/sandbox/v1/orders/{b}/advance"),
        None,
    )
    .await;
    sb.control(
        Method::POST,
        &format!("/sandbox/v1/orders/{b}/advance"),
        None,
    )
    .await;
    let s = rx.next().await.json();
    let d = rx.next().await.json();
    assert_eq!(
        (
            s["data"]["previous_status"].as_str(),
            s["data"]["current_status"].as_str()
        ),
        (Some("pending"), Some("shipped"))
    );
    assert_eq!(
        (
            d["data"]["previous_status"].as_str(),
            d["data"]["current_status"].as_str()
        ),
        (Some("shipped"), Some("delivered"))
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn delete_stops_retries_and_subscriptions_are_per_client() {
    let sb = start(SandboxConfig {
        webhook_retry_scale: 0.005, // first gap 300 ms
        ..SandboxConfig::default()
    })
    .await;
    let mut rx = Receiver::start(&[500, 500, 500, 500, 500]).await;
    let sub = sb.subscribe(&rx.url, &["order.created"], None).await;
    let id = sub["webhook_id"].as_str().unwrap();

    let ro = sb.token_for("sandbox-readonly", None).await;
    let r = sb
        .call_as(
            &ro,
            Method::GET,
            &format!("/api/v1/webhooks/{id}"),
            None,
            &[],
        )
        .await;
    assert_eq!(r.status, 404, "another client's subscription");

    sb.create_order(&order_body(1), None).await;
    rx.next().await;
    let r = sb
        .call(Method::DELETE, &format!("/api/v1/webhooks/{id}"), None)
        .await;
    assert_eq!(r.status, 204);
    assert!(
        rx.quiet(Duration::from_millis(700)).await,
        "retries stopped"
    );
    let r = sb
        .call(Method::GET, &format!("/api/v1/webhooks/{id}"), None)
        .await;
    assert_eq!(r.status, 404);
    let r = sb
        .call(Method::DELETE, &format!("/api/v1/webhooks/{id}"), None)
        .await;
    assert_eq!(r.status, 404);
    sb.shutdown().await;
}

#[tokio::test]
async fn subscription_validation() {
    let sb = start_default().await;
    let r = sb
        .call(
            Method::POST,
            "/api/v1/webhooks",
            Some(&json!({"url": "nope", "events": ["order.shipped"]})),
        )
        .await;
    assert_eq!(r.status, 400);
    assert_eq!(r.fields(), ["url", "events[0]"]);
    let r = sb
        .call(
            Method::POST,
            "/api/v1/webhooks",
            Some(&json!({"events": []})),
        )
        .await;
    assert_eq!(r.fields(), ["url", "events"]);
    let ro = sb.token_for("sandbox-readonly", None).await;
    let r = sb
        .call_as(
            &ro,
            Method::POST,
            "/api/v1/webhooks",
            Some(&json!({"url": "http://127.0.0.1:1/", "events": ["order.created"]})),
            &[],
        )
        .await;
    assert_eq!(r.status, 403);
    sb.shutdown().await;
}
