//! Shared helpers for end-to-end tests: a small local HTTP server with known answers, a
//! builder that runs the real `conform` binary in a temporary project folder, and the same
//! project run through the library's entry point (`Project::session`) with a sink that keeps
//! every event.
#![allow(dead_code)]
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{any, get};
use axum::Router;
use std::net::SocketAddr;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A target with fixed answers, on 127.0.0.1 with an ephemeral port.
pub struct TestServer {
    pub addr: SocketAddr,
    /// How many requests reached this server's `/stall` (they are held for 30 s).
    pub stall_hits: Arc<AtomicUsize>,
    _server: OnThread,
}

/// A server on 127.0.0.1:0, run by a thread of its own (with its own runtime) so that tests
/// driving the blocking binary can use it; stopped when dropped.
pub struct OnThread {
    pub addr: SocketAddr,
    _stop: tokio::sync::oneshot::Sender<()>,
    _thread: std::thread::JoinHandle<()>,
}

/// Binds 127.0.0.1:0 on a thread of its own and runs `serve(listener, stop)` there; `stop`
/// resolves when the returned [`OnThread`] is dropped.
pub fn on_thread<F, Fut>(serve: F) -> OnThread
where
    F: FnOnce(tokio::net::TcpListener, tokio::sync::oneshot::Receiver<()>) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            addr_tx
                .send(listener.local_addr().expect("addr"))
                .expect("send addr");
            serve(listener, stopped).await;
        });
    });
    let addr = addr_rx.recv().expect("server address");
    OnThread {
        addr,
        _stop: stop,
        _thread: thread,
    }
}

/// An axum app served by [`on_thread`], with graceful shutdown on drop.
pub fn serve_on_thread(app: Router) -> OnThread {
    on_thread(move |listener, stopped| async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
            .expect("serve");
    })
}

impl TestServer {
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

async fn order() -> impl IntoResponse {
    (
        [
            ("X-API-Version", "1"),
            ("Location", "/api/v1/orders/ORD-12345678"),
        ],
        axum::Json(serde_json::json!({
            "order_id": "ORD-12345678",
            "status": "pending",
            "total_amount": 69.48,
            "items": [{"product_id": "SKU-001", "quantity": 2}, {"product_id": "SKU-002", "quantity": 1}],
            "tags": ["a", "b"],
            "note": null
        })),
    )
}

async fn status(Path(code): Path<u16>) -> impl IntoResponse {
    StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST)
}

async fn echo(headers: HeaderMap, body: String) -> impl IntoResponse {
    let h: serde_json::Map<String, serde_json::Value> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                serde_json::Value::String(v.to_str().unwrap_or("").to_string()),
            )
        })
        .collect();
    axum::Json(serde_json::json!({"headers": h, "body": body}))
}

async fn not_json() -> impl IntoResponse {
    ([("content-type", "application/json")], "{this is not json")
}

/// Per-server counters, so tests running at once in one process never see each other's hits.
#[derive(Clone, Default)]
struct Hits {
    stall: Arc<AtomicUsize>,
    limited: Arc<AtomicUsize>,
    limited_five: Arc<AtomicUsize>,
}

/// The first request of this server gets 429 with `Retry-After: 1`, later ones 200.
async fn limited(State(hits): State<Hits>) -> axum::response::Response {
    if hits.limited.fetch_add(1, Ordering::SeqCst) == 0 {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("Retry-After", "1")],
            "slow down",
        )
            .into_response()
    } else {
        (StatusCode::OK, axum::Json(serde_json::json!({"ok": true}))).into_response()
    }
}

/// The first five requests get 429 with `Retry-After: 1`, later ones 200.
async fn limited_five(State(hits): State<Hits>) -> axum::response::Response {
    if hits.limited_five.fetch_add(1, Ordering::SeqCst) < 5 {
        (
            StatusCode::TOO_MANY_REQUESTS,
            [("Retry-After", "1")],
            "slow down",
        )
            .into_response()
    } else {
        (StatusCode::OK, axum::Json(serde_json::json!({"ok": true}))).into_response()
    }
}

/// Always 429, to come back in two minutes.
async fn limited_long() -> axum::response::Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [("Retry-After", "120")],
        "come back later",
    )
        .into_response()
}

async fn stall(State(hits): State<Hits>) -> impl IntoResponse {
    hits.stall.fetch_add(1, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(30)).await;
    "late"
}

pub fn start_server() -> TestServer {
    let hits = Hits::default();
    let stall_hits = hits.stall.clone();
    let app = Router::new()
        .route("/order", get(order))
        .route("/status/{code}", any(status))
        .route("/echo", any(echo))
        .route("/not-json", get(not_json))
        .route("/stall", get(stall))
        .route("/limited", get(limited))
        .route("/limited-five", get(limited_five))
        .route("/limited-long", get(limited_long))
        .with_state(hits);
    let server = serve_on_thread(app);
    TestServer {
        addr: server.addr,
        stall_hits,
        _server: server,
    }
}

/// Runs the real binary in a temporary project with its own conform.yaml and scenarios.
/// A `conform.yaml` whose default environment `local` is the embedded sandbox with the keys
/// `sandbox` (e.g. `faults: [x], latency: 250ms`), the contract of this repository, its
/// default client, and `extra` (more keys of the environment, each line indented by four
/// spaces, e.g. `    capabilities: [webhooks]\n`).
pub fn embedded_sandbox_config(sandbox: &str, extra: &str) -> String {
    let repo = env!("CARGO_MANIFEST_DIR");
    format!(
        r#"contract: {repo}/fixtures/contract/orders-v1.openapi.yaml
default_env: local
environments:
  local:
    embedded_sandbox: {{{sandbox}}}
{extra}    auth:
      oauth2:
        token_url: /oauth/token
        clients:
          default:
            client_id: {{env: EMBEDDED_SANDBOX_CLIENT_ID}}
            client_secret: {{env: EMBEDDED_SANDBOX_CLIENT_SECRET}}
"#
    )
}

pub struct Project {
    pub dir: tempfile::TempDir,
}

pub struct RunOutput {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Project {
    /// A project whose `test` environment points at `base_url` (no auth).
    pub fn new(base_url: &str) -> Project {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = format!(
            "default_env: test\nenvironments:\n  test:\n    base_url: \"{base_url}\"\n    timeouts: {{request: 2s, connect: 1s, scenario: 20s}}\n    capabilities: [things]\n  prod:\n    base_url: \"{base_url}\"\n    production: true\n"
        );
        std::fs::write(dir.path().join("conform.yaml"), config).expect("write config");
        std::fs::create_dir_all(dir.path().join("scenarios")).expect("mkdir");
        std::fs::create_dir_all(dir.path().join("fixtures")).expect("mkdir");
        Project { dir }
    }

    pub fn file(&self, rel: &str, text: &str) -> &Project {
        let p = self.dir.path().join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(p, text).expect("write");
        self
    }

    /// Starts the binary without waiting (for signal tests).
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("CONFORM_CONFIG")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn conform")
    }

    pub fn run(&self, args: &[&str]) -> RunOutput {
        let out: Output = Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("CONFORM_CONFIG")
            .output()
            .expect("run conform");
        RunOutput {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(rel)).unwrap_or_default()
    }

    pub fn results(&self) -> serde_json::Value {
        serde_json::from_str(&self.read("reports/results.json")).expect("results.json")
    }

    /// Runs this project's suite through the library, without the binary: `Session::prepare`
    /// (no embedded sandbox, no report files) → `run` with a [`Capture`] sink. `edit` sets
    /// further options (jobs, environment, selection, ...).
    pub fn session(
        &self,
        edit: impl FnOnce(&mut conform::session::SessionOptions),
    ) -> (conform::results::RunResult, Capture) {
        let mut options = conform::session::SessionOptions {
            config: conform::session::ConfigSource::Path(self.dir.path().join("conform.yaml")),
            ..Default::default()
        };
        edit(&mut options);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let session = conform::session::Session::prepare(options, None)
                .await
                .unwrap_or_else(|e| panic!("prepare: {e}"));
            let mut capture = Capture::default();
            let finished = session.run(&mut capture).await;
            (finished.result, capture)
        })
    }
}

/// One run event, owned (what a test asserts on).
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    RunStarted {
        env: String,
        base_url: String,
        total: usize,
    },
    Started(String),
    Finished(String, conform::results::Outcome),
    RunFinished {
        total: usize,
        passed: usize,
    },
    Notice(conform::run::NoticeLevel, String),
}

/// A sink that keeps every event it is given, in order.
#[derive(Debug, Default)]
pub struct Capture(pub Vec<Seen>);

impl conform::run::EventSink for Capture {
    fn on_event(&mut self, event: &conform::run::RunEvent<'_>) {
        use conform::run::RunEvent;
        self.0.push(match event {
            RunEvent::RunStarted { environment, total } => Seen::RunStarted {
                env: environment.name.clone(),
                base_url: environment.base_url.clone(),
                total: *total,
            },
            RunEvent::ScenarioStarted { id, .. } => Seen::Started(id.to_string()),
            RunEvent::ScenarioFinished { result } => {
                Seen::Finished(result.id.clone(), result.outcome)
            }
            RunEvent::RunFinished { result } => Seen::RunFinished {
                total: result.summary.total,
                passed: result.summary.passed,
            },
            RunEvent::Notice { level, message } => Seen::Notice(*level, message.to_string()),
        });
    }
}

impl Capture {
    /// The run's events without notices.
    pub fn run_events(&self) -> Vec<&Seen> {
        self.0
            .iter()
            .filter(|e| !matches!(e, Seen::Notice(..)))
            .collect()
    }

    /// Checks the shape every run's stream has: `RunStarted` first, `RunFinished` last, each
    /// scenario finished exactly once and a started one finished after it started. Returns the
    /// finished ids in the order they finished.
    pub fn assert_well_formed(&self) -> Vec<String> {
        let events = self.run_events();
        let Some(Seen::RunStarted { total, .. }) = events.first() else {
            panic!("the first event is RunStarted: {events:?}")
        };
        let Some(Seen::RunFinished {
            total: summary_total,
            ..
        }) = events.last()
        else {
            panic!("the last event is RunFinished: {events:?}")
        };
        let mut finished = Vec::new();
        let mut started = Vec::new();
        for e in &events[1..events.len() - 1] {
            match e {
                Seen::Started(id) => {
                    assert!(!finished.contains(id), "{id} started after it finished");
                    started.push(id.clone());
                }
                Seen::Finished(id, _) => {
                    assert!(!finished.contains(id), "{id} finished twice");
                    finished.push(id.clone());
                }
                other => panic!("unexpected event inside the run: {other:?}"),
            }
        }
        assert_eq!(
            finished.len(),
            *total,
            "every planned scenario finishes once"
        );
        assert!(
            started.iter().all(|id| finished.contains(id)),
            "every started scenario finished"
        );
        assert!(*summary_total >= *total);
        finished
    }
}

/// xmllint is required in CI; locally a missing xmllint skips the check with a message.
pub fn xmllint_validate(xml_path: &std::path::Path) -> Option<Result<(), String>> {
    let xsd = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/validators/junit/jenkins-xunit-junit-10.xsd"
    );
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", xsd])
        .arg(xml_path)
        .output();
    match out {
        Err(_) if std::env::var_os("CI").is_some() => {
            Some(Err("xmllint is not installed (CI requires it)".into()))
        }
        Err(_) => {
            eprintln!(
                "skipping the XSD check: xmllint is not installed (apt-get install libxml2-utils)"
            );
            None
        }
        Ok(o) if o.status.success() => Some(Ok(())),
        Ok(o) => Some(Err(String::from_utf8_lossy(&o.stderr).into_owned())),
    }
}

/// `conform sandbox` as a child process on an ephemeral port, stopped when dropped.
pub struct SandboxProcess {
    child: std::process::Child,
    pub url: String,
}

impl SandboxProcess {
    /// Starts `conform sandbox --listen 127.0.0.1:0 <extra>` and reads its URL from the first line.
    pub fn start(extra: &[&str]) -> SandboxProcess {
        use std::io::BufRead;
        let mut child = Command::new(env!("CARGO_BIN_EXE_conform"))
            .args(["sandbox", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start sandbox");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("first line");
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("url")
            .to_string();
        SandboxProcess { child, url }
    }

    /// A token of the seeded `sandbox-client` (HTTP Basic).
    pub async fn token(&self, http: &reqwest::Client) -> String {
        let token: serde_json::Value = http
            .post(format!("{}/oauth/token", self.url))
            .basic_auth("sandbox-client", Some("sandbox-secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token json");
        token["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
