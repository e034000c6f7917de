//! Signature schemes a target may use to sign its webhook deliveries.
//!
//! * [`Scheme::Seed`]: the contract's scheme (orders API v1 §6), the same as GitHub's
//!   `X-Hub-Signature-256`: `X-Webhook-Signature: sha256=<lowercase hex HMAC-SHA256(secret, raw body)>`.
//!   The timestamp is sent in `X-Webhook-Timestamp` but is not signed.
//! * [`Scheme::StandardWebhooks`]: <https://www.standardwebhooks.com/>, v1:
//!   `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`, with the key
//!   given as `whsec_<base64>`.
//!
//! Every comparison goes through `hmac`'s `verify_slice`, which is constant time.
use super::error::WebhookError;
use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use std::fmt;
use std::str::FromStr;

type HmacSha256 = Hmac<Sha256>;

/// Header names of each scheme (lowercase, as the receiver records them).
pub mod headers {
    pub const SEED_SIGNATURE: &str = "x-webhook-signature";
    pub const SEED_TIMESTAMP: &str = "x-webhook-timestamp";
    pub const SEED_EVENT_ID: &str = "x-webhook-event-id";
    pub const STANDARD_ID: &str = "webhook-id";
    pub const STANDARD_TIMESTAMP: &str = "webhook-timestamp";
    pub const STANDARD_SIGNATURE: &str = "webhook-signature";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Scheme {
    /// `X-Webhook-Signature: sha256=<hex>` over the raw body (GitHub's `X-Hub-Signature-256`).
    #[default]
    Seed,
    /// Standard Webhooks v1: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>`.
    StandardWebhooks,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Seed => "seed",
            Scheme::StandardWebhooks => "standard",
        }
    }
    /// The header carrying the signature.
    pub fn signature_header(self) -> &'static str {
        match self {
            Scheme::Seed => headers::SEED_SIGNATURE,
            Scheme::StandardWebhooks => headers::STANDARD_SIGNATURE,
        }
    }
    /// The header carrying the Unix timestamp.
    pub fn timestamp_header(self) -> &'static str {
        match self {
            Scheme::Seed => headers::SEED_TIMESTAMP,
            Scheme::StandardWebhooks => headers::STANDARD_TIMESTAMP,
        }
    }
    /// The header carrying the event (message) id.
    pub fn event_id_header(self) -> &'static str {
        match self {
            Scheme::Seed => headers::SEED_EVENT_ID,
            Scheme::StandardWebhooks => headers::STANDARD_ID,
        }
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scheme {
    type Err = WebhookError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "seed" => Ok(Scheme::Seed),
            "standard" => Ok(Scheme::StandardWebhooks),
            other => Err(WebhookError::UnknownScheme(other.to_owned())),
        }
    }
}

fn mac(key: &[u8]) -> HmacSha256 {
    // HMAC takes a key of any length (longer keys are hashed first), so this cannot fail.
    <HmacSha256 as KeyInit>::new_from_slice(key).expect("hmac accepts keys of any length")
}

/// `sha256=<lowercase hex HMAC-SHA256(secret, body)>`.
pub fn sign_seed(secret: &[u8], body: &[u8]) -> String {
    let mut m = mac(secret);
    m.update(body);
    format!("sha256={}", hex::encode(m.finalize().into_bytes()))
}

/// Checks a seed-scheme signature header in constant time. Only the exact form `sign_seed`
/// produces is accepted: the `sha256=` prefix (lowercase) and 64 lowercase hex digits, with no
/// surrounding whitespace (a sender that pads the header is a sender to report, not to excuse).
pub fn verify_seed(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex_part) = header.strip_prefix("sha256=") else {
        return false;
    };
    // Uppercase hex is refused, as @octokit/webhooks-methods does: `hex::decode` alone would
    // accept it.
    if hex_part.len() != 64
        || !hex_part
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return false;
    }
    let Ok(tag) = hex::decode(hex_part) else {
        return false;
    };
    let mut m = mac(secret);
    m.update(body);
    m.verify_slice(&tag).is_ok()
}

/// The key bytes of a Standard Webhooks secret: `whsec_<base64>` (the prefix is optional, as
/// in the reference libraries).
pub fn standard_key(secret_whsec: &str) -> Result<Vec<u8>, WebhookError> {
    let b64 = secret_whsec.strip_prefix("whsec_").unwrap_or(secret_whsec);
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|_| {
            WebhookError::InvalidSecret("a standard webhooks secret must be whsec_<base64>")
        })
}

fn standard_mac(key: &[u8], id: &str, ts: &str, body: &[u8]) -> HmacSha256 {
    let mut m = mac(key);
    m.update(id.as_bytes());
    m.update(b".");
    m.update(ts.as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// `v1,<base64 HMAC-SHA256(key, "<id>.<ts>.<body>")>`.
pub fn sign_standard(
    secret_whsec: &str,
    id: &str,
    ts: i64,
    body: &[u8],
) -> Result<String, WebhookError> {
    let key = standard_key(secret_whsec)?;
    let tag = standard_mac(&key, id, &ts.to_string(), body)
        .finalize()
        .into_bytes();
    Ok(format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(tag)
    ))
}

/// Checks a `webhook-signature` header: space-separated `<version>,<base64>` entries, valid when
/// any `v1` entry matches. `ts` is the `webhook-timestamp` header as sent (it is signed as text).
/// Freshness of the timestamp is the caller's business.
pub fn verify_standard(secret_whsec: &str, id: &str, ts: &str, body: &[u8], header: &str) -> bool {
    let Ok(key) = standard_key(secret_whsec) else {
        return false;
    };
    verify_standard_key(&key, id, ts, body, header)
}

pub(crate) fn verify_standard_key(
    key: &[u8],
    id: &str,
    ts: &str,
    body: &[u8],
    header: &str,
) -> bool {
    let m = standard_mac(key, id, ts, body);
    let mut ok = false;
    for entry in header.split(' ').filter(|e| !e.is_empty()) {
        let Some(b64) = entry.strip_prefix("v1,") else {
            continue;
        };
        let Ok(tag) = base64::engine::general_purpose::STANDARD.decode(b64) else {
            continue;
        };
        // Every entry is checked (no early exit) so the time taken does not tell which matched.
        ok |= m.clone().verify_slice(&tag).is_ok();
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_round_trip_and_github_example() {
        let sig = sign_seed(b"It's a Secret to Everybody", b"Hello, World!");
        assert_eq!(
            sig,
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
        );
        assert!(verify_seed(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            &sig
        ));
        assert!(!verify_seed(b"other", b"Hello, World!", &sig));
        assert!(!verify_seed(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            &sig.to_uppercase()
        ));
        assert!(!verify_seed(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            &format!(" {sig}")
        ));
        assert!(!verify_seed(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            "sha256="
        ));
    }

    #[test]
    fn standard_round_trip_with_several_signatures() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let sig = sign_standard(secret, "msg_1", 1_700_000_000, b"{}").unwrap();
        assert!(sig.starts_with("v1,"));
        assert!(verify_standard(secret, "msg_1", "1700000000", b"{}", &sig));
        let several = format!("v1,AAAA v2,xyz {sig}");
        assert!(verify_standard(
            secret,
            "msg_1",
            "1700000000",
            b"{}",
            &several
        ));
        assert!(!verify_standard(secret, "msg_2", "1700000000", b"{}", &sig));
        assert!(!verify_standard(secret, "msg_1", "1700000001", b"{}", &sig));
        assert!(!verify_standard(
            "whsec_***",
            "msg_1",
            "1700000000",
            b"{}",
            &sig
        ));
        assert!(sign_standard("whsec_not base64!", "m", 1, b"").is_err());
    }

    #[test]
    fn scheme_names() {
        assert_eq!("seed".parse::<Scheme>().unwrap(), Scheme::Seed);
        assert_eq!(
            "standard".parse::<Scheme>().unwrap(),
            Scheme::StandardWebhooks
        );
        assert_eq!(
            "github".parse::<Scheme>().unwrap_err().to_string(),
            "unknown webhook scheme `github` (expected `seed` or `standard`)"
        );
    }
}
