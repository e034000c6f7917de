//! Sending one HTTP request and recording the exchange (redacted) with its timing.
use crate::auth::Redactor;
use crate::results::{RecordedRequest, RecordedResponse};
use bytes::Bytes;
use futures::StreamExt;
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
    /// The body parsed as JSON, once, on first use (expectations, captures and the contract
    /// check all read it).
    pub(crate) parsed: std::sync::OnceLock<Option<serde_json::Value>>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The body as text (invalid UTF-8 replaced); borrowed when it is valid UTF-8.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
    /// The body as JSON when it parses as JSON (whatever the content type says); parsed once.
    pub fn json(&self) -> Option<&serde_json::Value> {
        self.parsed
            .get_or_init(|| {
                if self.truncated || self.body.is_empty() {
                    return None;
                }
                serde_json::from_slice(&self.body).ok()
            })
            .as_ref()
    }

    /// Why [`RawResponse::json`] is `None`, in words a failed check can show; `None` when the
    /// body is JSON.
    pub fn json_problem(&self) -> Option<String> {
        if self.truncated {
            return Some(format!(
                "the body is longer than max_body_bytes ({} bytes kept), so it is not read as JSON",
                self.body.len()
            ));
        }
        if self.body.is_empty() {
            return Some("the body is empty".into());
        }
        let e = serde_json::from_slice::<serde_json::Value>(&self.body).err()?;
        Some(match self.header("content-type") {
            Some(ct) if is_json_type(ct) => {
                format!("the body is not valid JSON although the content type is `{ct}`: {e}")
            }
            Some(ct) => format!("the body is not JSON (content type `{ct}`)"),
            None => format!("the body is not JSON (no content type): {e}"),
        })
    }
}

/// `application/json`, `application/problem+json`, `...; charset=utf-8`.
fn is_json_type(ct: &str) -> bool {
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || essence.ends_with("+json")
}

/// Redirects followed before a request gives up (the environment's client uses this limit).
pub const MAX_REDIRECTS: usize = 10;

/// `host:port` of a URL, the way errors name the target.
fn host_port(url: &url::Url) -> String {
    match (url.host_str(), url.port_or_known_default()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => url.to_string(),
    }
}

/// Why no response could be checked. Always names the target and the cause.
/// Why an exchange did not complete, by kind; the text says it for a person (the host, the
/// plain cause, how far it got).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// No connection: refused, reset, DNS.
    #[error("{0}")]
    Connect(String),
    /// The TLS handshake failed (certificate, plain HTTP on a TLS port, ...).
    #[error("{0}")]
    Tls(String),
    /// No complete answer within the request's timeout.
    #[error("{0}")]
    Timeout(String),
    #[error("{0}")]
    Redirect(String),
    /// The response body could not be read to its end.
    #[error("{0}")]
    Body(String),
    #[error("{0}")]
    Other(String),
}

impl HttpError {
    /// The same kind, with more said after the text.
    fn and(self, more: &str) -> HttpError {
        match self {
            HttpError::Connect(s) => HttpError::Connect(s + more),
            HttpError::Tls(s) => HttpError::Tls(s + more),
            HttpError::Timeout(s) => HttpError::Timeout(s + more),
            HttpError::Redirect(s) => HttpError::Redirect(s + more),
            HttpError::Body(s) => HttpError::Body(s + more),
            HttpError::Other(s) => HttpError::Other(s + more),
        }
    }
}

pub fn describe_error(e: &reqwest::Error, url: &url::Url, timeout: Duration) -> HttpError {
    let host = host_port(url);
    let cause = root_cause(e, url);
    let tls = cause.starts_with(TLS_FAILED);
    if e.is_connect() {
        if e.is_timeout() {
            return HttpError::Timeout(format!(
                "failed to connect to {host}: timed out (connect timeout)"
            ));
        }
        let text = format!("failed to connect to {host}: {cause}");
        return if tls {
            HttpError::Tls(text)
        } else {
            HttpError::Connect(text)
        };
    }
    if e.is_timeout() {
        return HttpError::Timeout(format!(
            "request to {host} timed out after {}",
            humantime::format_duration(timeout)
        ));
    }
    if e.is_redirect() {
        let last = e.url().map_or_else(|| url.to_string(), ToString::to_string);
        let looped = if last == url.as_str() {
            " (a redirect loop)"
        } else {
            ""
        };
        return HttpError::Redirect(format!(
            "too many redirects from {url}: gave up after {MAX_REDIRECTS}, the last to {last}{looped}"
        ));
    }
    if e.is_body() || e.is_decode() {
        return HttpError::Body(format!(
            "failed to read the response body from {host}: {cause}"
        ));
    }
    let text = format!("request to {host} failed: {cause}");
    if tls {
        HttpError::Tls(text)
    } else {
        HttpError::Other(text)
    }
}

const TLS_FAILED: &str = "TLS handshake failed";

/// The deepest cause in `e`'s chain that can be said in plain words, else the whole chain
/// without the wrappers' generic words.
fn root_cause(e: &(dyn std::error::Error + 'static), url: &url::Url) -> String {
    let mut plain = None;
    let mut chain: Vec<String> = Vec::new();
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(e);
    let mut first = true;
    while let Some(err) = next {
        if let Some(p) = plain_cause(err, url) {
            plain = Some(p);
        }
        let text = err.to_string();
        // reqwest's own "error sending request for url (...)" repeats what we already say.
        if !first && !chain.contains(&text) {
            chain.push(text);
        }
        first = false;
        next = err.source();
    }
    plain.unwrap_or_else(|| {
        if chain.is_empty() {
            e.to_string()
        } else {
            chain.join(": ")
        }
    })
}

fn plain_cause(err: &(dyn std::error::Error + 'static), url: &url::Url) -> Option<String> {
    if let Some(tls) = err.downcast_ref::<rustls::Error>() {
        return Some(tls_cause(tls, url));
    }
    if let Some(io) = err.downcast_ref::<std::io::Error>() {
        // rustls errors travel inside (possibly nested) io::Errors, whose `source()` skips them.
        let mut inner = io.get_ref();
        while let Some(i) = inner {
            if let Some(tls) = i.downcast_ref::<rustls::Error>() {
                return Some(tls_cause(tls, url));
            }
            inner = i
                .downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref());
        }
        use std::io::ErrorKind as K;
        return Some(match io.kind() {
            K::ConnectionRefused => "connection refused".into(),
            K::ConnectionReset => "the connection was reset".into(),
            K::ConnectionAborted => "the connection was aborted".into(),
            K::UnexpectedEof => "the connection closed".into(),
            K::TimedOut => "timed out".into(),
            K::BrokenPipe => "the connection closed while the request was sent".into(),
            _ => io.to_string(),
        });
    }
    if let Some(h) = err.downcast_ref::<hyper::Error>() {
        if h.is_incomplete_message() {
            return Some("the connection closed before a complete response arrived".into());
        }
        if h.is_parse() || h.is_parse_status() || h.is_parse_too_large() {
            return Some(format!("the response is not valid HTTP/1.1 ({h})"));
        }
    }
    None
}

fn tls_cause(e: &rustls::Error, url: &url::Url) -> String {
    use rustls::CertificateError as C;
    let host = url.host_str().unwrap_or("the target");
    let what = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            C::UnknownIssuer => "the server's certificate is not signed by a trusted CA".into(),
            C::Expired | C::ExpiredContext { .. } => "the server's certificate has expired".into(),
            C::NotValidYet | C::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet".into()
            }
            C::NotValidForName | C::NotValidForNameContext { .. } => {
                format!("the server's certificate is not valid for `{host}`")
            }
            C::Revoked => "the server's certificate is revoked".into(),
            _ => "the server's certificate was rejected".into(),
        },
        rustls::Error::AlertReceived(_) => "the server refused the handshake".into(),
        rustls::Error::InvalidMessage(_) => {
            "the server did not answer with TLS (is it plain HTTP?)".into()
        }
        _ => "TLS error".into(),
    };
    format!("{TLS_FAILED}: {what} ({e})")
}

/// How far an exchange got, to say what was missing when its time ran out.
#[derive(Default)]
struct Progress {
    status: Option<u16>,
    content_length: Option<u64>,
    received: usize,
}

/// Sends `req`; the whole exchange (headers and body) must finish within `req.timeout`.
/// At most `cap` bytes of the body are kept (and read); a longer body is marked truncated.
pub async fn send(
    client: &reqwest::Client,
    req: &PreparedRequest,
    cap: u64,
) -> Result<RawResponse, HttpError> {
    let mut builder = client.request(req.method.clone(), req.url.clone());
    for (k, v) in &req.headers {
        builder = builder.header(k, v);
    }
    if let Some(b) = &req.body {
        builder = builder.body(b.clone());
    }
    let host = host_port(&req.url);
    let started = Instant::now();
    let mut progress = Progress::default();
    let fut = async {
        let resp = builder
            .send()
            .await
            .map_err(|e| describe_error(&e, &req.url, req.timeout))?;
        let status = resp.status().as_u16();
        progress.status = Some(status);
        progress.content_length = resp.content_length();
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
        let cap = usize::try_from(cap).unwrap_or(usize::MAX);
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                let of = progress
                    .content_length
                    .map_or(String::new(), |n| format!(" of {n}"));
                describe_error(&e, &req.url, req.timeout)
                    .and(&format!(" after {}{of} bytes", progress.received))
            })?;
            progress.received += chunk.len();
            let room = cap.saturating_sub(body.len());
            if chunk.len() > room {
                // Stop reading: the rest is never downloaded (the connection is dropped).
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
            parsed: Default::default(),
        })
    };
    let outcome = tokio::time::timeout(req.timeout, fut).await;
    match outcome {
        Ok(r) => r,
        Err(_) => {
            let after = humantime::format_duration(req.timeout);
            Err(HttpError::Timeout(match progress.status {
                None => format!("timed out after {after} waiting for a response from {host}"),
                Some(status) => {
                    let of = progress
                        .content_length
                        .map_or(String::new(), |n| format!(" of {n}"));
                    format!(
                        "timed out after {after} reading the response body from {host} (status {status}, {}{of} bytes received)",
                        progress.received
                    )
                }
            }))
        }
    }
}

/// Records a request for reports, secrets removed before any reporter sees it.
pub fn record_request(
    req: &PreparedRequest,
    sent_at: String,
    redactor: &Redactor,
) -> RecordedRequest {
    RecordedRequest {
        method: redactor.text(req.method.as_str()),
        url: redactor.text(req.url.as_str()),
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

/// The body as kept for reports: borrowed when it is within the cap (the redactor makes the
/// one copy that is kept), else its first [`REPORT_BODY_CAP`] bytes with a note.
fn clip(s: &str) -> std::borrow::Cow<'_, str> {
    if s.len() <= REPORT_BODY_CAP {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut end = REPORT_BODY_CAP;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    std::borrow::Cow::Owned(format!("{}… ({} bytes in all)", &s[..end], s.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(content_type: Option<&str>, body: &str, truncated: bool) -> RawResponse {
        RawResponse {
            status: 200,
            headers: content_type
                .map(|c| vec![("content-type".to_string(), c.to_string())])
                .unwrap_or_default(),
            body: Bytes::from(body.to_string()),
            truncated,
            latency: Duration::ZERO,
            parsed: Default::default(),
        }
    }

    #[test]
    fn json_problem_says_why_the_body_is_not_json() {
        let ok = response(Some("application/json"), r#"{"a":1}"#, false);
        assert_eq!(ok.json_problem(), None);
        assert_eq!(
            response(Some("application/problem+json; charset=utf-8"), "{\"a\":", false)
                .json_problem()
                .as_deref(),
            Some("the body is not valid JSON although the content type is `application/problem+json; charset=utf-8`: EOF while parsing a value at line 1 column 5")
        );
        assert_eq!(
            response(Some("text/html"), "<html>", false)
                .json_problem()
                .as_deref(),
            Some("the body is not JSON (content type `text/html`)")
        );
        assert_eq!(
            response(None, "", false).json_problem().as_deref(),
            Some("the body is empty")
        );
        assert_eq!(
            response(Some("application/json"), "[1,2", true)
                .json_problem()
                .as_deref(),
            Some(
                "the body is longer than max_body_bytes (4 bytes kept), so it is not read as JSON"
            )
        );
    }

    #[tokio::test]
    async fn a_body_past_the_cap_is_cut_and_marked() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            if let Ok((mut s, _)) = listener.accept().await {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let body = vec![b'x'; 100_000];
                let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n", body.len());
                let _ = s.write_all(head.as_bytes()).await;
                let _ = s.write_all(&body).await;
            }
        });
        let req = PreparedRequest {
            method: reqwest::Method::GET,
            url: url::Url::parse(&format!("http://{addr}/big")).expect("url"),
            headers: Vec::new(),
            body: None,
            timeout: Duration::from_secs(5),
        };
        let resp = send(&reqwest::Client::new(), &req, 1000)
            .await
            .expect("response");
        assert_eq!(resp.body.len(), 1000);
        assert!(resp.truncated);
    }
}
