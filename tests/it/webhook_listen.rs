//! `conform webhooks listen`, as a library call: one line per delivery, stopped by a future.
use conform::config::Secret;
use conform::webhook::{listen, sign_seed, ListenOptions, ReceiverConfig};
use std::io::Write;
use std::sync::{Arc, Mutex};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `listen` running on 127.0.0.1:0 with one seed-scheme secret, writing into a buffer.
pub(crate) struct Listening {
    pub url: url::Url,
    out: Buffer,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<Result<(), conform::webhook::WebhookError>>,
}

pub(crate) async fn start_listen(secret: &str) -> Listening {
    let out = Buffer::default();
    let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let opts = ListenOptions {
        receiver: ReceiverConfig::default(),
        secrets: vec![Secret::new(secret)],
        ready: Some(ready_tx),
    };
    let task = tokio::spawn(listen(opts, out.clone(), async {
        let _ = stop_rx.await;
    }));
    let url = ready_rx.await.expect("listening");
    Listening {
        url,
        out,
        stop,
        task,
    }
}

impl Listening {
    /// Stops `listen` and returns everything it printed.
    pub(crate) async fn finish(self) -> String {
        self.stop.send(()).expect("stop");
        self.task
            .await
            .expect("joins")
            .expect("listen ends cleanly");
        let bytes = self.out.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        String::from_utf8(bytes).expect("utf-8")
    }
}

#[tokio::test]
async fn prints_one_line_per_delivery_until_stopped() {
    let listening = start_listen("s3cret").await;
    let url = listening.url.clone();

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
    let text = listening.finish().await;
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
