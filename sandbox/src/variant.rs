//! Allowed variants: other answers the contract leaves free. A variant is not a fault — an
//! implementation that makes these choices still conforms, so the shipped suite must pass with
//! any of them switched on, alone or together (`conform sandbox --variant list`).
//!
//! Most of them are applied on the way out, by [`layer`], to every JSON answer (and, through
//! [`payload_bytes`], to every webhook payload), so the handlers stay the reference answer.

use std::collections::BTreeSet;
use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use serde_json::{Map, Value};

use crate::state::SandboxState;

/// One allowed variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Variant {
    AdditiveFields,
    InFlightConflict,
    KeyOrder,
    NumberFormat,
    ExtraHeaders,
    Chunked,
    IdShapes,
    AbsoluteLocation,
    TimeFormat,
    MessageWording,
}

/// Returned by `Variant::from_str` for a name that is not a variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown variant `{0}` (known: {known})", known = Variant::names().join(", "))]
pub struct UnknownVariant(pub String);

impl Variant {
    pub const ALL: &'static [Variant] = &[
        Variant::AdditiveFields,
        Variant::InFlightConflict,
        Variant::KeyOrder,
        Variant::NumberFormat,
        Variant::ExtraHeaders,
        Variant::Chunked,
        Variant::IdShapes,
        Variant::AbsoluteLocation,
        Variant::TimeFormat,
        Variant::MessageWording,
    ];

    /// The kebab-case name used on the command line (`--variant NAME`).
    pub fn name(&self) -> &'static str {
        match self {
            Variant::AdditiveFields => "additive-fields",
            Variant::InFlightConflict => "in-flight-conflict",
            Variant::KeyOrder => "key-order",
            Variant::NumberFormat => "number-format",
            Variant::ExtraHeaders => "extra-headers",
            Variant::Chunked => "chunked",
            Variant::IdShapes => "id-shapes",
            Variant::AbsoluteLocation => "absolute-location",
            Variant::TimeFormat => "time-format",
            Variant::MessageWording => "message-wording",
        }
    }

    /// One line saying what the sandbox then answers, and the contract's words that allow it.
    pub fn description(&self) -> &'static str {
        match self {
            Variant::AdditiveFields => {
                "undocumented extra properties in every JSON answer and webhook payload (orders, lists, errors, tokens, subscriptions, sandbox controls) (§1 additive changes)"
            }
            Variant::InFlightConflict => {
                "a request whose idempotency key is still being processed is answered 409 CONFLICT instead of waiting for the replay (§4)"
            }
            Variant::KeyOrder => "JSON object keys in reverse alphabetical order (JSON objects are unordered)",
            Variant::NumberFormat => {
                "money always written with two decimals (`9.50`, `100.00`): the same JSON numbers (§1)"
            }
            Variant::ExtraHeaders => {
                "extra response and webhook delivery headers (Cache-Control, X-Trace-Id, X-Powered-By, ...) (§1)"
            }
            Variant::Chunked => "every response body sent with chunked transfer encoding, no Content-Length",
            Variant::IdShapes => {
                "webhook ids, event ids and access tokens in other shapes (UUIDs, base64url): only order_id's shape is fixed"
            }
            Variant::AbsoluteLocation => {
                "Location of a created or replayed order as an absolute URL (RFC 9110: same reference)"
            }
            Variant::TimeFormat => {
                "times with milliseconds and a `+00:00` offset (`2024-01-15T10:30:00.000+00:00`): RFC 3339 UTC (§1)"
            }
            Variant::MessageWording => "error `message` texts worded differently (only error_code is fixed)",
        }
    }

    /// All variant names, in `Variant::ALL` order.
    pub fn names() -> Vec<&'static str> {
        Variant::ALL.iter().map(Variant::name).collect()
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Variant {
    type Err = UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Variant::ALL
            .iter()
            .copied()
            .find(|v| v.name() == s)
            .ok_or_else(|| UnknownVariant(s.to_owned()))
    }
}

/// The set of variants switched on, and what they do to bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variants(pub BTreeSet<Variant>);

impl Variants {
    pub fn has(&self, v: Variant) -> bool {
        self.0.contains(&v)
    }

    /// Does any variant change JSON bodies?
    fn rewrites_json(&self) -> bool {
        [
            Variant::AdditiveFields,
            Variant::KeyOrder,
            Variant::NumberFormat,
            Variant::TimeFormat,
            Variant::MessageWording,
        ]
        .iter()
        .any(|v| self.has(*v))
    }

    /// The JSON text of `value` as this implementation writes it.
    pub fn write_json(&self, value: &Value, kind: Kind) -> Vec<u8> {
        let mut value = value.clone();
        if self.has(Variant::TimeFormat) {
            retime(&mut value);
        }
        if self.has(Variant::MessageWording) {
            reword(&mut value);
        }
        if self.has(Variant::AdditiveFields) {
            add_fields(&mut value, kind, true);
        }
        let mut out = Vec::new();
        write_value(&value, None, self, &mut out);
        out
    }
}

/// What a JSON document is, for the extra properties `additive-fields` adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Response,
    Webhook,
}

const MONEY: &[&str] = &["total_amount", "unit_price", "price"];

/// Writes JSON: keys in reverse order with `key-order`, money with two decimals with
/// `number-format`; otherwise as serde_json writes it.
fn write_value(v: &Value, key: Option<&str>, vs: &Variants, out: &mut Vec<u8>) {
    match v {
        Value::Object(map) => {
            out.push(b'{');
            let mut keys: Vec<&String> = map.keys().collect();
            if vs.has(Variant::KeyOrder) {
                keys.sort_by(|a, b| b.cmp(a));
            }
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(Value::String(k.clone()).to_string().as_bytes());
                out.push(b':');
                write_value(&map[k], Some(k), vs, out);
            }
            out.push(b'}');
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(item, key, vs, out);
            }
            out.push(b']');
        }
        Value::Number(n)
            if vs.has(Variant::NumberFormat) && key.is_some_and(|k| MONEY.contains(&k)) =>
        {
            match n.as_f64() {
                Some(f) if f.is_finite() => out.extend_from_slice(format!("{f:.2}").as_bytes()),
                _ => out.extend_from_slice(n.to_string().as_bytes()),
            }
        }
        other => out.extend_from_slice(other.to_string().as_bytes()),
    }
}

/// `2024-01-15T10:30:00Z` → `2024-01-15T10:30:00.000+00:00`, everywhere in the document.
fn retime(v: &mut Value) {
    match v {
        Value::String(s) => {
            let b = s.as_bytes();
            let shaped = b.len() == 20
                && b[4] == b'-'
                && b[7] == b'-'
                && b[10] == b'T'
                && b[13] == b':'
                && b[16] == b':'
                && b[19] == b'Z';
            if shaped {
                *s = format!("{}.000+00:00", &s[..19]);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(retime),
        Value::Object(map) => map.values_mut().for_each(retime),
        _ => {}
    }
}

/// Another wording of every standard error `message` (the code stays).
fn reword(v: &mut Value) {
    let Value::Object(map) = v else { return };
    let Some(code) = map.get("error_code").and_then(Value::as_str) else {
        return;
    };
    let text = format!("The request was refused ({code}); see error_code and details.");
    map.insert("message".into(), Value::String(text));
}

/// Adds properties the contract does not document: realistic ones at the top of each known
/// shape, and an empty `metadata` object on every other object.
fn add_fields(v: &mut Value, kind: Kind, root: bool) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| add_fields(i, kind, false)),
        Value::Object(map) => {
            for child in map.values_mut() {
                add_fields(child, kind, false);
            }
            let is_order = map.contains_key("order_id") && map.contains_key("tracking_url");
            if is_order {
                let id = map.get("order_id").and_then(Value::as_str).unwrap_or("");
                let links = serde_json::json!({"self": format!("/api/v1/orders/{id}")});
                map.insert("object".into(), Value::String("order".into()));
                map.insert("links".into(), links);
            } else if root && map.contains_key("next_cursor") {
                let more = map.get("next_cursor").is_some_and(|c| !c.is_null());
                map.insert("object".into(), Value::String("list".into()));
                map.insert("has_more".into(), Value::Bool(more));
            } else if root && map.contains_key("error_code") {
                let code = map.get("error_code").and_then(Value::as_str).unwrap_or("");
                let url = format!("https://docs.example.com/errors/{code}");
                map.insert("documentation_url".into(), Value::String(url));
            } else if root && kind == Kind::Webhook {
                map.insert("api_version".into(), Value::String("1".into()));
                map.insert("livemode".into(), Value::Bool(false));
            } else if root && map.contains_key("access_token") {
                map.insert("issued_at".into(), Value::from(crate::util::unix_now()));
            } else {
                map.insert("metadata".into(), Value::Object(Map::new()));
            }
        }
        _ => {}
    }
}

/// Response headers the `extra-headers` variant adds.
const EXTRA_HEADERS: &[(&str, &str)] = &[
    (
        "x-trace-id",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    ),
    ("x-powered-by", "orders-implementation/2"),
    ("vary", "Accept-Encoding"),
    ("strict-transport-security", "max-age=63072000"),
];

/// Webhook delivery headers the `extra-headers` variant adds.
pub fn delivery_headers(state: &SandboxState, attempt: u32) -> Vec<(&'static str, String)> {
    if !state.variant(Variant::ExtraHeaders) {
        return Vec::new();
    }
    vec![
        ("x-webhook-attempt", attempt.to_string()),
        ("x-trace-id", uuid::Uuid::new_v4().simple().to_string()),
    ]
}

/// The bytes of a webhook payload, written as this implementation writes JSON.
pub fn payload_bytes(state: &SandboxState, payload: &Value) -> Vec<u8> {
    let vs = state.variants();
    if vs.rewrites_json() {
        vs.write_json(payload, Kind::Webhook)
    } else {
        serde_json::to_vec(payload).unwrap_or_default()
    }
}

/// A new webhook subscription id.
pub fn webhook_id(state: &SandboxState) -> String {
    if state.variant(Variant::IdShapes) {
        uuid::Uuid::new_v4().to_string()
    } else {
        format!("wh_{}", uuid::Uuid::new_v4().simple())
    }
}

/// A new webhook event id.
pub fn event_id(state: &SandboxState) -> String {
    if state.variant(Variant::IdShapes) {
        format!("urn:uuid:{}", uuid::Uuid::new_v4())
    } else {
        format!("evt_{}", uuid::Uuid::new_v4().simple())
    }
}

/// A new access token.
pub fn access_token(state: &SandboxState) -> String {
    if state.variant(Variant::IdShapes) {
        use base64::Engine;
        let mut buf = [0u8; 48];
        rand::fill(&mut buf[..]);
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
    } else {
        crate::util::random_hex(32)
    }
}

/// With `in-flight-conflict`: how long a request holds its idempotency key while it is being
/// processed, so that a concurrent one really finds it in flight.
const HOLD: Duration = Duration::from_millis(150);

/// Takes the idempotency key's slot: waits for an in-flight request with the same key (the
/// reference answer: then the replay), or, with `in-flight-conflict`, refuses with 409.
pub async fn claim_key<'a, T>(
    state: &SandboxState,
    slot: &'a tokio::sync::Mutex<T>,
) -> Result<tokio::sync::MutexGuard<'a, T>, crate::error::ApiError> {
    if !state.variant(Variant::InFlightConflict) {
        return Ok(slot.lock().await);
    }
    let guard = slot.try_lock().map_err(|_| {
        crate::error::ApiError::Conflict(
            "a request with this X-Idempotency-Key is still being processed; retry later".into(),
        )
    })?;
    tokio::time::sleep(HOLD).await;
    Ok(guard)
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// The outermost layer: rewrites every answer as the switched-on variants say.
pub async fn layer(State(state): State<SandboxState>, req: Request, next: Next) -> Response {
    let vs = state.variants();
    if vs.0.is_empty() {
        return next.run(req).await;
    }
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned);
    let mut resp = next.run(req).await;
    if vs.has(Variant::AbsoluteLocation) {
        let relative = resp
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .filter(|l| l.starts_with('/'))
            .map(str::to_owned);
        if let (Some(path), Some(host)) = (relative, host) {
            if let Ok(v) = HeaderValue::from_str(&format!("http://{host}{path}")) {
                resp.headers_mut().insert(header::LOCATION, v);
            }
        }
    }
    if vs.has(Variant::ExtraHeaders) {
        for (name, value) in EXTRA_HEADERS {
            resp.headers_mut().insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
    }
    let rewrite = vs.rewrites_json() && is_json(resp.headers());
    if !rewrite && !vs.has(Variant::Chunked) {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => return Response::from_parts(parts, Body::empty()),
    };
    let bytes = match serde_json::from_slice::<Value>(&bytes) {
        Ok(json) if rewrite => Bytes::from(vs.write_json(&json, Kind::Response)),
        _ => bytes,
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    let body = if vs.has(Variant::Chunked) && !bytes.is_empty() {
        // Two chunks of unknown total length: hyper sends `Transfer-Encoding: chunked`.
        let mid = bytes.len() / 2;
        let chunks = vec![
            Ok::<_, Infallible>(bytes.slice(..mid)),
            Ok(bytes.slice(mid..)),
        ];
        Body::from_stream(futures_util::stream::iter(chunks))
    } else {
        Body::from(bytes)
    };
    Response::from_parts(parts, body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn with(vs: &[Variant]) -> Variants {
        Variants(vs.iter().copied().collect())
    }

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = BTreeSet::new();
        for v in Variant::ALL {
            assert_eq!(v.name().parse::<Variant>(), Ok(*v));
            assert!(seen.insert(v.name()));
            assert!(!v.description().is_empty());
        }
        assert!("no-such-variant".parse::<Variant>().is_err());
    }

    #[test]
    fn key_order_and_number_format_write_the_same_json_value() {
        let doc =
            json!({"a": 1, "total_amount": 9.5, "items": [{"unit_price": 100.0, "quantity": 2}]});
        let text = String::from_utf8(
            with(&[Variant::KeyOrder, Variant::NumberFormat]).write_json(&doc, Kind::Response),
        )
        .unwrap();
        assert_eq!(
            text,
            r#"{"total_amount":9.50,"items":[{"unit_price":100.00,"quantity":2}],"a":1}"#
        );
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, doc);
    }

    #[test]
    fn additive_fields_add_undocumented_properties_and_keep_the_rest() {
        let order = json!({"order_id": "ORD-00000001", "tracking_url": "x", "items": [{"product_id": "A"}]});
        let mut v = order.clone();
        add_fields(&mut v, Kind::Response, true);
        assert_eq!(v["object"], "order");
        assert_eq!(v["links"]["self"], "/api/v1/orders/ORD-00000001");
        assert_eq!(v["items"][0]["metadata"], json!({}));
        assert_eq!(v["items"][0]["product_id"], "A");
        let mut e = json!({"error_code": "NOT_FOUND", "message": "m"});
        add_fields(&mut e, Kind::Response, true);
        assert_eq!(
            e["documentation_url"],
            "https://docs.example.com/errors/NOT_FOUND"
        );
        let mut w = json!({"event_id": "e", "data": {"object_type": "order"}});
        add_fields(&mut w, Kind::Webhook, true);
        assert_eq!(w["api_version"], "1");
        assert_eq!(w["data"]["metadata"], json!({}));
    }

    #[test]
    fn time_format_and_wording() {
        let mut v = json!({"error_code": "CONFLICT", "message": "m", "timestamp": "2024-01-15T10:30:00Z", "x": "2024-01-15"});
        retime(&mut v);
        reword(&mut v);
        assert_eq!(v["timestamp"], "2024-01-15T10:30:00.000+00:00");
        assert_eq!(v["x"], "2024-01-15");
        assert_ne!(v["message"], "m");
        assert_eq!(v["error_code"], "CONFLICT");
    }
}
