//! Helpers shared by the HTTP tests: a sandbox on 127.0.0.1:0, a client, a webhook receiver.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use conform_sandbox::{Fault, RunningSandbox, SandboxConfig};
use reqwest::{Client, Method};
use serde_json::{json, Value};
use tokio::sync::mpsc;

pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn fields(&self) -> Vec<String> {
        self.body["details"]
            .as_array()
            .map(|d| {
                d.iter()
                    .filter_map(|x| x["field"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}

pub struct Sb {
    pub running: RunningSandbox,
    pub http: Client,
    pub base: String,
    pub token: String,
}

pub fn config_with(faults: &[Fault]) -> SandboxConfig {
    SandboxConfig {
        faults: faults.iter().copied().collect(),
        ..SandboxConfig::default()
    }
}

pub async fn start(config: SandboxConfig) -> Sb {
    let running = RunningSandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let http = Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let base = running.url();
    let mut sb = Sb {
        running,
        http,
        base,
        token: String::new(),
    };
    sb.token = sb.token_for("sandbox-client", None).await;
    sb
}

pub async fn start_default() -> Sb {
    start(SandboxConfig::default()).await
}

pub fn rid() -> String {
    uuid::Uuid::new_v4().to_string()
}

pub fn order_body(qty: u32) -> Value {
    json!({
        "customer_id": "CUST-12345",
        "items": [{"product_id": "SKU-001", "quantity": qty}]
    })
}

async fn into_resp(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let bytes = r.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    Resp {
        status,
        headers,
        body,
    }
}

impl Sb {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn token_form(&self, form: &[(&str, &str)]) -> Resp {
        let r = self
            .http
            .post(self.url("/oauth/token"))
            .form(form)
            .send()
            .await
            .unwrap();
        into_resp(r).await
    }

    pub async fn token_for(&self, client: &str, scope: Option<&str>) -> String {
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client),
            ("client_secret", "sandbox-secret"),
        ];
        if let Some(s) = scope {
            form.push(("scope", s));
        }
        let r = self.token_form(&form).await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["access_token"].as_str().unwrap().to_owned()
    }

    /// An `/api/v1` call with this sandbox's token and a fresh request id.
    pub async fn call(&self, method: Method, path: &str, body: Option<&Value>) -> Resp {
        self.call_as(&self.token, method, path, body, &[]).await
    }

    pub async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(token)
            .header("X-Request-ID", rid());
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        into_resp(req.send().await.unwrap()).await
    }

    pub async fn raw(&self, req: reqwest::RequestBuilder) -> Resp {
        into_resp(req.send().await.unwrap()).await
    }

    pub async fn create_order(&self, body: &Value, key: Option<&str>) -> Resp {
        let headers: Vec<(&str, &str)> = key
            .map(|k| vec![("X-Idempotency-Key", k)])
            .unwrap_or_default();
        self.call_as(
            &self.token,
            Method::POST,
            "/api/v1/orders",
            Some(body),
            &headers,
        )
        .await
    }

    /// Subscribes `url` to `events` (with a signing secret of the caller's choice, else one the
    /// sandbox makes); the subscription must be created (201). Returns its body.
    pub async fn subscribe(&self, url: &str, events: &[&str], secret: Option<&str>) -> Value {
        let mut body = serde_json::json!({"url": url, "events": events});
        if let Some(s) = secret {
            body["secret"] = serde_json::json!(s);
        }
        let r = self
            .call(Method::POST, "/api/v1/webhooks", Some(&body))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.body
    }

    pub async fn control(&self, method: Method, path: &str, body: Option<&Value>) -> Resp {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(b);
        }
        into_resp(req.send().await.unwrap()).await
    }

    pub async fn product(&self, id: &str) -> Value {
        let r = self
            .control(Method::GET, &format!("/sandbox/v1/products/{id}"), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        r.body
    }

    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}

/// One webhook delivery as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Delivery {
    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone)]
struct Recv {
    tx: mpsc::UnboundedSender<Delivery>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
}

async fn hook(State(r): State<Recv>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let _ = r.tx.send(Delivery { headers, body });
    let code = r.statuses.lock().unwrap().pop_front().unwrap_or(200);
    StatusCode::from_u16(code).unwrap()
}

/// A tiny receiver on 127.0.0.1:0 answering `statuses` in turn (then 200).
pub struct Receiver {
    pub url: String,
    pub rx: mpsc::UnboundedReceiver<Delivery>,
}

impl Receiver {
    pub async fn start(statuses: &[u16]) -> Receiver {
        let (tx, rx) = mpsc::unbounded_channel();
        let state = Recv {
            tx,
            statuses: Arc::new(Mutex::new(statuses.iter().copied().collect())),
        };
        let app = Router::new().route("/hook", post(hook)).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { url, rx }
    }

    pub async fn next(&mut self) -> Delivery {
        tokio::time::timeout(Duration::from_secs(10), self.rx.recv())
            .await
            .expect("no webhook delivery within 10 s")
            .expect("receiver closed")
    }

    /// Nothing more arrives within `wait`.
    pub async fn quiet(&mut self, wait: Duration) -> bool {
        tokio::time::timeout(wait, self.rx.recv()).await.is_err()
    }
}
