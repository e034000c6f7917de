//! The signature schemes against `shared/validators/webhook-vectors.json`, vectors made by
//! @octokit/webhooks-methods, x-hub-signature and the `standardwebhooks` Python package.
use base64::Engine as _;
use conform::webhook::{sign_seed, sign_standard, verify_seed, verify_standard};
use serde_json::Value;

const VECTORS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/validators/webhook-vectors.json"
);

fn doc() -> Value {
    let text = std::fs::read_to_string(VECTORS).unwrap_or_else(|e| panic!("read {VECTORS}: {e}"));
    serde_json::from_str(&text).expect("vectors are JSON")
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn body_of(v: &Value) -> Vec<u8> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(s(v, "body_base64"))
        .expect("body_base64");
    if let Some(text) = v["body"].as_str() {
        assert_eq!(
            text.as_bytes(),
            &bytes[..],
            "{}: body and body_base64 disagree",
            s(v, "id")
        );
    }
    bytes
}

#[test]
fn seed_scheme_matches_every_vector() {
    let doc = doc();
    let vectors = doc["vectors"].as_array().expect("vectors");
    assert_eq!(vectors.len(), 13);
    for v in vectors {
        let id = s(v, "id");
        let secret = s(v, "secret").as_bytes();
        let body = body_of(v);
        assert_eq!(
            body.len() as u64,
            v["body_length_bytes"].as_u64().unwrap(),
            "{id}"
        );
        let expected = s(v, "expected_signature");
        assert_eq!(sign_seed(secret, &body), expected, "{id}");
        assert!(
            verify_seed(secret, &body, expected),
            "{id}: own signature rejected"
        );
        // Any one-bit change of body or signature is refused.
        let mut tampered = body.clone();
        tampered.push(b' ');
        assert!(
            !verify_seed(secret, &tampered, expected),
            "{id}: tampered body accepted"
        );
        let mut flipped = expected.to_owned();
        let last = if flipped.ends_with('0') { '1' } else { '0' };
        flipped.pop();
        flipped.push(last);
        assert!(
            !verify_seed(secret, &body, &flipped),
            "{id}: altered signature accepted"
        );
    }
}

#[test]
fn seed_scheme_rejects_every_negative() {
    let doc = doc();
    let negatives = doc["negatives"].as_array().expect("negatives");
    assert_eq!(negatives.len(), 6);
    for n in negatives {
        let id = s(n, "id");
        assert_eq!(n["expected_valid"].as_bool(), Some(false), "{id}");
        let accepted = verify_seed(
            s(n, "secret").as_bytes(),
            s(n, "body").as_bytes(),
            s(n, "signature"),
        );
        assert!(!accepted, "negative {id} was accepted");
    }
}

#[test]
fn standard_webhooks_matches_every_alt_entry() {
    let doc = doc();
    let mut checked = 0;
    for v in doc["vectors"].as_array().expect("vectors") {
        let Some(alt) = v.get("alt_standard_webhooks").filter(|a| !a.is_null()) else {
            continue;
        };
        let id = s(v, "id");
        let body = body_of(v);
        let (secret, msg_id, ts, sig) = (
            s(alt, "webhook_secret"),
            s(alt, "webhook_id"),
            s(alt, "webhook_timestamp"),
            s(alt, "webhook_signature"),
        );
        // Same key bytes as the seed secret, as the file says.
        let key = base64::engine::general_purpose::STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .unwrap();
        assert_eq!(key, s(v, "secret").as_bytes(), "{id}");
        assert_eq!(
            sign_standard(secret, msg_id, ts.parse().unwrap(), &body).unwrap(),
            sig,
            "{id}"
        );
        assert!(verify_standard(secret, msg_id, ts, &body, sig), "{id}");
        assert!(
            verify_standard(secret, msg_id, ts, &body, &format!("v1,bm9wZQ== {sig}")),
            "{id}: list"
        );
        assert!(
            !verify_standard(secret, msg_id, "1700000001", &body, sig),
            "{id}: other timestamp"
        );
        assert!(
            !verify_standard(secret, "msg_other", ts, &body, sig),
            "{id}: other id"
        );
        assert!(
            !verify_standard(secret, msg_id, ts, &[&body[..], b"\n"].concat(), sig),
            "{id}: other body"
        );
        assert!(
            !verify_standard(secret, msg_id, ts, &body, &sig.replacen("v1,", "v2,", 1)),
            "{id}: version"
        );
        checked += 1;
    }
    assert_eq!(
        checked, 12,
        "every vector but the non-UTF-8 one has a Standard Webhooks entry"
    );
}
