//! `request`: prepare (templates, auth, body), send with pacing, rate-limit holds and 429
//! handling, record, check (expectations and the contract) and capture.
use super::*;

impl ScenarioRun<'_> {
    pub(super) fn selector(&self, req: &Request) -> Result<AuthSelector, RunError> {
        match &req.auth {
            None => Ok(AuthSelector::Default),
            Some(a) => a.value.parse::<AuthSelector>().map_err(|e| RunError::Auth {
                at: self.loc(a),
                source: e.into(),
            }),
        }
    }

    /// Renders the request (without auth headers).
    pub(super) fn prepare(
        &self,
        spanned: &Spanned<Request>,
        timeout: Option<Duration>,
    ) -> Result<PreparedRequest, RunError> {
        let req = &spanned.value;
        let method_text = req.method.value.to_ascii_uppercase();
        let method = reqwest::Method::from_bytes(method_text.as_bytes()).map_err(|_| {
            RunError::invalid(
                format!("invalid HTTP method `{}`", req.method.value),
                self.loc(&req.method),
            )
        })?;
        let path = self.render_str_at(&req.path.value, "the request path", &req.path)?;
        let mut url = self
            .target
            .url_for(&path)
            .map_err(|e| RunError::http("build the request URL", self.loc(&req.path), e))?;
        if !req.query.is_empty() {
            let mut pairs = Vec::new();
            for (k, v) in &req.query {
                let rendered = self.render_at(&v.value, &format!("query parameter `{k}`"), v)?;
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
            let mut v = self.render_at(&j.value, "the JSON body", j)?;
            if let Some(p) = &req.patch {
                let patch = self.render_at(&p.value, "the patch", p)?;
                json_patch::merge(&mut v, &patch);
            }
            body = Some(Bytes::from(v.to_string()));
            content_type = Some("application/json");
        } else if let Some(f) = &req.fixture {
            let name = self.render_str_at(&f.value, "the fixture name", f)?;
            let path = self.target.fixtures_dir.join(&name);
            let fixture = |source: Cause| RunError::Fixture {
                name: name.clone(),
                at: self.loc(f),
                source,
            };
            let text = crate::source::input::read_text(&path, crate::source::input::MAX_TEXT_FILE)
                .map_err(|e| fixture(e.into()))?;
            let raw: Value = serde_json::from_str(&text).map_err(|e| {
                fixture(format!("{} is not valid JSON: {e}", path.display()).into())
            })?;
            let mut v = self.render_at(&raw, &format!("fixture `{name}`"), f)?;
            if let Some(p) = &req.patch {
                let patch = self.render_at(&p.value, "the patch", p)?;
                json_patch::merge(&mut v, &patch);
            }
            body = Some(Bytes::from(v.to_string()));
            content_type = Some("application/json");
        } else if let Some(form) = &req.form {
            let mut pairs = Vec::new();
            for (k, v) in form.iter() {
                let rendered = self.render_at(&v.value, &format!("form field `{k}`"), v)?;
                pairs.push((k.clone(), scalar_text(&rendered)));
            }
            let encoded = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            body = Some(Bytes::from(encoded));
            content_type = Some("application/x-www-form-urlencoded");
        } else if let Some(b) = &req.body {
            let text = self.render_str_at(&b.value, "the body", b)?;
            body = Some(Bytes::from(text));
        }
        let sets = |name: &str| req.headers.keys().any(|k| k.eq_ignore_ascii_case(name));
        if let (Some(ct), false) = (content_type, sets("Content-Type")) {
            headers.push(("Content-Type".into(), ct.into()));
        }
        for (k, v) in &req.headers {
            headers.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            if let Some(template) = &v.value {
                let value = self.render_str_at(template, &format!("header `{k}`"), v)?;
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

    pub(super) async fn auth_headers(
        &self,
        sel: &AuthSelector,
    ) -> Result<Vec<(String, String)>, RunError> {
        let Some(auth) = &self.target.auth else {
            return match sel {
                AuthSelector::Default | AuthSelector::None => Ok(Vec::new()),
                other => Err(RunError::Auth {
                    at: self.step_at.clone(),
                    source: format!(
                        "auth `{other:?}` requested but environment `{}` configures no auth",
                        self.target.env.name
                    )
                    .into(),
                }),
            };
        };
        let pairs = auth.headers_for(sel).await.map_err(|e| RunError::Auth {
            at: self.step_at.clone(),
            source: e.into(),
        })?;
        for (_, secret) in &pairs {
            self.target.redactor.add(secret.clone());
        }
        Ok(pairs
            .into_iter()
            .map(|(k, v)| (k, v.expose().to_string()))
            .collect())
    }

    /// Sends once (plus one retry after a refreshed token on 401); records every exchange.
    pub(super) async fn send_recorded(
        &self,
        prepared: &PreparedRequest,
        sel: &AuthSelector,
        retry_429: bool,
        res: &mut StepResult,
    ) -> Result<RawResponse, RunError> {
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
                let refreshed = auth
                    .on_unauthorized(sel)
                    .await
                    .map_err(|e| RunError::Auth {
                        at: self.step_at.clone(),
                        source: e.into(),
                    })?;
                if refreshed {
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
    pub(super) fn contract_check(
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
    pub(super) fn undocumented(
        &self,
        subject: &str,
        found: Vec<Undocumented>,
        res: &mut StepResult,
    ) {
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
                status: crate::results::CheckStatus::Failed,
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
    pub(super) async fn pace(&self, n: usize, res: &mut StepResult) {
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
    pub(super) fn exchange_record(
        &self,
        req: &PreparedRequest,
        sent_at: String,
        result: &Result<RawResponse, HttpError>,
        res: &mut StepResult,
    ) -> Exchange {
        let t = self.target;
        let request = http::record_request(req, sent_at, &t.redactor);
        match result {
            // Every string of the exchange is redacted here (see `Redactor::scrub_scenario`).
            Ok(resp) => Exchange {
                operation: self
                    .contract_check(req, resp, res)
                    .map(|o| t.redactor.text(&o)),
                request,
                response: Some(http::record_response(resp, &t.redactor)),
                error: None,
            },
            Err(e) => Exchange {
                request,
                response: None,
                error: Some(t.redactor.text(&e.to_string())),
                operation: None,
            },
        }
    }

    pub(super) async fn send_one(
        &self,
        req: &PreparedRequest,
        sel: &AuthSelector,
        res: &mut StepResult,
    ) -> Result<RawResponse, RunError> {
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
        result.map_err(|e| self.http_error(req, e))
    }

    /// A failed exchange as a run error at the running step.
    pub(super) fn http_error(&self, req: &PreparedRequest, e: HttpError) -> RunError {
        RunError::http(
            format!("send {} {}", req.method, req.url),
            self.step_at.clone(),
            e,
        )
    }

    /// The bucket `req` draws from; when the scenario does not opt out of pacing, first
    /// waits (without a job slot) while the target's headers say that bucket is empty.
    pub(super) async fn hold_for_rate_limit(
        &self,
        req: &PreparedRequest,
        sel: &AuthSelector,
        res: &mut StepResult,
    ) -> (crate::run::ratelimit::BucketKey, bool) {
        let limits = &self.target.rate_limits;
        let key = crate::run::ratelimit::BucketKey {
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

    pub(super) fn learn_rate_limit(
        &self,
        (key, acquired): (crate::run::ratelimit::BucketKey, bool),
        result: &Result<RawResponse, HttpError>,
    ) {
        let reading = result
            .as_ref()
            .ok()
            .and_then(|r| crate::run::ratelimit::Reading::of(&r.headers));
        self.target.rate_limits.observe(&key, reading, acquired);
    }

    /// One request of a step. A 429 is retried unless the step expects one.
    pub(super) async fn exchange(
        &self,
        req: &Spanned<Request>,
        expect: Option<&Spanned<Expect>>,
        timeout: Option<Duration>,
        res: &mut StepResult,
    ) -> Result<RawResponse, RunError> {
        let sel = self.selector(&req.value)?;
        let prepared = self.prepare(req, timeout)?;
        let expects_429 = expect
            .and_then(|e| e.value.status.as_ref())
            .is_some_and(|s| s.value.matches(429));
        self.send_recorded(&prepared, &sel, !expects_429, res).await
    }

    pub(super) fn evaluate(
        &self,
        expect: Option<&Spanned<Expect>>,
        resp: &RawResponse,
    ) -> Vec<CheckOutcome> {
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
        let render = self.check_render();
        let file = self.file().to_string();
        let ctx = CheckContext {
            file: &file,
            render: &render,
            fixtures_dir: &self.target.fixtures_dir,
            contract: self.target.contract.as_deref(),
        };
        check::check_expect(&expect.value, &view, &ctx)
    }

    pub(super) fn evaluate_and_capture(
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
                    status: crate::results::CheckStatus::Failed,
                    check: format!("capture {name}"),
                    expected: describe_capture(&cap.value),
                    actual: why,
                    location: Some(self.loc(cap)),
                    detail: None,
                }),
            }
        }
    }

    /// DELETE/GET helper for housekeeping requests (default auth).
    pub(super) async fn simple_request(
        &self,
        method: reqwest::Method,
        path: &str,
        json: Option<Value>,
        auth: &AuthSelector,
    ) -> Result<(Exchange, RawResponse), RunError> {
        let prepared = self
            .target
            .housekeeping_request(method, path, json.as_ref())
            .map_err(|e| RunError::http("build the request URL", self.step_at.clone(), e))?;
        let mut scratch = self.synthetic_step(String::new(), Phase::Teardown);
        let resp = self
            .send_recorded(&prepared, auth, true, &mut scratch)
            .await?;
        let ex = scratch.exchanges.pop().ok_or_else(|| {
            RunError::http(
                format!("send {} {}", prepared.method, prepared.url),
                self.step_at.clone(),
                "no exchange recorded",
            )
        })?;
        Ok((ex, resp))
    }
}

pub(super) fn first_node(path: &str, json: &Value) -> Option<Value> {
    let p = serde_json_path::JsonPath::parse(path).ok()?;
    p.query(json).all().first().map(|v| (*v).clone())
}

pub(super) fn describe_capture(c: &Capture) -> String {
    match &c.source {
        CaptureSource::JsonPath(p) => format!("a value at {p}"),
        CaptureSource::Header(h) => format!("header {h}"),
        CaptureSource::Status => "the status".into(),
    }
}

pub(super) fn capture_value(
    c: &Capture,
    resp: &RawResponse,
    json: Option<&Value>,
) -> Result<Value, String> {
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
            let rx = c.compiled.get(re).map_err(ToString::to_string)?;
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
