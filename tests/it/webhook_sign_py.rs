//! Cross-check with the external stdlib signer `shared/validators/sign_webhook.py`: it signs,
//! conform verifies; conform signs, it verifies; and it POSTs to the receiver with `--send`.
use conform::config::Secret;
use conform::webhook::{sign_seed, verify_seed, Receiver, ReceiverConfig, Verdict};
use std::path::PathBuf;
use std::process::Command;

const SIGNER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/validators/sign_webhook.py"
);

fn python() -> Option<&'static str> {
    let ok = Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("skipped: python3 is not available");
        return None;
    }
    if !std::path::Path::new(SIGNER).exists() {
        println!("skipped: {SIGNER} not found");
        return None;
    }
    Some("python3")
}

fn temp_file(name: &str, bytes: &[u8]) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let path = std::env::temp_dir().join(format!("conform-{name}-{}-{nanos}", std::process::id()));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn python_signer_and_conform_agree() {
    let Some(py) = python() else { return };
    let cases: [(&str, &[u8]); 4] = [
        ("whsec-conform-test", br#"{"event_id":"evt_1"}"#),
        (
            "s\u{e9}cret-\u{1f511}",
            "h\u{e9}llo \u{65e5}\u{672c}\n".as_bytes(),
        ),
        ("k", b""),
        (
            "whsec-conform-test",
            &[0x00, 0xff, 0xfe, 0x80, b'\r', b'\n'],
        ),
    ];
    for (i, (secret, body)) in cases.iter().enumerate() {
        let file = temp_file(&format!("py-body-{i}"), body);
        let out = Command::new(py)
            .arg(SIGNER)
            .arg(secret)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let theirs = String::from_utf8(out.stdout).unwrap().trim().to_owned();
        assert_eq!(theirs, sign_seed(secret.as_bytes(), body), "case {i}");
        assert!(verify_seed(secret.as_bytes(), body, &theirs));
        let verify = Command::new(py)
            .arg(SIGNER)
            .arg(secret)
            .arg(&file)
            .arg("--verify")
            .arg(sign_seed(secret.as_bytes(), body))
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "case {i}: {}",
            String::from_utf8_lossy(&verify.stdout)
        );
        let _ = std::fs::remove_file(file);
    }
    let check = Command::new(py)
        .arg(SIGNER)
        .arg("--check-vectors")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/validators/webhook-vectors.json"
        ))
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[tokio::test]
async fn python_sender_delivers_to_the_receiver() {
    let Some(py) = python() else { return };
    let r = Receiver::start(ReceiverConfig::default()).await.unwrap();
    r.add_secret(Secret::new("py-secret"));
    let body = br#"{"event_id":"evt_py","event_type":"order.created","data":{}}"#;
    let file = temp_file("py-send", body);
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let out = tokio::process::Command::new(py)
        .arg(SIGNER)
        .arg("env:CONFORM_TEST_PY_SECRET")
        .arg(&file)
        .args(["--header-name", "X-Webhook-Signature", "--send"])
        .arg(r.local_url().join("py").unwrap().as_str())
        .arg("--extra-header")
        .arg(format!("X-Webhook-Timestamp: {now}"))
        .arg("--extra-header")
        .arg("X-Webhook-Event-ID: evt_py")
        .env("CONFORM_TEST_PY_SECRET", "py-secret")
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("200"));
    let got = r.inbox().snapshot();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].verdict, Verdict::Valid);
    assert_eq!(got[0].body.as_ref(), body);
    let _ = std::fs::remove_file(file);
    r.shutdown().await;
}
