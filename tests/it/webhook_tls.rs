//! The receiver over HTTPS with a PEM certificate and key (self-signed, made by rcgen).
use conform::config::Secret;
use conform::webhook::{sign_seed, Receiver, ReceiverConfig, Verdict};
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("conform-{name}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[tokio::test]
async fn receiver_serves_https_with_the_given_certificate() {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let dir = temp_dir("webhook-tls");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, certified.cert.pem()).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();

    let r = Receiver::start(ReceiverConfig {
        tls: Some((cert.clone(), key.clone())),
        ..Default::default()
    })
    .await
    .expect("starts with TLS");
    r.add_secret(Secret::new("s3cret"));
    assert_eq!(r.local_url().scheme(), "https");
    let addr: std::net::SocketAddr = format!("127.0.0.1:{}", r.local_url().port().unwrap())
        .parse()
        .unwrap();

    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(
            reqwest::Certificate::from_pem(certified.cert.pem().as_bytes()).unwrap(),
        )
        .resolve("localhost", addr)
        .build()
        .unwrap();
    let url = format!("https://localhost:{}/hooks", addr.port());
    let body = br#"{"event_id":"evt_tls","event_type":"order.created"}"#.to_vec();
    let status = client
        .post(&url)
        .header("x-webhook-signature", sign_seed(b"s3cret", &body))
        .header(
            "x-webhook-timestamp",
            time::OffsetDateTime::now_utc().unix_timestamp().to_string(),
        )
        .header("x-webhook-event-id", "evt_tls")
        .body(body)
        .send()
        .await
        .expect("TLS delivery")
        .status();
    assert_eq!(status.as_u16(), 200);
    assert_eq!(r.inbox().snapshot()[0].verdict, Verdict::Valid);

    // A client that does not trust the certificate cannot deliver.
    let untrusting = reqwest::Client::builder()
        .use_rustls_tls()
        .resolve("localhost", addr)
        .build()
        .unwrap();
    assert!(untrusting.post(&url).body("{}").send().await.is_err());
    assert_eq!(r.inbox().len(), 1);
    r.shutdown().await;

    // A key file without a key is a located error.
    std::fs::write(&key, "not a key").unwrap();
    let err = Receiver::start(ReceiverConfig {
        tls: Some((cert, key.clone())),
        ..Default::default()
    })
    .await
    .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("failed to load the receiver's TLS certificate and key: "),
        "{err}"
    );
    assert!(
        err.to_string().contains(&key.display().to_string()),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
