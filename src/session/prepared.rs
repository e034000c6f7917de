//! A prepared run: everything started and resolved (HTTP client, auth, receiver, embedded
//! sandbox, contract), waiting for [`Session::run`].
use super::embedded::{EmbeddedError, EmbeddedProvider, EmbeddedServer};
use super::error::SetupError;
use super::load::Loaded;
use super::options::SessionOptions;
use super::receiver::{for_terminal, report_receiver, start_receiver};
use crate::auth::{AuthManager, AuthSettings, Redactor};
use crate::report::{ReportDirLock, ReportError, ReportOptions, ReporterKind};
use crate::results::{EnvironmentInfo, RunResult};
use crate::run::ratelimit::{HoldObserver, RateLimits};
use crate::run::verdicts::CoverageGate;
use crate::run::{EventSink, NoticeLevel, PlannedScenario, RunContext, RunEvent, RunOptions};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// One run against one environment: [`Session::prepare`] → [`Session::run`] →
/// [`FinishedRun::write_reports`].
pub struct Session {
    target: Arc<RunContext>,
    plan: Vec<PlannedScenario>,
    info: EnvironmentInfo,
    contract: Option<Arc<crate::contract::Contract>>,
    sla: crate::contract::Sla,
    gate: CoverageGate,
    jobs: usize,
    fail_fast: bool,
    cancel: Option<watch::Receiver<bool>>,
    notices: mpsc::UnboundedReceiver<(NoticeLevel, String)>,
    sandbox: Option<Box<dyn EmbeddedServer>>,
    reports: Option<(ReportOptions, Option<ReportDirLock>)>,
    notes: Vec<String>,
    diagnostics: super::Diagnostics,
}

/// A run that has finished: its results, and the report files still to write.
pub struct FinishedRun {
    pub result: RunResult,
    reports: Option<(ReportOptions, Option<ReportDirLock>)>,
}

impl FinishedRun {
    /// Writes the report files the options asked for (JUnit, results.json, HTML, TAP, GitHub)
    /// from the final result, then frees the report folder. Separate from the run so a caller
    /// can add to the result first (`conform parity` attaches the comparison).
    pub fn write_reports(&mut self) -> Result<Vec<PathBuf>, ReportError> {
        let Some((opts, lock)) = self.reports.take() else {
            return Ok(Vec::new());
        };
        let written = crate::report::write_reports(&self.result, &opts);
        drop(lock);
        written
    }
}

impl Session {
    /// Loads the config and scenarios, resolves the environment, claims the report folder,
    /// starts the embedded sandbox (through `embedded`, when the environment runs one) and the
    /// webhook receiver, and builds the HTTP client and auth. Nothing is sent to the target yet.
    pub async fn prepare(
        options: SessionOptions,
        embedded: Option<&dyn EmbeddedProvider>,
    ) -> Result<Session, SetupError> {
        // Claimed before anything runs, held until the reports are written: a second run on
        // the same folder is refused now rather than mixing its files with this run's.
        let reports = match options.reports.clone() {
            Some(opts) => {
                let writes_files = [
                    ReporterKind::Junit,
                    ReporterKind::Json,
                    ReporterKind::Html,
                    ReporterKind::Tap,
                ]
                .into_iter()
                .any(|k| opts.wants(k));
                let lock = if writes_files {
                    Some(ReportDirLock::acquire(&opts.dir)?)
                } else {
                    None
                };
                Some((opts, lock))
            }
            None => None,
        };
        let mut l = super::load::load_with(&options, true)?;
        let plan = l.plan(&options.selection);
        let mut session = Self::start(l, plan, &options, embedded).await?;
        session.reports = reports;
        Ok(session)
    }

    async fn start(
        l: Loaded,
        plan: Vec<PlannedScenario>,
        options: &SessionOptions,
        embedded: Option<&dyn EmbeddedProvider>,
    ) -> Result<Session, SetupError> {
        let config_path = l.config.path.display().to_string();
        let mut env = l.env.clone();
        if options.strict {
            env.unknown_properties = crate::config::UnknownProperties::Fail;
        }

        // The embedded sandbox, started by the caller's provider with this run's credentials.
        let mut sandbox = None;
        if let (Some(doc), Some(creds)) = (&env.embedded_sandbox, &l.embedded) {
            let Some(provider) = embedded else {
                return Err(SetupError::NoEmbeddedSandbox { env: env.name });
            };
            let server = provider.start(doc, creds).await.map_err(|e| match e {
                EmbeddedError::Settings(message) => {
                    let location = l
                        .config
                        .doc
                        .environments
                        .get(&env.name)
                        .and_then(|d| d.value.embedded_sandbox.as_ref())
                        .map_or_else(
                            || crate::source::SourceLocation {
                                file: config_path.clone(),
                                line: 0,
                                column: 0,
                            },
                            |s| crate::source::SourceLocation {
                                file: config_path.clone(),
                                line: s.referenced.line(),
                                column: s.referenced.column(),
                            },
                        );
                    SetupError::EmbeddedSettings {
                        location,
                        env: env.name.clone(),
                        message,
                    }
                }
                EmbeddedError::Start(m) => SetupError::EmbeddedStart(m),
            })?;
            let url = server.base_url();
            match url::Url::parse(&url) {
                Ok(u) => env.base_url = Some(u),
                Err(source) => {
                    server.shutdown().await;
                    return Err(SetupError::EmbeddedUrl { url, source });
                }
            }
            sandbox = Some(server);
        }
        // From here on a setup error stops the sandbox before it is returned.
        match Self::connect(l, env, plan, options, sandbox.is_some()).await {
            Ok(mut s) => {
                s.sandbox = sandbox;
                Ok(s)
            }
            Err(e) => {
                if let Some(sb) = sandbox {
                    sb.shutdown().await;
                }
                Err(e)
            }
        }
    }

    async fn connect(
        mut l: Loaded,
        env: crate::config::Environment,
        plan: Vec<PlannedScenario>,
        options: &SessionOptions,
        embedded: bool,
    ) -> Result<Session, SetupError> {
        let config_path = l.config.path.display().to_string();
        let Some(base_url) = env.base_url.clone() else {
            return Err(SetupError::NoBaseUrl { env: env.name });
        };
        let auth_error = |message: String| SetupError::Auth {
            config: config_path.clone(),
            env: env.name.clone(),
            message,
        };
        let lookup = l.lookup.clone();
        let resolve = move |v: &crate::config::ValueSource| lookup.resolve(v);
        let auth_settings = env
            .auth
            .as_ref()
            .map(|d| AuthSettings::resolve(d, &resolve))
            .transpose()
            .map_err(|e| auth_error(e.to_string()))?;
        let mut builder = reqwest::Client::builder()
            .connect_timeout(env.timeouts.connect)
            .redirect(reqwest::redirect::Policy::limited(
                crate::run::http::MAX_REDIRECTS,
            ))
            .user_agent(concat!("conform/", env!("CARGO_PKG_VERSION")));
        if let Some(s) = &auth_settings {
            builder = s
                .configure_client(builder)
                .map_err(|e| auth_error(e.to_string()))?;
        }
        let http = builder.build().map_err(SetupError::HttpClient)?;
        let auth = auth_settings.map(|s| AuthManager::new(&env.name, s, http.clone(), &base_url));
        // One redactor for the run, shared with the auth manager: a token is known the moment
        // it is issued. Exactly the values known to be secret: the environment's secret values
        // (never its literals), the embedded sandbox's generated credentials (secret by type),
        // the auth settings' secrets.
        let redactor = auth
            .as_ref()
            .map_or_else(Redactor::default, AuthManager::redactor);
        for s in env.secrets.iter().cloned() {
            redactor.add(s);
        }
        for s in l.embedded.iter().flat_map(|c| c.secrets()) {
            redactor.add(s);
        }

        // The webhook receiver, when the environment delivers webhooks.
        let mut receiver = None;
        if env.capabilities.contains("webhooks")
            && crate::run::needs::webhooks_unmet(&env, &l.lookup).is_none()
        {
            receiver = Some(start_receiver(&env, &l.lookup).await.map_err(|message| {
                SetupError::Receiver {
                    config: config_path.clone(),
                    env: env.name.clone(),
                    message,
                }
            })?);
        }

        let info = EnvironmentInfo {
            name: env.name.clone(),
            base_url: base_url.to_string(),
            production: env.production,
            capabilities: env.capabilities.iter().cloned().collect(),
            note: embedded.then(|| crate::results::EMBEDDED_SANDBOX_NOTE.to_string()),
        };
        // Loaded beside the scenario files (`load_with`): the environment's contract, if any.
        let contract = l
            .contract
            .take()
            .map(super::load::PendingContract::wait)
            .transpose()?
            .map(Arc::new);
        let sla = crate::contract::Sla {
            p95: env.sla.and_then(|s| s.p95).map(|d| d.0),
            p99: env.sla.and_then(|s| s.p99).map(|d| d.0),
        };
        let fixtures_dir = env.fixtures_dir.clone();
        let pacer = env
            .pacing
            .and_then(|p| crate::run::context::Pacer::new(p.rps, p.burst.unwrap_or(p.rps)));
        let (notice_tx, notices) = mpsc::unbounded_channel();
        let target = Arc::new(RunContext {
            env,
            base_url,
            http,
            auth,
            receiver,
            redactor,
            templates: l.templates,
            fixtures_dir,
            cli_vars: options.vars.clone(),
            pacer,
            contract: contract.clone(),
            rate_limits: RateLimits::new(Some(hold_notice(notice_tx))),
        });
        Ok(Session {
            target,
            plan,
            info,
            contract,
            sla,
            gate: CoverageGate::for_run(options.min_coverage, options.selection.shard),
            jobs: options
                .jobs
                .unwrap_or_else(|| RunOptions::default().jobs)
                .max(1),
            fail_fast: options.fail_fast,
            cancel: None,
            notices,
            sandbox: None,
            reports: None,
            notes: l.notes,
            diagnostics: l.diagnostics,
        })
    }

    /// Interrupts the run when `cancel` becomes `true` (Ctrl-C): no new scenario starts, the
    /// rest are reported as not run, the result says `interrupted`.
    pub fn with_cancel(mut self, cancel: watch::Receiver<bool>) -> Session {
        self.cancel = Some(cancel);
        self
    }

    /// What loading noticed, for the caller to show before the run (`... the production
    /// guard applies`).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Warnings about the scenario files (errors stop [`Session::prepare`]).
    pub fn diagnostics(&self) -> &super::Diagnostics {
        &self.diagnostics
    }

    /// The environment this session runs against (its base URL resolved).
    pub fn environment(&self) -> &EnvironmentInfo {
        &self.info
    }

    /// The planned scenarios, in run order (skipped ones with their reason).
    pub fn plan(&self) -> &[PlannedScenario] {
        &self.plan
    }

    /// Runs the plan, sending every event to `sink`, then stops what the session started
    /// (webhook subscription, receiver, embedded sandbox).
    pub async fn run(self, sink: &mut dyn EventSink) -> FinishedRun {
        let Session {
            target,
            plan,
            info,
            contract,
            sla,
            gate,
            jobs,
            fail_fast,
            cancel,
            notices,
            sandbox,
            reports,
            ..
        } = self;
        let cancelled = || cancel.as_ref().is_some_and(|c| *c.borrow());
        let mut warn = |message: String| {
            sink.on_event(&RunEvent::Notice {
                level: NoticeLevel::Warning,
                message: &message,
            });
        };
        // One subscription for the whole run, unless the target was registered out of band.
        let mut subscription = None;
        if let Some(r) = &target.receiver {
            if target.env.webhooks.secret.is_none()
                && plan.iter().any(|p| p.skip.is_none())
                && !cancelled()
            {
                // A slow target (or token endpoint) can hold this for minutes: a signal ends
                // it, and the run then reports every scenario as not run.
                let mut stop = cancel.clone();
                let interrupted = async move {
                    match &mut stop {
                        Some(c) => {
                            let _ = c.wait_for(|c| *c).await;
                        }
                        None => std::future::pending::<()>().await,
                    }
                };
                tokio::select! {
                    subscribed = crate::run::webhooks::subscribe(&target, r) => match subscribed {
                        Ok(id) => subscription = Some(id),
                        Err(e) => warn(format!(
                            "failed to subscribe the webhook receiver: {}; webhook scenarios will fail",
                            for_terminal(&target, &e)
                        )),
                    },
                    () = interrupted => {}
                }
            }
        }

        let post: crate::run::PostRun = {
            let contract = contract.clone();
            Arc::new(move |r: &mut RunResult| {
                crate::run::verdicts::finish(r, contract.as_deref(), &sla, gate)
            })
        };
        let opts = RunOptions {
            jobs,
            fail_fast,
            cancel: cancel.clone(),
            post: Some(post),
            notices: Some(notices),
        };
        let mut result = crate::run::execute(plan, target.clone(), info, opts, sink).await;

        if let (Some(id), Some(_)) = (subscription, &target.receiver) {
            let unsubscribed = tokio::time::timeout(
                target.env.timeouts.request,
                crate::run::webhooks::unsubscribe(&target, &id),
            )
            .await
            .unwrap_or_else(|_| Err("the target did not answer in time".into()));
            if let Err(e) = unsubscribed {
                let message = format!(
                    "failed to delete webhook subscription {}: {}",
                    for_terminal(&target, &id),
                    for_terminal(&target, &e)
                );
                sink.on_event(&RunEvent::Notice {
                    level: NoticeLevel::Warning,
                    message: &message,
                });
            }
        }
        if let Some(r) = &target.receiver {
            let stats = r.inbox().stats();
            if let Some(message) = report_receiver(&stats, &mut result) {
                sink.on_event(&RunEvent::Notice {
                    level: NoticeLevel::Warning,
                    message: &message,
                });
            }
            r.clone().shutdown().await;
        }
        if let Some(sb) = sandbox {
            sb.shutdown().await;
        }
        FinishedRun { result, reports }
    }
}

/// Tells the sink, at most once every few seconds per bucket, that the run waits for the
/// target's rate limits (so a slow run does not look stuck).
fn hold_notice(tx: mpsc::UnboundedSender<(NoticeLevel, String)>) -> HoldObserver {
    use std::collections::HashMap;
    use std::time::{Duration, Instant};
    let last: std::sync::Mutex<HashMap<crate::run::ratelimit::BucketKey, Instant>> =
        Default::default();
    Arc::new(move |h: &crate::run::ratelimit::Hold| {
        let Ok(mut last) = last.lock() else { return };
        let now = Instant::now();
        if last
            .get(&h.key)
            .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(5))
        {
            return;
        }
        last.insert(h.key.clone(), now);
        let _ = tx.send((
            NoticeLevel::Info,
            format!(
                "waiting for the target's rate limit: {} allows {}/min; next request in {:.1} s",
                h.key,
                h.limit,
                h.wait.as_secs_f64()
            ),
        ));
    })
}
