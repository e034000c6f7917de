//! `conform webhooks listen`, as a library call: one line per delivery, stopped by a future.
use conform::config::Secret;
use conform::webhook::{listen, sign_seed, ListenOptions, ReceiverConfig};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn prints_one_line_per_delivery_until_stopped() {
    let out = Buffer::default();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let opts = ListenOptions {
        receiver: ReceiverConfig::default(),
        secrets: vec![Secret::new("s3cret")],
        ready: Some(ready_tx),
    };
    let task = tokio::spawn(listen(opts, out.clone(), async {
        let _ = stop_rx.await;
    }));
    let url = ready_rx.await.expect("listening");

    let client = reqwest::Client::new();
    let now = time::OffsetDateTime::now_utc().unix_timestamp().to_string();
    let body = br#"{"event_id":"evt_9","event_type":"order.cancelled"}"#.to_vec();
    for secret in ["s3cret", "s3cret", "wrong"] {
        let status = client
            .post(url.clone())
            .header("x-webhook-signature", sign_seed(secret.as_bytes(), &body))
            .header("x-webhook-timestamp", &now)
            .header("x-webhook-event-id", "evt_9")
            .body(body.clone())
            .send()
            .await
            .unwrap()
            .status();
        assert!(status.is_success() == (secret == "s3cret"));
    }
    stop_tx.send(()).unwrap();
    task.await.unwrap().expect("listen ends cleanly");

    let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert_eq!(
        lines[0],
        format!("listening on {url} (scheme seed, 1 secret); Ctrl-C to stop")
    );
    // `<RFC 3339 time> <type> <id> attempt <n> <verdict> -> <status>`
    let tails: Vec<&str> = lines[1..4]
        .iter()
        .map(|l| l.split_once(' ').unwrap().1)
        .collect();
    assert_eq!(
        tails,
        [
            "order.cancelled evt_9 attempt 1 valid -> 200",
            "order.cancelled evt_9 attempt 2 valid -> 200",
            "order.cancelled evt_9 attempt 3 bad signature -> 401",
        ]
    );
    assert!(time::OffsetDateTime::parse(
        lines[1].split(' ').next().unwrap(),
        &time::format_description::well_known::Rfc3339
    )
    .is_ok());
    assert_eq!(lines[4], "stopped: 3 deliveries, 1 distinct event ids");
}
