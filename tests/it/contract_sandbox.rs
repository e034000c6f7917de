//! The contract checks against the reference sandbox: every answer of a correct sandbox
//! conforms, real webhook payloads conform, and the sandbox's schema/header faults are caught
//! with the pointer, value and rule.
use axum::body::Bytes;
use axum::routing::post;
use axum::Router;
use conform::contract::{Contract, ContractVerdict};
use conform_sandbox::{Fault, RunningSandbox, SandboxConfig};
use reqwest::Method;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;
use tokio::sync::mpsc;

fn contract() -> Contract {
    Contract::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/contract/orders-v1.openapi.yaml"),
    )
    .expect("contract loads")
}

struct Sb {
    running: RunningSandbox,
    http: reqwest::Client,
    token: String,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

impl Sb {
    async fn start(faults: &[Fault]) -> Sb {
        let config = SandboxConfig {
            faults: faults.iter().copied().collect(),
            ..SandboxConfig::default()
        };
        let running = RunningSandbox::start(config, "127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .unwrap();
        Sb {
            running,
            http,
            token: String::new(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        let r = req.send().await.expect("sandbox answers");
        let status = r.status().as_u16();
        let headers = r
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    v.to_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let body = r.bytes().await.unwrap().to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn token(&self) -> Answer {
        let req = self
            .http
            .post(format!("{}/oauth/token", self.running.url()))
            .basic_auth("sandbox-client", Some("sandbox-secret"))
            .form(&[("grant_type", "client_credentials")]);
        self.send(req).await
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>, auth: bool) -> Answer {
        let mut req = self
            .http
            .request(
                Method::from_bytes(method.as_bytes()).unwrap(),
                format!("{}{path}", self.running.url()),
            )
            .header("X-Request-ID", uuid::Uuid::new_v4().to_string());
        if auth {
            req = req.bearer_auth(&self.token);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        self.send(req).await
    }
}

fn failures(v: &ContractVerdict) -> Vec<String> {
    v.checks
        .iter()
        .filter(|c| !c.passed())
        .map(|c| {
            format!(
                "{}: expected {}, got {} ({})",
                c.check,
                c.expected,
                c.actual,
                c.detail.clone().unwrap_or_default()
            )
        })
        .collect()
}

fn order_body() -> Value {
    json!({
        "customer_id": "CUST-12345",
        "items": [{"product_id": "SKU-001", "quantity": 2}, {"product_id": "SKU-002", "quantity": 1, "unit_price": 9.5}],
        "shipping_address": {"street": "1 Main St", "city": "Springfield", "postal_code": "12345", "country": "US"}
    })
}

#[tokio::test]
async fn every_answer_of_the_correct_sandbox_conforms() {
    let c = contract();
    let mut sb = Sb::start(&[]).await;

    // A webhook receiver on loopback.
    let (tx, mut rx) = mpsc::unbounded_channel::<Bytes>();
    let app = Router::new().route(
        "/hook",
        post(move |body: Bytes| {
            let tx = tx.clone();
            async move {
                let _ = tx.send(body);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut problems = Vec::new();
    let mut seen = Vec::new();
    let mut record = |method: &str, path: &str, a: &Answer, expect_status: u16| {
        let v = c.check_response(method, path, a.status, &a.headers, &a.body);
        seen.push(format!("{method} {path} {}", a.status));
        if a.status != expect_status {
            problems.push(format!(
                "{method} {path}: status {} (wanted {expect_status}): {}",
                a.status,
                String::from_utf8_lossy(&a.body)
            ));
        }
        for f in failures(&v) {
            problems.push(format!("{method} {path} {}: {f}", a.status));
        }
    };

    let t = sb.token().await;
    record("POST", "/oauth/token", &t, 200);
    sb.token = t.json()["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let w = sb
        .call("POST", "/api/v1/webhooks", Some(json!({"url": hook, "events": ["order.created", "order.updated", "order.cancelled"]})), true)
        .await;
    record("POST", "/api/v1/webhooks", &w, 201);
    let wid = w.json()["webhook_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    let o = sb
        .call("POST", "/api/v1/orders", Some(order_body()), true)
        .await;
    record("POST", "/api/v1/orders", &o, 201);
    let oid = o.json()["order_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();

    for (m, p, s) in [
        ("GET", format!("/api/v1/orders/{oid}"), 200),
        ("GET", "/api/v1/orders?limit=5".to_string(), 200),
        ("GET", "/api/v1/search?q=SKU-001".to_string(), 200),
        ("POST", format!("/api/v1/orders/{oid}/cancel"), 200),
        ("POST", format!("/api/v1/orders/{oid}/cancel"), 409),
        ("GET", "/api/v1/orders/ORD-00000000".to_string(), 404),
        ("GET", "/api/v1/orders?limit=0".to_string(), 400),
        ("GET", format!("/api/v1/webhooks/{wid}"), 200),
        ("GET", format!("/api/v1/webhooks/{wid}/deliveries"), 200),
        ("GET", "/api/v1/nope".to_string(), 404),
        ("PATCH", "/api/v1/orders".to_string(), 405),
        ("GET", "/sandbox/v1/products/SKU-001".to_string(), 200),
        ("GET", "/sandbox/v1/stats".to_string(), 200),
    ] {
        let a = sb.call(m, &p, None, true).await;
        record(m, &p, &a, s);
    }
    let bad = sb
        .call(
            "POST",
            "/api/v1/orders",
            Some(json!({"customer_id": "", "items": []})),
            true,
        )
        .await;
    record("POST", "/api/v1/orders", &bad, 400);
    let unauth = sb.call("GET", "/api/v1/orders", None, false).await;
    record("GET", "/api/v1/orders", &unauth, 401);

    let o2 = sb
        .call("POST", "/api/v1/orders", Some(order_body()), true)
        .await;
    record("POST", "/api/v1/orders", &o2, 201);
    let oid2 = o2.json()["order_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let adv = sb
        .call(
            "POST",
            &format!("/sandbox/v1/orders/{oid2}/advance"),
            None,
            true,
        )
        .await;
    record(
        "POST",
        &format!("/sandbox/v1/orders/{oid2}/advance"),
        &adv,
        200,
    );

    // Webhooks: created x2, cancelled, updated (cancel), updated (advance).
    let mut events = Vec::new();
    while events.len() < 5 {
        match tokio::time::timeout(Duration::from_secs(10), rx.recv()).await {
            Ok(Some(body)) => events.push(serde_json::from_slice::<Value>(&body).unwrap()),
            _ => break,
        }
    }
    let del = sb
        .call("DELETE", &format!("/api/v1/webhooks/{wid}"), None, true)
        .await;
    record("DELETE", &format!("/api/v1/webhooks/{wid}"), &del, 204);

    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(seen.len(), 21);

    let mut types: Vec<&str> = events
        .iter()
        .map(|e| e["event_type"].as_str().unwrap_or_default())
        .collect();
    types.sort();
    assert_eq!(
        types,
        [
            "order.cancelled",
            "order.created",
            "order.created",
            "order.updated",
            "order.updated"
        ]
    );
    for e in &events {
        let t = e["event_type"].as_str().unwrap_or_default();
        let checks = c.check_webhook(t, e);
        assert!(checks.iter().all(|c| c.passed()), "{t}: {checks:#?}");
    }
    sb.running.shutdown().await;
}

#[tokio::test]
async fn sandbox_faults_are_caught_with_pointer_value_and_rule() {
    let c = contract();
    let mut sb = Sb::start(&[
        Fault::SchemaOrderId,
        Fault::SchemaCreatedAt,
        Fault::ApiVersionMissing,
    ])
    .await;
    sb.token = sb.token().await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let o = sb
        .call("POST", "/api/v1/orders", Some(order_body()), true)
        .await;
    assert_eq!(o.status, 201);
    let v = c.check_response("POST", "/api/v1/orders", o.status, &o.headers, &o.body);
    let body = v
        .checks
        .iter()
        .find(|c| c.check == "contract body")
        .unwrap();
    assert!(!body.passed());
    let detail = body.detail.as_deref().unwrap();
    let json = o.json();
    let id = json["order_id"].as_str().unwrap();
    let created = json["created_at"].as_str().unwrap();
    assert!(
        detail.contains(&format!(
            r#"/order_id: "{id}" does not match "^ORD-[0-9]{{8}}$""#
        )),
        "{detail}"
    );
    assert!(
        detail.contains(&format!(
            r#"/created_at: "{created}" is not a valid "date-time""#
        )),
        "{detail}"
    );
    assert!(
        detail.contains("operation createOrder (POST /api/v1/orders), response 201"),
        "{detail}"
    );
    let headers = v
        .checks
        .iter()
        .find(|c| c.check == "contract headers")
        .unwrap();
    assert!(!headers.passed());
    assert!(
        headers.actual.contains("X-API-Version: missing (required)"),
        "{}",
        headers.actual
    );
    sb.running.shutdown().await;
}
