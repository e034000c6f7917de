//! What went over the wire, as recorded (already redacted) for the reports.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Exchange {
    pub request: RecordedRequest,
    #[serde(default)]
    pub response: Option<RecordedResponse>,
    /// Set when no response arrived: refused, reset, timeout, TLS...
    #[serde(default)]
    pub error: Option<String>,
    /// Matched contract operation, e.g. `createOrder` / `POST /api/v1/orders`.
    #[serde(default)]
    pub operation: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedRequest {
    pub method: String,
    pub url: String,
    /// Redacted: secret header values are `***`.
    pub headers: Vec<(String, String)>,
    #[serde(default)]
    pub body: Option<String>,
    /// RFC 3339 send time.
    pub sent_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    /// Body as text, truncated to the report cap (see `truncated`).
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub truncated: bool,
    pub latency_ms: f64,
}

/// A webhook delivery as seen by the embedded receiver.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebhookRecord {
    pub received_at: String,
    pub event_id: Option<String>,
    pub event_type: Option<String>,
    /// Which attempt of this event id this was (1 = first).
    pub attempt: u32,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// `valid`, or why not (bad signature, stale timestamp, ...).
    pub verdict: String,
    /// Status the receiver answered.
    pub answered: u16,
}
