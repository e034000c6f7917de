//! The embedded receiver: an HTTP(S) server on its own port that records every POST, judges
//! it against the registered secrets, and answers as the contract's receivers must.
use super::delivery::{Delivery, Verdict};
use super::error::WebhookError;
use super::inbox::{Inbox, InboxLimits};
use super::scheme::{self, Scheme};
use super::tls;
use crate::config::Secret;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;
use url::Url;

/// How long shutdown waits for requests in flight before cutting their connections.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

#[derive(Debug, Clone)]
pub struct ReceiverConfig {
    /// Where to bind (default `127.0.0.1:0`: loopback, ephemeral port).
    pub listen: SocketAddr,
    /// The URL the target must call when it is not the receiver's own (tunnel, CI host name).
    pub public_url: Option<Url>,
    pub scheme: Scheme,
    /// Accepted distance between the delivery timestamp and the receiver's clock (default 300 s).
    pub tolerance: Duration,
    /// Bodies over this size are answered 413 (default 1 MiB).
    pub max_body: usize,
    /// Limit for reading the request head, and separately the whole body (default 10 s).
    pub read_timeout: Duration,
    /// PEM certificate (chain) and PEM private key: serve HTTPS.
    pub tls: Option<(PathBuf, PathBuf)>,
    /// What the inbox keeps (rejected deliveries are counted, valid ones kept up to a budget).
    pub limits: InboxLimits,
}

impl Default for ReceiverConfig {
    fn default() -> Self {
        ReceiverConfig {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            public_url: None,
            scheme: Scheme::Seed,
            tolerance: Duration::from_secs(300),
            max_body: 1024 * 1024,
            read_timeout: Duration::from_secs(10),
            tls: None,
            limits: InboxLimits::default(),
        }
    }
}

/// A running receiver. Clones share it; it stops on [`Receiver::shutdown`] or when the last
/// clone is dropped.
#[derive(Clone)]
pub struct Receiver {
    inner: Arc<Running>,
}

struct Running {
    /// Numbers the subscription paths handed out ([`Receiver::subscription_url`]).
    subscriptions: AtomicU64,
    local_url: Url,
    public_url: Option<Url>,
    state: Arc<AppState>,
    stop: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}

impl std::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Receiver")
            .field("url", &self.url().as_str())
            .finish_non_exhaustive()
    }
}

/// How long a delivery whose signature matches no known secret waits for a subscription in
/// progress ([`Receiver::expect_secret`]) before it is judged with the secrets known then.
pub const SECRET_WAIT: Duration = Duration::from_secs(10);

/// A subscription whose secret is not known yet; see [`Receiver::expect_secret`].
#[must_use = "the receiver waits for the secret while the guard lives"]
pub struct SecretPending {
    pending: watch::Sender<usize>,
}

impl Drop for SecretPending {
    fn drop(&mut self) {
        self.pending.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// What the request handler needs.
pub(crate) struct AppState {
    inbox: Inbox,
    secrets: RwLock<Vec<Secret>>,
    /// Subscriptions being created whose secret is not known yet ([`Receiver::expect_secret`]).
    pending_secrets: watch::Sender<usize>,
    scheme: Scheme,
    tolerance: Duration,
    max_body: usize,
    read_timeout: Duration,
}

impl Receiver {
    pub async fn start(cfg: ReceiverConfig) -> Result<Receiver, WebhookError> {
        let tls = match &cfg.tls {
            Some((cert, key)) => Some(tls::acceptor(cert, key)?),
            None => None,
        };
        let listener =
            TcpListener::bind(cfg.listen)
                .await
                .map_err(|source| WebhookError::Bind {
                    addr: cfg.listen,
                    source,
                })?;
        let mut addr = listener.local_addr().map_err(|source| WebhookError::Bind {
            addr: cfg.listen,
            source,
        })?;
        // Bound to every interface: this process reaches itself over loopback.
        if addr.ip().is_unspecified() {
            addr.set_ip(if addr.is_ipv4() {
                Ipv4Addr::LOCALHOST.into()
            } else {
                Ipv6Addr::LOCALHOST.into()
            });
        }
        let local_url = Url::parse(&format!(
            "{}://{addr}/",
            if tls.is_some() { "https" } else { "http" }
        ))
        .expect("a socket address makes a valid URL");
        let state = Arc::new(AppState {
            inbox: Inbox::with_limits(cfg.limits),
            secrets: RwLock::new(Vec::new()),
            pending_secrets: watch::Sender::new(0),
            scheme: cfg.scheme,
            tolerance: cfg.tolerance,
            max_body: cfg.max_body,
            read_timeout: cfg.read_timeout,
        });
        let (stop, stop_rx) = watch::channel(false);
        let task = tokio::spawn(serve(
            listener,
            tls,
            app(state.clone()),
            stop_rx,
            cfg.read_timeout,
        ));
        Ok(Receiver {
            inner: Arc::new(Running {
                subscriptions: AtomicU64::new(0),
                local_url,
                public_url: cfg.public_url,
                state,
                stop,
                task: Mutex::new(Some(task)),
            }),
        })
    }

    /// The receiver's own URL (`http://127.0.0.1:PORT/`).
    pub fn local_url(&self) -> Url {
        self.inner.local_url.clone()
    }

    /// The URL to give the target: `public_url` when set, else [`Receiver::local_url`].
    pub fn url(&self) -> Url {
        self.inner
            .public_url
            .clone()
            .unwrap_or_else(|| self.inner.local_url.clone())
    }

    /// A URL of its own for one subscription: [`Receiver::url`] with the path segment `tag`
    /// appended (`…/conform-sub-3`), and `tag`. Every delivery records its path, so
    /// [`Delivery::sent_to`] tells which subscription a delivery was sent to, even when
    /// several subscriptions receive the same event.
    pub fn subscription_url(&self) -> (Url, String) {
        let n = self.inner.subscriptions.fetch_add(1, Ordering::Relaxed) + 1;
        let tag = format!("conform-sub-{n}");
        let mut url = self.url();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push(&tag);
        }
        (url, tag)
    }

    pub fn scheme(&self) -> Scheme {
        self.inner.state.scheme
    }

    /// Adds a secret deliveries are verified against; a delivery is valid when any one matches.
    pub fn add_secret(&self, secret: Secret) {
        let mut secrets = self
            .inner
            .state
            .secrets
            .write()
            .unwrap_or_else(|e| e.into_inner());
        if !secrets.contains(&secret) {
            secrets.push(secret);
        }
    }

    /// Says that a subscription is being created whose secret the receiver learns only from
    /// the target's answer ([`Receiver::add_secret`]). The target may deliver with that secret
    /// before the answer arrives (to this subscription, or to every subscription sharing the
    /// receiver's URL): while a guard lives, a delivery whose signature matches no known secret
    /// is held, for at most [`SECRET_WAIT`], and judged again once every guard is dropped,
    /// instead of being refused as a bad signature. Drop the guard after `add_secret` (or
    /// when the subscription failed).
    pub fn expect_secret(&self) -> SecretPending {
        self.inner.state.pending_secrets.send_modify(|n| *n += 1);
        SecretPending {
            pending: self.inner.state.pending_secrets.clone(),
        }
    }

    pub fn inbox(&self) -> Inbox {
        self.inner.state.inbox.clone()
    }

    /// Stops accepting, lets requests in flight finish (up to 5 s), then returns.
    pub async fn shutdown(self) {
        self.inner.stop.send_replace(true);
        let task = self
            .inner
            .task
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

/// The receiver's routes: any path; POST records a delivery, GET answers a liveness text.
pub(crate) fn app(state: Arc<AppState>) -> Router {
    Router::new().fallback(receive).with_state(state)
}

async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Router,
    mut stop: watch::Receiver<bool>,
    read_timeout: Duration,
) {
    let graceful = GracefulShutdown::new();
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = async { drop(stop.wait_for(|s| *s).await) } => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    // Out of file descriptors and the like: give connections a moment to close.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let _ = stream.set_nodelay(true);
                let watcher = graceful.watcher();
                let app = app.clone();
                let tls = tls.clone();
                connections.spawn(async move {
                    match tls {
                        None => serve_connection(stream, app, watcher, read_timeout).await,
                        Some(tls) => {
                            // A client that stalls in the handshake is cut off like a slow header.
                            if let Ok(Ok(stream)) = tokio::time::timeout(read_timeout, tls.accept(stream)).await {
                                serve_connection(stream, app, watcher, read_timeout).await;
                            }
                        }
                    }
                });
            }
        }
    }
    drop(listener);
    if tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown())
        .await
        .is_err()
    {
        connections.abort_all();
    }
}

async fn serve_connection<I>(io: I, app: Router, watcher: Watcher, read_timeout: Duration)
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(read_timeout);
    let conn = http.serve_connection(TokioIo::new(io), TowerToHyperService::new(app));
    // Connection errors (resets, header timeouts) concern that sender only.
    let _ = watcher.watch(conn).await;
}

enum BodyError {
    TooLarge,
    /// The body did not arrive within the read timeout.
    Timeout,
    /// The sender went away mid-body.
    Aborted,
}

/// Reads the body within `within`, up to `max` bytes. Past `max` it drains up to another `max`
/// bytes (within the same deadline) so an ordinary sender gets to read the 413 instead of a reset.
async fn read_body(body: Body, max: usize, within: Duration) -> Result<Bytes, BodyError> {
    let deadline = tokio::time::Instant::now() + within;
    let mut stream = body.into_data_stream();
    let mut buf = BytesMut::new();
    let mut over = 0usize;
    loop {
        let next = match tokio::time::timeout_at(deadline, stream.next()).await {
            Ok(next) => next,
            Err(_) if over > 0 => return Err(BodyError::TooLarge),
            Err(_) => return Err(BodyError::Timeout),
        };
        match next {
            None if over > 0 => return Err(BodyError::TooLarge),
            None => return Ok(buf.freeze()),
            Some(Err(_)) if over > 0 => return Err(BodyError::TooLarge),
            Some(Err(_)) => return Err(BodyError::Aborted),
            Some(Ok(chunk)) if over > 0 => {
                over += chunk.len();
                if over > max {
                    return Err(BodyError::TooLarge);
                }
            }
            Some(Ok(chunk)) if buf.len() + chunk.len() > max => {
                over = buf.len() + chunk.len();
                buf = BytesMut::new();
            }
            Some(Ok(chunk)) => buf.extend_from_slice(&chunk),
        }
    }
}

fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

async fn receive(State(st): State<Arc<AppState>>, req: Request) -> Response {
    if req.method() != Method::POST {
        return if req.method() == Method::GET || req.method() == Method::HEAD {
            "conform webhook receiver: POST deliveries to any path\n".into_response()
        } else {
            (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, "POST, GET, HEAD")],
            )
                .into_response()
        };
    }
    let received_at = OffsetDateTime::now_utc();
    let (parts, body) = req.into_parts();
    let declared_too_large = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
        .is_some_and(|n| n > st.max_body as u64);
    let body = match read_body(body, st.max_body, st.read_timeout).await {
        Ok(_) if declared_too_large => None,
        Ok(body) => Some(body),
        Err(BodyError::TooLarge) => None,
        // Nothing to judge, and the sender is gone or too slow to matter: not recorded.
        Err(BodyError::Timeout) => {
            return (
                StatusCode::REQUEST_TIMEOUT,
                [(header::CONNECTION, "close")],
                "body read timeout\n",
            )
                .into_response()
        }
        Err(BodyError::Aborted) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let json: Option<serde_json::Value> =
        body.as_deref().and_then(|b| serde_json::from_slice(b).ok());
    let body_str = |key: &str| json.as_ref()?.get(key)?.as_str().map(str::to_owned);
    let event_id = header_str(&parts.headers, st.scheme.event_id_header())
        .map(str::to_owned)
        .or_else(|| body_str("event_id"));
    let event_type = body_str("event_type").or_else(|| body_str("type"));
    let judge = |body: &Option<Bytes>| match body {
        None => Verdict::TooLarge,
        Some(body) => st.judge(
            &parts.headers,
            body,
            json.as_ref(),
            received_at.unix_timestamp(),
        ),
    };
    let mut verdict = judge(&body);
    if verdict == Verdict::BadSignature && *st.pending_secrets.borrow() > 0 {
        // A subscription's secret may be on its way: judge again once it is known.
        let mut pending = st.pending_secrets.subscribe();
        let _ = tokio::time::timeout(SECRET_WAIT, pending.wait_for(|n| *n == 0)).await;
        verdict = judge(&body);
    }
    let mut delivery = Delivery {
        received_at,
        path: parts.uri.path().to_owned(),
        headers,
        body: body.unwrap_or_default(),
        json,
        attempt: st.inbox.reserve_attempt(
            parts.uri.path(),
            event_id.as_deref(),
            verdict == Verdict::Valid,
        ),
        event_id,
        event_type,
        verdict,
        answered: verdict.status(),
    };
    let mut delay = Duration::ZERO;
    if verdict == Verdict::Valid {
        let reply = st.inbox.reply_for(&delivery);
        delivery.answered = reply.status;
        delay = reply.delay;
    }
    let status =
        StatusCode::from_u16(delivery.answered).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    st.inbox.record(delivery);
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let text = if verdict == Verdict::Valid {
        "ok\n".to_owned()
    } else {
        format!("{verdict}\n")
    };
    (status, text).into_response()
}

impl AppState {
    fn judge(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        json: Option<&serde_json::Value>,
        now: i64,
    ) -> Verdict {
        let secrets = self.secrets.read().unwrap_or_else(|e| e.into_inner());
        let Some(signature) = headers.get(self.scheme.signature_header()) else {
            return Verdict::MissingSignature;
        };
        let signature = signature.to_str().unwrap_or("");
        let timestamp = header_str(headers, self.scheme.timestamp_header());
        let ts = timestamp.and_then(|t| t.trim().parse::<i64>().ok());
        match self.scheme {
            Scheme::Seed => {
                // `fold`, not `any`: every secret is tried, so timing does not tell which matched.
                let ok = secrets.iter().fold(false, |ok, s| {
                    scheme::verify_seed(s.expose().as_bytes(), body, signature) | ok
                });
                if !ok {
                    return Verdict::BadSignature;
                }
            }
            Scheme::StandardWebhooks => {
                // The timestamp is part of the signed content: without it there is nothing to check.
                let (Some(timestamp), Some(_)) = (timestamp, ts) else {
                    return Verdict::MissingTimestamp;
                };
                // The id is signed and required: a delivery without one cannot be deduplicated.
                let Some(id) = header_str(headers, scheme::headers::STANDARD_ID)
                    .filter(|id| !id.trim().is_empty())
                else {
                    return Verdict::MissingId;
                };
                let ok = secrets.iter().fold(false, |ok, s| {
                    scheme::verify_standard(s.expose(), id, timestamp, body, signature) | ok
                });
                if !ok {
                    return Verdict::BadSignature;
                }
            }
        }
        let Some(ts) = ts else {
            return Verdict::MissingTimestamp;
        };
        let skew = now.saturating_sub(ts);
        if skew.unsigned_abs() > self.tolerance.as_secs() {
            return Verdict::StaleTimestamp { skew_secs: skew };
        }
        let Some(json) = json else {
            return Verdict::NotJson;
        };
        if self.scheme == Scheme::Seed {
            let header_id = header_str(headers, scheme::headers::SEED_EVENT_ID);
            let body_id = json.get("event_id").and_then(|v| v.as_str());
            if header_id.is_none() || header_id != body_id {
                return Verdict::EventIdMismatch;
            }
        }
        Verdict::Valid
    }
}
