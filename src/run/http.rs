//! Sending one HTTP request and recording the exchange (redacted) with its timing.
use super::result::{RecordedRequest, RecordedResponse};
use crate::auth::Redactor;
use bytes::Bytes;
use futures::StreamExt;
use std::error::Error as _;
use std::time::{Duration, Instant};

/// A request with every template already rendered.
#[derive(Debug, Clone)]
pub struct PreparedRequest {
    pub method: reqwest::Method,
    pub url: url::Url,
    /// Real header values (secrets included); redacted only when recorded.
    pub headers: Vec<(String, String)>,
    pub body: Option<Bytes>,
    pub timeout: Duration,
}

/// What came back, with the body bounded by the environment's cap.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// The body was longer than the cap; `body` holds the first `cap` bytes.
    pub truncated: bool,
    pub latency: Duration,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    /// The body as JSON when it parses as JSON (whatever the content type says).
    pub fn json(&self) -> Option<serde_json::Value> {
        if self.truncated || self.body.is_empty() {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }
}

/// Why no response could be checked. Always names the cause.
pub fn describe_error(e: &reqwest::Error, url: &url::Url, timeout: Duration) -> String {
    let host = match (url.host_str(), url.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => url.to_string(),
    };
    let mut causes = Vec::new();
    let mut src = e.source();
    while let Some(s) = src {
        let t = s.to_string();
        if !causes.contains(&t) {
            causes.push(t);
        }
        src = s.source();
    }
    let chain = if causes.is_empty() {
        String::new()
    } else {
        format!(": {}", causes.join(": "))
    };
    if e.is_timeout() {
        format!(
            "request to {host} timed out after {}",
            humantime::format_duration(timeout)
        )
    } else if e.is_connect() {
        format!("failed to connect to {host}{chain}")
    } else if e.is_redirect() {
        format!("too many redirects from {url}{chain}")
    } else if e.is_body() || e.is_decode() {
        format!("failed to read the response body from {host}{chain}")
    } else {
        format!("request to {host} failed{chain}")
    }
}

/// Sends `req`; the whole exchange (headers and body) must finish within `req.timeout`.
pub async fn send(
    client: &reqwest::Client,
    req: &PreparedRequest,
    cap: u64,
) -> Result<RawResponse, String> {
    let mut builder = client.request(req.method.clone(), req.url.clone());
    for (k, v) in &req.headers {
        builder = builder.header(k, v);
    }
    if let Some(b) = &req.body {
        builder = builder.body(b.clone());
    }
    let started = Instant::now();
    let fut = async {
        let resp = builder
            .send()
            .await
            .map_err(|e| describe_error(&e, &req.url, req.timeout))?;
        let status = resp.status().as_u16();
        let headers: Vec<(String, String)> = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut stream = resp.bytes_stream();
        let mut body = Vec::new();
        let mut truncated = false;
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                format!(
                    "{} after {} bytes of the body",
                    describe_error(&e, &req.url, req.timeout),
                    body.len()
                )
            })?;
            let room = usize::try_from(cap)
                .unwrap_or(usize::MAX)
                .saturating_sub(body.len());
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            headers,
            body: Bytes::from(body),
            truncated,
            latency: started.elapsed(),
        })
    };
    match tokio::time::timeout(req.timeout, fut).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "no complete response from {} within {} (timed out)",
            req.url.host_str().unwrap_or("the target"),
            humantime::format_duration(req.timeout)
        )),
    }
}

/// Records a request for reports, secrets removed before any reporter sees it.
pub fn record_request(
    req: &PreparedRequest,
    sent_at: String,
    redactor: &Redactor,
) -> RecordedRequest {
    RecordedRequest {
        method: req.method.to_string(),
        url: req.url.to_string(),
        headers: redactor.headers(&req.headers),
        body: req
            .body
            .as_ref()
            .map(|b| redactor.text(&clip(&String::from_utf8_lossy(b)))),
        sent_at,
    }
}

pub fn record_response(resp: &RawResponse, redactor: &Redactor) -> RecordedResponse {
    let text = resp.text();
    RecordedResponse {
        status: resp.status,
        headers: redactor.headers(&resp.headers),
        body: (!text.is_empty()).then(|| redactor.text(&clip(&text))),
        truncated: resp.truncated || text.len() > REPORT_BODY_CAP,
        latency_ms: resp.latency.as_secs_f64() * 1000.0,
    }
}

/// Bodies kept in reports are bounded: memory stays proportional to the suite, not the responses.
pub const REPORT_BODY_CAP: usize = 16 * 1024;

fn clip(s: &str) -> String {
    if s.len() <= REPORT_BODY_CAP {
        return s.to_string();
    }
    let mut end = REPORT_BODY_CAP;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &s[..end], s.len())
}
