//! One POST the receiver saw, and its verdict.
use crate::results::WebhookRecord;
use bytes::Bytes;
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A request that arrived at the receiver, recorded whatever its verdict.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub received_at: OffsetDateTime,
    /// The request path as received (`/`, or a subscription's own path: see
    /// [`crate::webhook::Receiver::subscription_url`]).
    pub path: String,
    /// Request headers as sent (names lowercase); values that are not UTF-8 are decoded lossily.
    pub headers: Vec<(String, String)>,
    /// The raw body, exactly as received (empty when over `max_body`).
    pub body: Bytes,
    /// The body parsed as JSON, when it is JSON.
    pub json: Option<serde_json::Value>,
    /// The event id header (`X-Webhook-Event-ID` / `webhook-id`), else the body's `event_id`.
    pub event_id: Option<String>,
    /// The body's `event_type` (or `type`, as Standard Webhooks payloads name it).
    pub event_type: Option<String>,
    /// The nth delivery of this event id to this path (one subscription) seen by this
    /// receiver (1 = first; 1 when no id).
    pub attempt: u32,
    pub verdict: Verdict,
    /// The status the receiver answered.
    pub answered: u16,
}

impl Delivery {
    /// The value of the first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn is_valid(&self) -> bool {
        self.verdict == Verdict::Valid
    }
    /// Whether it was sent to the subscription path `tag` ([`crate::webhook::Receiver::subscription_url`]),
    /// also behind a proxy that adds a prefix to the path.
    pub fn sent_to(&self, tag: &str) -> bool {
        self.path
            .trim_end_matches('/')
            .strip_suffix(tag)
            .is_some_and(|rest| rest.ends_with('/'))
    }
}

/// What the receiver made of a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    Valid,
    MissingSignature,
    /// Malformed, or made with none of the registered secrets (also: no secret registered).
    BadSignature,
    /// The timestamp is further than the tolerance from the receiver's clock; `skew_secs` is
    /// receiver time minus the timestamp (positive: the timestamp is in the past).
    StaleTimestamp {
        skew_secs: i64,
    },
    /// No timestamp header, or not an integer.
    MissingTimestamp,
    /// Standard Webhooks: no `webhook-id` header (the spec requires it: it is signed, and it
    /// is what receivers deduplicate on).
    MissingId,
    /// Seed scheme: the event id header is missing or differs from the body's `event_id`.
    EventIdMismatch,
    NotJson,
    TooLarge,
}

impl Verdict {
    /// The status the receiver answers with.
    pub fn status(self) -> u16 {
        match self {
            Verdict::Valid => 200,
            Verdict::MissingSignature
            | Verdict::BadSignature
            | Verdict::StaleTimestamp { .. }
            | Verdict::MissingTimestamp => 401,
            Verdict::MissingId | Verdict::EventIdMismatch | Verdict::NotJson => 400,
            Verdict::TooLarge => 413,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Valid => f.write_str("valid"),
            Verdict::MissingSignature => f.write_str("missing signature"),
            Verdict::BadSignature => f.write_str("bad signature"),
            Verdict::StaleTimestamp { skew_secs } => {
                write!(f, "stale timestamp (skew {skew_secs} s)")
            }
            Verdict::MissingTimestamp => f.write_str("missing timestamp"),
            Verdict::MissingId => f.write_str("missing webhook-id"),
            Verdict::EventIdMismatch => f.write_str("event id mismatch"),
            Verdict::NotJson => f.write_str("not json"),
            Verdict::TooLarge => f.write_str("too large"),
        }
    }
}

/// The delivery as results data. `redact` is applied to every header value and to the body,
/// so secrets a sender echoed cannot reach a report. A body that is not UTF-8 is kept as
/// `base64:<...>` so the bytes stay recoverable.
pub fn to_record(d: &Delivery, redact: &dyn Fn(&str) -> String) -> WebhookRecord {
    let body = match std::str::from_utf8(&d.body) {
        Ok(text) => redact(text),
        Err(_) => {
            use base64::Engine as _;
            format!(
                "base64:{}",
                base64::engine::general_purpose::STANDARD.encode(&d.body)
            )
        }
    };
    WebhookRecord {
        received_at: d
            .received_at
            .format(&Rfc3339)
            .unwrap_or_else(|_| d.received_at.to_string()),
        event_id: d.event_id.clone(),
        event_type: d.event_type.clone(),
        attempt: d.attempt,
        headers: d
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), redact(v)))
            .collect(),
        body,
        verdict: d.verdict.to_string(),
        answered: d.answered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_redacts_headers_and_body_and_keeps_binary_as_base64() {
        let d = Delivery {
            received_at: OffsetDateTime::UNIX_EPOCH,
            path: "/".into(),
            headers: vec![("x-token".into(), "hunter2".into())],
            body: Bytes::from_static(b"{\"k\":\"hunter2\"}"),
            json: None,
            event_id: Some("evt_1".into()),
            event_type: Some("order.created".into()),
            attempt: 2,
            verdict: Verdict::StaleTimestamp { skew_secs: -400 },
            answered: 401,
        };
        let redact = |s: &str| s.replace("hunter2", "***");
        let r = to_record(&d, &redact);
        assert_eq!(r.received_at, "1970-01-01T00:00:00Z");
        assert_eq!(r.headers, vec![("x-token".to_string(), "***".to_string())]);
        assert_eq!(r.body, "{\"k\":\"***\"}");
        assert_eq!(r.verdict, "stale timestamp (skew -400 s)");
        assert_eq!((r.attempt, r.answered), (2, 401));

        let bin = Delivery {
            body: Bytes::from_static(&[0xff, 0x00]),
            ..d
        };
        assert_eq!(to_record(&bin, &redact).body, "base64:/wA=");
    }

    #[test]
    fn sent_to_matches_the_last_path_segment_only() {
        let at = |path: &str| Delivery {
            received_at: OffsetDateTime::UNIX_EPOCH,
            path: path.into(),
            headers: Vec::new(),
            body: Bytes::new(),
            json: None,
            event_id: None,
            event_type: None,
            attempt: 1,
            verdict: Verdict::Valid,
            answered: 200,
        };
        assert!(at("/conform-sub-1").sent_to("conform-sub-1"));
        assert!(at("/tunnel/prefix/conform-sub-1/").sent_to("conform-sub-1"));
        assert!(!at("/").sent_to("conform-sub-1"));
        assert!(!at("/conform-sub-11").sent_to("conform-sub-1"));
        assert!(!at("/xconform-sub-1").sent_to("conform-sub-1"));
    }
}
