//! Running one scenario: setup → steps → teardown (always), each step checked and recorded.
//! This file drives the scenario and dispatches each step on its [`Action`]; each action runs
//! in a file of its own.
mod assert;
mod group;
mod repeat;
mod request;
mod retries;
mod wait;
mod webhook;

pub use wait::retry_after;

use crate::auth::AuthSelector;
use crate::check::{self, CheckContext, ResponseView};
use crate::config::UnknownProperties;
use crate::contract::Undocumented;
use crate::results::*;
use crate::run::context::RunContext;
use crate::run::error::{Cause, RunError};
use crate::run::http::{self, HttpError, PreparedRequest, RawResponse};
use crate::run::plan::PlannedScenario;
use crate::scenario::check::{typed_check, CheckMode, RenderFailure, TypedCheck};
use crate::scenario::model::*;
use crate::scenario::{Action, Sending};
use crate::source::SourceLocation;
use crate::template::TemplateError;
use crate::webhook::Delivery;
use bytes::Bytes;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Repeated requests keep this many exchanges from the start and from the end.
const KEEP_EXCHANGES: usize = 3;
const DEFAULT_WEBHOOK_WITHIN: Duration = Duration::from_secs(10);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// Without `Retry-After`, an unexpected 429 is retried after a backoff this many times.
const MAX_429_BACKOFFS: u32 = 3;

/// Exponential backoff with full jitter: up to 0.5 s, 1 s, 2 s, ...
fn backoff(attempt: u32) -> Duration {
    use rand::Rng;
    let cap = 500u64.saturating_mul(1 << attempt.saturating_sub(1).min(6));
    Duration::from_millis(rand::rng().random_range(cap / 2..=cap))
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// The scenario's place among the `--jobs` running at once. It is given back while the
/// scenario only waits (a `wait`, a webhook, `Retry-After`, a polling interval), so a waiting
/// scenario never holds up the others.
pub struct JobSlot {
    sem: Arc<tokio::sync::Semaphore>,
    permit: std::sync::Mutex<Option<tokio::sync::OwnedSemaphorePermit>>,
}

impl JobSlot {
    pub fn new(
        sem: Arc<tokio::sync::Semaphore>,
        permit: tokio::sync::OwnedSemaphorePermit,
    ) -> JobSlot {
        JobSlot {
            sem,
            permit: std::sync::Mutex::new(Some(permit)),
        }
    }

    /// Runs `fut` without holding a job slot, then queues for one again.
    async fn idle<T>(&self, fut: impl std::future::Future<Output = T>) -> T {
        let held = self.permit.lock().map(|mut p| p.take()).unwrap_or(None);
        let had = held.is_some();
        drop(held);
        let out = fut.await;
        if had {
            if let Ok(p) = self.sem.clone().acquire_owned().await {
                if let Ok(mut slot) = self.permit.lock() {
                    *slot = Some(p);
                }
            }
        }
        out
    }
}

enum Cleanup {
    /// A subscription of the scenario, deleted by the client that made it.
    DeleteWebhook { id: String, auth: AuthSelector },
}

struct ScenarioRun<'a> {
    target: &'a RunContext,
    planned: &'a PlannedScenario,
    vars: Map<String, Value>,
    last: Option<RawResponse>,
    cleanups: Vec<Cleanup>,
    /// The scenario's subscriptions: id → the receiver path tag they were given.
    subscriptions: BTreeMap<String, String>,
    /// When the previous step ended (`expect_webhook.retries_stopped` counts from it).
    previous_step_end: Option<time::OffsetDateTime>,
    webhooks: Vec<WebhookRecord>,
    steps: Vec<StepResult>,
    slot: &'a JobSlot,
    /// The current step lets the automatic contract check run (`contract: false` turns it off).
    contract_on: bool,
    /// When the scenario's time is up: rate-limit holds and `Retry-After` waits stop here.
    deadline: Instant,
    /// Where the running step is written (errors without a more precise place point here).
    step_at: SourceLocation,
    /// Each step error on one line, by the step's index (the scenario's reason quotes it).
    error_lines: BTreeMap<usize, String>,
}

/// Runs one planned scenario to its result (never panics on target or input problems).
pub async fn run_scenario(
    target: Arc<RunContext>,
    planned: &PlannedScenario,
    cancel: Option<tokio::sync::watch::Receiver<bool>>,
    slot: &JobSlot,
) -> ScenarioResult {
    let started_at = now_rfc3339();
    let t0 = Instant::now();
    let sc = planned.scenario.clone();
    let deadline = sc
        .timeout
        .as_ref()
        .map_or(target.env.timeouts.scenario, |t| t.value.0);
    let mut run = ScenarioRun {
        target: &target,
        planned,
        vars: Map::new(),
        last: None,
        cleanups: Vec::new(),
        subscriptions: BTreeMap::new(),
        previous_step_end: None,
        webhooks: Vec::new(),
        steps: Vec::new(),
        slot,
        contract_on: true,
        deadline: Instant::now() + deadline,
        step_at: planned.location.clone(),
        error_lines: BTreeMap::new(),
    };
    let mut outcome = Outcome::Passed;
    let mut reason = None;

    let interrupted = async {
        match cancel {
            Some(mut c) => {
                // Resolves when the run is interrupted; never when the sender goes away.
                if c.wait_for(|v| *v).await.is_err() {
                    std::future::pending::<()>().await;
                }
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        r = tokio::time::timeout(deadline, run.main_phase(&sc)) => match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                outcome = Outcome::Errored;
                reason = Some(e.one_line());
            }
            Err(_) => {
                outcome = Outcome::Errored;
                reason = Some(format!(
                    "scenario timed out after {}",
                    humantime::format_duration(deadline)
                ));
            }
        },
        () = interrupted => {
            outcome = Outcome::NotRun;
            reason = Some(format!(
                "not run to the end: interrupted after {} step(s)",
                run.steps.len()
            ));
        }
    }
    // Teardown always runs, with its own deadline.
    let teardown_deadline = if outcome == Outcome::NotRun {
        Duration::from_secs(10)
    } else {
        target.env.timeouts.scenario.min(Duration::from_secs(60))
    };
    if tokio::time::timeout(teardown_deadline, run.teardown(&sc))
        .await
        .is_err()
    {
        outcome = outcome.worst(Outcome::Errored);
        reason.get_or_insert_with(|| "teardown timed out".to_string());
    }
    for s in &run.steps {
        outcome = outcome.worst(s.outcome);
    }
    if reason.is_none() && outcome != Outcome::Passed {
        let error_lines = &run.error_lines;
        reason = run
            .steps
            .iter()
            .enumerate()
            .find(|(_, s)| s.outcome == outcome)
            .map(|(i, s)| {
                let first = error_lines
                    .get(&i)
                    .cloned()
                    .or_else(|| s.error.clone())
                    .or_else(|| {
                        s.checks.iter().find(|c| !c.passed()).map(|c| {
                            format!("{}: expected {}, got {}", c.check, c.expected, c.actual)
                        })
                    });
                format!("step `{}`: {}", s.name, first.unwrap_or_default())
            });
    }
    run.steps.shrink_to_fit();
    ScenarioResult {
        reason,
        started_at: Some(started_at),
        duration_ms: ms(t0.elapsed()),
        steps: std::mem::take(&mut run.steps),
        webhooks: std::mem::take(&mut run.webhooks),
        ..not_running(planned, outcome, String::new())
    }
}

/// A scenario that does not run, as a result.
pub fn not_running(planned: &PlannedScenario, outcome: Outcome, reason: String) -> ScenarioResult {
    let sc = &planned.scenario;
    ScenarioResult {
        id: planned.id.clone(),
        name: sc.name.value.clone(),
        file: planned.file.clone(),
        suite: planned.suite.clone(),
        description: sc.description.clone(),
        tags: planned.tags.clone(),
        requires: planned.requires.clone(),
        covers: sc.covers.clone(),
        location: planned.location.clone(),
        outcome,
        reason: Some(reason),
        started_at: None,
        duration_ms: 0.0,
        steps: Vec::new(),
        webhooks: Vec::new(),
    }
}

impl<'a> ScenarioRun<'a> {
    fn file(&self) -> &str {
        &self.planned.file
    }

    fn loc<T>(&self, s: &Spanned<T>) -> SourceLocation {
        SourceLocation {
            file: self.planned.file.clone(),
            line: s.referenced.line(),
            column: s.referenced.column(),
        }
    }

    async fn main_phase(&mut self, sc: &Scenario) -> Result<(), RunError> {
        self.init_vars(sc)?;
        for step in &sc.setup {
            if !self.run_step(step, Phase::Setup).await {
                return Ok(());
            }
        }
        for step in &sc.steps {
            if !self.run_step(step, Phase::Steps).await {
                return Ok(());
            }
        }
        Ok(())
    }

    async fn teardown(&mut self, sc: &Scenario) {
        for step in &sc.teardown {
            self.run_step(step, Phase::Teardown).await;
        }
        for c in std::mem::take(&mut self.cleanups) {
            match c {
                Cleanup::DeleteWebhook { id, auth } => {
                    let path = format!("/api/v1/webhooks/{id}");
                    let r = self
                        .simple_request(reqwest::Method::DELETE, &path, None, &auth)
                        .await;
                    let mut step = self.synthetic_step(
                        format!("delete webhook subscription {id}"),
                        Phase::Teardown,
                    );
                    match r {
                        Ok((ex, resp)) => {
                            step.exchanges.push(ex);
                            if !(200..300).contains(&resp.status) && resp.status != 404 {
                                step.checks.push(CheckOutcome {
                                    status: crate::results::CheckStatus::Failed,
                                    check: "status".into(),
                                    expected: "2xx".into(),
                                    actual: resp.status.to_string(),
                                    location: None,
                                    detail: None,
                                });
                                step.outcome = Outcome::Failed;
                            }
                        }
                        Err(e) => {
                            self.error_lines.insert(self.steps.len(), e.one_line());
                            step.error = Some(e.render(self.planned.source.as_ref()));
                            step.outcome = Outcome::Errored;
                        }
                    }
                    self.finish_step(step);
                }
            }
        }
    }

    /// An empty step result at the scenario's location (conform's own steps start from it).
    fn synthetic_step(&self, name: String, phase: Phase) -> StepResult {
        StepResult {
            name,
            phase,
            location: self.planned.location.clone(),
            outcome: Outcome::Passed,
            duration_ms: 0.0,
            error: None,
            checks: Vec::new(),
            exchanges: Vec::new(),
            attempts: 0,
            waited_ms: 0.0,
            log: Vec::new(),
            rate_limit: RateLimitCounts::default(),
            warnings: Vec::new(),
        }
    }

    fn init_vars(&mut self, sc: &Scenario) -> Result<(), RunError> {
        let t = self.target;
        self.vars.insert(
            "base_url".into(),
            Value::String(t.base_url.as_str().trim_end_matches('/').to_string()),
        );
        self.vars
            .insert("env_name".into(), Value::String(t.env.name.clone()));
        for (k, v) in &t.env.vars {
            self.vars.insert(k.clone(), v.clone());
        }
        let file_vars = self.planned.file_vars.clone();
        let scenario_vars: Vec<(String, Spanned<Value>)> = sc
            .vars
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        for (k, v) in file_vars.iter().chain(&scenario_vars) {
            if let Some(cli) = t.cli_vars.get(k) {
                self.vars.insert(k.clone(), cli.clone());
                continue;
            }
            let rendered = t
                .templates
                .render_value(&v.value, &self.vars)
                .map_err(|e| RunError::template(format!("variable `{k}`"), self.loc(v), e))?;
            self.vars.insert(k.clone(), rendered);
        }
        for (k, v) in &t.cli_vars {
            self.vars.insert(k.clone(), v.clone());
        }
        Ok(())
    }

    fn render(&self, v: &Value) -> Result<Value, TemplateError> {
        self.target.templates.render_value(v, &self.vars)
    }

    fn render_str(&self, s: &str) -> Result<String, TemplateError> {
        self.target.templates.render_str(s, &self.vars)
    }

    /// Renders `v` (written at `at`); the error names `what` was rendered.
    fn render_at<T>(&self, v: &Value, what: &str, at: &Spanned<T>) -> Result<Value, RunError> {
        self.render(v)
            .map_err(|e| RunError::template(what, self.loc(at), e))
    }

    fn render_str_at<T>(&self, s: &str, what: &str, at: &Spanned<T>) -> Result<String, RunError> {
        self.render_str(s)
            .map_err(|e| RunError::template(what, self.loc(at), e))
    }

    /// A template renderer for checks (their errors become errored checks).
    fn check_render(&self) -> impl Fn(&Value) -> Result<Value, TemplateError> + Sync + '_ {
        |v: &Value| self.render(v)
    }

    fn finish_step(&mut self, mut step: StepResult) {
        // Results live until the reports are written: no spare capacity kept per step.
        step.exchanges.shrink_to_fit();
        step.checks.shrink_to_fit();
        step.log.shrink_to_fit();
        self.steps.push(step);
        self.previous_step_end = Some(time::OffsetDateTime::now_utc());
    }

    /// Runs a step, records it; returns whether the scenario goes on.
    async fn run_step(&mut self, spanned: &Spanned<Step>, phase: Phase) -> bool {
        let step = &spanned.value;
        let t0 = Instant::now();
        // An unnamed request step is called by its request, with the path as sent
        // (`DELETE /books/42`, not its template); the template when it cannot be rendered.
        let name = match (&step.name, &step.request) {
            (None, Some(r)) => match self.render_str(&r.value.path.value) {
                Ok(path) => format!("{} {path}", r.value.method.value.to_ascii_uppercase()),
                Err(_) => step_name(step),
            },
            _ => step_name(step),
        };
        let mut res = StepResult {
            location: self.loc(spanned),
            ..self.synthetic_step(name, phase)
        };
        self.contract_on = step.contract.as_ref().is_none_or(|c| c.value);
        self.step_at = res.location.clone();
        let r = self.dispatch(step, &mut res).await;
        if let Err(e) = r {
            self.error_lines.insert(self.steps.len(), e.one_line());
            res.error = Some(e.render(self.planned.source.as_ref()));
        }
        // A check conform could not judge errors the step, as a step error does.
        res.outcome = if res.error.is_some() {
            Outcome::Errored
        } else {
            CheckOutcome::worst(&res.checks).outcome()
        };
        res.duration_ms = ms(t0.elapsed());
        let go_on = res.outcome == Outcome::Passed;
        self.finish_step(res);
        go_on
    }

    async fn dispatch(&mut self, step: &Step, res: &mut StepResult) -> Result<(), RunError> {
        let timeout = step.timeout.as_ref().map(|t| t.value.0);
        let Some(action) = step.action() else {
            return Err(RunError::invalid(
                format!(
                    "the step does nothing (it needs one of {})",
                    Action::KEYS.join(", ")
                ),
                self.step_at.clone(),
            ));
        };
        match action {
            Action::Request { request, sending } => match sending {
                Sending::Repeat(rep) => self.repeat(request, step, rep, timeout, res).await,
                Sending::Poll(poll) => self.poll(request, step, poll, timeout, res).await,
                Sending::Once => {
                    let resp = self
                        .exchange(request, step.expect.as_deref(), timeout, res)
                        .await?;
                    self.evaluate_and_capture(step.expect.as_deref(), &step.capture, &resp, res);
                    self.last = Some(resp);
                    Ok(())
                }
            },
            Action::Group(members) => self.group(members, timeout, res).await,
            Action::Wait(w) => self.wait(w, res).await,
            Action::Assert(checks) => self.assert(checks, res),
            Action::SubscribeWebhooks(sub) => self.subscribe(sub, res).await,
            Action::ExpectWebhook(exp) => self.expect_webhook(exp, res).await,
            Action::WebhookReply(reply) => self.webhook_reply(reply, res),
        }
    }
}

fn keep_exchange(res: &mut StepResult, ex: Exchange) {
    // Keep the first and the last few of a long series.
    if res.exchanges.len() >= 2 * KEEP_EXCHANGES {
        res.exchanges.remove(KEEP_EXCHANGES);
    }
    res.exchanges.push(ex);
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn step_name(step: &Step) -> String {
    match (&step.name, step.action()) {
        (Some(n), _) => n.clone(),
        (None, Some(action)) => action.label(),
        (None, None) => "step".into(),
    }
}
