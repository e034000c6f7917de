//! Running one scenario: setup → steps → teardown (always), each step checked and recorded.
use super::http::{self, PreparedRequest, RawResponse};
use super::plan::PlannedScenario;
use super::target::Target;
use crate::auth::AuthSelector;
use crate::check::{self, CheckContext, ResponseView};
use crate::config::UnknownProperties;
use crate::contract::Undocumented;
use crate::results::*;
use crate::scenario::model::*;
use crate::source::SourceLocation;
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

/// Why a step could not be checked (as opposed to a failed check).
type StepError = String;

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
    DeleteWebhook { id: String },
}

struct ScenarioRun<'a> {
    target: &'a Target,
    planned: &'a PlannedScenario,
    vars: Map<String, Value>,
    last: Option<RawResponse>,
    cleanups: Vec<Cleanup>,
    webhooks: Vec<WebhookRecord>,
    steps: Vec<StepResult>,
    slot: &'a JobSlot,
    /// The current step lets the automatic contract check run (`contract: false` turns it off).
    contract_on: bool,
    /// When the scenario's time is up: rate-limit holds and `Retry-After` waits stop here.
    deadline: Instant,
}

/// Runs one planned scenario to its result (never panics on target or input problems).
pub async fn run_scenario(
    target: Arc<Target>,
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
        webhooks: Vec::new(),
        steps: Vec::new(),
        slot,
        contract_on: true,
        deadline: Instant::now() + deadline,
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
                reason = Some(e);
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
        reason = run.steps.iter().find(|s| s.outcome == outcome).map(|s| {
            let first = s.error.clone().or_else(|| {
                s.checks
                    .iter()
                    .find(|c| !c.passed)
                    .map(|c| format!("{}: expected {}, got {}", c.check, c.expected, c.actual))
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

    async fn main_phase(&mut self, sc: &Scenario) -> Result<(), String> {
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
                Cleanup::DeleteWebhook { id } => {
                    let path = format!("/api/v1/webhooks/{id}");
                    let r = self
                        .simple_request(reqwest::Method::DELETE, &path, None)
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
                                    passed: false,
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
                            step.error = Some(e);
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

    fn init_vars(&mut self, sc: &Scenario) -> Result<(), String> {
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
                .map_err(|e| format!("{}: variable `{k}`: {e}", self.loc(v)))?;
            self.vars.insert(k.clone(), rendered);
        }
        for (k, v) in &t.cli_vars {
            self.vars.insert(k.clone(), v.clone());
        }
        Ok(())
    }

    fn render(&self, v: &Value) -> Result<Value, String> {
        self.target
            .templates
            .render_value(v, &self.vars)
            .map_err(|e| e.to_string())
    }

    fn render_str(&self, s: &str) -> Result<String, String> {
        self.target
            .templates
            .render_str(s, &self.vars)
            .map_err(|e| e.to_string())
    }

    fn finish_step(&mut self, mut step: StepResult) {
        // Results live until the reports are written: no spare capacity kept per step.
        step.exchanges.shrink_to_fit();
        step.checks.shrink_to_fit();
        step.log.shrink_to_fit();
        self.steps.push(step);
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
        let r = self.dispatch(step, &mut res).await;
        if let Err(e) = r {
            res.error = Some(e);
        }
        res.outcome = if res.error.is_some() {
            Outcome::Errored
        } else if res.checks.iter().any(|c| !c.passed) {
            Outcome::Failed
        } else {
            Outcome::Passed
        };
        res.duration_ms = ms(t0.elapsed());
        let go_on = res.outcome == Outcome::Passed;
        self.finish_step(res);
        go_on
    }

    async fn dispatch(&mut self, step: &Step, res: &mut StepResult) -> Result<(), StepError> {
        let timeout = step.timeout.as_ref().map(|t| t.value.0);
        if let Some(req) = &step.request {
            if let Some(rep) = &step.repeat {
                return self.repeat(req, step, rep, timeout, res).await;
            }
            if let Some(poll) = &step.poll {
                return self.poll(req, step, poll, timeout, res).await;
            }
            let resp = self
                .exchange(req, step.expect.as_deref(), timeout, res)
                .await?;
            self.evaluate_and_capture(step.expect.as_deref(), &step.capture, &resp, res);
            self.last = Some(resp);
            return Ok(());
        }
        if let Some(members) = &step.group {
            return self.group(members, timeout, res).await;
        }
        if let Some(w) = &step.wait {
            return self.wait(w, res).await;
        }
        if !step.assert.is_empty() {
            let file = self.file().to_string();
            let render = |v: &Value| self.render(v);
            let ctx = CheckContext {
                file: &file,
                render: &render,
                fixtures_dir: &self.target.fixtures_dir,
                contract: self.target.contract.as_deref(),
            };
            for c in &step.assert {
                let Some(value) = &c.value.value else {
                    continue;
                };
                let label = format!("assert {}", check::brief(&value.value));
                match self.render(&value.value) {
                    Ok(v) => res
                        .checks
                        .extend(check::check_ops(&label, Some(&v), c, &ctx)),
                    Err(e) => return Err(format!("{}: {e}", self.loc(value))),
                }
            }
            return Ok(());
        }
        if let Some(sub) = &step.subscribe_webhooks {
            return self.subscribe(sub, res).await;
        }
        if let Some(exp) = &step.expect_webhook {
            return self.expect_webhook(exp, res).await;
        }
        if let Some(reply) = &step.webhook_reply {
            return self.webhook_reply(reply, res);
        }
        Err("the step does nothing (it needs `request`, `group`, `wait`, `assert` or a webhook action)".into())
    }

    // ---- requests -------------------------------------------------------------------

    fn selector(&self, req: &Request) -> Result<AuthSelector, StepError> {
        match &req.auth {
            None => Ok(AuthSelector::Default),
            Some(a) => a
                .value
                .parse::<AuthSelector>()
                .map_err(|e| format!("{}: {e}", self.loc(a))),
        }
    }

    /// Renders the request (without auth headers).
    fn prepare(
        &self,
        spanned: &Spanned<Request>,
        timeout: Option<Duration>,
    ) -> Result<PreparedRequest, StepError> {
        let req = &spanned.value;
        let at = |s: &dyn Fn() -> SourceLocation, e: String| format!("{}: {e}", s());
        let method_text = req.method.value.to_ascii_uppercase();
        let method = reqwest::Method::from_bytes(method_text.as_bytes()).map_err(|_| {
            at(
                &|| self.loc(&req.method),
                format!("invalid HTTP method `{}`", req.method.value),
            )
        })?;
        let path = self
            .render_str(&req.path.value)
            .map_err(|e| at(&|| self.loc(&req.path), e))?;
        let mut url = self
            .target
            .url_for(&path)
            .map_err(|e| at(&|| self.loc(&req.path), e))?;
        if !req.query.is_empty() {
            let mut pairs = Vec::new();
            for (k, v) in &req.query {
                let rendered = self.render(&v.value).map_err(|e| at(&|| self.loc(v), e))?;
                match rendered {
                    Value::Array(items) => {
                        pairs.extend(items.iter().map(|i| (k.clone(), scalar_text(i))))
                    }
                    Value::Null => {}
                    other => pairs.push((k.clone(), scalar_text(&other))),
                }
            }
            url.query_pairs_mut().extend_pairs(pairs);
        }
        let mut headers = self.target.default_headers();
        let mut body = None;
        let mut content_type = None;
        if let Some(j) = &req.json {
            let mut v = self.render(&j.value).map_err(|e| at(&|| self.loc(j), e))?;
            if let Some(p) = &req.patch {
                let patch = self.render(&p.value).map_err(|e| at(&|| self.loc(p), e))?;
                json_patch::merge(&mut v, &patch);
            }
            body = Some(Bytes::from(v.to_string()));
            content_type = Some("application/json");
        } else if let Some(f) = &req.fixture {
            let name = self
                .render_str(&f.value)
                .map_err(|e| at(&|| self.loc(f), e))?;
            let path = self.target.fixtures_dir.join(&name);
            let text = crate::source::input::read_text(&path, crate::source::input::MAX_TEXT_FILE)
                .map_err(|e| at(&|| self.loc(f), format!("fixture: {e}")))?;
            let raw: Value = serde_json::from_str(&text).map_err(|e| {
                at(
                    &|| self.loc(f),
                    format!("fixture {} is not valid JSON: {e}", path.display()),
                )
            })?;
            let mut v = self.render(&raw).map_err(|e| at(&|| self.loc(f), e))?;
            if let Some(p) = &req.patch {
                let patch = self.render(&p.value).map_err(|e| at(&|| self.loc(p), e))?;
                json_patch::merge(&mut v, &patch);
            }
            body = Some(Bytes::from(v.to_string()));
            content_type = Some("application/json");
        } else if let Some(form) = &req.form {
            let mut pairs = Vec::new();
            for (k, v) in form.iter() {
                let rendered = self.render(&v.value).map_err(|e| at(&|| self.loc(v), e))?;
                pairs.push((k.clone(), scalar_text(&rendered)));
            }
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            body = Some(Bytes::from(encoded));
            content_type = Some("application/x-www-form-urlencoded");
        } else if let Some(b) = &req.body {
            let text = self
                .render_str(&b.value)
                .map_err(|e| at(&|| self.loc(b), e))?;
            body = Some(Bytes::from(text));
        }
        let sets = |name: &str| req.headers.keys().any(|k| k.eq_ignore_ascii_case(name));
        if let (Some(ct), false) = (content_type, sets("Content-Type")) {
            headers.push(("Content-Type".into(), ct.into()));
        }
        for (k, v) in &req.headers {
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            if let Some(template) = &v.value {
                let value = self
                    .render_str(template)
                    .map_err(|e| at(&|| self.loc(v), e))?;
                headers.push((k.clone(), value));
            }
        }
        Ok(PreparedRequest {
            method,
            url,
            headers,
            body,
            timeout: timeout.unwrap_or(self.target.env.timeouts.request),
        })
    }

    async fn auth_headers(&self, sel: &AuthSelector) -> Result<Vec<(String, String)>, StepError> {
        let Some(auth) = &self.target.auth else {
            return match sel {
                AuthSelector::Default | AuthSelector::None => Ok(Vec::new()),
                other => Err(format!(
                    "auth `{other:?}` requested but environment `{}` configures no auth",
                    self.target.env.name
                )),
            };
        };
        let pairs = auth.headers_for(sel).await.map_err(|e| e.to_string())?;
        for (_, secret) in &pairs {
            self.target.redactor.add(secret.clone());
        }
        Ok(pairs
            .into_iter()
            .map(|(k, v)| (k, v.expose().to_string()))
            .collect())
    }

    /// Sends once (plus one retry after a refreshed token on 401); records every exchange.
    async fn send_recorded(
        &self,
        prepared: &PreparedRequest,
        sel: &AuthSelector,
        retry_429: bool,
        res: &mut StepResult,
    ) -> Result<RawResponse, StepError> {
        let mut attempt = prepared.clone();
        attempt.headers.extend(self.auth_headers(sel).await?);
        let mut resp = self.send_one(&attempt, sel, res).await?;
        if resp.status == 429 && !retry_429 {
            res.rate_limit.expected_429 += 1;
        }
        // An unexpected 429: wait as told, for as long as the scenario has time (without
        // `Retry-After`, back off with jitter a few times).
        let mut backoffs = 0;
        while resp.status == 429 && retry_429 {
            res.rate_limit.unexpected_429 += 1;
            let told = resp
                .header("Retry-After")
                .and_then(retry_after)
                .map(|d| d.min(MAX_RETRY_AFTER));
            let wait = match told {
                Some(d) => d,
                None if backoffs < MAX_429_BACKOFFS => {
                    backoffs += 1;
                    backoff(backoffs)
                }
                None => {
                    res.log.push(format!(
                        "429 from the target without Retry-After: gave up after {MAX_429_BACKOFFS} backoffs"
                    ));
                    break;
                }
            };
            let left = self.deadline.saturating_duration_since(Instant::now());
            if wait >= left {
                res.log.push(format!(
                    "429 from the target: Retry-After {} is more than the scenario's {} left; not retried",
                    humantime::format_duration(wait),
                    humantime::format_duration(Duration::from_secs(left.as_secs()))
                ));
                break;
            }
            res.log.push(format!(
                "429 from the target: waited {} (Retry-After) before sending again",
                humantime::format_duration(wait)
            ));
            self.slot.idle(tokio::time::sleep(wait)).await;
            res.waited_ms += ms(wait);
            res.rate_limit.retry_after_ms += ms(wait);
            let mut again = prepared.clone();
            again.headers.extend(self.auth_headers(sel).await?);
            resp = self.send_one(&again, sel, res).await?;
        }
        if resp.status == 401 {
            if let Some(auth) = &self.target.auth {
                if auth.on_unauthorized(sel).await.map_err(|e| e.to_string())? {
                    res.log
                        .push("401: token refreshed, request retried once".into());
                    let mut retry = prepared.clone();
                    retry.headers.extend(self.auth_headers(sel).await?);
                    let second = self.send_one(&retry, sel, res).await?;
                    if second.status == 401 {
                        res.log.push("401 again after a fresh token".into());
                    }
                    return Ok(second);
                }
            }
        }
        Ok(resp)
    }

    /// The automatic contract check of one response: failed aspects become failed checks of
    /// the step; returns the operation the exchange was matched to.
    fn contract_check(
        &self,
        req: &PreparedRequest,
        resp: &RawResponse,
        res: &mut StepResult,
    ) -> Option<String> {
        let contract = self.target.contract.as_ref()?;
        let path = self.target.api_path(&req.url);
        let verdict = contract.check_response_parsed(
            req.method.as_str(),
            path,
            resp.status,
            &resp.headers,
            &resp.body,
            resp.json(),
        );
        let op = verdict.operation.as_ref().map(|o| o.id.clone());
        if !self.contract_on {
            return op;
        }
        let method = req.method.as_str();
        let subject = format!("{method} {path} -> {}", resp.status);
        self.undocumented(&subject, verdict.undocumented, res);
        // Passed checks are kept too: a green report shows which operation, status and
        // schema each exchange was checked against.
        for mut c in verdict.checks {
            c.check = format!("{}: {method} {path}", c.check);
            if !res
                .checks
                .iter()
                .any(|x| x.check == c.check && x.actual == c.actual)
            {
                res.checks.push(c);
            }
        }
        op
    }

    /// Properties the contract does not document: warnings, or with `--strict` (or the
    /// environment's `contract: {unknown_properties: fail}`) one failed check naming them all.
    fn undocumented(&self, subject: &str, found: Vec<Undocumented>, res: &mut StepResult) {
        if found.is_empty() {
            return;
        }
        if self.target.env.unknown_properties == UnknownProperties::Fail {
            let names: Vec<&str> = found.iter().map(|u| u.pointer.as_str()).collect();
            let check = format!("contract undocumented properties: {subject}");
            if res.checks.iter().any(|c| c.check == check) {
                return;
            }
            res.checks.push(CheckOutcome {
                passed: false,
                check,
                expected: "only properties the contract documents (strict)".into(),
                actual: format!("undocumented {}", names.join(", ")),
                location: None,
                detail: Some(format!(
                    "not in {} (additive changes are compatible, contract §1; --strict treats them as failures)",
                    found[0].context
                )),
            });
            return;
        }
        for u in found {
            let w = Warning {
                kind: WarningKind::UndocumentedProperty,
                subject: subject.to_string(),
                pointer: u.pointer,
                context: u.context,
            };
            if !res.warnings.contains(&w) {
                res.warnings.push(w);
            }
        }
    }

    /// Client-side pacing: waits for `n` request slots unless the scenario opted out.
    async fn pace(&self, n: usize, res: &mut StepResult) {
        let Some(pacer) = &self.target.pacer else {
            return;
        };
        if self.planned.scenario.pacing == Some(false) {
            return;
        }
        let mut waited = Duration::ZERO;
        for _ in 0..n {
            waited += pacer.ready().await;
        }
        if waited >= Duration::from_millis(1) {
            res.waited_ms += ms(waited);
        }
    }

    /// The exchange of one sent request, redacted; a response also gets the automatic
    /// contract check (its failures go into `res`).
    fn exchange_record(
        &self,
        req: &PreparedRequest,
        sent_at: String,
        result: &Result<RawResponse, String>,
        res: &mut StepResult,
    ) -> Exchange {
        let t = self.target;
        let request = http::record_request(req, sent_at, &t.redactor);
        match result {
            Ok(resp) => Exchange {
                operation: self.contract_check(req, resp, res),
                request,
                response: Some(http::record_response(resp, &t.redactor)),
                error: None,
            },
            Err(e) => Exchange {
                request,
                response: None,
                error: Some(e.clone()),
                operation: None,
            },
        }
    }

    async fn send_one(
        &self,
        req: &PreparedRequest,
        sel: &AuthSelector,
        res: &mut StepResult,
    ) -> Result<RawResponse, StepError> {
        self.pace(1, res).await;
        let gate = self.hold_for_rate_limit(req, sel, res).await;
        let sent_at = now_rfc3339();
        res.attempts += 1;
        let result = http::send(&self.target.http, req, self.target.env.max_body_bytes).await;
        self.learn_rate_limit(gate, &result);
        if let Some(json) = result.as_ref().ok().and_then(RawResponse::json) {
            // A secret the target hands out (a webhook signing secret, a token) is known from
            // here on, before any check or capture can print it.
            self.target.redactor.learn_from_json(json);
        }
        let ex = self.exchange_record(req, sent_at, &result, res);
        keep_exchange(res, ex);
        result
    }

    /// The bucket `req` draws from; when the scenario does not opt out of pacing, first
    /// waits (without a job slot) while the target's headers say that bucket is empty.
    async fn hold_for_rate_limit(
        &self,
        req: &PreparedRequest,
        sel: &AuthSelector,
        res: &mut StepResult,
    ) -> (super::ratelimit::BucketKey, bool) {
        let limits = &self.target.rate_limits;
        let key = super::ratelimit::BucketKey {
            credentials: sel.to_string(),
            rule: limits.rule(
                self.target.contract.as_deref(),
                req.method.as_str(),
                self.target.api_path(&req.url),
            ),
        };
        if self.planned.scenario.pacing == Some(false) {
            return (key, false);
        }
        // Give the job slot back only when there is something to wait for.
        if limits.try_acquire(&key, self.deadline) {
            return (key, true);
        }
        let held = self.slot.idle(limits.acquire(&key, self.deadline)).await;
        if held >= Duration::from_millis(1) {
            res.rate_limit.holds += 1;
            res.rate_limit.held_ms += ms(held);
            res.waited_ms += ms(held);
            res.log.push(format!(
                "held {} for the target's rate limit ({key})",
                humantime::format_duration(Duration::from_millis(held.as_millis() as u64))
            ));
        }
        (key, true)
    }

    fn learn_rate_limit(
        &self,
        (key, acquired): (super::ratelimit::BucketKey, bool),
        result: &Result<RawResponse, String>,
    ) {
        let reading = result
            .as_ref()
            .ok()
            .and_then(|r| super::ratelimit::Reading::of(&r.headers));
        self.target.rate_limits.observe(&key, reading, acquired);
    }

    /// One request of a step. A 429 is retried unless the step expects one.
    async fn exchange(
        &self,
        req: &Spanned<Request>,
        expect: Option<&Spanned<Expect>>,
        timeout: Option<Duration>,
        res: &mut StepResult,
    ) -> Result<RawResponse, StepError> {
        let sel = self.selector(&req.value)?;
        let prepared = self.prepare(req, timeout)?;
        let expects_429 = expect
            .and_then(|e| e.value.status.as_ref())
            .is_some_and(|s| s.value.matches(429));
        self.send_recorded(&prepared, &sel, !expects_429, res).await
    }

    fn evaluate(&self, expect: Option<&Spanned<Expect>>, resp: &RawResponse) -> Vec<CheckOutcome> {
        let Some(expect) = expect else {
            return Vec::new();
        };
        let json = resp.json();
        let body = resp.text();
        let view = ResponseView {
            status: resp.status,
            headers: &resp.headers,
            body: &body,
            json,
            latency: resp.latency,
            json_problem: if json.is_none() {
                resp.json_problem()
            } else {
                None
            },
        };
        let render = |v: &Value| self.render(v);
        let file = self.file().to_string();
        let ctx = CheckContext {
            file: &file,
            render: &render,
            fixtures_dir: &self.target.fixtures_dir,
            contract: self.target.contract.as_deref(),
        };
        check::check_expect(&expect.value, &view, &ctx)
    }

    fn evaluate_and_capture(
        &mut self,
        expect: Option<&Spanned<Expect>>,
        captures: &indexmap::IndexMap<String, Spanned<Capture>>,
        resp: &RawResponse,
        res: &mut StepResult,
    ) {
        res.checks.extend(self.evaluate(expect, resp));
        let json = resp.json();
        for (name, cap) in captures {
            match capture_value(&cap.value, resp, json) {
                Ok(v) => {
                    // A value captured from a secret-looking field is redacted from then on.
                    let from_secret = match &cap.value.source {
                        CaptureSource::JsonPath(p) => crate::auth::redact::is_sensitive_name(p),
                        CaptureSource::Header(h) => crate::auth::redact::is_sensitive_name(h),
                        CaptureSource::Status => false,
                    };
                    if from_secret || crate::auth::redact::is_sensitive_name(name) {
                        if let Value::String(text) = &v {
                            self.target
                                .redactor
                                .add(crate::config::Secret::new(text.clone()));
                        }
                    }
                    res.log.push(format!(
                        "captured {name} = {}",
                        self.target.redact_text(&check::brief(&v))
                    ));
                    self.vars.insert(name.clone(), v);
                }
                Err(why) => res.checks.push(CheckOutcome {
                    passed: false,
                    check: format!("capture {name}"),
                    expected: describe_capture(&cap.value),
                    actual: why,
                    location: Some(self.loc(cap)),
                    detail: None,
                }),
            }
        }
    }

    /// `repeat.times`, rendered when it is a template.
    fn repeat_times(&self, rep: &Spanned<Repeat>) -> Result<u32, StepError> {
        /// More than any rate limit a contract would make a scenario drive through.
        const MAX_TIMES: u32 = 100_000;
        match &rep.value.times.value {
            RepeatTimes::Count(n) => Ok(*n),
            RepeatTimes::Template(t) => {
                let text = self
                    .render_str(t)
                    .map_err(|e| format!("{}: repeat.times: {e}", self.loc(&rep.value.times)))?;
                match text.trim().parse::<u32>() {
                    Ok(n) if (1..=MAX_TIMES).contains(&n) => Ok(n),
                    _ => Err(format!(
                        "{}: repeat.times `{t}` gave `{text}`, not a whole number from 1 to {MAX_TIMES}",
                        self.loc(&rep.value.times)
                    )),
                }
            }
        }
    }

    async fn repeat(
        &mut self,
        req: &Spanned<Request>,
        step: &Step,
        rep: &Spanned<Repeat>,
        timeout: Option<Duration>,
        res: &mut StepResult,
    ) -> Result<(), StepError> {
        let sel = self.selector(&req.value)?;
        let times = self.repeat_times(rep)?;
        let asks_for_429 = [
            rep.value.until.as_ref(),
            rep.value.each.as_ref(),
            step.expect.as_deref(),
        ]
        .into_iter()
        .flatten()
        .any(|e| {
            e.value
                .status
                .as_ref()
                .is_some_and(|s| s.value.matches(429))
        });
        let conc = rep.value.concurrency.unwrap_or(1).max(1);
        let mut sent = 0u32;
        let mut satisfied: Option<RawResponse> = None;
        let mut last: Option<RawResponse> = None;
        let mut each_failures: BTreeMap<String, (CheckOutcome, u32)> = BTreeMap::new();
        while sent < times && satisfied.is_none() {
            let batch = conc.min(times - sent);
            let mut prepared = Vec::new();
            for _ in 0..batch {
                let mut p = self.prepare(req, timeout)?;
                p.headers.extend(self.auth_headers(&sel).await?);
                prepared.push(p);
            }
            self.pace(prepared.len(), res).await;
            let mut gates = Vec::new();
            for p in &prepared {
                gates.push(self.hold_for_rate_limit(p, &sel, res).await);
            }
            let http = &self.target.http;
            let cap = self.target.env.max_body_bytes;
            let sent_at = now_rfc3339();
            let results =
                futures::future::join_all(prepared.iter().map(|p| http::send(http, p, cap))).await;
            for ((p, r), gate) in prepared.iter().zip(results).zip(gates) {
                sent += 1;
                res.attempts += 1;
                self.learn_rate_limit(gate, &r);
                if r.as_ref().is_ok_and(|r| r.status == 429) {
                    if asks_for_429 {
                        res.rate_limit.expected_429 += 1;
                    } else {
                        res.rate_limit.unexpected_429 += 1;
                    }
                }
                let ex = self.exchange_record(p, sent_at.clone(), &r, res);
                keep_exchange(res, ex);
                let resp = match r {
                    Ok(resp) => resp,
                    Err(e) => return Err(format!("attempt {sent} of {times}: {e}")),
                };
                if let Some(each) = &rep.value.each {
                    for c in self
                        .evaluate(Some(each), &resp)
                        .into_iter()
                        .filter(|c| !c.passed)
                    {
                        let key = format!("{}|{}", c.check, c.expected);
                        each_failures.entry(key).or_insert((c, 0)).1 += 1;
                    }
                }
                if let Some(until) = &rep.value.until {
                    if satisfied.is_none()
                        && self.evaluate(Some(until), &resp).iter().all(|c| c.passed)
                    {
                        res.log.push(format!("`until` held at attempt {sent}"));
                        satisfied = Some(resp.clone());
                    }
                }
                last = Some(resp);
            }
        }
        for (_, (mut c, n)) in each_failures {
            if n > 1 {
                c.actual = format!("{} (in {n} of {sent} attempts)", c.actual);
            }
            res.checks.push(c);
        }
        match (&rep.value.until, satisfied) {
            (Some(until), None) => {
                res.checks.push(CheckOutcome {
                    passed: false,
                    check: "repeat until".into(),
                    expected: format!("a response satisfying `until` within {times} attempts"),
                    actual: last.as_ref().map_or_else(
                        || "no response".into(),
                        |r| format!("last status {}", r.status),
                    ),
                    location: Some(self.loc(until)),
                    detail: None,
                });
                self.last = last;
            }
            (Some(_), Some(resp)) => {
                self.evaluate_and_capture(step.expect.as_deref(), &step.capture, &resp, res);
                self.last = Some(resp);
            }
            (None, _) => {
                // Without `until`, `expect` and `capture` apply to the last response.
                if let Some(resp) = last {
                    self.evaluate_and_capture(step.expect.as_deref(), &step.capture, &resp, res);
                    self.last = Some(resp);
                }
            }
        }
        res.log
            .push(format!("{sent} requests sent ({} at a time)", conc));
        Ok(())
    }

    async fn poll(
        &mut self,
        req: &Spanned<Request>,
        step: &Step,
        poll: &Spanned<Poll>,
        timeout: Option<Duration>,
        res: &mut StepResult,
    ) -> Result<(), StepError> {
        let limit = poll.value.timeout.value.0;
        let interval = poll
            .value
            .interval
            .as_ref()
            .map_or(Duration::from_secs(1), |i| i.value.0);
        let started = Instant::now();
        loop {
            let resp = self
                .exchange(req, step.expect.as_deref(), timeout, res)
                .await?;
            let checks = self.evaluate(step.expect.as_deref(), &resp);
            let passed = checks.iter().all(|c| c.passed);
            if passed || started.elapsed() + interval > limit {
                if !passed {
                    res.log
                        .push(format!("polling gave up after {} attempts", res.attempts));
                }
                self.evaluate_and_capture(step.expect.as_deref(), &step.capture, &resp, res);
                self.last = Some(resp);
                return Ok(());
            }
            self.slot.idle(tokio::time::sleep(interval)).await;
            res.waited_ms += ms(interval);
        }
    }

    async fn group(
        &mut self,
        members: &[Spanned<Step>],
        timeout: Option<Duration>,
        res: &mut StepResult,
    ) -> Result<(), StepError> {
        let mut prepared = Vec::new();
        let mut selectors = Vec::new();
        for m in members {
            let Some(req) = &m.value.request else {
                return Err(format!(
                    "{}: every member of a group needs a `request`",
                    self.loc(m)
                ));
            };
            let sel = self.selector(&req.value)?;
            let mut p =
                self.prepare(req, m.value.timeout.as_ref().map(|t| t.value.0).or(timeout))?;
            p.headers.extend(self.auth_headers(&sel).await?);
            prepared.push(p);
            selectors.push(sel);
        }
        let http = &self.target.http;
        let cap = self.target.env.max_body_bytes;
        // All requests are built and paced first, then sent together.
        self.pace(prepared.len(), res).await;
        let mut gates = Vec::new();
        for (p, sel) in prepared.iter().zip(&selectors) {
            gates.push(self.hold_for_rate_limit(p, sel, res).await);
        }
        let sent_at = now_rfc3339();
        let results =
            futures::future::join_all(prepared.iter().map(|p| http::send(http, p, cap))).await;
        let mut errors = Vec::new();
        for (((m, p), r), gate) in members.iter().zip(&prepared).zip(results).zip(gates) {
            res.attempts += 1;
            self.learn_rate_limit(gate, &r);
            let before = res.checks.len();
            // Every member's exchange is kept (a group is small).
            let ex = self.exchange_record(p, sent_at.clone(), &r, res);
            res.exchanges.push(ex);
            match r {
                Ok(resp) => {
                    self.evaluate_and_capture(
                        m.value.expect.as_deref(),
                        &m.value.capture,
                        &resp,
                        res,
                    );
                    let label = m
                        .value
                        .name
                        .clone()
                        .unwrap_or_else(|| format!("member {}", res.exchanges.len()));
                    for c in &mut res.checks[before..] {
                        c.check = format!("{label}: {}", c.check);
                    }
                    self.last = Some(resp);
                }
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    async fn wait(&mut self, w: &Spanned<Wait>, res: &mut StepResult) -> Result<(), StepError> {
        let d = match &w.value {
            Wait::For(d) => *d,
            Wait::RetryAfter => {
                let header = self
                    .last
                    .as_ref()
                    .and_then(|r| r.header("Retry-After").map(str::to_string));
                match header {
                    None => {
                        res.checks.push(CheckOutcome {
                            passed: false,
                            check: "wait retry_after".into(),
                            expected: "a Retry-After header on the previous response".into(),
                            actual: "(absent)".into(),
                            location: Some(self.loc(w)),
                            detail: None,
                        });
                        return Ok(());
                    }
                    Some(v) => match retry_after(&v) {
                        Some(d) => d,
                        None => {
                            res.checks.push(CheckOutcome {
                                passed: false,
                                check: "wait retry_after".into(),
                                expected: "Retry-After as seconds or an HTTP date".into(),
                                actual: format!("{v:?}"),
                                location: Some(self.loc(w)),
                                detail: None,
                            });
                            return Ok(());
                        }
                    },
                }
            }
        };
        let d = d.min(MAX_RETRY_AFTER);
        res.log
            .push(format!("waited {}", humantime::format_duration(d)));
        self.slot.idle(tokio::time::sleep(d)).await;
        res.waited_ms += ms(d);
        Ok(())
    }

    /// DELETE/GET helper for housekeeping requests (default auth).
    async fn simple_request(
        &self,
        method: reqwest::Method,
        path: &str,
        json: Option<Value>,
    ) -> Result<(Exchange, RawResponse), StepError> {
        let prepared = self
            .target
            .housekeeping_request(method, path, json.as_ref())?;
        let mut scratch = self.synthetic_step(String::new(), Phase::Teardown);
        let resp = self
            .send_recorded(&prepared, &AuthSelector::Default, true, &mut scratch)
            .await?;
        let ex = scratch.exchanges.pop().ok_or("no exchange recorded")?;
        Ok((ex, resp))
    }

    // ---- webhooks -------------------------------------------------------------------

    fn receiver(&self) -> Result<&crate::webhook::Receiver, StepError> {
        self.target.receiver.as_ref().ok_or_else(|| {
            format!("no webhook receiver runs for environment `{}` (it needs the `webhooks` capability)", self.target.env.name)
        })
    }

    async fn subscribe(
        &mut self,
        sub: &Spanned<WebhookSubscribe>,
        res: &mut StepResult,
    ) -> Result<(), StepError> {
        let receiver = self.receiver()?;
        let url = receiver.url();
        let body = serde_json::json!({ "url": url.as_str(), "events": sub.value.events });
        let (ex, resp) = self
            .simple_request(reqwest::Method::POST, "/api/v1/webhooks", Some(body))
            .await?;
        res.exchanges.push(ex);
        res.attempts += 1;
        if resp.status != 201 {
            res.checks.push(CheckOutcome {
                passed: false,
                check: "subscribe webhooks status".into(),
                expected: "201".into(),
                actual: resp.status.to_string(),
                location: Some(self.loc(sub)),
                detail: None,
            });
            return Ok(());
        }
        let json = resp.json().cloned().unwrap_or(Value::Null);
        let id = json
            .get("webhook_id")
            .and_then(Value::as_str)
            .map(str::to_string);
        let secret = json
            .get("secret")
            .and_then(Value::as_str)
            .map(str::to_string);
        let (Some(id), Some(secret)) = (id, secret) else {
            res.checks.push(CheckOutcome {
                passed: false,
                check: "subscribe webhooks body".into(),
                expected: "`webhook_id` and `secret`".into(),
                actual: check::brief(&json),
                location: Some(self.loc(sub)),
                detail: None,
            });
            return Ok(());
        };
        let secret = crate::config::Secret::new(secret);
        self.target.redactor.add(secret.clone());
        receiver.add_secret(secret.clone());
        let name = sub
            .value
            .capture_id
            .clone()
            .unwrap_or_else(|| "webhook_id".into());
        self.vars.insert(name, Value::String(id.clone()));
        self.vars.insert(
            "webhook_secret".into(),
            Value::String(secret.expose().to_string()),
        );
        res.log.push(format!("subscribed {url} as {id}"));
        self.cleanups.push(Cleanup::DeleteWebhook { id });
        Ok(())
    }

    /// Renders every operand of `where` checks now, so matching needs no variables later.
    fn rendered_checks(&self, checks: &[Spanned<Check>]) -> Result<Vec<Spanned<Check>>, StepError> {
        let mut out = Vec::new();
        for c in checks {
            let mut c = c.clone();
            let ops = &mut c.value;
            for v in [
                &mut ops.equals,
                &mut ops.not_equals,
                &mut ops.length,
                &mut ops.contains,
                &mut ops.lt,
                &mut ops.lte,
                &mut ops.gt,
                &mut ops.gte,
            ]
            .into_iter()
            .flatten()
            {
                v.value = self
                    .render(&v.value)
                    .map_err(|e| format!("{}: {e}", self.loc(v)))?;
            }
            if let Some(m) = &mut ops.matches {
                m.value = self
                    .render_str(&m.value)
                    .map_err(|e| format!("{}: {e}", self.loc(m)))?;
            }
            out.push(c);
        }
        Ok(out)
    }

    async fn expect_webhook(
        &mut self,
        exp: &Spanned<WebhookExpect>,
        res: &mut StepResult,
    ) -> Result<(), StepError> {
        let receiver = self.receiver()?;
        let e = &exp.value;
        let event = self.render_str(&e.event.value)?;
        let checks = self.rendered_checks(&e.where_)?;
        let within = e
            .within
            .as_ref()
            .map_or(DEFAULT_WEBHOOK_WITHIN, |w| w.value.0);
        let scale = match &e.schedule_scale {
            None => 1.0,
            Some(v) => {
                let rendered = self
                    .render(&v.value)
                    .map_err(|err| format!("{}: {err}", self.loc(v)))?;
                let n = match &rendered {
                    Value::Number(n) => n.as_f64(),
                    Value::String(t) => t.trim().parse::<f64>().ok(),
                    _ => None,
                };
                match n {
                    Some(f) if f.is_finite() && f >= 0.0 => f,
                    _ => {
                        return Err(format!(
                            "{}: schedule_scale must be a non-negative number, got {}",
                            self.loc(v),
                            check::brief(&rendered)
                        ))
                    }
                }
            }
        };
        let file = self.file().to_string();
        let matcher = delivery_matcher(event.clone(), checks, file);
        let count = e.count;
        let at_least = e.at_least;
        let attempts = e.attempts;
        let max = e.max_attempts;
        let want = count.unwrap_or(1);
        let done = move |ds: &[Delivery]| {
            if count == Some(0) || max.is_some() {
                return false; // "none" or "no more than": wait the whole window
            }
            let distinct = distinct_ids(ds);
            if let Some(a) = attempts {
                return max_attempts(ds) >= a as usize;
            }
            match at_least {
                Some(n) => distinct >= n as usize,
                None => distinct >= want as usize,
            }
        };
        let t0 = Instant::now();
        let inbox = receiver.inbox();
        let seen = self
            .slot
            .idle(inbox.wait_until(&*matcher, &done, within))
            .await;
        res.waited_ms += ms(t0.elapsed());
        let redact = |s: &str| self.target.redact_text(s);
        for d in &seen {
            self.webhooks.push(crate::webhook::to_record(d, &redact));
            res.log.push(format!(
                "webhook {} {} attempt {}: {}",
                d.event_type.as_deref().unwrap_or("?"),
                d.event_id.as_deref().unwrap_or("?"),
                d.attempt,
                d.verdict
            ));
        }
        if let (Some(contract), true) = (&self.target.contract, self.contract_on) {
            for d in seen.iter().filter(|d| d.is_valid()) {
                let (Some(kind), Some(json)) = (&d.event_type, &d.json) else {
                    continue;
                };
                for mut c in contract
                    .check_webhook(kind, json)
                    .into_iter()
                    .filter(|c| !c.passed)
                {
                    c.check = format!("contract webhook {kind} {}", c.check);
                    res.checks.push(c);
                }
                let subject = format!(
                    "webhook {kind} {}",
                    d.event_id.as_deref().unwrap_or("(no event id)")
                );
                self.undocumented(&subject, contract.webhook_undocumented(kind, json), res);
            }
        }
        let loc = Some(self.loc(exp));
        let distinct = distinct_ids(&seen);
        let mut push = |passed: bool, check: &str, expected: String, actual: String| {
            res.checks.push(CheckOutcome {
                passed,
                check: check.into(),
                expected,
                actual,
                location: loc.clone(),
                detail: None,
            });
        };
        let label = format!("webhook {event}");
        match (count, at_least) {
            (_, Some(n)) => push(
                distinct >= n as usize,
                &label,
                format!("at least {n} within {}", humantime::format_duration(within)),
                format!("{distinct} received"),
            ),
            (Some(0), None) => push(
                distinct == 0,
                &label,
                format!("none within {}", humantime::format_duration(within)),
                format!("{distinct} received"),
            ),
            _ if attempts.is_some() => {}
            _ => push(
                distinct == want as usize,
                &label,
                format!("{want} within {}", humantime::format_duration(within)),
                format!("{distinct} received"),
            ),
        }
        if let Some(a) = attempts {
            let got = max_attempts(&seen);
            push(
                got >= a as usize,
                &format!("{label} redelivery"),
                format!("at least {a} attempts of one event id"),
                format!("{got} attempts"),
            );
            // Redeliveries carry the same event id and the same body.
            let mut bodies: BTreeMap<&str, BTreeSet<&[u8]>> = BTreeMap::new();
            for d in &seen {
                if let Some(id) = &d.event_id {
                    bodies.entry(id.as_str()).or_default().insert(&d.body);
                }
            }
            let changed: Vec<&str> = bodies
                .iter()
                .filter(|(_, b)| b.len() > 1)
                .map(|(id, _)| *id)
                .collect();
            push(
                changed.is_empty(),
                &format!("{label} redelivery body"),
                "the same body on every attempt".into(),
                if changed.is_empty() {
                    "same".into()
                } else {
                    format!("body changed for {}", changed.join(", "))
                },
            );
        }
        if let Some(m) = max {
            let got = max_attempts(&seen);
            push(
                got <= m as usize,
                &format!("{label} attempts"),
                format!("no more than {m} attempts of one event id"),
                format!("{got} attempts"),
            );
        }
        if let Some(schedule) = &e.schedule {
            let gaps = attempt_gaps(&seen);
            for (i, want) in schedule.iter().enumerate() {
                let want = want.0.mul_f64(scale);
                let tol = e
                    .tolerance
                    .map_or(want / 2 + Duration::from_millis(200), |t| t.0);
                let expected = format!(
                    "attempt {} {} after attempt {} (± {})",
                    i + 2,
                    humantime::format_duration(want),
                    i + 1,
                    humantime::format_duration(tol)
                );
                let (passed, actual) = match gaps.get(i) {
                    Some(g) => (g.abs_diff(want) <= tol, format!("{} ms", g.as_millis())),
                    None => (false, format!("only {} attempts arrived", gaps.len() + 1)),
                };
                push(passed, &format!("{label} retry schedule"), expected, actual);
            }
        }
        for d in seen.iter().filter(|d| !d.is_valid()) {
            push(
                false,
                &format!("{label} delivery"),
                "signed, timestamped and well-formed".into(),
                format!(
                    "{} (event {}, attempt {})",
                    d.verdict,
                    d.event_id.as_deref().unwrap_or("?"),
                    d.attempt
                ),
            );
        }
        if let Some(first) = seen.iter().find(|d| d.is_valid()) {
            for (name, cap) in &e.capture {
                let v = match &cap.value.source {
                    CaptureSource::JsonPath(p) => {
                        first.json.as_ref().and_then(|j| first_node(p, j))
                    }
                    CaptureSource::Header(h) => {
                        first.header(h).map(|s| Value::String(s.to_string()))
                    }
                    CaptureSource::Status => Some(Value::from(first.answered)),
                };
                match v {
                    Some(v) => {
                        self.vars.insert(name.clone(), v);
                    }
                    None => res.checks.push(CheckOutcome {
                        passed: false,
                        check: format!("capture {name}"),
                        expected: describe_capture(&cap.value),
                        actual: "nothing matched in the delivery".into(),
                        location: Some(self.loc(cap)),
                        detail: None,
                    }),
                }
            }
        }
        Ok(())
    }

    fn webhook_reply(
        &mut self,
        reply: &Spanned<WebhookReply>,
        res: &mut StepResult,
    ) -> Result<(), StepError> {
        let receiver = self.receiver()?;
        let r = &reply.value;
        let event = self.render_str(&r.event.value)?;
        let checks = self.rendered_checks(&r.where_)?;
        let matcher = delivery_matcher(event.clone(), checks, self.file().to_string());
        let status = r.status.unwrap_or(500);
        let delay = r.delay.as_ref().map_or(Duration::ZERO, |d| d.value.0);
        receiver
            .inbox()
            .add_reply_rule(matcher, status, r.times, delay);
        res.log.push(format!(
            "receiver answers the next {} `{event}` deliveries with {status}",
            r.times
        ));
        Ok(())
    }
}

type Matcher = Arc<dyn Fn(&Delivery) -> bool + Send + Sync>;

fn delivery_matcher(event: String, checks: Vec<Spanned<Check>>, file: String) -> Matcher {
    Arc::new(move |d: &Delivery| {
        if d.event_type.as_deref() != Some(event.as_str()) {
            return false;
        }
        let identity = |v: &Value| Ok::<Value, String>(v.clone());
        let ctx = CheckContext {
            file: &file,
            render: &identity,
            fixtures_dir: std::path::Path::new("."),
            contract: None,
        };
        checks.iter().all(|c| match &c.value.path {
            Some(p) => check::check_path(d.json.as_ref(), p, c, &ctx)
                .iter()
                .all(|o| o.passed),
            None => true,
        })
    })
}

fn distinct_ids(ds: &[Delivery]) -> usize {
    ds.iter()
        .filter(|d| d.is_valid())
        .filter_map(|d| d.event_id.as_deref())
        .collect::<BTreeSet<_>>()
        .len()
}

/// Gaps between consecutive valid attempts of the event id with the most attempts.
fn attempt_gaps(ds: &[Delivery]) -> Vec<Duration> {
    let mut per: BTreeMap<&str, Vec<time::OffsetDateTime>> = BTreeMap::new();
    for d in ds.iter().filter(|d| d.is_valid()) {
        if let Some(id) = &d.event_id {
            per.entry(id.as_str()).or_default().push(d.received_at);
        }
    }
    let Some(times) = per.into_values().max_by_key(Vec::len) else {
        return Vec::new();
    };
    times
        .windows(2)
        .map(|w| Duration::try_from(w[1] - w[0]).unwrap_or(Duration::ZERO))
        .collect()
}

fn max_attempts(ds: &[Delivery]) -> usize {
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for d in ds.iter().filter(|d| d.is_valid()) {
        if let Some(id) = &d.event_id {
            *per.entry(id.as_str()).or_default() += 1;
        }
    }
    per.values().copied().max().unwrap_or(0)
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

fn first_node(path: &str, json: &Value) -> Option<Value> {
    let p = serde_json_path::JsonPath::parse(path).ok()?;
    p.query(json).all().first().map(|v| (*v).clone())
}

fn describe_capture(c: &Capture) -> String {
    match &c.source {
        CaptureSource::JsonPath(p) => format!("a value at {p}"),
        CaptureSource::Header(h) => format!("header {h}"),
        CaptureSource::Status => "the status".into(),
    }
}

fn capture_value(c: &Capture, resp: &RawResponse, json: Option<&Value>) -> Result<Value, String> {
    let raw = match &c.source {
        CaptureSource::JsonPath(p) => {
            let json = json.ok_or("the body is not JSON")?;
            first_node(p, json).ok_or_else(|| format!("{p} matched nothing"))?
        }
        CaptureSource::Header(h) => Value::String(
            resp.header(h)
                .ok_or_else(|| format!("no {h} header"))?
                .to_string(),
        ),
        CaptureSource::Status => Value::from(resp.status),
    };
    match &c.regex {
        None => Ok(raw),
        Some(re) => {
            let rx = regex::Regex::new(re).map_err(|e| format!("invalid regex: {e}"))?;
            let text = scalar_text(&raw);
            let caps = rx
                .captures(&text)
                .ok_or_else(|| format!("{text:?} does not match /{re}/"))?;
            let m = caps
                .get(1)
                .or_else(|| caps.get(0))
                .map(|m| m.as_str().to_string())
                .unwrap_or_default();
            Ok(Value::String(m))
        }
    }
}

fn step_name(step: &Step) -> String {
    if let Some(n) = &step.name {
        return n.clone();
    }
    if let Some(r) = &step.request {
        return format!(
            "{} {}",
            r.value.method.value.to_ascii_uppercase(),
            r.value.path.value
        );
    }
    if let Some(g) = &step.group {
        return format!("group of {} requests", g.len());
    }
    if let Some(w) = &step.wait {
        return match &w.value {
            Wait::For(d) => format!("wait {}", humantime::format_duration(*d)),
            Wait::RetryAfter => "wait retry_after".into(),
        };
    }
    if !step.assert.is_empty() {
        return "assert".into();
    }
    if step.subscribe_webhooks.is_some() {
        return "subscribe webhooks".into();
    }
    if let Some(e) = &step.expect_webhook {
        return format!("expect webhook {}", e.value.event.value);
    }
    if let Some(r) = &step.webhook_reply {
        return format!("webhook reply {}", r.value.event.value);
    }
    "step".into()
}

/// `Retry-After`: whole seconds, or an HTTP date (RFC 9110 §10.2.3).
pub fn retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(
        at.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}
