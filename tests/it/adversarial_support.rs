//! A hostile target for the adversarial test set: echoes secrets back, hands out secrets of
//! its own, answers the webhook subscription with escape codes and 600 KB, hangs its token
//! endpoint. On 127.0.0.1 with an ephemeral port.
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get, post};
use axum::Router;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The secret this target generates and returns from `POST /hand-out`.
pub const HANDED_OUT: &str = "whsec_HandedOutByTheTarget0004";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Subscribe {
    /// 500 with the caller's Authorization echoed, escape codes, CR and 600 KB.
    Hostile,
    /// Never answers.
    Hang,
}

#[derive(Clone)]
struct Shared {
    subscribe: Subscribe,
    /// Requests with a method other than GET/HEAD/OPTIONS.
    unsafe_requests: Arc<AtomicUsize>,
    subscribe_hits: Arc<AtomicUsize>,
    token_hits: Arc<AtomicUsize>,
}

pub struct Hostile {
    pub addr: SocketAddr,
    pub unsafe_requests: Arc<AtomicUsize>,
    pub subscribe_hits: Arc<AtomicUsize>,
    pub token_hits: Arc<AtomicUsize>,
    _server: crate::common::OnThread,
}

impl Hostile {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Waits (bounded) until `counter` moves.
    pub fn wait_for(&self, counter: &AtomicUsize, what: &str) {
        let t0 = std::time::Instant::now();
        while counter.load(Ordering::SeqCst) == 0 {
            assert!(t0.elapsed() < Duration::from_secs(30), "never saw {what}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

async fn echo(headers: HeaderMap, RawQuery(query): RawQuery, body: String) -> impl IntoResponse {
    let h: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned().into(),
            )
        })
        .collect();
    axum::Json(serde_json::json!({"headers": h, "query": query, "body": body}))
}

async fn hand_out() -> impl IntoResponse {
    (
        StatusCode::CREATED,
        axum::Json(serde_json::json!({"webhook_id": "wh_1", "secret": HANDED_OUT})),
    )
}

async fn subscribe(State(s): State<Shared>, headers: HeaderMap) -> axum::response::Response {
    s.subscribe_hits.fetch_add(1, Ordering::SeqCst);
    if s.subscribe == Subscribe::Hang {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let auth = headers
        .get("authorization")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    let mut body = format!("denied for {auth}\u{1b}[31m\r\u{1b}[2Kforged line\n");
    body.push_str(&"x".repeat(600_000));
    (StatusCode::INTERNAL_SERVER_ERROR, body).into_response()
}

async fn token(State(s): State<Shared>) -> &'static str {
    s.token_hits.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3600)).await;
    "never"
}

async fn count_unsafe(
    State(s): State<Shared>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let m = req.method().as_str().to_string();
    if !matches!(m.as_str(), "GET" | "HEAD" | "OPTIONS") {
        s.unsafe_requests.fetch_add(1, Ordering::SeqCst);
    }
    next.run(req).await
}

pub fn start(subscribe_mode: Subscribe) -> Hostile {
    let shared = Shared {
        subscribe: subscribe_mode,
        unsafe_requests: Arc::default(),
        subscribe_hits: Arc::default(),
        token_hits: Arc::default(),
    };
    let (unsafe_requests, subscribe_hits, token_hits) = (
        shared.unsafe_requests.clone(),
        shared.subscribe_hits.clone(),
        shared.token_hits.clone(),
    );
    let app = Router::new()
        .route("/echo", any(echo))
        .route("/hand-out", post(hand_out))
        .route("/api/v1/webhooks", post(subscribe))
        .route("/oauth/token", post(token))
        .route("/read", get(|| async { axum::Json(serde_json::json!({})) }))
        .route("/api/v1/orders", any(|| async { StatusCode::CREATED }))
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            count_unsafe,
        ))
        .with_state(shared);
    let server = crate::common::serve_on_thread(app);
    Hostile {
        addr: server.addr,
        unsafe_requests,
        subscribe_hits,
        token_hits,
        _server: server,
    }
}
