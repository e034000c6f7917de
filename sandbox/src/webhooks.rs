//! Webhook subscriptions, events and their delivery (contract §6).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::sync::mpsc;

use crate::auth::Ctx;
use crate::error::{ApiError, Detail};
use crate::fault::Fault;
use crate::orders::{page_params, read_json};
use crate::state::{lock, Order, OrderStatus, SandboxState, Stats};

pub const EVENT_TYPES: &[&str] = &["order.created", "order.updated", "order.cancelled"];

/// Gaps before attempts 2–5, in seconds (before scaling).
pub const RETRY_SCHEDULE: [u64; 4] = [60, 300, 1800, 7200];
pub const MAX_ATTEMPTS: u32 = 5;

/// `sha256=<lowercase hex HMAC-SHA256(secret, body)>`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    match Hmac::<Sha256>::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(body);
            format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
        }
        Err(_) => String::from("sha256="),
    }
}

/// One recorded delivery attempt.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryRecord {
    pub event_id: String,
    pub event_type: String,
    pub attempt: u32,
    pub status_code: Option<u16>,
    pub delivered_at: String,
}

#[derive(Debug)]
pub struct Subscription {
    pub webhook_id: String,
    pub client_id: String,
    pub url: String,
    pub events: Vec<String>,
    pub secret: String,
    pub deliveries: Vec<DeliveryRecord>,
    active: Arc<AtomicBool>,
    queue: mpsc::UnboundedSender<Arc<Event>>,
}

impl Subscription {
    fn to_json(&self) -> Value {
        // An empty secret only under the `webhook-secret-not-generated` fault.
        let secret = (!self.secret.is_empty()).then_some(self.secret.as_str());
        json!({
            "webhook_id": self.webhook_id,
            "url": self.url,
            "events": self.events,
            "secret": secret,
        })
    }
}

#[derive(Debug, Default)]
pub struct Hooks {
    subs: HashMap<String, Subscription>,
}

/// One event: its body is fixed once, and resent unchanged on every attempt.
#[derive(Debug)]
pub struct Event {
    pub event_id: String,
    pub event_type: &'static str,
    pub body: Bytes,
    /// What the signature covers: `body`, except under `webhook-signature-reserialized`.
    pub signed: Bytes,
}

/// Everything a delivery task needs about its subscription.
#[derive(Clone)]
struct Target {
    state: SandboxState,
    webhook_id: String,
    url: String,
    secret: String,
    active: Arc<AtomicBool>,
}

/// `data` of `order.created`.
pub fn created_data(state: &SandboxState, order: &Order) -> Value {
    let mut data = json!({
        "object_type": "order",
        "object_id": order.order_id,
        "order_id": order.order_id,
        "customer_id": order.customer_id,
        "total_amount": order.total_amount,
        "items": order.items,
        "created_at": order.created_at,
    });
    if state.has(Fault::WebhookCreatedNoItems) {
        if let Some(o) = data.as_object_mut() {
            o.remove("items");
        }
    }
    data
}

/// `data` of `order.updated` and `order.cancelled`.
pub fn status_data(state: &SandboxState, order: &Order, previous: OrderStatus) -> Value {
    let previous = if state.has(Fault::WebhookPreviousEqualsCurrent) {
        order.status
    } else {
        previous
    };
    json!({
        "object_type": "order",
        "object_id": order.order_id,
        "order_id": order.order_id,
        "previous_status": previous.as_str(),
        "current_status": order.status.as_str(),
        "updated_at": order.updated_at,
        "changes": {"status": {"previous": previous.as_str(), "current": order.status.as_str()}},
    })
}

impl SandboxState {
    /// Queues an event for every subscription of `client_id` that wants it.
    pub(crate) fn emit(&self, client_id: &str, event_type: &'static str, data: Value) {
        let event = Arc::new(self.event(event_type, data));
        Stats::bump(&self.inner.stats.webhook_events);
        let hooks = lock(&self.inner.hooks);
        for sub in hooks.subs.values() {
            let wanted = sub.events.iter().any(|e| e == event_type)
                || self.has(Fault::WebhookEventsUnfiltered);
            let own = sub.client_id == client_id || self.has(Fault::WebhookEventsAllClients);
            if own && wanted {
                // A closed queue means the subscription is being deleted.
                let _ = sub.queue.send(event.clone());
            }
        }
    }

    /// A new event with a fresh id; its body is fixed here.
    fn event(&self, event_type: &'static str, mut data: Value) -> Event {
        if self.has(Fault::WebhookObjectIdMissing) {
            if let Some(o) = data.as_object_mut() {
                o.remove("object_id");
            }
        }
        let event_id = crate::variant::event_id(self);
        let timestamp = if self.has(Fault::WebhookPayloadTimestampUnix) {
            json!(crate::util::unix_now())
        } else {
            json!(crate::util::rfc3339_now())
        };
        let payload = json!({
            "event_id": event_id,
            "event_type": event_type,
            "timestamp": timestamp,
            "data": data,
        });
        let compact = Bytes::from(crate::variant::payload_bytes(self, &payload));
        let body = if self.has(Fault::WebhookSignatureReserialized) {
            Bytes::from(serde_json::to_vec_pretty(&payload).unwrap_or_default())
        } else {
            compact.clone()
        };
        Event {
            event_id,
            event_type,
            body,
            signed: compact,
        }
    }

    fn record(&self, webhook_id: &str, rec: DeliveryRecord) {
        let mut hooks = lock(&self.inner.hooks);
        if let Some(sub) = hooks.subs.get_mut(webhook_id) {
            sub.deliveries.push(rec);
        }
    }
}

impl Target {
    /// The `X-Webhook-Timestamp` of an attempt made now.
    fn timestamp(&self) -> i64 {
        let ts = crate::util::unix_now();
        if self.state.has(Fault::WebhookStaleTimestamp) {
            ts - 3600
        } else if self.state.has(Fault::WebhookTimestampMs) {
            ts.saturating_mul(1000)
        } else {
            ts
        }
    }

    /// Under `webhook-delete-keeps-retries`, a retry scheduled before the DELETE still goes
    /// out (the retry task holds its own copy of the target and never looks again).
    fn retries_outlive_delete(&self, attempt: u32) -> bool {
        attempt > 1 && self.state.has(Fault::WebhookDeleteKeepsRetries)
    }

    /// One attempt with timestamp `ts`; true when the receiver answered 2xx in time.
    async fn attempt(&self, event: &Event, attempt: u32, ts: i64) -> bool {
        let state = &self.state;
        if !self.active.load(Ordering::SeqCst) && !self.retries_outlive_delete(attempt) {
            return true;
        }
        let mut signature = if state.has(Fault::WebhookBadSignature) {
            sign(format!("{}-wrong", self.secret).as_bytes(), &event.signed)
        } else {
            sign(self.secret.as_bytes(), &event.signed)
        };
        if state.has(Fault::WebhookSignatureNoPrefix) {
            signature = signature.trim_start_matches("sha256=").to_owned();
        }
        let event_id_header = if state.has(Fault::WebhookEventIdHeaderFresh) {
            format!("evt_{}", uuid::Uuid::new_v4().simple())
        } else {
            event.event_id.clone()
        };
        Stats::bump(&state.inner.stats.webhook_attempts);
        let mut request = state.inner.http.post(&self.url);
        for (name, value) in crate::variant::delivery_headers(state, attempt) {
            request = request.header(name, value);
        }
        if !state.has(Fault::WebhookTimeoutIgnored) {
            request = request.timeout(state.inner.config.delivery_timeout);
        }
        let result = request
            .header(
                "Content-Type",
                if state.has(Fault::WebhookContentTypeText) {
                    "text/plain; charset=utf-8"
                } else {
                    "application/json"
                },
            )
            .header("X-Webhook-Signature", signature)
            .header("X-Webhook-Timestamp", ts.to_string())
            .header("X-Webhook-Event-ID", event_id_header)
            .header("User-Agent", "conform-sandbox-webhooks/1")
            .body(event.body.clone())
            .send()
            .await;
        let status = result.ok().map(|r| r.status());
        let ok = status.is_some_and(|s| {
            s.is_success() || (s.is_client_error() && state.has(Fault::WebhookRetry5xxOnly))
        });
        if ok {
            Stats::bump(&state.inner.stats.webhook_successes);
        }
        state.record(
            &self.webhook_id,
            DeliveryRecord {
                event_id: event.event_id.clone(),
                event_type: event.event_type.to_owned(),
                attempt: if state.has(Fault::DeliveriesAttemptZeroBased) {
                    attempt - 1
                } else {
                    attempt
                },
                status_code: status.map(|s| s.as_u16()),
                delivered_at: crate::util::rfc3339_now(),
            },
        );
        ok
    }

    /// Attempts 2–5 on the (scaled) schedule; stops when delivered, deleted or shut down.
    /// `first_ts` is the first attempt's timestamp (what `webhook-retry-stale-headers` resends).
    async fn retry(self, event: Arc<Event>, first_ts: i64) {
        let mut shutdown = self.state.shutdown_signal();
        let scale = self.state.inner.config.webhook_retry_scale;
        let scale = if scale.is_finite() && scale >= 0.0 {
            scale
        } else {
            1.0
        };
        let state = self.state.clone();
        let unit = if state.has(Fault::WebhookRetrySeconds) {
            1.0 / 60.0
        } else {
            1.0
        };
        let mut gaps = RETRY_SCHEDULE;
        if state.has(Fault::WebhookRetryFixedGap) {
            gaps = [RETRY_SCHEDULE[0]; RETRY_SCHEDULE.len()];
        }
        let mut event = event;
        for (i, gap) in gaps.iter().enumerate() {
            let wait = Duration::try_from_secs_f64(*gap as f64 * scale * unit)
                .unwrap_or(Duration::from_secs(u64::from(u32::MAX)));
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.wait_for(|stop| *stop) => return,
            }
            let attempt = i as u32 + 2;
            if !self.active.load(Ordering::SeqCst) && !self.retries_outlive_delete(attempt) {
                return;
            }
            if state.has(Fault::WebhookRetryNewEventId) {
                let payload: Value = serde_json::from_slice(&event.body).unwrap_or_default();
                event = Arc::new(state.event(event.event_type, payload["data"].clone()));
            }
            let ts = if state.has(Fault::WebhookRetryStaleHeaders) {
                first_ts
            } else {
                self.timestamp()
            };
            if self.attempt(&event, attempt, ts).await || attempt >= MAX_ATTEMPTS {
                return;
            }
        }
    }

    /// First attempts, in event order; a failed event is retried in its own task so
    /// that it does not hold up later ones.
    async fn run(self, mut rx: mpsc::UnboundedReceiver<Arc<Event>>) {
        let mut shutdown = self.state.shutdown_signal();
        loop {
            let event = tokio::select! {
                ev = rx.recv() => match ev { Some(ev) => ev, None => return },
                _ = shutdown.wait_for(|stop| *stop) => return,
            };
            if !self.active.load(Ordering::SeqCst) {
                return;
            }
            let ts = self.timestamp();
            let delivered = tokio::select! {
                ok = self.attempt(&event, 1, ts) => ok,
                _ = shutdown.wait_for(|stop| *stop) => return,
            };
            if !delivered && !self.state.has(Fault::WebhookNoRetry) {
                tokio::spawn(self.clone().retry(event, ts));
            }
        }
    }
}

fn validate_subscription(body: &Value) -> Result<(String, Vec<String>, Option<String>), ApiError> {
    let Some(obj) = body.as_object() else {
        return Err(ApiError::validation("body", "must be a JSON object"));
    };
    let mut errs = Vec::new();
    let url = match obj.get("url") {
        None => {
            errs.push(Detail::new("url", "is required"));
            None
        }
        Some(Value::String(s)) => match reqwest::Url::parse(s) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                Some(s.clone())
            }
            _ => {
                errs.push(Detail::new("url", "must be an absolute http or https URL"));
                None
            }
        },
        Some(_) => {
            errs.push(Detail::new("url", "must be a string"));
            None
        }
    };
    let mut events = Vec::new();
    match obj.get("events") {
        None => errs.push(Detail::new("events", "is required")),
        Some(Value::Array(list)) => {
            if list.is_empty() {
                errs.push(Detail::new("events", "must not be empty"));
            }
            for (i, e) in list.iter().enumerate() {
                match e.as_str() {
                    Some(name) if EVENT_TYPES.contains(&name) => {
                        if !events.iter().any(|x| x == name) {
                            events.push(name.to_owned());
                        }
                    }
                    _ => errs.push(Detail::new(
                        format!("events[{i}]"),
                        format!("must be one of {}", EVENT_TYPES.join(", ")),
                    )),
                }
            }
        }
        Some(_) => errs.push(Detail::new("events", "must be an array")),
    }
    let secret = match obj.get("secret") {
        None => None,
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 255 => Some(s.clone()),
        Some(_) => {
            errs.push(Detail::new(
                "secret",
                "must be a string of 1-255 characters",
            ));
            None
        }
    };
    match url {
        Some(url) if errs.is_empty() => Ok((url, events, secret)),
        _ => Err(ApiError::Validation(errs)),
    }
}

/// `POST /api/v1/webhooks`.
pub async fn create(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    ctx.require(&state, "write")?;
    let check_type = !state.has(Fault::ContentTypeIgnoredWebhooks);
    let body = read_json(&state, &headers, body, check_type).await?;
    let (url, events, secret) = validate_subscription(&body)?;
    let webhook_id = crate::variant::webhook_id(&state);
    let secret = match secret {
        Some(s) => s,
        None if state.has(Fault::WebhookSecretNotGenerated) => String::new(),
        None => format!("whsec_{}", crate::util::random_hex(24)),
    };
    let (tx, rx) = mpsc::unbounded_channel();
    let active = Arc::new(AtomicBool::new(true));
    let sub = Subscription {
        webhook_id: webhook_id.clone(),
        client_id: ctx.caller.client_id.clone(),
        url: url.clone(),
        events,
        secret: secret.clone(),
        deliveries: Vec::new(),
        active: active.clone(),
        queue: tx,
    };
    let out = sub.to_json();
    lock(&state.inner.hooks)
        .subs
        .insert(webhook_id.clone(), sub);
    let target = Target {
        state: state.clone(),
        webhook_id,
        url,
        secret,
        active,
    };
    tokio::spawn(target.run(rx));
    let status = if state.has(Fault::WebhookSubscribe200) {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, Json(out)).into_response())
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("Webhook {id} not found"))
}

/// The subscription `id` if the caller may see it: 404 otherwise (another client's, with the
/// `WH-OWNER` faults bending it).
fn owned<'a>(
    state: &SandboxState,
    hooks: &'a Hooks,
    ctx: &Ctx,
    id: &str,
    readable_by_all: bool,
) -> Result<&'a Subscription, ApiError> {
    match hooks.subs.get(id) {
        Some(s) if s.client_id == ctx.caller.client_id => Ok(s),
        Some(s) if readable_by_all => Ok(s),
        Some(_) if state.has(Fault::WebhookOtherClient403) => Err(ApiError::Forbidden("write")),
        _ => Err(not_found(id)),
    }
}

/// `GET /api/v1/webhooks/{webhook_id}`.
pub async fn get(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    ctx.require(&state, "read")?;
    let hooks = lock(&state.inner.hooks);
    let readable = state.has(Fault::WebhookOtherClientReadable);
    let mut v = owned(&state, &hooks, &ctx, &id, readable)?.to_json();
    if state.has(Fault::WebhookGetUrlMissing) {
        if let Some(o) = v.as_object_mut() {
            o.remove("url");
        }
    }
    Ok(Json(v))
}

/// `DELETE /api/v1/webhooks/{webhook_id}`: 204; pending retries stop.
pub async fn delete(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    ctx.require(&state, "write")?;
    let mut hooks = lock(&state.inner.hooks);
    let sub = owned(&state, &hooks, &ctx, &id, false)?;
    sub.active.store(false, Ordering::SeqCst);
    let out = sub.to_json();
    if !state.has(Fault::WebhookDeleteSoft) {
        hooks.subs.remove(&id);
    }
    if state.has(Fault::WebhookDelete200) {
        return Ok(Json(out).into_response());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/webhooks/{webhook_id}/deliveries`: oldest first.
pub async fn deliveries(
    State(state): State<SandboxState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    uri: axum::http::Uri,
) -> Result<Json<Value>, ApiError> {
    ctx.require(&state, "read")?;
    let (params, limit) = page_params(&uri, 100)?;
    let start = match params.get("cursor") {
        Some(c) => crate::util::decode_cursor("deliveries", c)
            .ok_or_else(|| ApiError::validation("query.cursor", "is not a valid cursor"))?,
        None => 0,
    } as usize;
    let hooks = lock(&state.inner.hooks);
    let sub = owned(&state, &hooks, &ctx, &id, false)?;
    let mut all: Vec<&DeliveryRecord> = sub.deliveries.iter().collect();
    if state.has(Fault::DeliveriesNewestFirst) {
        all.reverse();
    }
    let data: Vec<&DeliveryRecord> = all.iter().skip(start).take(limit).copied().collect();
    let end = start + data.len();
    let next =
        (end < sub.deliveries.len()).then(|| crate::util::encode_cursor("deliveries", end as u64));
    Ok(Json(json!({"data": data, "next_cursor": next})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_a_known_vector() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn subscription_validation() {
        let ok = json!({"url": "http://127.0.0.1:9/hook", "events": ["order.created"]});
        assert!(validate_subscription(&ok).is_ok());
        let bad =
            json!({"url": "not a url", "events": ["order.created", "order.deleted"], "secret": ""});
        let Err(ApiError::Validation(d)) = validate_subscription(&bad) else {
            panic!("expected a validation error");
        };
        let fields: Vec<_> = d.iter().map(|d| d.field.as_str()).collect();
        assert_eq!(fields, ["url", "events[1]", "secret"]);
        let Err(ApiError::Validation(d)) =
            validate_subscription(&json!({"url": "ftp://x/y", "events": []}))
        else {
            panic!("expected a validation error");
        };
        assert_eq!(d.len(), 2);
    }
}
