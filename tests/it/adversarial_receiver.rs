//! The adversarial test set, webhook receiver part (docs/robustness.md, "Attacks"): a flood of
//! unsigned deliveries, log injection through `conform webhooks listen`, a Standard Webhooks
//! delivery without `webhook-id`. Everything on 127.0.0.1, bounded in count and time.
use conform::config::Secret;
use conform::webhook::{sign_standard, InboxLimits, Receiver, ReceiverConfig, Scheme, Verdict};
use std::sync::Arc;
use std::time::Duration;

/// Concurrent senders, and the whole flood's time limit.
const SENDERS: usize = 16;
const FLOOD_LIMIT: Duration = Duration::from_secs(60);

async fn flood(url: url::Url, n: usize, body_bytes: usize) {
    let client = reqwest::Client::new();
    let body = bytes::Bytes::from(vec![b'x'; body_bytes]);
    let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..SENDERS {
        let (client, url, body, sent) = (client.clone(), url.clone(), body.clone(), sent.clone());
        tasks.push(tokio::spawn(async move {
            while sent.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < n {
                let status = client
                    .post(url.clone())
                    .header("x-webhook-signature", "sha256=00")
                    .header("x-webhook-timestamp", "1")
                    .body(body.clone())
                    .send()
                    .await
                    .expect("the receiver answers")
                    .status();
                assert_eq!(status, 401);
            }
        }));
    }
    tokio::time::timeout(FLOOD_LIMIT, futures::future::join_all(tasks))
        .await
        .expect("the flood finishes in time");
}

/// 300 unsigned 256 KiB POSTs: counted, a few kept as cut samples, the rest dropped. Before the
/// bound, the inbox held all 300 bodies (75 MiB here; 300 MiB with 1 MiB bodies).
#[tokio::test]
async fn an_unsigned_flood_is_counted_not_kept() {
    let r = Receiver::start(ReceiverConfig::default())
        .await
        .expect("starts");
    r.add_secret(Secret::new("the-real-secret"));
    flood(r.local_url(), 300, 256 * 1024).await;
    let inbox = r.inbox();
    let stats = inbox.stats();
    assert_eq!(stats.received, 300);
    assert_eq!(stats.rejected.get("bad signature"), Some(&300), "{stats:?}");
    let limits = InboxLimits::default();
    assert_eq!(stats.rejected_kept, limits.rejected_samples as u64);
    assert_eq!(stats.rejected_dropped, 300 - limits.rejected_samples as u64);
    let kept = inbox.snapshot();
    assert_eq!(kept.len(), limits.rejected_samples);
    let bytes: usize = kept.iter().map(|d| d.body.len()).sum();
    assert!(
        bytes <= limits.rejected_samples * limits.rejected_body,
        "{bytes} body bytes kept"
    );
    r.shutdown().await;
}

/// Valid deliveries are kept up to the limit; past it the oldest go, and the count says so.
#[tokio::test]
async fn valid_deliveries_beyond_the_limit_are_dropped_oldest_first() {
    let r = Receiver::start(ReceiverConfig {
        limits: InboxLimits {
            max_deliveries: 5,
            ..InboxLimits::default()
        },
        ..ReceiverConfig::default()
    })
    .await
    .expect("starts");
    r.add_secret(Secret::new("s3cret"));
    let client = reqwest::Client::new();
    let now = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    for i in 0..12 {
        let body = format!(r#"{{"event_id":"evt_{i}","event_type":"order.created"}}"#);
        let status = client
            .post(r.local_url())
            .header(
                "x-webhook-signature",
                conform::webhook::sign_seed(b"s3cret", body.as_bytes()),
            )
            .header("x-webhook-timestamp", &now)
            .header("x-webhook-event-id", format!("evt_{i}"))
            .body(body)
            .send()
            .await
            .expect("answers")
            .status();
        assert_eq!(status, 200);
    }
    let inbox = r.inbox();
    let ids: Vec<String> = inbox
        .snapshot()
        .into_iter()
        .filter_map(|d| d.event_id)
        .collect();
    assert_eq!(ids, ["evt_7", "evt_8", "evt_9", "evt_10", "evt_11"]);
    let stats = inbox.stats();
    assert_eq!((stats.valid, stats.valid_dropped), (12, 7));
    r.shutdown().await;
}

/// An unsigned delivery whose `event_type` holds a newline and escape codes cannot forge a
/// line of `conform webhooks listen`.
#[tokio::test]
async fn listen_escapes_what_a_sender_controls() {
    let listening = crate::webhook_listen::start_listen("s3cret").await;
    let url = listening.url.clone();
    let forged = "order.created\n2026-01-01T00:00:00.000Z order.created evt_FAKE attempt 1 valid -> 200\u{1b}[2K\r";
    let body = serde_json::json!({"event_id": "evt_1\u{1b}]0;owned\u{7}", "event_type": forged});
    let status = reqwest::Client::new()
        .post(url)
        .body(body.to_string())
        .send()
        .await
        .expect("answers")
        .status();
    assert_eq!(status, 401);
    let text = listening.finish().await;
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "one line per delivery: {text:?}");
    assert!(!text.contains('\u{1b}') && !text.contains('\r'), "{text:?}");
    assert!(
        lines[1].ends_with("attempt 1 missing signature -> 401"),
        "{}",
        lines[1]
    );
    assert!(lines[1].contains("order.created\\n2026-01-01T00:00:00.000Z"));
}

/// Standard Webhooks requires `webhook-id`: a delivery without one is refused (400), even
/// with a signature made over an empty id.
#[tokio::test]
async fn a_standard_delivery_without_webhook_id_is_refused() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let r = Receiver::start(ReceiverConfig {
        scheme: Scheme::StandardWebhooks,
        ..ReceiverConfig::default()
    })
    .await
    .expect("starts");
    r.add_secret(Secret::new(secret));
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let body = br#"{"type":"order.created","data":{}}"#;
    let client = reqwest::Client::new();
    let send = |id: Option<&str>| {
        let sig = sign_standard(secret, id.unwrap_or(""), now, body).expect("signs");
        let mut req = client
            .post(r.local_url())
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", sig)
            .body(body.to_vec());
        if let Some(id) = id {
            req = req.header("webhook-id", id);
        }
        req.send()
    };
    assert_eq!(send(None).await.expect("answers").status(), 400);
    assert_eq!(send(Some("msg_1")).await.expect("answers").status(), 200);
    let verdicts: Vec<Verdict> = r.inbox().snapshot().iter().map(|d| d.verdict).collect();
    assert_eq!(verdicts, [Verdict::MissingId, Verdict::Valid]);
    r.shutdown().await;
}
