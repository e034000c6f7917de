//! One request to the OAuth2 token endpoint (RFC 6749 §4.4 client credentials) and how to read
//! its answer. Retrying is the manager's job; this only says whether a retry makes sense.
use super::settings::{error_chain, ClientAuth, OAuth2Client};
use super::AuthError;
use crate::config::Secret;
use base64::Engine;
use std::time::{Duration, Instant};

/// A token as issued.
#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub token: Secret,
    pub issued_at: Instant,
    /// `expires_in`; `None` when the server did not say (then it is kept until a 401).
    pub lifetime: Option<Duration>,
}

/// Why one attempt failed.
pub(crate) enum AttemptError {
    /// Connect error, timeout, 5xx or 429: worth another try (after `retry_after`, if given).
    Transient {
        reason: String,
        retry_after: Option<Duration>,
        /// Set when the endpoint did not answer at all (connect failure, timeout): its words
        /// for the error that ends the run's token requests (see `AuthManager`).
        silent: Option<String>,
    },
    /// 4xx or a malformed answer: retrying cannot help.
    Fatal(AuthError),
}

/// `application/x-www-form-urlencoded` encoding, as RFC 6749 §2.3.1 wants before Basic.
pub(crate) fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub(crate) fn basic_credentials(client_id: &str, secret: &str) -> String {
    let raw = format!("{}:{}", form_encode(client_id), form_encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// Quote at most this much of a non-OAuth error body.
const BODY_SNIPPET: usize = 200;

pub(crate) async fn request_token(
    http: &reqwest::Client,
    url: &url::Url,
    auth: ClientAuth,
    client: &OAuth2Client,
    timeout: std::time::Duration,
) -> Result<IssuedToken, AttemptError> {
    let secret = client.client_secret.expose();
    let mut form: Vec<(&str, &str)> = vec![("grant_type", "client_credentials")];
    if let Some(scope) = &client.scope {
        form.push(("scope", scope));
    }
    let mut req = http
        .post(url.clone())
        .timeout(timeout)
        .header(reqwest::header::ACCEPT, "application/json");
    match auth {
        ClientAuth::Body => {
            form.push(("client_id", &client.client_id));
            form.push(("client_secret", secret));
        }
        ClientAuth::Basic => {
            let mut v = reqwest::header::HeaderValue::from_str(&basic_credentials(
                &client.client_id,
                secret,
            ))
            .map_err(|e| {
                AttemptError::Fatal(AuthError::TokenResponse {
                    url: url.to_string(),
                    reason: e.to_string(),
                })
            })?;
            v.set_sensitive(true);
            req = req.header(reqwest::header::AUTHORIZATION, v);
        }
    }
    let sent_at = Instant::now();
    let resp = match req.form(&form).send().await {
        Ok(r) => r,
        Err(e) => {
            let reason = scrub(&error_chain(&e), secret);
            return Err(AttemptError::Transient {
                silent: silence(&e, timeout, &reason),
                reason,
                retry_after: None,
            });
        }
    };
    let status = resp.status();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = match resp.bytes().await {
        Ok(b) => b,
        Err(e) => {
            let reason = scrub(&error_chain(&e), secret);
            return Err(AttemptError::Transient {
                silent: silence(&e, timeout, &reason),
                reason,
                retry_after: None,
            });
        }
    };
    if status.is_success() {
        return parse_success(&body, sent_at).map_err(|reason| {
            AttemptError::Fatal(AuthError::TokenResponse {
                url: url.to_string(),
                reason: scrub(&reason, secret),
            })
        });
    }
    let oauth = scrub(&describe_error_body(&body), secret);
    if status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(AttemptError::Transient {
            reason: format!("HTTP {}{oauth}", status.as_u16()),
            retry_after,
            silent: None,
        });
    }
    Err(AttemptError::Fatal(AuthError::TokenRejected {
        url: url.to_string(),
        status: status.as_u16(),
        oauth,
    }))
}

/// For an endpoint that did not answer: what to say about it (`did not answer within 10s`,
/// `is unreachable: connection refused`).
fn silence(e: &reqwest::Error, timeout: Duration, reason: &str) -> Option<String> {
    if e.is_timeout() {
        Some(format!(
            "did not answer within {}",
            humantime::format_duration(timeout)
        ))
    } else if e.is_connect() {
        Some(format!("is unreachable: {reason}"))
    } else {
        None
    }
}

/// RFC 6749 §5.1. `expires_in` is accepted as a number or a numeric string (seen in the wild).
fn parse_success(body: &[u8], sent_at: Instant) -> Result<IssuedToken, String> {
    let v: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let token = v
        .get("access_token")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .ok_or("no `access_token` string in the body")?;
    if let Some(tt) = v.get("token_type").and_then(|t| t.as_str()) {
        if !tt.eq_ignore_ascii_case("bearer") {
            return Err(format!(
                "`token_type` is `{tt}`, conform only sends Bearer tokens"
            ));
        }
    }
    let lifetime = match v.get("expires_in") {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::Number(n)) => Some(
            n.as_f64()
                .filter(|s| *s >= 0.0)
                .ok_or("`expires_in` is negative")?,
        ),
        Some(serde_json::Value::String(s)) => Some(
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|s| *s >= 0.0)
                .ok_or("`expires_in` is not a number")?,
        ),
        Some(_) => return Err("`expires_in` is not a number".into()),
    }
    .map(|s| Duration::try_from_secs_f64(s).unwrap_or(Duration::MAX));
    // Measured from when the request was sent: the server's clock started no earlier.
    Ok(IssuedToken {
        token: Secret::new(token),
        issued_at: sent_at,
        lifetime,
    })
}

/// `: invalid_client (client authentication failed)`, or a snippet of a non-OAuth body.
fn describe_error_body(body: &[u8]) -> String {
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(err) = v.get("error").and_then(|e| e.as_str()) {
            return match v.get("error_description").and_then(|d| d.as_str()) {
                Some(d) => format!(": {err} ({d})"),
                None => format!(": {err}"),
            };
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let mut snippet: String = text.chars().take(BODY_SNIPPET).collect();
    if snippet.len() < text.len() {
        snippet.push('…');
    }
    format!(": {}", snippet.replace(['\n', '\r'], " "))
}

/// Nothing derived from a server answer may carry the secret, even if the server echoes it.
fn scrub(s: &str, secret: &str) -> String {
    if secret.is_empty() {
        return s.to_string();
    }
    s.replace(secret, "***")
        .replace(&form_encode(secret), "***")
}
