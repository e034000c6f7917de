//! Webhook steps: `subscribe_webhooks`, `expect_webhook` and `webhook_reply`.
use super::request::{describe_capture, first_node};
use super::*;

impl ScenarioRun<'_> {
    pub(super) fn receiver(&self) -> Result<&crate::webhook::Receiver, RunError> {
        self.target.receiver.as_ref().ok_or_else(|| {
            RunError::webhook(
                "reach the webhook receiver",
                self.step_at.clone(),
                format!(
                    "no webhook receiver runs for environment `{}` (it needs the `webhooks` capability)",
                    self.target.env.name
                ),
            )
        })
    }

    pub(super) async fn subscribe(
        &mut self,
        sub: &Spanned<WebhookSubscribe>,
        res: &mut StepResult,
    ) -> Result<(), RunError> {
        let receiver = self.receiver()?;
        let auth = match &sub.value.auth {
            None => AuthSelector::Default,
            Some(a) => match a.value.parse::<AuthSelector>() {
                Ok(sel @ (AuthSelector::Default | AuthSelector::Named(_))) => sel,
                Ok(other) => {
                    return Err(RunError::invalid(
                        format!(
                        "`subscribe_webhooks.auth` is `{other}`: name a client of the environment"
                    ),
                        self.loc(a),
                    ))
                }
                Err(e) => {
                    return Err(RunError::invalid(
                        format!("`subscribe_webhooks.auth`: {e}"),
                        self.loc(a),
                    ))
                }
            },
        };
        // Deliveries signed with the new secret may arrive before the answer that names it.
        let _pending = receiver.expect_secret();
        // A path of its own, so deliveries to it can be told from other subscriptions'.
        let (url, tag) = receiver.subscription_url();
        let body = serde_json::json!({ "url": url.as_str(), "events": sub.value.events });
        let (ex, resp) = self
            .simple_request(reqwest::Method::POST, "/api/v1/webhooks", Some(body), &auth)
            .await?;
        res.exchanges.push(ex);
        res.attempts += 1;
        if resp.status != 201 {
            res.checks.push(CheckOutcome {
                status: crate::results::CheckStatus::Failed,
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
                status: crate::results::CheckStatus::Failed,
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
        self.subscriptions.insert(id.clone(), tag);
        self.cleanups.push(Cleanup::DeleteWebhook { id, auth });
        Ok(())
    }

    /// The receiver path tag of the subscription a step names (`subscription:`), which must
    /// be one this scenario made.
    fn subscription_tag(&self, s: Option<&Spanned<String>>) -> Result<Option<String>, RunError> {
        let Some(s) = s else { return Ok(None) };
        let id = self.render_str_at(&s.value, "the subscription", s)?;
        match self.subscriptions.get(id.trim()) {
            Some(tag) => Ok(Some(tag.clone())),
            None => Err(RunError::invalid(
                format!(
                    "`subscription` is `{}`: not a subscription made by a `subscribe_webhooks` step of this scenario{}",
                    crate::source::escape::one_line(&id, 120),
                    if self.subscriptions.is_empty() {
                        String::new()
                    } else {
                        format!(
                            " (made: {})",
                            self.subscriptions.keys().cloned().collect::<Vec<_>>().join(", ")
                        )
                    }
                ),
                self.loc(s),
            )),
        }
    }

    /// Every `where` check typed, its templates rendered now, so matching needs no
    /// variables later.
    pub(super) fn rendered_checks(
        &self,
        checks: &[Spanned<Check>],
    ) -> Result<Vec<TypedCheck>, RunError> {
        let render = self.check_render();
        let mut out = Vec::with_capacity(checks.len());
        for c in checks {
            let typed = typed_check(c, CheckMode::Path)
                .map_err(|p| RunError::invalid(p.to_string(), self.loc(c)))?;
            let rendered = typed.rendered(&render).map_err(|(at, why)| {
                let at = SourceLocation {
                    file: self.file().to_string(),
                    line: at.line(),
                    column: at.column(),
                };
                match why {
                    RenderFailure::Template(e) => RunError::template("a `where` check", at, e),
                    RenderFailure::Invalid(m) => {
                        RunError::invalid(format!("a `where` check once rendered: {m}"), at)
                    }
                }
            })?;
            out.push(rendered);
        }
        Ok(out)
    }

    pub(super) async fn expect_webhook(
        &mut self,
        exp: &Spanned<WebhookExpect>,
        res: &mut StepResult,
    ) -> Result<(), RunError> {
        let receiver = self.receiver()?;
        let e = &exp.value;
        let event = self.render_str_at(&e.event.value, "the webhook event", &e.event)?;
        let checks = self.rendered_checks(&e.where_)?;
        let within = match &e.within {
            None => DEFAULT_WEBHOOK_WITHIN,
            Some(w) => self.duration_at(w, "expect_webhook.within")?,
        };
        let scale = match &e.schedule_scale {
            None => 1.0,
            Some(v) => {
                let rendered = self.render_at(&v.value, "schedule_scale", v)?;
                let n = match &rendered {
                    Value::Number(n) => n.as_f64(),
                    Value::String(t) => t.trim().parse::<f64>().ok(),
                    _ => None,
                };
                match n {
                    Some(f) if f.is_finite() && f >= 0.0 => f,
                    _ => {
                        return Err(RunError::invalid(
                            format!(
                                "schedule_scale must be a non-negative number, got {}",
                                check::brief(&rendered)
                            ),
                            self.loc(v),
                        ))
                    }
                }
            }
        };
        let file = self.file().to_string();
        let tag = self.subscription_tag(e.subscription.as_ref())?;
        let matcher = delivery_matcher(event.clone(), checks, file, tag);
        if e.retries_stopped {
            let gaps: Vec<Duration> = e
                .schedule
                .iter()
                .flatten()
                .map(|g| g.0.mul_f64(scale))
                .collect();
            let tolerance = e.tolerance.map(|t| t.0);
            return self
                .expect_retries_stopped(exp, &event, &*matcher, &gaps, tolerance, res)
                .await;
        }
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
        self.record_deliveries(&seen, res);
        if let (Some(contract), true) = (&self.target.contract, self.contract_on) {
            for d in seen.iter().filter(|d| d.is_valid()) {
                let (Some(kind), Some(json)) = (&d.event_type, &d.json) else {
                    continue;
                };
                for mut c in contract
                    .check_webhook(kind, json)
                    .into_iter()
                    .filter(|c| !c.passed())
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
                status: crate::results::CheckStatus::judged(passed),
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
                let window = GapWindow::new(want, e.tolerance.map(|t| t.0));
                let expected = format!(
                    "attempt {} {} after attempt {} ({})",
                    i + 2,
                    humantime::format_duration(want),
                    i + 1,
                    window.describe()
                );
                let (passed, actual) = match gaps.get(i) {
                    Some(g) => (window.admits(*g, want), format!("{} ms", g.as_millis())),
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
        if seen.iter().any(|d| d.is_valid()) {
            for (name, cap) in &e.capture {
                // The first valid delivery, or the first valid one of the attempt named.
                let Some(first) = seen
                    .iter()
                    .filter(|d| d.is_valid())
                    .find(|d| cap.value.attempt.is_none_or(|n| d.attempt == n))
                else {
                    res.checks.push(CheckOutcome {
                        status: crate::results::CheckStatus::Failed,
                        check: format!("capture {name}"),
                        expected: format!(
                            "attempt {} of the event",
                            cap.value.attempt.unwrap_or(1)
                        ),
                        actual: format!("only attempts up to {} arrived", max_attempts(&seen)),
                        location: Some(self.loc(cap)),
                        detail: None,
                    });
                    continue;
                };
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
                        status: crate::results::CheckStatus::Failed,
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

    pub(super) fn webhook_reply(
        &mut self,
        reply: &Spanned<WebhookReply>,
        res: &mut StepResult,
    ) -> Result<(), RunError> {
        let receiver = self.receiver()?;
        let r = &reply.value;
        let event = self.render_str_at(&r.event.value, "the webhook event", &r.event)?;
        let checks = self.rendered_checks(&r.where_)?;
        let tag = self.subscription_tag(r.subscription.as_ref())?;
        let matcher = delivery_matcher(event.clone(), checks, self.file().to_string(), tag);
        let status = r.status.unwrap_or(500);
        let delay = match &r.delay {
            None => Duration::ZERO,
            Some(d) => self.duration_at(d, "webhook_reply.delay")?,
        };
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

impl ScenarioRun<'_> {
    /// A step's duration, its template (if any) rendered now and read as a duration.
    fn duration_at(&self, d: &Spanned<DurationTemplate>, what: &str) -> Result<Duration, RunError> {
        match &d.value {
            DurationTemplate::Fixed(v) => Ok(*v),
            DurationTemplate::Template(t) => {
                let text = self.render_str_at(t, what, d)?;
                crate::source::parse_duration_text(&text).map_err(|e| {
                    RunError::invalid(format!("`{what}` `{t}` rendered to {e}"), self.loc(d))
                })
            }
        }
    }
}

type Matcher = Arc<dyn Fn(&Delivery) -> bool + Send + Sync>;

pub(super) fn delivery_matcher(
    event: String,
    checks: Vec<TypedCheck>,
    file: String,
    subscription: Option<String>,
) -> Matcher {
    Arc::new(move |d: &Delivery| {
        if d.event_type.as_deref() != Some(event.as_str()) {
            return false;
        }
        if subscription.as_ref().is_some_and(|tag| !d.sent_to(tag)) {
            return false;
        }
        // Rendered already: the operands are values, nothing is left to render.
        let identity = |v: &Value| Ok::<Value, TemplateError>(v.clone());
        let ctx = CheckContext {
            file: &file,
            render: &identity,
            fixtures_dir: std::path::Path::new("."),
            contract: None,
        };
        checks.iter().all(|c| {
            let json = d
                .json
                .as_ref()
                .ok_or_else(|| "the payload is not JSON".to_string());
            check::check_body_path(json, c, &ctx)
                .iter()
                .all(|o| o.passed())
        })
    })
}

/// How far an attempt may be from its `schedule` gap: `early` before it, `late` after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct GapWindow {
    pub early: Duration,
    pub late: Duration,
}

/// Slack for a late attempt beyond half the gap: the sender's own delay between an answer and
/// its next attempt (timers and queues on a loaded machine), which is never early.
const SENDER_SLACK: Duration = Duration::from_secs(1);

impl GapWindow {
    /// `tolerance` given: that much either way. Not given: early by at most half the gap plus
    /// 200 ms (a retry that comes early hammers a failing receiver: the sender's fault), late
    /// by at most half the gap plus 1 s (a loaded sender is late, and on a scaled schedule its
    /// delay is as long as the gaps themselves).
    pub(super) fn new(gap: Duration, tolerance: Option<Duration>) -> Self {
        match tolerance {
            Some(t) => Self { early: t, late: t },
            None => Self {
                early: gap / 2 + Duration::from_millis(200),
                late: gap / 2 + SENDER_SLACK,
            },
        }
    }

    pub(super) fn admits(&self, gap: Duration, want: Duration) -> bool {
        if gap < want {
            want - gap <= self.early
        } else {
            gap - want <= self.late
        }
    }

    /// "± 350ms", or "-350ms/+1s 150ms" when the two sides differ.
    pub(super) fn describe(&self) -> String {
        if self.early == self.late {
            format!("± {}", humantime::format_duration(self.early))
        } else {
            format!(
                "-{}/+{}",
                humantime::format_duration(self.early),
                humantime::format_duration(self.late)
            )
        }
    }
}

pub(super) fn distinct_ids(ds: &[Delivery]) -> usize {
    ds.iter()
        .filter(|d| d.is_valid())
        .filter_map(|d| d.event_id.as_deref())
        .collect::<BTreeSet<_>>()
        .len()
}

/// Gaps between consecutive valid attempts of the event id with the most attempts.
pub(super) fn attempt_gaps(ds: &[Delivery]) -> Vec<Duration> {
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

pub(super) fn max_attempts(ds: &[Delivery]) -> usize {
    let mut per: BTreeMap<&str, usize> = BTreeMap::new();
    for d in ds.iter().filter(|d| d.is_valid()) {
        if let Some(id) = &d.event_id {
            *per.entry(id.as_str()).or_default() += 1;
        }
    }
    per.values().copied().max().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn the_default_window_allows_a_late_sender_more_than_an_early_one() {
        let w = GapWindow::new(MS(300), None);
        assert_eq!((w.early, w.late), (MS(350), MS(1150)));
        // A loaded sender's retry 400 ms late passes, up to 1.15 s late.
        assert!(w.admits(MS(700), MS(300)));
        assert!(w.admits(MS(1450), MS(300)));
        assert!(!w.admits(MS(1451), MS(300)));
        let w = GapWindow::new(MS(1500), None);
        assert!(w.admits(MS(550), MS(1500)));
        assert!(!w.admits(MS(549), MS(1500)));
        // The fixed-gap fault: the second retry after 300 ms instead of 1.5 s.
        assert!(!w.admits(MS(300), MS(1500)));
        assert_eq!(w.describe(), "-950ms/+1s 750ms");
    }

    #[test]
    fn a_given_tolerance_is_the_same_either_way() {
        let w = GapWindow::new(MS(300), Some(MS(100)));
        assert!(w.admits(MS(200), MS(300)) && w.admits(MS(400), MS(300)));
        assert!(!w.admits(MS(199), MS(300)) && !w.admits(MS(401), MS(300)));
        assert_eq!(w.describe(), "± 100ms");
    }
}
