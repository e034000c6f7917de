//! `repeat` (send N times, optionally until an expectation holds) and `poll` (re-send until
//! `expect` passes or the timeout expires).
use super::*;

impl ScenarioRun<'_> {
    /// `repeat.times`, rendered when it is a template.
    pub(super) fn repeat_times(&self, rep: &Spanned<Repeat>) -> Result<u32, RunError> {
        /// More than any rate limit a contract would make a scenario drive through.
        const MAX_TIMES: u32 = 100_000;
        match &rep.value.times.value {
            RepeatTimes::Count(n) => Ok(*n),
            RepeatTimes::Template(t) => {
                let text = self.render_str_at(t, "repeat.times", &rep.value.times)?;
                match text.trim().parse::<u32>() {
                    Ok(n) if (1..=MAX_TIMES).contains(&n) => Ok(n),
                    _ => Err(RunError::invalid(
                        format!("repeat.times `{t}` gave `{text}`, not a whole number from 1 to {MAX_TIMES}"),
                        self.loc(&rep.value.times),
                    )),
                }
            }
        }
    }

    pub(super) async fn repeat(
        &mut self,
        req: &Spanned<Request>,
        step: &Step,
        rep: &Spanned<Repeat>,
        timeout: Option<Duration>,
        res: &mut StepResult,
    ) -> Result<(), RunError> {
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
                    Err(e) => {
                        return Err(RunError::http(
                            format!("send attempt {sent} of {times}"),
                            self.step_at.clone(),
                            e,
                        ))
                    }
                };
                if let Some(each) = &rep.value.each {
                    for c in self
                        .evaluate(Some(each), &resp)
                        .into_iter()
                        .filter(|c| !c.passed())
                    {
                        let key = format!("{}|{}", c.check, c.expected);
                        each_failures.entry(key).or_insert((c, 0)).1 += 1;
                    }
                }
                if let Some(until) = &rep.value.until {
                    if satisfied.is_none()
                        && self.evaluate(Some(until), &resp).iter().all(|c| c.passed())
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
                    status: crate::results::CheckStatus::Failed,
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

    pub(super) async fn poll(
        &mut self,
        req: &Spanned<Request>,
        step: &Step,
        poll: &Spanned<Poll>,
        timeout: Option<Duration>,
        res: &mut StepResult,
    ) -> Result<(), RunError> {
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
            let passed = checks.iter().all(|c| c.passed());
            // A check that cannot be judged will not be judged on the next attempt either.
            let errored = checks.iter().any(CheckOutcome::is_errored);
            if passed || errored || started.elapsed() + interval > limit {
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
}
