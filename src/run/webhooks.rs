//! The run's webhook subscription: the receiver's URL registered with the target once, its
//! secret captured for verification, deleted at the end.
use super::context::RunContext;
use super::http;
use crate::auth::AuthSelector;
use crate::config::Secret;
use crate::webhook::Receiver;

pub const EVENTS: [&str; 3] = ["order.created", "order.updated", "order.cancelled"];

async fn call(
    target: &RunContext,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> Result<http::RawResponse, String> {
    let mut req = target
        .housekeeping_request(method, path, body.as_ref())
        .map_err(|e| format!("{e}: {}", e.source))?;
    if let Some(a) = &target.auth {
        for (k, v) in a
            .headers_for(&AuthSelector::Default)
            .await
            .map_err(|e| e.to_string())?
        {
            req.headers.push((k, v.expose().to_string()));
        }
    }
    let resp = http::send(&target.http, &req, target.env.max_body_bytes)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(json) = resp.json() {
        target.redactor.learn_from_json(json);
    }
    Ok(resp)
}

/// Registers the receiver for every event; returns the subscription id.
pub async fn subscribe(target: &RunContext, receiver: &Receiver) -> Result<String, String> {
    // Deliveries signed with the new secret may arrive before the answer that names it.
    let _pending = receiver.expect_secret();
    let body = serde_json::json!({ "url": receiver.url().as_str(), "events": EVENTS });
    let resp = call(
        target,
        reqwest::Method::POST,
        "/api/v1/webhooks",
        Some(body),
    )
    .await?;
    if resp.status != 201 {
        // Printed on the terminal: redacted, escaped and bounded (the target wrote it).
        return Err(format!(
            "POST /api/v1/webhooks answered {}: {}",
            resp.status,
            crate::source::escape::one_line(
                &target.redact_text(&resp.text()),
                crate::source::escape::MAX_WARNING_CHARS
            )
        ));
    }
    let json = resp
        .json()
        .ok_or("POST /api/v1/webhooks answered a body that is not JSON")?;
    let id = json
        .get("webhook_id")
        .and_then(|v| v.as_str())
        .ok_or("the subscription has no webhook_id")?;
    let secret = json
        .get("secret")
        .and_then(|v| v.as_str())
        .ok_or("the subscription has no secret")?;
    let secret = Secret::new(secret);
    target.redactor.add(secret.clone());
    receiver.add_secret(secret);
    Ok(id.to_string())
}

pub async fn unsubscribe(target: &RunContext, id: &str) -> Result<(), String> {
    let resp = call(
        target,
        reqwest::Method::DELETE,
        &format!("/api/v1/webhooks/{id}"),
        None,
    )
    .await?;
    if (200..300).contains(&resp.status) {
        Ok(())
    } else {
        Err(format!("DELETE answered {}", resp.status))
    }
}
