//! The faults of the last four rules (WH-OWN-EVENTS, WH-ATTEMPT-FRESH, WH-TIMEOUT-RETRY,
//! SBX-NOT-RATE-LIMITED): each test shows the correct behaviour, then the fault's violation.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::common::*;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use conform_sandbox::{Fault, SandboxConfig};
use reqwest::Method;

fn config(faults: &[Fault]) -> SandboxConfig {
    let mut c = config_with(faults);
    c.latency = Duration::ZERO;
    c
}

/// Does `sandbox-client`'s subscription receive the order of `sandbox-other`?
async fn other_clients_order_arrives(faults: &[Fault]) -> bool {
    let sb = start(config(faults)).await;
    let mut rx = Receiver::start(&[]).await;
    sb.subscribe(&rx.url, &["order.created"], None).await;
    let other = sb.token_for("sandbox-other", None).await;
    let theirs = sb
        .call_as(
            &other,
            Method::POST,
            "/api/v1/orders",
            Some(&order_body(1)),
            &[],
        )
        .await;
    assert_eq!(theirs.status, 201, "{}", theirs.body);
    // Then an order of the subscription's own client: it always arrives, in event order.
    let mine = sb.create_order(&order_body(1), None).await.body["order_id"].clone();
    let first = rx.next().await.json();
    let leaked = first["data"]["order_id"] == theirs.body["order_id"];
    if leaked {
        assert_eq!(rx.next().await.json()["data"]["order_id"], mine);
    } else {
        assert_eq!(first["data"]["order_id"], mine);
    }
    sb.shutdown().await;
    leaked
}

#[tokio::test]
async fn webhook_events_all_clients() {
    assert!(!other_clients_order_arrives(&[]).await);
    assert!(other_clients_order_arrives(&[Fault::WebhookEventsAllClients]).await);
}

/// The X-Webhook-Timestamp of attempts 1 and 3 (the receiver fails the first two).
async fn first_and_third_timestamps(faults: &[Fault]) -> (i64, i64) {
    let mut c = config(faults);
    // 1 min -> 0.24 s, 5 min -> 1.2 s: attempt 3 goes out at least 1.44 s after attempt 1.
    c.webhook_retry_scale = 0.004;
    let sb = start(c).await;
    let mut rx = Receiver::start(&[500, 500]).await;
    sb.subscribe(&rx.url, &["order.created"], None).await;
    sb.create_order(&order_body(1), None).await;
    let ts = |d: Delivery| d.header("x-webhook-timestamp").parse::<i64>().unwrap();
    let first = ts(rx.next().await);
    rx.next().await;
    let third = rx.next().await;
    assert_eq!(
        third.json()["event_id"],
        third.header("x-webhook-event-id").as_str()
    );
    sb.shutdown().await;
    (first, ts(third))
}

#[tokio::test]
async fn webhook_retry_stale_headers() {
    let (first, third) = first_and_third_timestamps(&[]).await;
    assert!(
        third > first,
        "a fresh timestamp moves on: {first} -> {third}"
    );
    let (first, third) = first_and_third_timestamps(&[Fault::WebhookRetryStaleHeaders]).await;
    assert_eq!(third, first, "the first attempt's timestamp is sent again");
}

/// A receiver that answers its first delivery 200 only after `hold`, later ones at once;
/// counts deliveries.
async fn slow_receiver(hold: Duration) -> (String, Arc<AtomicUsize>) {
    let seen = Arc::new(AtomicUsize::new(0));
    async fn hook(State((seen, hold)): State<(Arc<AtomicUsize>, Duration)>) -> StatusCode {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            tokio::time::sleep(hold).await;
        }
        StatusCode::OK
    }
    let app = Router::new()
        .route("/hook", post(hook))
        .with_state((seen.clone(), hold));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen)
}

/// Deliveries of one order.created when the receiver's first answer comes after the
/// sandbox's delivery timeout.
async fn deliveries_after_a_late_answer(faults: &[Fault]) -> usize {
    let mut c = config(faults);
    c.delivery_timeout = Duration::from_millis(300);
    c.webhook_retry_scale = 0.001; // 1 min -> 60 ms
    let sb = start(c).await;
    let (url, seen) = slow_receiver(Duration::from_millis(900)).await;
    sb.subscribe(&url, &["order.created"], None).await;
    sb.create_order(&order_body(1), None).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    sb.shutdown().await;
    seen.load(Ordering::SeqCst)
}

#[tokio::test]
async fn webhook_timeout_ignored() {
    assert_eq!(
        deliveries_after_a_late_answer(&[]).await,
        2,
        "the timed-out attempt is retried once, and the retry is answered at once"
    );
    assert_eq!(
        deliveries_after_a_late_answer(&[Fault::WebhookTimeoutIgnored]).await,
        1,
        "the late 200 counts as delivered"
    );
}

/// Statuses of 30 sandbox controls when the "anything else" rule allows a burst of 15.
async fn control_statuses(faults: &[Fault]) -> Vec<u16> {
    let mut c = config(faults);
    c.rate_scale = 0.1; // anything else: 10 a minute, capacity 15
    let sb = start(c).await;
    let mut out = Vec::new();
    for _ in 0..30 {
        out.push(
            sb.control(Method::GET, "/sandbox/v1/products/SKU-001", None)
                .await
                .status,
        );
    }
    sb.shutdown().await;
    out
}

#[tokio::test]
async fn sandbox_rate_limited() {
    assert!(control_statuses(&[]).await.iter().all(|s| *s == 200));
    let limited = control_statuses(&[Fault::SandboxRateLimited]).await;
    assert!(limited[..15].iter().all(|s| *s == 200), "{limited:?}");
    assert!(limited[15..].contains(&429), "{limited:?}");
}

#[tokio::test]
async fn the_other_seeded_client_writes() {
    let sb = start(config(&[])).await;
    let other = sb.token_for("sandbox-other", None).await;
    let r = sb
        .call_as(
            &other,
            Method::POST,
            "/api/v1/orders",
            Some(&order_body(1)),
            &[],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    sb.shutdown().await;
}
