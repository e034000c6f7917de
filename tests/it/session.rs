//! The library's entry point end to end: a `Session` prepared from the shipped config, its
//! embedded sandbox started by this test (not by the CLI) on 127.0.0.1:0, shipped scenarios
//! run with a capturing sink; and setup errors as types that name their place.
use crate::common::{Capture, Project, Seen};
use conform::config::EmbeddedSandboxDoc;
use conform::results::Outcome;
use conform::run::Selection;
use conform::session::{
    ConfigSource, EmbeddedCredentials, EmbeddedError, EmbeddedProvider, EmbeddedServer, Session,
    SessionOptions, SetupError,
};
use conform_sandbox::{ClientSpec, RunningSandbox, SandboxConfig};
use futures::future::BoxFuture;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What the provider saw: the client secret it was given, its URL, whether it was stopped.
#[derive(Default)]
struct SandboxSeen {
    secret: Option<String>,
    url: Option<String>,
    stopped: bool,
}

/// The test's own embedded sandbox: the reference sandbox crate in this test's runtime.
#[derive(Clone, Default)]
struct TestSandbox(Arc<Mutex<SandboxSeen>>);

struct Started {
    sandbox: RunningSandbox,
    seen: Arc<Mutex<SandboxSeen>>,
}

impl EmbeddedProvider for TestSandbox {
    fn start<'a>(
        &'a self,
        settings: &'a EmbeddedSandboxDoc,
        credentials: &'a EmbeddedCredentials,
    ) -> BoxFuture<'a, Result<Box<dyn EmbeddedServer>, EmbeddedError>> {
        Box::pin(async move {
            let mut config = SandboxConfig::default();
            if let Some(t) = settings.token_ttl {
                config.token_ttl = t.0;
            }
            if let Some(s) = settings.webhook_retry_scale {
                config.webhook_retry_scale = s;
            }
            if let Some(r) = settings.rate_scale {
                config.rate_scale = r;
            }
            if let Some(d) = settings.delivery_timeout {
                config.delivery_timeout = d.0;
            }
            config.clients = vec![
                ClientSpec {
                    client_id: credentials.client_id.clone(),
                    client_secret: credentials.client_secret.expose().to_string(),
                    scopes: vec!["read".into(), "write".into()],
                },
                ClientSpec {
                    client_id: credentials.readonly_id.clone(),
                    client_secret: credentials.readonly_secret.expose().to_string(),
                    scopes: vec!["read".into()],
                },
                ClientSpec {
                    client_id: credentials.other_id.clone(),
                    client_secret: credentials.other_secret.expose().to_string(),
                    scopes: vec!["read".into(), "write".into()],
                },
            ];
            let sandbox = RunningSandbox::start(config, ([127, 0, 0, 1], 0).into())
                .await
                .map_err(|e| EmbeddedError::Start(e.to_string()))?;
            {
                let mut seen = self.0.lock().expect("lock");
                seen.secret = Some(credentials.client_secret.expose().to_string());
                seen.url = Some(sandbox.url());
            }
            Ok(Box::new(Started {
                sandbox,
                seen: self.0.clone(),
            }) as Box<dyn EmbeddedServer>)
        })
    }
}

impl EmbeddedServer for Started {
    fn base_url(&self) -> String {
        self.sandbox.url()
    }

    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(async move {
            self.sandbox.shutdown().await;
            self.seen.lock().expect("lock").stopped = true;
        })
    }
}

fn shipped(paths: &[&str]) -> SessionOptions {
    SessionOptions {
        config: ConfigSource::Path(repo().join("conform.yaml")),
        env: Some("local".into()),
        paths: paths.iter().map(|p| repo().join(p)).collect(),
        jobs: Some(2),
        ..SessionOptions::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_runs_shipped_scenarios_against_a_sandbox_the_caller_started() {
    let provider = TestSandbox::default();
    // The smoke, webhook (a receiver and a subscription) and auth suites (the generated
    // secret sent in token requests).
    let session = Session::prepare(
        shipped(&[
            "scenarios/smoke.yaml",
            "scenarios/webhooks.yaml",
            "scenarios/auth.yaml",
        ]),
        Some(&provider),
    )
    .await
    .unwrap_or_else(|e| panic!("prepare: {e}"));
    let url = provider
        .0
        .lock()
        .expect("lock")
        .url
        .clone()
        .expect("started");
    assert_eq!(session.environment().name, "local");
    assert!(
        session.environment().base_url.starts_with(&url),
        "the run targets the injected sandbox: {} vs {url}",
        session.environment().base_url
    );
    let planned: Vec<String> = session.plan().iter().map(|p| p.id.clone()).collect();
    assert!(planned.len() >= 5, "{planned:?}");

    let mut capture = Capture::default();
    let finished = session.run(&mut capture).await;
    let result = &finished.result;

    // The event stream: RunStarted (with the injected sandbox's URL), each planned scenario
    // started and finished once, RunFinished with the returned result's summary.
    let finished_ids = capture.assert_well_formed();
    let events = capture.run_events();
    assert_eq!(
        events[0],
        &Seen::RunStarted {
            env: "local".into(),
            base_url: result.environment.base_url.clone(),
            total: planned.len(),
        }
    );
    let mut sorted = finished_ids.clone();
    sorted.sort();
    let mut expected = planned.clone();
    expected.sort();
    assert_eq!(sorted, expected, "every planned scenario, nothing else");
    assert!(planned.iter().all(|id| {
        ["smoke", "webhooks", "auth"]
            .iter()
            .any(|f| id.starts_with(&format!("scenarios/{f}.yaml::")))
    }));
    assert!(
        !capture.0.iter().any(|e| matches!(e, Seen::Notice(..))),
        "no notice (the webhook subscription succeeded): {:?}",
        capture.0
    );
    assert_eq!(
        events.last(),
        Some(&&Seen::RunFinished {
            total: result.summary.total,
            passed: result.summary.passed,
        })
    );
    for e in &events {
        if let Seen::Finished(id, outcome) = e {
            assert_eq!(*outcome, Outcome::Passed, "{id}: {:?}", capture.0);
        }
    }
    assert!(result.success(), "{:?}", result.summary);
    assert!(!result.interrupted);
    assert_eq!(
        result.environment.note.as_deref(),
        Some(conform::results::EMBEDDED_SANDBOX_NOTE)
    );
    // The generated secret is secret by type: nowhere in the results.
    let seen = provider.0.lock().expect("lock");
    let secret = seen.secret.clone().expect("credentials were handed over");
    let json = serde_json::to_string(result).expect("json");
    assert!(
        json.contains("client_secret"),
        "the auth scenarios sent the secret in their token requests"
    );
    assert!(!json.contains(&secret), "the generated secret leaked");
    // What the session started, it stopped.
    assert!(
        seen.stopped,
        "the embedded sandbox was shut down after the run"
    );
    drop(seen);
    let mut finished = finished;
    assert!(
        finished
            .write_reports()
            .expect("no reports asked")
            .is_empty(),
        "no report options: no files"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_selection_and_a_cancelled_run_are_reported_as_such() {
    let provider = TestSandbox::default();
    let mut options = shipped(&["scenarios/smoke.yaml", "scenarios/orders.yaml"]);
    options.selection = Selection {
        tags: vec!["smoke".into()],
        ..Selection::default()
    };
    let (cancel_tx, cancel_rx) = tokio::sync::watch::channel(false);
    let session = Session::prepare(options, Some(&provider))
        .await
        .unwrap_or_else(|e| panic!("prepare: {e}"))
        .with_cancel(cancel_rx);
    assert!(
        session
            .plan()
            .iter()
            .all(|p| p.id.starts_with("scenarios/smoke.yaml::")),
        "the tag selects the smoke suite only"
    );
    // Interrupted before it starts: nothing runs, every scenario is reported not run.
    cancel_tx.send(true).expect("cancel");
    let mut capture = Capture::default();
    let finished = session.run(&mut capture).await;
    capture.assert_well_formed();
    assert!(finished.result.interrupted);
    assert!(
        !capture.0.iter().any(|e| matches!(e, Seen::Started(_))),
        "nothing started: {:?}",
        capture.0
    );
    assert!(capture
        .0
        .iter()
        .all(|e| !matches!(e, Seen::Finished(_, o) if *o != Outcome::NotRun)));
    assert!(provider.0.lock().expect("lock").stopped);
}

#[tokio::test]
async fn setup_errors_are_typed_and_name_their_place() {
    // The embedded environment without a provider: the caller must give a base URL.
    match Session::prepare(shipped(&["scenarios/smoke.yaml"]), None).await {
        Err(SetupError::NoEmbeddedSandbox { env }) => assert_eq!(env, "local"),
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("an embedded environment cannot run without a provider"),
    }

    let p = Project::new("http://127.0.0.1:9");
    p.file(
        "scenarios/bad.yaml",
        "scenarios:\n  - name: bad\n    steps:\n      - request: {method: GET, path: /x}\n        expcet: {status: 200}\n",
    );
    let options = |env: &str| SessionOptions {
        config: ConfigSource::Path(p.dir.path().join("conform.yaml")),
        env: Some(env.into()),
        ..SessionOptions::default()
    };
    match Session::prepare(options("test"), None).await {
        Err(e @ SetupError::Scenarios { .. }) => {
            assert_eq!(e.to_string(), "1 problem(s) in scenario files; nothing ran");
            let SetupError::Scenarios { diagnostics, .. } = &e else {
                unreachable!()
            };
            let text = diagnostics.render(false);
            assert!(text.contains("bad.yaml:5:9"), "{text}");
            assert!(text.contains("did you mean `expect`?"), "{text}");
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a broken scenario file stops the session"),
    }
    match Session::prepare(options("tset"), None).await {
        Err(e @ SetupError::Config(_)) => {
            let text = e.to_string();
            assert!(text.contains("unknown environment `tset`"), "{text}");
            assert!(text.contains("conform.yaml"), "names the file: {text}");
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("an unknown environment stops the session"),
    }
}

/// A program may prepare and run sessions on any runtime thread (`tokio::spawn`): the futures
/// are `Send`. A compile-time check; it fails to build otherwise.
#[expect(dead_code, reason = "compiled, never called")]
fn session_futures_are_send(
    session: Session,
    options: SessionOptions,
    provider: &TestSandbox,
    sink: &mut conform::run::NullSink,
) {
    fn send<T: Send>(_: T) {}
    send(Session::prepare(options, Some(provider)));
    send(session.run(sink));
}
